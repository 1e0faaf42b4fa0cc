/*
 * Kernel heap: the KernelAllocator interface (allocate / deallocate /
 * stats) and vd_kzalloc / vd_kfree on top of it.
 *
 * Requests of at most VD_HEAP_SLAB_MAX bytes and alignment go to the slab
 * class of the next power of two (slab.c).  Larger ones take whole frames
 * from the buddy allocator, whose blocks are naturally aligned, so any
 * power-of-two alignment up to the block size comes for free.  A large
 * block is recorded in a small hash table (address -> frame count): that
 * lets vd_kfree work without a size, and lets deallocate check the size
 * and catch double frees before the frames are touched.
 *
 * Statistics are relaxed atomics, so no lock is shared by all classes;
 * peak_allocated is raised with a compare-and-swap when current_allocated
 * passes it.
 */
#include <veridian/list.h>
#include <veridian/printf.h>
#include <veridian/spinlock.h>
#include <veridian/string.h>

#include "frame_internal.h"
#include "heap_internal.h"

#define LARGE_BUCKETS 64

struct large_block {
	struct vd_list link; /* in large_buckets[hash(addr)] */
	void *addr;
	size_t frames;
};

_Static_assert(sizeof(struct large_block) <= (1u << (SLAB_MIN_SHIFT + 1)),
	       "large_block record fits the 32-byte class");

static struct vd_list large_buckets[LARGE_BUCKETS];
static struct vd_spinlock large_lock;

static struct vd_allocator_stats stats;

void heap_init(void)
{
	slab_init();
	vd_spin_init(&large_lock);
	for (unsigned i = 0; i < LARGE_BUCKETS; i++)
		vd_list_init(&large_buckets[i]);
	vd_memset(&stats, 0, sizeof(stats));
}

static inline size_t add(size_t *v, size_t n)
{
	return __atomic_add_fetch(v, n, __ATOMIC_RELAXED);
}

