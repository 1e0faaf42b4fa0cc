/*
 * The capability derivation tree (CDT, after seL4): derivation and
 * revocation.
 *
 * Every derived capability records the capability it came from.  The
 * tree is kept with three links per slot -- parent, first child, and a
 * doubly-linked list of siblings -- so that adding a child and unlinking
 * any node are O(1), and a subtree can be walked without recursion or any
 * extra memory:
 *
 *        A            A.first_child = B
 *       / \           B.next_sibling = C, C.prev_sibling = B
 *      B   C          B.parent = C.parent = A
 *      |              D.parent = B (D may live in another space)
 *      D
 *
 * Links cross spaces freely: a capability granted through IPC lives in
 * the receiver's space but hangs under its parent in the sender's.  That
 * is why one global lock (vd_cap_lock) protects all trees: a revocation
 * may free slots in any number of spaces, and a single lock needs no lock
 * ordering to stay deadlock-free.
 */
#include "cap_internal.h"

#include <veridian/panic.h>
#include <veridian/trace.h>

/* Make `child` the first child of `parent`. */
static void cdt_link(struct vd_cap_slot *parent, struct vd_cap_slot *child)
{
	child->parent = parent;
	child->prev_sibling = NULL;
	child->next_sibling = parent->first_child;
	if (parent->first_child)
		parent->first_child->prev_sibling = child;
	parent->first_child = child;
}

/* Detach `s` from its parent and siblings (its own children stay). */
static void cdt_unlink(struct vd_cap_slot *s)
{
	if (s->prev_sibling)
		s->prev_sibling->next_sibling = s->next_sibling;
	else if (s->parent)
		s->parent->first_child = s->next_sibling;
	if (s->next_sibling)
		s->next_sibling->prev_sibling = s->prev_sibling;
	s->parent = s->next_sibling = s->prev_sibling = NULL;
}

/* Does slot s count as held by obj's owner (see struct cap_object)? */
static inline bool owner_holds(const struct cap_object *obj,
			       const struct vd_cap_slot *s)
{
	return obj->owner_space != 0 && s->space->id == obj->owner_space;
}

static void cap_free_counted(struct cap_object *obj, struct vd_cap_slot *s,
			     bool destroyed)
{
	obj->count--;
	if (owner_holds(obj, s))
		obj->owner_held--;
	cap_slot_free_locked(s, destroyed);
}

/*
 * Free `root` and everything below it, post-order, iteratively: descend
 * along first_child links to a leaf, free it (its next sibling becomes the
 * parent's first child), step back up to the parent and descend again.
 * Each node is entered once from above and re-entered once per child, so
 * the walk is O(subtree size) with O(1) state, whatever the depth.
 * Every node names the same object as root, whose record counts them.
 */
void cap_revoke_subtree_locked(struct vd_cap_slot *root, struct cap_gone *gone,
			       bool destroyed)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(root != NULL);
	struct cap_object *obj =
		cap_object_find_locked(root->object_type, root->object_id);
	struct vd_cap_slot *node = root;
	uint32_t outside;

	VD_ASSERT(obj != NULL && obj->count != 0);
	outside = obj->count - obj->owner_held;
	if (root->parent)
		cdt_unlink(root);
	else
		cap_object_unlink_original(obj, root);
	for (;;) {
		struct vd_cap_slot *parent;

		while (node->first_child)
			node = node->first_child;
		if (node == root)
			break;
		parent = node->parent;
		cdt_unlink(node);
		cap_free_counted(obj, node, destroyed);
		node = parent;
	}
	cap_free_counted(obj, root, destroyed);
	if (gone && cap_has_revoke_hook(obj->type)) {
		gone->revoked = true;
		gone->rtype = obj->type;
		gone->rid = obj->id;
	}
	if (gone && outside != 0 && obj->count == obj->owner_held) {
		gone->fire = true;
		gone->type = obj->type;
		gone->id = obj->id;
	}
	cap_object_release_locked(obj);
}

vd_err_t vd_cap_derive_into(struct vd_cap_space *dst, struct vd_cap_space *src,
			    vd_cap_token_t parent, uint32_t new_rights,
			    struct vd_capability *out)
{
	struct vd_cap_slot *p, *child;
	vd_err_t err = VD_OK;
	hal_irqstate_t st;

