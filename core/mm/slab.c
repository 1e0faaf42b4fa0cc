/*
 * Slab allocator for small kernel objects.
 *
 * Each size class (16, 32, ... 1024 bytes) has a cache of slabs; a slab is
 * one 4 KiB frame, reached through the physmap, laid out as
 *
 *   +-------------+-------+-------+-- ... --+-------+------+
 *   | struct slab | obj 0 | obj 1 |         | obj N | tail |
 *   +-------------+-------+-------+-- ... --+-------+------+
 *   ^ page aligned ^ first = sizeof(struct slab) rounded up to the class
 *
 * so every object is aligned to its class size, and no object is ever
 * page-aligned: a page-aligned pointer is a large block (heap.c), any
 * other heap pointer finds its slab header by rounding down to the page.
 *
 * Free objects of a slab are a singly linked list through their first
 * word; `used` has one bit per object, set while it is allocated, which
 * is what catches double frees and pointers into the middle of objects
 * without trusting the (caller-writable) free list.
 *
 * Each CPU also keeps a small magazine of free objects per class: frees
 * push onto it and allocations pop from it with interrupts masked and no
 * lock, which makes the common alloc/free pair cheap.  An object in a
 * magazine has its `used` bit clear (so freeing it again is caught) but is
 * still counted in its slab's in_use (so the slab stays).  Bits are
 * changed with atomic and/or because magazine operations do not hold the
 * cache lock.  A full magazine gives half its objects back to their slabs.
 *
 * A cache keeps slabs with free objects on `partial`, completely used ones
 * on `full`, and at most one completely free slab as `spare` (so that an
 * alloc/free pair at the boundary does not allocate and free a frame each
 * time); further empty slabs go back to the frame allocator at once.
 */
#include <veridian/bitmap.h>
#include <veridian/list.h>
#include <veridian/panic.h>
#include <veridian/spinlock.h>
#include <veridian/string.h>

#include "frame_internal.h"
#include "heap_internal.h"

#define SLAB_MAGIC	 0x51ab0b1eu
#define SLAB_MAX_OBJECTS (VD_PAGE_SIZE >> SLAB_MIN_SHIFT)

struct slab_obj {
	struct slab_obj *next;
};

struct slab_cache;

struct slab {
	struct vd_list link; /* in cache->partial or cache->full */
	struct slab_cache *cache;
	struct slab_obj *free;
	uint32_t magic;
	uint16_t in_use;
	uint16_t capacity;
	uint16_t first; /* byte offset of object 0 */
	unsigned long used[VD_BITMAP_WORDS(SLAB_MAX_OBJECTS)];
};

struct slab_cache {
	struct vd_spinlock lock;
	struct vd_list partial;
	struct vd_list full;
	struct slab *spare;
	unsigned shift;
	size_t slabs; /* frames held, including the spare */
};

static struct slab_cache caches[SLAB_CLASSES];

#define MAGAZINE_SIZE 16

struct magazine {
	unsigned count;
	void *obj[MAGAZINE_SIZE];
};

/* Per CPU, per class; touched by the owning CPU with interrupts masked. */
static struct magazine magazines[VD_MAX_CPUS][SLAB_CLASSES];

static inline struct magazine *this_cpu_magazines(void)
{
	unsigned cpu = hal_cpu_id();

	VD_ASSERT(cpu < VD_MAX_CPUS);
	return magazines[cpu];
}

/* used-bit helpers: atomic, since magazines change bits without the lock.
 * They return the bit's previous value. */
static inline bool used_set(struct slab *s, unsigned idx)
{
	unsigned long bit = 1ul << (idx % VD_BITS_PER_WORD);
	return __atomic_fetch_or(&s->used[idx / VD_BITS_PER_WORD], bit,
				 __ATOMIC_RELAXED) &
	       bit;
}

static inline bool used_clear(struct slab *s, unsigned idx)
{
	unsigned long bit = 1ul << (idx % VD_BITS_PER_WORD);
	return __atomic_fetch_and(&s->used[idx / VD_BITS_PER_WORD], ~bit,
				  __ATOMIC_RELAXED) &
	       bit;
}

