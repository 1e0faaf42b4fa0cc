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
 * Single frames freed on a CPU are parked in that CPU's cache (a stack of
 * up to FRAME_CACHE_MAX frames per zone) and handed out again first, with
 * interrupts masked but no lock: the common alloc/free of one frame costs
 * no lock and no split/merge across all orders.  A CPU's cache goes back
 * to the buddy lists when that CPU's allocation would otherwise fail, so
 * the cache never makes a request fail on the CPU that filled it; other
 * CPUs' caches (at most FRAME_CACHE_MAX frames each) are asked to drain
 * at their next allocator call.
 *
 * State bytes change with plain stores under the zone lock, except the
 * ALLOCATED -> CACHED/FREE transition of a free, which is a compare-and-
 * swap: of two CPUs freeing the same frame, exactly one wins and the other
 * gets VD_ERR_MEM_DOUBLE_FREE.
 */
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#include "frame_internal.h"

struct frame_area frame_areas[FRAME_MAX_AREAS];
unsigned frame_area_count;
struct frame_zone frame_zones[VD_ZONE_COUNT];
struct frame_cpu_cache frame_cpu_caches[VD_MAX_CPUS];

static const char *const zone_names[VD_ZONE_COUNT] = {"DMA", "Normal", "High"};

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
	return (unsigned)(sizeof(long) * 8) -
	       (unsigned)__builtin_clzl(count - 1);
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
		unsigned order =
			n ? (unsigned)__builtin_ctzl(n) : VD_FRAME_MAX_ORDER;
		if (order > VD_FRAME_MAX_ORDER)
			order = VD_FRAME_MAX_ORDER;
		while (n + ((size_t)1 << order) > end)
			order--;
		free_block(z, a, n, order);
		n += (size_t)1 << order;
	}
}

static inline struct frame_cpu_cache *this_cpu_cache(void)
{
	unsigned cpu = hal_cpu_id();

	VD_ASSERT(cpu < VD_MAX_CPUS);
	return &frame_cpu_caches[cpu];
}

/* Move a CPU cache's frames of zone z to the buddy lists; z->lock held,
 * interrupts masked, c is the calling CPU's cache. */
static void cache_drain_zone(struct frame_cpu_cache *c, struct frame_zone *z)
{
	VD_ASSERT_HELD(&z->lock);
	VD_ASSERT_IRQS_MASKED();
	VD_DEBUG_ASSERT(c == this_cpu_cache());
	unsigned zi = (unsigned)(z - frame_zones);

	while (c->head[zi]) {
		struct cached_frame *cf = c->head[zi];
		size_t n = frame_number_of(cf);
		struct frame_area *a = area_in_zone(z, n);

		if (!a || *frame_state(a, n) != FS_CACHED)
			vd_panic("mm: frame cache of zone %s corrupted at "
				 "%#zx (write after free?)",
				 zone_names[zi], n);
		c->head[zi] = cf->next;
		*frame_state(a, n) = FS_FREE_TAIL;
		free_block(z, a, n, 0);
	}
	c->count[zi] = 0;
}

/* Drain all of the calling CPU's caches; interrupts masked. */
static void cache_drain_all(struct frame_cpu_cache *c)
{
	c->drain = false;
	for (unsigned i = 0; i < VD_ZONE_COUNT; i++) {
		struct frame_zone *z = &frame_zones[i];
		if (!c->head[i])
			continue;
		vd_spin_lock(&z->lock);
		cache_drain_zone(c, z);
		vd_spin_unlock(&z->lock);
	}
}

/* Ask every other CPU to drain its caches at its next allocator call. */
static void request_remote_drain(struct frame_cpu_cache *self)
{
	for (unsigned i = 0; i < VD_MAX_CPUS; i++)
		if (&frame_cpu_caches[i] != self)
			__atomic_store_n(&frame_cpu_caches[i].drain, true,
					 __ATOMIC_RELAXED);
}

