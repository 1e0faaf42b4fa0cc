/*
 * Physical frame allocator: a binary buddy allocator per zone.
 *
 * A free block of order k is 2^k frames, aligned to 2^k in frame numbers.
 * Its first frame holds the list node linking it into free_list[k] of its
 * zone; `nonempty` has bit k set while that list is not empty, so finding
 * the smallest block that fits is one count-trailing-zeros.  Allocation
 * takes a block of order >= the request and splits off halves (each half a
 * free block one order lower) until the order fits; freeing merges a block
 * with its buddy (the block at n ^ 2^k) for as long as the buddy is free
 * and whole.  The state byte per frame (see frame_internal.h) says which
 * frames head a free block of which order.
 *
 * Requests for `count` frames use the smallest order with 2^order >= count
 * (natural alignment) and release the unused tail of the block at once,
 * so exactly `count` frames are marked allocated and any sub-range of an
 * allocation can be freed on its own.
 *
 * Single frames freed are parked in a small per-zone cache (a stack of up
 * to FRAME_CACHE_MAX frames) and handed out again first: this keeps the
 * common alloc/free of one frame at O(1) instead of a split and merge
 * across all orders.  The cache is emptied into the buddy lists before any
 * allocation reports out-of-memory, so it never makes a request fail.
 */
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#include "frame_internal.h"

struct frame_area frame_areas[FRAME_MAX_AREAS];
unsigned frame_area_count;
struct frame_zone frame_zones[VD_ZONE_COUNT];

static const char *const zone_names[VD_ZONE_COUNT] = { "DMA", "Normal",
						       "High" };

const char *vd_zone_name(enum vd_mem_zone zone)
{
	return (unsigned)zone < VD_ZONE_COUNT ? zone_names[zone] : "?";
}

static inline void *frame_ptr(size_t n)
{
	return vd_phys_to_virt((paddr_t)n << VD_PAGE_SHIFT);
}

static inline size_t frame_number_of(const void *p)
{
	return (size_t)(vd_virt_to_phys(p) >> VD_PAGE_SHIFT);
}

static inline uint8_t *frame_state(struct frame_area *a, size_t n)
{
	return &a->state[n - a->first];
}

/* Smallest order whose block holds `count` frames (count >= 1). */
static inline unsigned order_for(size_t count)
{
	if (count <= 1)
		return 0;
	return (unsigned)(sizeof(long) * 8) - (unsigned)__builtin_clzl(count - 1);
}

static struct frame_area *area_in_zone(struct frame_zone *z, size_t n)
{
	unsigned end = z->first_area + z->area_count;

	for (unsigned i = z->first_area; i < end; i++) {
		struct frame_area *a = &frame_areas[i];
		if (n - a->first < a->count)
			return a;
	}
	return NULL;
}

static struct frame_area *area_of(size_t n)
{
	for (unsigned i = 0; i < frame_area_count; i++) {
		struct frame_area *a = &frame_areas[i];
		if (n - a->first < a->count)
			return a;
	}
	return NULL;
}

enum frame_status frame_status(size_t n)
{
	struct frame_area *a = area_of(n);
	uint8_t s;

	if (!a)
		return FRAME_UNMANAGED;
	s = __atomic_load_n(frame_state(a, n), __ATOMIC_RELAXED);
	if (s == FS_ALLOCATED)
		return FRAME_ALLOCATED;
	return s == FS_RESERVED ? FRAME_UNMANAGED : FRAME_FREE;
}

static void list_push(struct frame_zone *z, size_t n, unsigned order)
{
	struct free_block *b = frame_ptr(n);

	vd_list_add(&z->free_list[order], &b->link);
	z->nonempty |= 1ul << order;
	z->blocks[order]++;
}

static void list_unlink(struct frame_zone *z, struct free_block *b,
			unsigned order)
{
	vd_list_remove(&b->link);
	if (vd_list_empty(&z->free_list[order]))
		z->nonempty &= ~(1ul << order);
	z->blocks[order]--;
}

/*
 * Put the free block [n, n + 2^order) on its list, first merging it with
 * its buddy as long as the buddy is a free block of the same order inside
 * the same area.  The block's frames are already FS_FREE_TAIL.
 */
