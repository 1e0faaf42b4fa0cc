/*
 * vd_cap_space_check: a full consistency check of one space, for tests
 * and debugging.  It recomputes every MAC and cross-checks every link, so
 * it is O(slots x siblings): never on a hot path.  It also checks every
 * object record (cap_object.c), walking every capability of every space:
 * O(all capabilities).
 */
#include "cap_internal.h"

#include <veridian/printf.h>

#define AUDIT(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			kprintf("cap: space %llu: ",                           \
				(unsigned long long)space->id);                \
			kprintf(__VA_ARGS__);                                  \
			kprintf("\n");                                         \
			return VD_ERR_INVALID_CAPABILITY;                      \
		}                                                              \
	} while (0)

/* Is `s` on the child list of its parent? (bounded against cycles) */
static bool listed_under_parent(const struct vd_cap_slot *s)
{
	const struct vd_cap_slot *c = s->parent->first_child;

	for (uint32_t n = 0; c && n <= VD_CAP_MAX_SLOTS * 64u; n++) {
		if (c == s)
			return true;
		c = c->next_sibling;
	}
	return false;
}

static vd_err_t audit_live_slot(struct vd_cap_space *space, uint32_t i)
{
	const struct vd_cap_slot *s = &space->slots[i];
	const struct vd_cap_slot *p = s->parent;

	AUDIT(s->token == cap_mint_token(space, i, s->generation,
					 s->object_type, s->object_id,
					 s->rights),
	      "slot %u: token is not the MAC of its contents", i);
	AUDIT(s->object_type < VD_OBJ_TYPE_COUNT, "slot %u: bad type", i);
	AUDIT(!(s->rights & ~VD_RIGHTS_ALL), "slot %u: bad rights", i);
	if (p) {
		AUDIT(p->token != VD_CAP_TOKEN_NULL, "slot %u: dead parent", i);
		AUDIT(p->object_type == s->object_type &&
			      p->object_id == s->object_id,
		      "slot %u: names another object than its parent", i);
		AUDIT(p->rights & VD_RIGHT_GRANT, "slot %u: parent lacks GRANT",
		      i);
		AUDIT(!(s->rights & ~p->rights),
		      "slot %u: rights beyond its parent's", i);
		AUDIT(listed_under_parent(s),
		      "slot %u: missing from its parent's children", i);
	} else {
		/* an original: on its object's list of originals */
		const struct cap_object *o =
			cap_object_find_locked(s->object_type, s->object_id);
		const struct vd_cap_slot *c = o ? o->originals : NULL;

		for (uint32_t n = 0; c && c != s && n <= VD_CAP_MAX_SLOTS * 64u;
		     n++)
			c = c->next_sibling;
		AUDIT(c == s, "slot %u: original missing from its object", i);
	}
	if (s->prev_sibling)
		AUDIT(s->prev_sibling->next_sibling == s &&
			      s->prev_sibling->parent == p,
		      "slot %u: broken prev link", i);
	else if (p)
		AUDIT(p->first_child == s, "slot %u: head not first child", i);
	else
		AUDIT(cap_object_find_locked(s->object_type, s->object_id)
				      ->originals == s,
		      "slot %u: head not first original", i);
	if (s->next_sibling)
		AUDIT(s->next_sibling->prev_sibling == s &&
			      s->next_sibling->parent == p,
		      "slot %u: broken next link", i);
	for (const struct vd_cap_slot *c = s->first_child; c;
	     c = c->next_sibling) {
		AUDIT(c->parent == s, "slot %u: child with another parent", i);
		AUDIT(c->token != VD_CAP_TOKEN_NULL, "slot %u: dead child", i);
	}
	return VD_OK;
}

static vd_err_t audit_space(struct vd_cap_space *space)
{
	uint32_t live = 0, nfree = 0, retired = 0;
	uint32_t idx, last = CAP_NO_SLOT;

	for (uint32_t i = 0; i < space->nslots; i++) {
		const struct vd_cap_slot *s = &space->slots[i];
		vd_err_t err;

		AUDIT(s->space == space, "slot %u: wrong owner", i);
		if (s->generation == UINT32_MAX)
			retired++;
		if (s->token == VD_CAP_TOKEN_NULL) {
			/* (parent's place holds the epitaph) */
			AUDIT(!s->first_child && !s->next_sibling,
			      "slot %u: free but linked in a tree", i);
			continue;
		}
		live++;
		err = audit_live_slot(space, i);
		if (err)
			return err;
	}
	AUDIT(live == space->used, "used %u but %u live slots", space->used,
	      live);
	AUDIT(retired == space->retired, "retired %u but %u found",
	      space->retired, retired);

	/* The free list holds exactly the free, non-retired slots, once. */
	for (idx = space->free_head; idx != CAP_NO_SLOT;
	     idx = space->slots[idx].next_free) {
		AUDIT(idx < space->nslots, "free list index %u out of range",
		      idx);
		AUDIT(space->slots[idx].token == VD_CAP_TOKEN_NULL,
		      "live slot %u on the free list", idx);
		AUDIT(++nfree <= space->nslots, "free list has a cycle");
		last = idx;
	}
	AUDIT(last == space->free_tail, "free list tail is %u, expected %u",
	      space->free_tail, last);
	AUDIT(live + nfree + retired == space->nslots,
	      "%u live + %u free + %u retired != %u slots", live, nfree,
	      retired, space->nslots);
	return VD_OK;
}

vd_err_t vd_cap_space_check(struct vd_cap_space *space)
{
	hal_irqstate_t st;
	vd_err_t err;

	if (!space)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	err = audit_space(space);
	if (!err)
		err = cap_objects_check_locked();
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return err;
}
