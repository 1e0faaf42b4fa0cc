/*
 * Objects as the capability system sees them: which capabilities name
 * each object, so that the two lifetimes can be tied together.
 *
 *   - An object that is destroyed (thread or process reaped, endpoint
 *     destroyed, channel closed) takes every capability to it along, in
 *     every space: its destroy path calls vd_cap_revoke_object.  Its slots
 *     are free again, and its tokens stop validating at once.
 *   - An object that loses its last capability held outside its owner's
 *     space (see vd_cap_create_self) is reported to the hook its type
 *     registered (vd_cap_set_gone_hook), which decides what that means:
 *     an endpoint is destroyed, a thread or process is detached.
 *
 * Every capability to an object descends from one of its originals
 * (vd_cap_create): derivation copies type and id from the parent.  So a
 * record per object listing its originals reaches all of its
 * capabilities, and a count kept on mint and free says when none is left.
 * Records live in a hash table keyed by (type, id) and are taken with the
 * first capability and given back with the last (a static pool, then the
 * heap); everything is under vd_cap_lock, whose lock order allows the
 * heap inside it.
 *
 * Validation never looks here: it stays the O(1), lock-free check of
 * cap_validate.c and cap_fast.h.
 */
#include "cap_internal.h"

#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#define CAP_OBJ_BUCKETS 1024u /* a power of two */
/* Records come from a static pool first, the heap when it is empty: most
 * systems never need the heap here, and making and dropping an object's
 * first capability stays cheap (a heap round trip costs more than the
 * rest of vd_cap_create + vd_cap_revoke together). */
#define CAP_OBJ_POOL 512u

static struct cap_object *cap_objects[CAP_OBJ_BUCKETS];
static struct cap_object cap_object_pool[CAP_OBJ_POOL];
static struct cap_object *cap_object_free; /* chained through next */
static uint32_t cap_object_pool_used;	   /* never-used pool entries taken */

static struct cap_object *record_alloc(void)
{
	struct cap_object *o = cap_object_free;

	if (o) {
		cap_object_free = o->next;
		vd_memset(o, 0, sizeof(*o));
		return o;
	}
	if (cap_object_pool_used < CAP_OBJ_POOL)
		return &cap_object_pool[cap_object_pool_used++];
	return vd_kzalloc(sizeof(*o));
}

static void record_free(struct cap_object *o)
{
	if (o >= cap_object_pool && o < cap_object_pool + CAP_OBJ_POOL) {
		o->next = cap_object_free;
		cap_object_free = o;
	} else {
		vd_kfree(o);
	}
}
static vd_cap_gone_hook_t cap_gone_hooks[VD_OBJ_TYPE_COUNT];
static vd_cap_gone_hook_t cap_revoke_hooks[VD_OBJ_TYPE_COUNT];
uint32_t cap_revoke_hook_mask;

static inline uint32_t bucket_of(uint32_t type, uint64_t id)
{
	uint64_t h = (id ^ ((uint64_t)type << 56)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & (CAP_OBJ_BUCKETS - 1);
}

struct cap_object *cap_object_find_locked(uint32_t type, uint64_t id)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	struct cap_object *o = cap_objects[bucket_of(type, id)];

	while (o && (o->id != id || o->type != type))
		o = o->next;
	return o;
}

struct cap_object *cap_object_get_locked(uint32_t type, uint64_t id)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	struct cap_object *o = cap_object_find_locked(type, id);
	uint32_t b;

	if (o)
		return o;
	o = record_alloc();
	if (!o)
		return NULL;
	b = bucket_of(type, id);
	o->type = type;
	o->id = id;
	o->next = cap_objects[b];
	cap_objects[b] = o;
	vd_cap_stats_locked.objects++;
	return o;
}

void cap_object_release_locked(struct cap_object *obj)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(obj != NULL);
	struct cap_object **pp = &cap_objects[bucket_of(obj->type, obj->id)];

	if (obj->count != 0)
		return;
	VD_ASSERT(obj->originals == NULL && obj->owner_held == 0);
	while (*pp != obj)
		pp = &(*pp)->next;
	*pp = obj->next;
	vd_cap_stats_locked.objects--;
	record_free(obj);
}