void vd_frame_drain_caches(void)
{
	hal_irqstate_t st = hal_irq_save();
	struct frame_cpu_cache *c = this_cpu_cache();

	cache_drain_all(c);
	request_remote_drain(c);
	hal_irq_restore(st);
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

/* Allocate from one zone's buddy lists; z->lock held, interrupts masked,
 * c is the calling CPU's cache (drained into the lists if that helps). */
static bool zone_alloc(struct frame_zone *z, struct frame_cpu_cache *c,
		       size_t count, unsigned order, size_t *out)
{
	VD_ASSERT_HELD(&z->lock);
	VD_ASSERT_IRQS_MASKED();
	VD_DEBUG_ASSERT(c == this_cpu_cache());
	struct frame_area *a;
	size_t n;

	if (!buddy_take(z, order, &n, &a)) {
		if (!c->head[z - frame_zones])
			return false;
		cache_drain_zone(c, z);
		if (!buddy_take(z, order, &n, &a))
			return false;
	}
	if (count == 1)
		*frame_state(a, n) = FS_ALLOCATED;
	else
		vd_memset(frame_state(a, n), FS_ALLOCATED, count);
	if (count < ((size_t)1 << order))
		frame_release_range(z, a, n + count,
				    ((size_t)1 << order) - count);
	z->free -= count;
	z->allocated += count;
	*out = n;
	return true;
}

/* Pop a frame of zone zi from the calling CPU's cache; interrupts masked. */
static inline bool cache_pop(struct frame_cpu_cache *c, unsigned zi,
			     size_t *out)
{
	struct cached_frame *cf = c->head[zi];

	if (!cf)
		return false;
	size_t n = frame_number_of(cf);
	struct frame_area *a = area_in_zone(&frame_zones[zi], n);

	if (!a || *frame_state(a, n) != FS_CACHED)
		vd_panic("mm: frame cache of zone %s corrupted at %#zx "
			 "(write after free?)",
			 zone_names[zi], n);
	c->head[zi] = cf->next;
	c->count[zi]--;
	c->taken[zi]++;
	*frame_state(a, n) = FS_ALLOCATED;
	*out = n;
	return true;
}

/* Park allocated-then-claimed frame n in the calling CPU's cache. */
static inline void cache_push(struct frame_cpu_cache *c, unsigned zi, size_t n)
{
	struct cached_frame *cf = frame_ptr(n);

	cf->next = c->head[zi];
	c->head[zi] = cf;
	c->count[zi]++;
	c->taken[zi]--;
}

/* Everything but a single frame from this CPU's cache. */
static __attribute__((noinline)) vd_err_t
frame_alloc_slow(size_t count, enum vd_mem_zone zone, struct vd_frame *out)
{
	if (!out || count == 0 || count > VD_FRAME_MAX_COUNT ||
	    (unsigned)zone >= VD_ZONE_COUNT)
		return VD_ERR_INVALID_PARAMETER;

	unsigned order = order_for(count);
	hal_irqstate_t st = hal_irq_save();
	struct frame_cpu_cache *c = this_cpu_cache();
	size_t n;

	if (__atomic_load_n(&c->drain, __ATOMIC_RELAXED))
		cache_drain_all(c);
	/* The named zone first, then the zones below it. */
	for (int zi = (int)zone; zi >= 0; zi--) {
		struct frame_zone *z = &frame_zones[zi];
		bool ok;

		if (count == 1 && cache_pop(c, (unsigned)zi, &n))
			goto done;
		vd_spin_lock(&z->lock);
		ok = zone_alloc(z, c, count, order, &n);
		vd_spin_unlock(&z->lock);
		if (ok)
			goto done;
	}
	request_remote_drain(c);
	hal_irq_restore(st);
	return VD_ERR_OUT_OF_MEMORY;
done:
	c->allocs++;
	hal_irq_restore(st);
	out->number = n;
	return VD_OK;
}

vd_err_t vd_frame_alloc(size_t count, enum vd_mem_zone zone,
			struct vd_frame *out)
{
	/* Fast path: one frame from this CPU's cache, no lock. */
	if (VD_LIKELY(count == 1 && (unsigned)zone < VD_ZONE_COUNT && out)) {
		hal_irqstate_t st = hal_irq_save();
		struct frame_cpu_cache *c = this_cpu_cache();
		size_t n;

		if (VD_LIKELY(!__atomic_load_n(&c->drain, __ATOMIC_RELAXED) &&
			      cache_pop(c, zone, &n))) {
			c->allocs++;
			hal_irq_restore(st);
			out->number = n;
			return VD_OK;
		}
		hal_irq_restore(st);
	}
	return frame_alloc_slow(count, zone, out);
}

uint64_t vd_frame_alloc_calls(void)
{
	uint64_t n = 0;

	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++)
		n += __atomic_load_n(&frame_cpu_caches[cpu].allocs,
				     __ATOMIC_RELAXED);
	return n;
}

static void log_bad_free(vd_err_t err, size_t n, size_t count, size_t bad)
{
	kprintf("mm: bad free of frames [%#llx, +%zu): %s at frame %#llx\n",
		(unsigned long long)((paddr_t)n << VD_PAGE_SHIFT), count,
		err == VD_ERR_MEM_DOUBLE_FREE ? "already free"
					      : "never allocatable",
		(unsigned long long)((paddr_t)bad << VD_PAGE_SHIFT));
}

/* Error for a frame whose state is not FS_ALLOCATED. */
static inline vd_err_t bad_state_error(uint8_t s)
{
	return s == FS_RESERVED ? VD_ERR_INVALID_PARAMETER
				: VD_ERR_MEM_DOUBLE_FREE;
}

/*
 * Claim [n, n + count) for freeing: every state byte must go from
 * FS_ALLOCATED to `to`, atomically per byte so that a concurrent free of
 * the same frame loses.  On the first byte that is not allocated, undo
 * the claimed ones and report it.
 */
