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
 * A cache keeps slabs with free objects on `partial`, completely used ones
 * on `full`, and at most one completely free slab as `spare` (so that an
 * alloc/free pair at the boundary does not allocate and free a frame each
 * time); further empty slabs go back to the frame allocator at once.
 */
#include <veridian/bitmap.h>
#include <veridian/list.h>
#include <veridian/spinlock.h>
#include <veridian/string.h>

#include "frame_internal.h"
#include "heap_internal.h"

#define SLAB_MAGIC 0x51ab0b1eu
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

void slab_init(void)
{
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

vd_err_t slab_alloc(unsigned shift, void **out)
{
	struct slab_cache *c = &caches[shift - SLAB_MIN_SHIFT];
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
	s = fresh ? fresh
		  : VD_LIST_ENTRY(c->partial.next, struct slab, link);

	struct slab_obj *o = s->free;
	unsigned idx = (unsigned)(((char *)o - (char *)s - s->first) >>
				  c->shift);
	s->free = o->next;
	vd_bitmap_set(s->used, idx);
	if (++s->in_use == s->capacity) {
		vd_list_remove(&s->link);
		vd_list_add(&c->full, &s->link);
	}
	vd_spin_unlock_irqrestore(&c->lock, st);
	*out = o;
	return VD_OK;
}

/* The slab header of p if p can be an object of a live slab. */
static struct slab *slab_of(void *p)
{
	struct slab *s = (void *)VD_ALIGN_DOWN((uintptr_t)p, VD_PAGE_SIZE);

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

vd_err_t slab_free(void *p, unsigned shift, unsigned *shift_out)
{
	struct slab *s = slab_of(p), *release = NULL;
	struct slab_cache *c;
	hal_irqstate_t st;
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

	st = vd_spin_lock_irqsave(&c->lock);
	if (!vd_bitmap_test(s->used, idx)) {
		vd_spin_unlock_irqrestore(&c->lock, st);
		return VD_ERR_MEM_DOUBLE_FREE;
	}
	vd_bitmap_clear(s->used, idx);
	((struct slab_obj *)p)->next = s->free;
	s->free = p;
	if (s->in_use-- == s->capacity) {
		vd_list_remove(&s->link);
		vd_list_add(&c->partial, &s->link);
	}
	if (s->in_use == 0) {
		vd_list_remove(&s->link);
		if (!c->spare) {
			c->spare = s;
		} else {
			release = s;
			c->slabs--;
		}
	}
	vd_spin_unlock_irqrestore(&c->lock, st);

	if (release) {
		release->magic = 0;
		vd_frame_free(vd_frame_of(vd_virt_to_phys(release)), 1);
	}
	*shift_out = c->shift;
	return VD_OK;
}

size_t slab_frames(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < SLAB_CLASSES; i++)
		n += __atomic_load_n(&caches[i].slabs, __ATOMIC_RELAXED);
	return n;
}