void cap_object_add_locked(struct cap_object *obj, struct vd_cap_slot *s,
			   bool original)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(obj != NULL);
	obj->count++;
	if (obj->owner_space != 0 && s->space->id == obj->owner_space)
		obj->owner_held++;
	if (original)
		cap_object_add_original_locked(obj, s);
}

void cap_object_add_original_locked(struct cap_object *obj,
				    struct vd_cap_slot *s)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	s->parent = NULL;
	s->prev_sibling = NULL;
	s->next_sibling = obj->originals;
	if (obj->originals)
		obj->originals->prev_sibling = s;
	obj->originals = s;
}

void cap_object_unlink_original(struct cap_object *obj, struct vd_cap_slot *s)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(obj != NULL);
	if (s->prev_sibling)
		s->prev_sibling->next_sibling = s->next_sibling;
	else
		obj->originals = s->next_sibling;
	if (s->next_sibling)
		s->next_sibling->prev_sibling = s->prev_sibling;
	s->next_sibling = s->prev_sibling = NULL;
}

static bool walk_subtree(const struct cap_object *o,
			 const struct vd_cap_slot *root, uint32_t *count,
			 uint32_t *owner_held);

void cap_object_set_owner_locked(struct cap_object *obj, uint64_t space_id)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(obj != NULL);
	uint32_t count = 0;

	if (obj->owner_space == space_id)
		return;
	obj->owner_space = space_id;
	obj->owner_held = 0;
	for (const struct vd_cap_slot *s = obj->originals; s;
	     s = s->next_sibling)
		walk_subtree(obj, s, &count, &obj->owner_held);
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */
/* ------------------------------------------------------------------ */

vd_err_t vd_cap_set_gone_hook(enum vd_object_type type, vd_cap_gone_hook_t fn)
{
	if ((uint32_t)type >= VD_OBJ_TYPE_COUNT)
		return VD_ERR_INVALID_PARAMETER;
	__atomic_store_n(&cap_gone_hooks[type], fn, __ATOMIC_RELEASE);
	return VD_OK;
}

vd_err_t vd_cap_set_revoke_hook(enum vd_object_type type, vd_cap_gone_hook_t fn)
{
	if ((uint32_t)type >= VD_OBJ_TYPE_COUNT)
		return VD_ERR_INVALID_PARAMETER;
	__atomic_store_n(&cap_revoke_hooks[type], fn, __ATOMIC_RELEASE);
	if (fn)
		__atomic_fetch_or(&cap_revoke_hook_mask, 1u << type,
				  __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&cap_revoke_hook_mask, ~(1u << type),
				   __ATOMIC_RELEASE);
	return VD_OK;
}

void cap_gone_notify(const struct cap_gone *gone)
{
	vd_cap_gone_hook_t fn;

	if (gone->revoked) {
		fn = __atomic_load_n(&cap_revoke_hooks[gone->rtype],
				     __ATOMIC_ACQUIRE);
		if (fn)
			fn(gone->rid);
	}
	if (!gone->fire)
		return;
	fn = __atomic_load_n(&cap_gone_hooks[gone->type], __ATOMIC_ACQUIRE);
	if (fn)
		fn(gone->id);
}

/* ------------------------------------------------------------------ */
/* The object's side                                                   */
/* ------------------------------------------------------------------ */

uint32_t vd_cap_revoke_object(enum vd_object_type type, uint64_t id)
{
	struct cap_object *obj;
	uint32_t n = 0;
	hal_irqstate_t st;

	if ((uint32_t)type >= VD_OBJ_TYPE_COUNT)
		return 0;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	obj = cap_object_find_locked((uint32_t)type, id);
	if (obj) {
		bool last;

		n = obj->count;
		do { /* the last subtree frees the record: test before */
			last = obj->originals->next_sibling == NULL;
			cap_revoke_subtree_locked(obj->originals, NULL, true);
		} while (!last);
	}
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return n;
}

/*
 * Lock-free, like validation, so that a process spraying bad tokens at
 * IPC syscalls does not contend for the capability lock.  The slot must
 * read as free before and after its epitaph (seqlock-style, the token
 * being the sequence number); a mint or free racing with us may still
 * show a half-written epitaph, but all that could change is which error
 * a failing call reports (Closed or InvalidCapability), never whether it
 * fails.
 */