static inline struct slab *slab_header(void *p)
{
	return (void *)VD_ALIGN_DOWN((uintptr_t)p, VD_PAGE_SIZE);
}

static inline unsigned object_index(struct slab *s, void *p)
{
	return (unsigned)((size_t)((char *)p - (char *)s - s->first) >>
			  s->cache->shift);
}

void slab_init(void)
{
	vd_memset(magazines, 0, sizeof(magazines));
	for (unsigned i = 0; i < SLAB_CLASSES; i++) {
		struct slab_cache *c = &caches[i];
		vd_spin_init(&c->lock);
		vd_list_init(&c->partial);
		vd_list_init(&c->full);
		c->spare = NULL;
		c->shift = SLAB_MIN_SHIFT + i;
		c->slabs = 0;
	}
}

static struct slab *slab_new(struct slab_cache *c)
{
	size_t size = (size_t)1 << c->shift;
	struct vd_frame f;
	struct slab *s;

	if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK)
		return NULL;
	s = vd_phys_to_virt(vd_frame_addr(f));
	vd_memset(s, 0, sizeof(*s));
	s->cache = c;
	s->magic = SLAB_MAGIC;
	s->first = (uint16_t)VD_ALIGN_UP(sizeof(*s), size);
	s->capacity = (uint16_t)((VD_PAGE_SIZE - s->first) / size);
	/* Thread the free list in address order. */
	for (unsigned i = s->capacity; i-- > 0;) {
		struct slab_obj *o = (void *)((char *)s + s->first + i * size);
		o->next = s->free;
		s->free = o;
	}
	return s;
}

/* Take an object from the cache's slabs, creating a slab if needed. */
static vd_err_t cache_alloc(struct slab_cache *c, void **out)
{
	struct slab *s, *fresh = NULL;
	hal_irqstate_t st;

	st = vd_spin_lock_irqsave(&c->lock);
	if (VD_UNLIKELY(vd_list_empty(&c->partial))) {
		if (c->spare) {
			s = c->spare;
			c->spare = NULL;
		} else {
			/* Fill a fresh slab without holding the lock. */
			vd_spin_unlock_irqrestore(&c->lock, st);
			fresh = slab_new(c);
			if (!fresh)
				return VD_ERR_OUT_OF_MEMORY;
			st = vd_spin_lock_irqsave(&c->lock);
			c->slabs++;
			s = fresh;
		}
		vd_list_add(&c->partial, &s->link);
	}
	s = fresh ? fresh : VD_LIST_ENTRY(c->partial.next, struct slab, link);

	struct slab_obj *o = s->free;
	s->free = o->next;
	used_set(s, object_index(s, o));
	if (++s->in_use == s->capacity) {
		vd_list_remove(&s->link);
		vd_list_add(&c->full, &s->link);
	}
	vd_spin_unlock_irqrestore(&c->lock, st);
	*out = o;
	return VD_OK;
}

vd_err_t slab_alloc(unsigned shift, void **out)
{
	unsigned cls = shift - SLAB_MIN_SHIFT;
	hal_irqstate_t st = hal_irq_save();
	struct magazine *m = &this_cpu_magazines()[cls];

	if (VD_LIKELY(m->count)) {
		void *p = m->obj[--m->count];
		struct slab *s = slab_header(p);
		if (used_set(s, object_index(s, p)))
			vd_panic("slab: object %p allocated twice", p);
		hal_irq_restore(st);
		*out = p;
		return VD_OK;
	}
	hal_irq_restore(st);
	if (cache_alloc(&caches[cls], out) == VD_OK)
		return VD_OK;
	/* Out of frames: objects parked here may free whole slabs. */
	slab_drain_magazines();
	return cache_alloc(&caches[cls], out);
}

/* The slab header of p if p can be an object of a live slab. */
static struct slab *slab_of(void *p)
{
	struct slab *s = slab_header(p);

