/*
 * Veridian: memory management (the Memory Management part of the
 * VeridianOS kernel API, see README.md and docs/memory.md).
 *
 * Three layers, each usable on its own:
 *
 *   Physical frames  (core/mm/frame*.c)  allocate_frames / free_frames /
 *       memory_stats.  A buddy allocator per zone over the firmware's
 *       memory map minus every reserved range.
 *   Page tables      (core/mm/vm.c)      map_page / unmap_page.  The
 *       portable checks live here; the per-arch entry format is the HAL's
 *       hal_pt_* (include/veridian/hal.h).
 *   Kernel heap      (core/mm/heap.c, slab.c)  the KernelAllocator
 *       interface: slabs for small sizes, whole frames for large ones.
 *
 * All functions are safe to call from any CPU with interrupts enabled or
 * disabled; each zone and each slab size class has its own spinlock.
 */
#ifndef VERIDIAN_MM_H
#define VERIDIAN_MM_H

#include <veridian/hal.h>
#include <veridian/types.h>

/* ------------------------------------------------------------------ */
/* Physical frames                                                     */
/* ------------------------------------------------------------------ */

/*
 * Zones as in the VeridianOS kernel API.  On 64-bit: Dma is RAM below
 * 16 MiB, Normal is all RAM above it, High is always empty (it exists for
 * 32-bit machines).  A request names the highest zone the caller accepts:
 * Normal falls back to Dma when Normal is exhausted, High to Normal then
 * Dma, Dma only to itself.
 */
enum vd_mem_zone {
	VD_ZONE_DMA = 0,
	VD_ZONE_NORMAL = 1,
	VD_ZONE_HIGH = 2,
};
#define VD_ZONE_COUNT	  3
#define VD_ZONE_DMA_LIMIT ((paddr_t)16 << 20)

/* A physical frame: number = physical address / VD_PAGE_SIZE (PhysFrame). */
struct vd_frame {
	size_t number;
};

static inline paddr_t vd_frame_addr(struct vd_frame f)
{
	return (paddr_t)f.number << VD_PAGE_SHIFT;
}

static inline struct vd_frame vd_frame_of(paddr_t pa)
{
	return (struct vd_frame){(size_t)(pa >> VD_PAGE_SHIFT)};
}

/* Largest block the buddy allocator manages: 2^10 frames = 4 MiB. */
#define VD_FRAME_MAX_ORDER 10
#define VD_FRAME_MAX_COUNT ((size_t)1 << VD_FRAME_MAX_ORDER)

/*
 * allocate_frames: `count` (1..VD_FRAME_MAX_COUNT) physically contiguous
 * frames, naturally aligned: the first frame number is a multiple of the
 * smallest power of two >= count.  Exactly `count` frames are taken; the
 * rest of the power-of-two block stays free.  Contents are not cleared.
 * Errors: VD_ERR_INVALID_PARAMETER (count 0 or too big, bad zone, NULL
 * out), VD_ERR_OUT_OF_MEMORY.
 */
vd_err_t vd_frame_alloc(size_t count, enum vd_mem_zone zone,
			struct vd_frame *out);
/* Successful vd_frame_alloc calls since boot, all CPUs (metrics.h). */
uint64_t vd_frame_alloc_calls(void);

/*
 * free_frames: give back [f, f + count).  Any sub-range of an allocation
 * may be freed.  Nothing changes if a single frame of the range is bad:
 * VD_ERR_MEM_DOUBLE_FREE if one is already free, VD_ERR_INVALID_PARAMETER
 * if one was never allocatable (outside RAM, kernel image, firmware,
 * allocator metadata) or the range is empty or crosses a RAM boundary.
 * Bad frees are also logged on the console.
 */
vd_err_t vd_frame_free(struct vd_frame f, size_t count);

/* ZoneStatistics: frame counts of one zone. */
struct vd_zone_stats {
	size_t total_frames;	 /* RAM frames in the zone */
	size_t free_frames;	 /* allocatable now */
	size_t allocated_frames; /* handed out */
	size_t reserved_frames;	 /* never allocatable (firmware, kernel...) */
	size_t free_blocks[VD_FRAME_MAX_ORDER + 1]; /* buddy blocks by order */
	size_t cached_frames; /* free frames parked in the order-0 cache */
};

/* MemoryStatistics.  total = free + allocated + reserved, per zone too. */
struct vd_memory_stats {
	size_t total_frames;
	size_t free_frames;
	size_t allocated_frames;
	size_t reserved_frames;
	struct vd_zone_stats zone_stats[VD_ZONE_COUNT];
};

void vd_memory_stats(struct vd_memory_stats *out);

/*
 * Return every frame parked in the per-zone order-0 caches to the buddy
 * lists, so they can coalesce.  Allocation does this by itself before it
 * reports VD_ERR_OUT_OF_MEMORY; tests and statistics use it directly.
 */
void vd_frame_drain_caches(void);

const char *vd_zone_name(enum vd_mem_zone zone);

/* ------------------------------------------------------------------ */
/* Commit: frames set aside for lazily backed user memory (commit.c)   */
/* ------------------------------------------------------------------ */

/*
 * Free frames a commit charge never takes: the kernel's own share (its
 * heap, and page tables a first touch may still need).
 */
#define VD_COMMIT_KERNEL_RESERVE ((size_t)256)

/*
 * Set `frames` frames aside for pages that will be backed on their first
 * touch, taking them from the allocator now.  VD_ERR_OUT_OF_MEMORY (and
 * nothing set aside) if that would leave fewer than
 * VD_COMMIT_KERNEL_RESERVE frames free.  The caller counts what it
 * charged and gives back what it did not draw (vd_commit_release).
 */