bool vd_cap_destroyed(struct vd_cap_space *space, vd_cap_token_t token)
{
	uint32_t idx = cap_token_slot(token);
	const struct vd_cap_slot *s;
	vd_cap_token_t epitaph;

	if (!space || token == VD_CAP_TOKEN_NULL || idx >= space->nslots)
		return false;
	s = &space->slots[idx];
	if (__atomic_load_n(&s->token, __ATOMIC_ACQUIRE) != VD_CAP_TOKEN_NULL)
		return false;
	epitaph = __atomic_load_n(&s->epitaph, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return epitaph == token &&
	       __atomic_load_n(&s->token, __ATOMIC_RELAXED) ==
		       VD_CAP_TOKEN_NULL;
}

uint32_t vd_cap_object_count(enum vd_object_type type, uint64_t id)
{
	struct cap_object *obj;
	uint32_t n = 0;
	hal_irqstate_t st;

	if ((uint32_t)type >= VD_OBJ_TYPE_COUNT)
		return 0;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	obj = cap_object_find_locked((uint32_t)type, id);
	if (obj)
		n = obj->count;
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return n;
}

/* ------------------------------------------------------------------ */
/* Self-check                                                          */
/* ------------------------------------------------------------------ */

#define OBJ_AUDIT(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			kprintf("cap: object %u:%llu: ", o->type,              \
				(unsigned long long)o->id);                    \
			kprintf(__VA_ARGS__);                                  \
			kprintf("\n");                                         \
			return VD_ERR_INVALID_CAPABILITY;                      \
		}                                                              \
	} while (0)

/* Walk the subtree of original `root` without changing it (pre-order,
 * by parent links), counting its capabilities and those its owner
 * holds.  False if one names another object. */
static bool walk_subtree(const struct cap_object *o,
			 const struct vd_cap_slot *root, uint32_t *count,
			 uint32_t *owner_held)
{
	const struct vd_cap_slot *node = root;

	for (;;) {
		if (node->object_type != o->type || node->object_id != o->id ||
		    node->token == VD_CAP_TOKEN_NULL)
			return false;
		++*count;
		if (o->owner_space != 0 && node->space->id == o->owner_space)
			++*owner_held;
		if (node->first_child) {
			node = node->first_child;
			continue;
		}
		while (node != root && !node->next_sibling)
			node = node->parent;
		if (node == root)
			return true;
		node = node->next_sibling;
	}
}

static vd_err_t check_object(const struct cap_object *o, uint32_t b)
{
	uint32_t count = 0, owner_held = 0;
	const struct vd_cap_slot *prev = NULL;

	OBJ_AUDIT(bucket_of(o->type, o->id) == b, "in the wrong bucket");
	OBJ_AUDIT(o->count != 0 && o->originals != NULL,
		  "record without capabilities");
	for (const struct vd_cap_slot *s = o->originals; s;
	     s = s->next_sibling) {
		OBJ_AUDIT(s->parent == NULL && s->prev_sibling == prev,
			  "broken list of originals");
		OBJ_AUDIT(walk_subtree(o, s, &count, &owner_held),
			  "a capability to another object in its tree");
		OBJ_AUDIT(count <= o->count, "more capabilities than counted");
		prev = s;
	}
	OBJ_AUDIT(count == o->count, "counted %u, found %u", o->count, count);
	OBJ_AUDIT(owner_held == o->owner_held, "owner holds %u, counted %u",
		  owner_held, o->owner_held);
	return VD_OK;
}

vd_err_t cap_objects_check_locked(void)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	uint64_t records = 0;

	for (uint32_t b = 0; b < CAP_OBJ_BUCKETS; b++) {
		for (const struct cap_object *o = cap_objects[b]; o;
		     o = o->next) {
			vd_err_t err = check_object(o, b);

			if (err)
				return err;
			records++;
		}
	}
	if (records != vd_cap_stats_locked.objects) {
		kprintf("cap: %llu object records, %llu counted\n",
			(unsigned long long)records,
			(unsigned long long)vd_cap_stats_locked.objects);
		return VD_ERR_INVALID_CAPABILITY;
	}
	return VD_OK;
}