	if (s == p)
		return NULL; /* objects are never page-aligned */
	/* Only look inside frames the frame allocator handed out. */
	if (frame_status((size_t)(vd_virt_to_phys(s) >> VD_PAGE_SHIFT)) !=
	    FRAME_ALLOCATED)
		return NULL;
	if (s->magic != SLAB_MAGIC || s->cache < caches ||
	    s->cache >= caches + SLAB_CLASSES)
		return NULL;
	return s;
}

/*
 * Give `n` objects back to their slabs (all of cache c).  Empty slabs
 * beyond the cache's one spare go back to the frame allocator.
 */
static void cache_put_back(struct slab_cache *c, void *const *objs, unsigned n)
{
	struct slab *release[MAGAZINE_SIZE];
	unsigned nrelease = 0;
	hal_irqstate_t st = vd_spin_lock_irqsave(&c->lock);

	for (unsigned i = 0; i < n; i++) {
		struct slab_obj *o = objs[i];
		struct slab *s = slab_header(o);
		o->next = s->free;
		s->free = o;
		if (s->in_use-- == s->capacity) {
			vd_list_remove(&s->link);
			vd_list_add(&c->partial, &s->link);
		}
		if (s->in_use == 0) {
			vd_list_remove(&s->link);
			if (!c->spare) {
				c->spare = s;
			} else {
				release[nrelease++] = s;
				c->slabs--;
			}
		}
	}
	vd_spin_unlock_irqrestore(&c->lock, st);
	for (unsigned i = 0; i < nrelease; i++) {
		release[i]->magic = 0;
		vd_frame_free(vd_frame_of(vd_virt_to_phys(release[i])), 1);
	}
}

vd_err_t slab_free(void *p, unsigned shift, unsigned *shift_out)
{
	struct slab *s = slab_of(p);
	struct slab_cache *c;
	size_t off;
	unsigned idx;

	if (!s)
		return VD_ERR_INVALID_PARAMETER;
	c = s->cache;
	if (shift && c->shift != shift)
		return VD_ERR_INVALID_PARAMETER; /* freed with a wrong size */
	off = (size_t)((char *)p - (char *)s) - s->first;
	idx = (unsigned)(off >> c->shift);
	if ((off & (((size_t)1 << c->shift) - 1)) || idx >= s->capacity)
		return VD_ERR_INVALID_PARAMETER; /* not an object start */
	if (!used_clear(s, idx))
		return VD_ERR_MEM_DOUBLE_FREE;

	hal_irqstate_t st = hal_irq_save();
	struct magazine *m = &this_cpu_magazines()[c - caches];
	if (VD_UNLIKELY(m->count == MAGAZINE_SIZE)) {
		/* Full: the older half goes back to the slabs. */
		cache_put_back(c, m->obj, MAGAZINE_SIZE / 2);
		m->count = MAGAZINE_SIZE - MAGAZINE_SIZE / 2;
		vd_memmove(m->obj, m->obj + MAGAZINE_SIZE / 2,
			   m->count * sizeof(m->obj[0]));
	}
	m->obj[m->count++] = p;
	hal_irq_restore(st);
	*shift_out = c->shift;
	return VD_OK;
}

void slab_drain_magazines(void)
{
	hal_irqstate_t st = hal_irq_save();
	struct magazine *m = this_cpu_magazines();

	for (unsigned i = 0; i < SLAB_CLASSES; i++) {
		cache_put_back(&caches[i], m[i].obj, m[i].count);
		m[i].count = 0;
	}
	/* Spares are a luxury when memory is short. */
	for (unsigned i = 0; i < SLAB_CLASSES; i++) {
		struct slab_cache *c = &caches[i];
		vd_spin_lock(&c->lock);
		struct slab *s = c->spare;
		c->spare = NULL;
		if (s)
			c->slabs--;
		vd_spin_unlock(&c->lock);
		if (s) {
			s->magic = 0;
			vd_frame_free(vd_frame_of(vd_virt_to_phys(s)), 1);
		}
	}
	hal_irq_restore(st);
}

size_t slab_frames(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < SLAB_CLASSES; i++)
		n += __atomic_load_n(&caches[i].slabs, __ATOMIC_RELAXED);
	return n;
}