vd_err_t vd_commit_charge(size_t frames);
/* Give `frames` charged and undrawn frames back to the allocator. */
void vd_commit_release(size_t frames);
/* One charged frame for a first touch (never fails: it was charged);
 * not zeroed.  vd_commit_undraw puts one back, still charged. */
struct vd_frame vd_commit_draw(void);
void vd_commit_undraw(struct vd_frame f);
/* Frames set aside and not yet drawn, over all owners (tests). */
size_t vd_commit_pooled(void);

/* ------------------------------------------------------------------ */
/* Page tables                                                         */
/* ------------------------------------------------------------------ */

/* PageTable: an address space, named by the frame of its root table. */
struct vd_page_table {
	paddr_t root_frame;
};

/* A new address space sharing the kernel half / destroy one (leaf frames
 * are not freed: they belong to whoever mapped them). */
vd_err_t vd_page_table_create(struct vd_page_table *pt);
void vd_page_table_destroy(struct vd_page_table *pt);
/* The kernel's own address space. */
struct vd_page_table vd_kernel_page_table(void);

/*
 * map_page: map the page at `va` to frame f with `flags` (VD_PTE_*, see
 * hal.h).  With VD_PTE_HUGE the mapping covers VD_HUGE_PAGE_SIZE and both
 * va and the frame must be aligned to it.  Intermediate tables are
 * allocated as needed.
 * Errors: VD_ERR_INVALID_PARAMETER (NULL pt, unaligned va or frame,
 * unknown flag bits, address outside the page table's range),
 * VD_ERR_MEM_ALREADY_MAPPED, VD_ERR_OUT_OF_MEMORY.
 */
vd_err_t vd_map_page(struct vd_page_table *pt, vaddr_t va, struct vd_frame f,
		     uint32_t flags);

/*
 * unmap_page: remove the mapping at va (a 4 KiB page or a whole huge page),
 * flush it from the TLB, free intermediate tables that became empty, and
 * return the frame that was mapped.  VD_ERR_MEM_NOT_MAPPED if none.
 */
vd_err_t vd_unmap_page(struct vd_page_table *pt, vaddr_t va,
		       struct vd_frame *out);

/* Look up va: the 4 KiB frame backing it (inside a huge page too: the
 * huge page's first frame plus va's page offset in it) and the mapping's
 * VD_PTE_* flags, including hardware-set accessed/dirty. */
vd_err_t vd_query_page(const struct vd_page_table *pt, vaddr_t va,
		       struct vd_frame *frame_out, uint32_t *flags_out);
/* Change the flags of an existing mapping and flush its TLB entry. */
vd_err_t vd_protect_page(struct vd_page_table *pt, vaddr_t va, uint32_t flags);

/* ------------------------------------------------------------------ */
/* Kernel heap                                                         */
/* ------------------------------------------------------------------ */

/* Sizes up to this many bytes (and alignments up to it) come from slabs;
 * anything larger is backed by whole frames. */
#define VD_HEAP_SLAB_MAX 1024

/*
 * KernelAllocator.allocate: `size` bytes aligned to `align` (a power of
 * two; page-backed blocks are aligned to their power-of-two size, so
 * large alignments work too).  Contents are not cleared.
 * Errors: VD_ERR_INVALID_PARAMETER (size 0, align not a power of two,
 * size beyond VD_FRAME_MAX_COUNT pages, NULL out), VD_ERR_OUT_OF_MEMORY.
 */
vd_err_t vd_heap_alloc(size_t size, size_t align, void **out);
/*
 * KernelAllocator.deallocate with the size and align given to allocate.
 * Returns VD_ERR_MEM_DOUBLE_FREE or VD_ERR_INVALID_PARAMETER (pointer not
 * from the heap, wrong size) instead of corrupting anything; such frees
 * are logged and counted in bad_free_count.  NULL is ignored.
 */
vd_err_t vd_heap_free(void *p, size_t size, size_t align);

/* AllocatorStats.  Byte counts are of usable block sizes (the size class
 * for slab objects, whole pages for large blocks). */
struct vd_allocator_stats {
	size_t total_allocated;	  /* bytes, cumulative */
	size_t total_freed;	  /* bytes, cumulative */
	size_t current_allocated; /* bytes in use now */
	size_t peak_allocated;	  /* highest current_allocated seen */
	size_t allocation_count;
	size_t free_count;
	size_t bad_free_count; /* rejected frees (beyond the API) */
};

void vd_heap_stats(struct vd_allocator_stats *out);

/* Give the calling CPU's cached free objects back to their slabs and
 * return empty slabs to the frame allocator.  The heap does this by itself
 * before it reports VD_ERR_OUT_OF_MEMORY; tests use it to check leaks. */
void vd_heap_drain_caches(void);

/* Convenience for subsystems: zeroed memory, 16-byte aligned (or aligned to
 * the power of two >= size for size <= VD_HEAP_SLAB_MAX); NULL on failure
 * or size 0.  vd_kfree needs no size: the heap knows it. */
void *vd_kzalloc(size_t size);
void vd_kfree(void *p);

/* ------------------------------------------------------------------ */
/* Start-up                                                            */
/* ------------------------------------------------------------------ */

/* Frames from bi->mem minus bi->reserved (and the initrd), then the heap.
 * May be called again (host tests) to start from scratch. */
void vd_mm_init(const struct vd_boot_info *bi);

#endif /* VERIDIAN_MM_H */