static void account_alloc(size_t bytes)
{
	size_t cur = add(&stats.current_allocated, bytes);
	size_t peak = __atomic_load_n(&stats.peak_allocated, __ATOMIC_RELAXED);

	add(&stats.total_allocated, bytes);
	add(&stats.allocation_count, 1);
	while (cur > peak && !__atomic_compare_exchange_n(
				     &stats.peak_allocated, &peak, cur, true,
				     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void account_free(size_t bytes)
{
	__atomic_sub_fetch(&stats.current_allocated, bytes, __ATOMIC_RELAXED);
	add(&stats.total_freed, bytes);
	add(&stats.free_count, 1);
}

static vd_err_t bad_free(void *p, size_t size, vd_err_t err)
{
	add(&stats.bad_free_count, 1);
	kprintf("mm: bad heap free of %p (size %zu): %s\n", p, size,
		err == VD_ERR_MEM_DOUBLE_FREE
			? "already free"
			: "not a heap block of that size");
	return err;
}

void vd_heap_stats(struct vd_allocator_stats *out)
{
	out->total_allocated =
		__atomic_load_n(&stats.total_allocated, __ATOMIC_RELAXED);
	out->total_freed =
		__atomic_load_n(&stats.total_freed, __ATOMIC_RELAXED);
	out->current_allocated =
		__atomic_load_n(&stats.current_allocated, __ATOMIC_RELAXED);
	out->peak_allocated =
		__atomic_load_n(&stats.peak_allocated, __ATOMIC_RELAXED);
	out->allocation_count =
		__atomic_load_n(&stats.allocation_count, __ATOMIC_RELAXED);
	out->free_count = __atomic_load_n(&stats.free_count, __ATOMIC_RELAXED);
	out->bad_free_count =
		__atomic_load_n(&stats.bad_free_count, __ATOMIC_RELAXED);
}

void vd_heap_drain_caches(void)
{
	slab_drain_magazines();
}

static inline bool is_slab_request(size_t size, size_t align)
{
	return size <= VD_HEAP_SLAB_MAX && align <= VD_HEAP_SLAB_MAX;
}

/* Size class (as a shift) of n = 1 .. VD_HEAP_SLAB_MAX bytes, indexed by
 * (n - 1) / 16: a table lookup, since rv64imac has no count-leading-zeros
 * instruction and the compiler's replacement costs ~30 instructions. */
static const uint8_t class_shift[VD_HEAP_SLAB_MAX >> SLAB_MIN_SHIFT] = {
	[0] = 4,	[1] = 5,	 [2 ... 3] = 6,	   [4 ... 7] = 7,
	[8 ... 15] = 8, [16 ... 31] = 9, [32 ... 63] = 10,
};

static inline unsigned slab_shift(size_t size, size_t align)
{
	return class_shift[(VD_MAX(size, align) - 1) >> SLAB_MIN_SHIFT];
}

/* Frames for a large block: enough for size, and a block big enough that
 * its natural alignment covers align. */
static inline size_t large_frames(size_t size, size_t align)
{
	size_t frames = (size + VD_PAGE_SIZE - 1) >> VD_PAGE_SHIFT;
	size_t align_frames = align >> VD_PAGE_SHIFT;
	return VD_MAX(frames, align_frames);
}

static inline unsigned large_hash(const void *p)
{
	uint64_t k = (uint64_t)(uintptr_t)p >> VD_PAGE_SHIFT;
	return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 58); /* 64 buckets */
}

static vd_err_t large_alloc(size_t frames, void **out)
{
	struct large_block *rec;
	struct vd_frame f;
	hal_irqstate_t st;
	vd_err_t err;

	err = slab_alloc(SLAB_MIN_SHIFT + 1, (void **)&rec);
	if (err != VD_OK)
		return err;
	err = vd_frame_alloc(frames, VD_ZONE_NORMAL, &f);
	if (err == VD_ERR_OUT_OF_MEMORY) {
		slab_drain_magazines(); /* may give whole frames back */
		err = vd_frame_alloc(frames, VD_ZONE_NORMAL, &f);
	}
	if (err != VD_OK) {
		unsigned shift;
		slab_free(rec, SLAB_MIN_SHIFT + 1, &shift);
		return err;
	}
	rec->addr = vd_phys_to_virt(vd_frame_addr(f));
	rec->frames = frames;
	st = vd_spin_lock_irqsave(&large_lock);
	vd_list_add(&large_buckets[large_hash(rec->addr)], &rec->link);
	vd_spin_unlock_irqrestore(&large_lock, st);
	*out = rec->addr;
	return VD_OK;
}

/* Free the large block at p; frames = 0 accepts any size. */
static vd_err_t large_free(void *p, size_t frames, size_t *frames_out)
{
	struct vd_list *bucket = &large_buckets[large_hash(p)], *it;
	struct large_block *rec = NULL;
	hal_irqstate_t st;
	unsigned shift;

	st = vd_spin_lock_irqsave(&large_lock);
	vd_list_for_each(it, bucket)
	{
		struct large_block *r =
			VD_LIST_ENTRY(it, struct large_block, link);
		if (r->addr == p) {
			rec = r;
			break;
		}
	}
	if (rec && (frames == 0 || frames == rec->frames))
		vd_list_remove(&rec->link);
	vd_spin_unlock_irqrestore(&large_lock, st);
	if (!rec) {
		/* Not a live large block: a free frame means a double free. */
		size_t n = (size_t)(vd_virt_to_phys(p) >> VD_PAGE_SHIFT);
		return frame_status(n) == FRAME_FREE ? VD_ERR_MEM_DOUBLE_FREE
						     : VD_ERR_INVALID_PARAMETER;
	}
	if (frames && frames != rec->frames)
		return VD_ERR_INVALID_PARAMETER;

	*frames_out = rec->frames;
	vd_frame_free(vd_frame_of(vd_virt_to_phys(p)), rec->frames);
	slab_free(rec, SLAB_MIN_SHIFT + 1, &shift);
	return VD_OK;
}

vd_err_t vd_heap_alloc(size_t size, size_t align, void **out)
{
	vd_err_t err;
	size_t bytes;

	if (!out || size == 0 || align == 0 || (align & (align - 1)) ||
	    size > VD_FRAME_MAX_COUNT * VD_PAGE_SIZE ||
	    align > VD_FRAME_MAX_COUNT * VD_PAGE_SIZE)
		return VD_ERR_INVALID_PARAMETER;
	if (is_slab_request(size, align)) {
		unsigned shift = slab_shift(size, align);
		err = slab_alloc(shift, out);
		bytes = (size_t)1 << shift;
	} else {
		size_t frames = large_frames(size, align);
		err = large_alloc(frames, out);
		bytes = frames << VD_PAGE_SHIFT;
	}
	if (err == VD_OK)
		account_alloc(bytes);
	return err;
}

vd_err_t vd_heap_free(void *p, size_t size, size_t align)
{
	vd_err_t err;
	size_t bytes;

	if (!p)
		return VD_OK;
	if (size == 0 || align == 0 || (align & (align - 1)) ||
	    size > VD_FRAME_MAX_COUNT * VD_PAGE_SIZE ||
	    align > VD_FRAME_MAX_COUNT * VD_PAGE_SIZE)
		return bad_free(p, size, VD_ERR_INVALID_PARAMETER);
	if (is_slab_request(size, align)) {
		unsigned shift;
		err = slab_free(p, slab_shift(size, align), &shift);
		bytes = (size_t)1 << shift;
	} else {
		size_t frames;
		err = large_free(p, large_frames(size, align), &frames);
		bytes = frames << VD_PAGE_SHIFT;
	}
	if (err != VD_OK)
		return bad_free(p, size, err);
	account_free(bytes);
	return VD_OK;
}

void *vd_kzalloc(size_t size)
{
	void *p;

	if (size == 0 || vd_heap_alloc(size, 1, &p) != VD_OK)
		return NULL;
	vd_memset(p, 0, size);
	return p;
}

void vd_kfree(void *p)
{
	vd_err_t err;
	size_t bytes;

	if (!p)
		return;
	if (VD_IS_ALIGNED((uintptr_t)p, VD_PAGE_SIZE)) {
		size_t frames;
		err = large_free(p, 0, &frames);
		bytes = frames << VD_PAGE_SHIFT;
	} else {
		unsigned shift;
		err = slab_free(p, 0, &shift);
		bytes = (size_t)1 << shift;
	}
	if (err != VD_OK)
		bad_free(p, 0, err);
	else
		account_free(bytes);
}