	if (!dst || !src || (new_rights & ~VD_RIGHTS_ALL))
		return VD_ERR_INVALID_PARAMETER;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	p = cap_lookup_locked(src, parent);
	if (!p) {
		err = VD_ERR_INVALID_CAPABILITY;
	} else if (!(p->rights & VD_RIGHT_GRANT) || (new_rights & ~p->rights)) {
		/* Rights only ever shrink along the tree. */
		err = VD_ERR_PERMISSION_DENIED;
	} else {
		/* p is live, so its object has a record */
		struct cap_object *obj =
			cap_object_find_locked(p->object_type, p->object_id);

		child = cap_slot_mint_locked(dst, obj, new_rights);
		if (!child) {
			err = VD_ERR_RESOURCE_EXHAUSTED;
		} else {
			cap_object_add_locked(obj, child, false);
			cdt_link(p, child);
			if (out)
				cap_fill(child, out);
		}
	}
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return err;
}

vd_err_t vd_cap_derive(struct vd_cap_space *space, vd_cap_token_t parent,
		       uint32_t new_rights, struct vd_capability *out)
{
	return vd_cap_derive_into(space, space, parent, new_rights, out);
}

static vd_err_t cap_revoke_common(struct vd_cap_space *space,
				  vd_cap_token_t token, bool keep_self,
				  bool quiet)
{
	struct cap_gone gone = {0};
	struct vd_cap_slot *s;
	vd_err_t err = VD_OK;
	hal_irqstate_t st;

	if (!space)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	s = cap_lookup_locked(space, token);
	if (!s) {
		err = VD_ERR_INVALID_CAPABILITY;
	} else if (keep_self) {
		/* s stays, but it may be its owner's own: the children
		 * can be the last outside holders */
		while (s->first_child)
			cap_revoke_subtree_locked(s->first_child, &gone, false);
	} else {
		cap_revoke_subtree_locked(s, &gone, false);
	}
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	if (!quiet)
		cap_gone_notify(&gone);
	return err;
}

vd_err_t vd_cap_revoke(struct vd_cap_space *space, vd_cap_token_t token)
{
	vd_err_t err = cap_revoke_common(space, token, false, false);

	VD_TRACE_EVENT(VD_TRACE_CAP_REVOKE, token, (uint64_t)err);
	return err;
}

vd_err_t vd_cap_revoke_quiet(struct vd_cap_space *space, vd_cap_token_t token)
{
	vd_err_t err = cap_revoke_common(space, token, false, true);

	VD_TRACE_EVENT(VD_TRACE_CAP_REVOKE, token, (uint64_t)err);
	return err;
}

/*
 * Free s alone: its children move up to its parent -- or, if s is an
 * original, become originals of the object themselves.  Rights only
 * shrink along the tree, so every moved child still holds a subset of its
 * new parent's.  Only the one capability goes, so no hook is due unless
 * s was its object's last outside holder, which the caller (a region
 * dropping its holder's own capability) does not care about: quiet.
 */
vd_err_t vd_cap_delete(struct vd_cap_space *space, vd_cap_token_t token)
{
	struct vd_cap_slot *s, *up;
	struct cap_object *obj;
	hal_irqstate_t st;

	if (!space)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	s = cap_lookup_locked(space, token);
	if (!s) {
		vd_spin_unlock_irqrestore(&vd_cap_lock, st);
		return VD_ERR_INVALID_CAPABILITY;
	}
	obj = cap_object_find_locked(s->object_type, s->object_id);
	VD_ASSERT(obj != NULL && obj->count != 0);
	up = s->parent;
	while (s->first_child) {
		struct vd_cap_slot *c = s->first_child;

		cdt_unlink(c);
		if (up)
			cdt_link(up, c);
		else
			cap_object_add_original_locked(obj, c);
	}
	if (up)
		cdt_unlink(s);
	else
		cap_object_unlink_original(obj, s);
	cap_free_counted(obj, s, false);
	cap_object_release_locked(obj);
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return VD_OK;
}

vd_err_t vd_cap_revoke_derived(struct vd_cap_space *space, vd_cap_token_t token)
{
	return cap_revoke_common(space, token, true, false);
}