static void free_block(struct frame_zone *z, struct frame_area *a, size_t n,
		       unsigned order)
{
	while (order < VD_FRAME_MAX_ORDER) {
		size_t buddy = n ^ ((size_t)1 << order);
		if (buddy - a->first >= a->count)
			break; /* outside the area (below first wraps) */
		uint8_t *bs = frame_state(a, buddy);
		if (*bs != order)
			break;
		list_unlink(z, frame_ptr(buddy), order);
		*bs = FS_FREE_TAIL;
		n &= ~((size_t)1 << order);
		order++;
	}
	*frame_state(a, n) = (uint8_t)order;
	list_push(z, n, order);
}

void frame_release_range(struct frame_zone *z, struct frame_area *a, size_t n,
			 size_t count)
{
	size_t end = n + count;

	vd_memset(frame_state(a, n), FS_FREE_TAIL, count);
	/* Cut the range into the largest aligned blocks that fit. */
	while (n < end) {
		unsigned order = n ? (unsigned)__builtin_ctzl(n)
				   : VD_FRAME_MAX_ORDER;
		if (order > VD_FRAME_MAX_ORDER)
			order = VD_FRAME_MAX_ORDER;
		while (n + ((size_t)1 << order) > end)
			order--;
		free_block(z, a, n, order);
		n += (size_t)1 << order;
	}
}

/* Return every cached single frame to the buddy lists. */
static void cache_drain(struct frame_zone *z)
{
	while (z->cache) {
		struct cached_frame *c = z->cache;
		size_t n = frame_number_of(c);
		struct frame_area *a = area_in_zone(z, n);

		z->cache = c->next;
		*frame_state(a, n) = FS_FREE_TAIL;
		free_block(z, a, n, 0);
	}
	z->cached = 0;
}

void vd_frame_drain_caches(void)
{
	for (unsigned i = 0; i < VD_ZONE_COUNT; i++) {
		struct frame_zone *z = &frame_zones[i];
		hal_irqstate_t st = vd_spin_lock_irqsave(&z->lock);
		cache_drain(z);
		vd_spin_unlock_irqrestore(&z->lock, st);
	}
}

/*
 * Take a free block of at least `order` from the buddy lists and split it
 * down to exactly `order`.  Returns its first frame, or false if no block
 * is large enough.  The list node's frame must head a free block of the
 * list's order: anything else means someone wrote to a free frame.
 */
static bool buddy_take(struct frame_zone *z, unsigned order, size_t *out,
		       struct frame_area **area_out)
{
	unsigned long avail = z->nonempty >> order;

	if (!avail)
		return false;
	unsigned k = order + (unsigned)__builtin_ctzl(avail);
	struct free_block *b =
		VD_LIST_ENTRY(z->free_list[k].next, struct free_block, link);
	size_t n = frame_number_of(b);
	struct frame_area *a = area_in_zone(z, n);

	if (!a || *frame_state(a, n) != k)
		vd_panic("mm: free list of zone %s corrupted at frame %#zx "
			 "(write after free?)",
			 zone_names[z - frame_zones], n);
	list_unlink(z, b, k);
	while (k > order) {
		k--;
		size_t half = n + ((size_t)1 << k);
		*frame_state(a, half) = (uint8_t)k;
		list_push(z, half, k);
	}
	*out = n;
	*area_out = a;
	return true;
}

/* Allocate from one zone; z->lock held. */
static bool zone_alloc(struct frame_zone *z, size_t count, unsigned order,
		       size_t *out)
{
	struct frame_area *a;
	size_t n;

	if (order == 0 && z->cache) {
		struct cached_frame *c = z->cache;
		z->cache = c->next;
		z->cached--;
		n = frame_number_of(c);
		a = area_in_zone(z, n);
		if (!a || *frame_state(a, n) != FS_CACHED)
			vd_panic("mm: frame cache of zone %s corrupted at "
				 "%#zx",
				 zone_names[z - frame_zones], n);
	} else if (!buddy_take(z, order, &n, &a)) {
		if (!z->cached)
			return false;
		cache_drain(z);
		if (!buddy_take(z, order, &n, &a))
			return false;
	}
	vd_memset(frame_state(a, n), FS_ALLOCATED, count);
	if (count < ((size_t)1 << order))
		frame_release_range(z, a, n + count,
				    ((size_t)1 << order) - count);
	z->free -= count;
	z->allocated += count;
	*out = n;
	return true;
}

