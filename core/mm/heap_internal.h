/*
 * Kernel heap internals shared by heap.c (the KernelAllocator interface,
 * large blocks, statistics) and slab.c (small objects).
 */
#ifndef CORE_MM_HEAP_INTERNAL_H
#define CORE_MM_HEAP_INTERNAL_H

#include <veridian/mm.h>

/* Slab size classes are the powers of two 2^SLAB_MIN_SHIFT ..
 * 2^SLAB_MAX_SHIFT (16 .. 1024 bytes). */
#define SLAB_MIN_SHIFT 4
#define SLAB_MAX_SHIFT 10
#define SLAB_CLASSES   (SLAB_MAX_SHIFT - SLAB_MIN_SHIFT + 1)

_Static_assert(((size_t)1 << SLAB_MAX_SHIFT) == VD_HEAP_SLAB_MAX,
	       "largest slab class must be VD_HEAP_SLAB_MAX");

/* Start empty: slabs, large blocks, statistics (vd_mm_init). */
void heap_init(void);

/* Forget every slab (vd_mm_init; the frames were reset under them). */
void slab_init(void);

/* One object of 2^shift bytes, aligned to 2^shift, never page-aligned. */
vd_err_t slab_alloc(unsigned shift, void **out);

/*
 * Free a slab object.  shift is the class the caller believes p has, or 0
 * to take it from the slab (vd_kfree).  On success *shift_out says which
 * class p was in.  VD_ERR_INVALID_PARAMETER if p is no slab object (or of
 * another class), VD_ERR_MEM_DOUBLE_FREE if it is already free.
 */
vd_err_t slab_free(void *p, unsigned shift, unsigned *shift_out);

/* Give the calling CPU's magazines back to the slabs and free every
 * spare slab (out-of-memory path; tests). */
void slab_drain_magazines(void);

/* Frames currently held by slabs (for tests and leak checks). */
size_t slab_frames(void);

#endif /* CORE_MM_HEAP_INTERNAL_H */