static vd_err_t claim_allocated(struct frame_area *a, size_t n, size_t count,
				uint8_t to, size_t *bad)
{
	uint8_t *s = frame_state(a, n);

	for (size_t i = 0; i < count; i++) {
		uint8_t expect = FS_ALLOCATED;
		if (VD_LIKELY(__atomic_compare_exchange_n(
			    &s[i], &expect, to, false, __ATOMIC_ACQUIRE,
			    __ATOMIC_RELAXED)))
			continue;
		while (i-- > 0)
			__atomic_store_n(&s[i], FS_ALLOCATED, __ATOMIC_RELAXED);
		*bad = n + i;
		return bad_state_error(expect);
	}
	return VD_OK;
}

/* Everything but a single frame into this CPU's cache. */
static __attribute__((noinline)) vd_err_t frame_free_slow(size_t n,
							  size_t count)
{
	struct frame_area *a = area_of(n);
	size_t bad = n;
	vd_err_t err;

	if (count == 0 || !a || count > a->count - (n - a->first)) {
		log_bad_free(VD_ERR_INVALID_PARAMETER, n, count,
			     a ? a->first + a->count : n);
		return VD_ERR_INVALID_PARAMETER;
	}

	unsigned zi = a->zone;
	struct frame_zone *z = &frame_zones[zi];
	hal_irqstate_t st = hal_irq_save();
	struct frame_cpu_cache *c = this_cpu_cache();

	if (__atomic_load_n(&c->drain, __ATOMIC_RELAXED))
		cache_drain_all(c);
	if (count == 1 && c->count[zi] < FRAME_CACHE_MAX) {
		err = claim_allocated(a, n, 1, FS_CACHED, &bad);
		if (err == VD_OK)
			cache_push(c, zi, n);
	} else {
		vd_spin_lock(&z->lock);
		err = claim_allocated(a, n, count, FS_FREE_TAIL, &bad);
		if (err == VD_OK) {
			frame_release_range(z, a, n, count);
			z->free += count;
			z->allocated -= count;
		}
		vd_spin_unlock(&z->lock);
	}
	hal_irq_restore(st);
	if (err != VD_OK)
		log_bad_free(err, n, count, bad);
	return err;
}

vd_err_t vd_frame_free(struct vd_frame f, size_t count)
{
	size_t n = f.number;
	struct frame_area *a;

	/* Fast path: one allocated frame into this CPU's cache, no lock. */
	if (VD_LIKELY(count == 1 && (a = area_of(n)) != NULL)) {
		unsigned zi = a->zone;
		uint8_t expect = FS_ALLOCATED;
		hal_irqstate_t st = hal_irq_save();
		struct frame_cpu_cache *c = this_cpu_cache();

		if (VD_LIKELY(!__atomic_load_n(&c->drain, __ATOMIC_RELAXED) &&
			      c->count[zi] < FRAME_CACHE_MAX &&
			      __atomic_compare_exchange_n(
				      frame_state(a, n), &expect, FS_CACHED,
				      false, __ATOMIC_ACQUIRE,
				      __ATOMIC_RELAXED))) {
			cache_push(c, zi, n);
			hal_irq_restore(st);
			return VD_OK;
		}
		hal_irq_restore(st);
	}
	return frame_free_slow(n, count); /* also reports the errors */
}

void vd_memory_stats(struct vd_memory_stats *out)
{
	vd_memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < VD_ZONE_COUNT; i++) {
		struct frame_zone *z = &frame_zones[i];
		struct vd_zone_stats *zs = &out->zone_stats[i];
		long taken = 0;
		size_t cached = 0;

		/* Other CPUs' caches are read without their cooperation:
		 * exact when they are idle, approximate while they work. */
		for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++) {
			struct frame_cpu_cache *c = &frame_cpu_caches[cpu];
			taken +=
				__atomic_load_n(&c->taken[i], __ATOMIC_RELAXED);
			cached +=
				__atomic_load_n(&c->count[i], __ATOMIC_RELAXED);
		}
		hal_irqstate_t st = vd_spin_lock_irqsave(&z->lock);
		zs->total_frames = z->total;
		zs->free_frames = z->free - (size_t)taken;
		zs->allocated_frames = z->allocated + (size_t)taken;
		zs->reserved_frames = z->reserved;
		zs->cached_frames = cached;
		for (unsigned k = 0; k <= VD_FRAME_MAX_ORDER; k++)
			zs->free_blocks[k] = z->blocks[k];
		vd_spin_unlock_irqrestore(&z->lock, st);

		out->total_frames += zs->total_frames;
		out->free_frames += zs->free_frames;
		out->allocated_frames += zs->allocated_frames;
		out->reserved_frames += zs->reserved_frames;
	}
}