vd_err_t vd_frame_alloc(size_t count, enum vd_mem_zone zone,
			struct vd_frame *out)
{
	if (!out || count == 0 || count > VD_FRAME_MAX_COUNT ||
	    (unsigned)zone >= VD_ZONE_COUNT)
		return VD_ERR_INVALID_PARAMETER;

	unsigned order = order_for(count);

	/* The named zone first, then the zones below it. */
	for (int zi = (int)zone; zi >= 0; zi--) {
		struct frame_zone *z = &frame_zones[zi];
		size_t n;
		bool ok;

		/* Unlocked peek: only skips zones that cannot help. */
		if (__atomic_load_n(&z->free, __ATOMIC_RELAXED) < count)
			continue;
		hal_irqstate_t st = vd_spin_lock_irqsave(&z->lock);
		ok = zone_alloc(z, count, order, &n);
		vd_spin_unlock_irqrestore(&z->lock, st);
		if (ok) {
			out->number = n;
			return VD_OK;
		}
	}
	return VD_ERR_OUT_OF_MEMORY;
}

/* Check that every frame of [n, n + count) is allocated; z->lock held. */
static vd_err_t check_allocated(struct frame_area *a, size_t n, size_t count,
				size_t *bad)
{
	const uint8_t *s = frame_state(a, n);

	for (size_t i = 0; i < count; i++) {
		if (VD_LIKELY(s[i] == FS_ALLOCATED))
			continue;
		*bad = n + i;
		return s[i] == FS_RESERVED ? VD_ERR_INVALID_PARAMETER
					   : VD_ERR_MEM_DOUBLE_FREE;
	}
	return VD_OK;
}

static void log_bad_free(vd_err_t err, size_t n, size_t count, size_t bad)
{
	kprintf("mm: bad free of frames [%#llx, +%zu): %s at frame %#llx\n",
		(unsigned long long)((paddr_t)n << VD_PAGE_SHIFT), count,
		err == VD_ERR_MEM_DOUBLE_FREE ? "already free"
					      : "never allocatable",
		(unsigned long long)((paddr_t)bad << VD_PAGE_SHIFT));
}

vd_err_t vd_frame_free(struct vd_frame f, size_t count)
{
	size_t n = f.number, bad = n;
	struct frame_area *a = area_of(n);
	vd_err_t err;

	if (count == 0 || !a || count > a->count - (n - a->first)) {
		log_bad_free(VD_ERR_INVALID_PARAMETER, n, count,
			     a ? a->first + a->count : n);
		return VD_ERR_INVALID_PARAMETER;
	}

	struct frame_zone *z = &frame_zones[a->zone];
	hal_irqstate_t st = vd_spin_lock_irqsave(&z->lock);

	err = check_allocated(a, n, count, &bad);
	if (err == VD_OK) {
		if (count == 1 && z->cached < FRAME_CACHE_MAX) {
			struct cached_frame *c = frame_ptr(n);
			*frame_state(a, n) = FS_CACHED;
			c->next = z->cache;
			z->cache = c;
			z->cached++;
		} else {
			frame_release_range(z, a, n, count);
		}
		z->free += count;
		z->allocated -= count;
	}
	vd_spin_unlock_irqrestore(&z->lock, st);
	if (err != VD_OK)
		log_bad_free(err, n, count, bad);
	return err;
}

void vd_memory_stats(struct vd_memory_stats *out)
{
	vd_memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < VD_ZONE_COUNT; i++) {
		struct frame_zone *z = &frame_zones[i];
		struct vd_zone_stats *zs = &out->zone_stats[i];
		hal_irqstate_t st = vd_spin_lock_irqsave(&z->lock);

		zs->total_frames = z->total;
		zs->free_frames = z->free;
		zs->allocated_frames = z->allocated;
		zs->reserved_frames = z->reserved;
		zs->cached_frames = z->cached;
		for (unsigned k = 0; k <= VD_FRAME_MAX_ORDER; k++)
			zs->free_blocks[k] = z->blocks[k];
		vd_spin_unlock_irqrestore(&z->lock, st);

		out->total_frames += zs->total_frames;
		out->free_frames += zs->free_frames;
		out->allocated_frames += zs->allocated_frames;
		out->reserved_frames += zs->reserved_frames;
	}
}
