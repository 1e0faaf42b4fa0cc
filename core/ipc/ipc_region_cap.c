/*
 * Shared regions named by capabilities: whose access a revocation takes.
 *
 * Every holder's access to a region comes through a VD_OBJ_MEMORY
 * capability to it (object id = region id):
 *
 *   - the creator's is an original, minted with the region (rights: the
 *     region's READ/WRITE, MAP, GRANT);
 *   - a holder that got the region from another (transfer, large
 *     message) got it through the giver's capability.  Its own is derived
 *     from the giver's -- but only when it is asked for (the process
 *     wants its token, vd_ipc_region_cap) or needed (the giver lets go
 *     first): until then the holder just points at its giver (`via`).
 *     Deriving costs a capability slot and a MAC, about a third of a
 *     4 KiB region round trip, and most receivers map, read, unmap and
 *     release without ever naming the region by a token.
 *
 * So the holders of a region form a tree that mirrors the derivation
 * tree: a holder is live while the first capability up its `via` chain
 * is.  Revoking a capability (SYS_CAPABILITY_REVOKE, a process's exit
 * revoking its space) runs ipc_region_caps_revoked, which drops every
 * holder that lost its access: its mappings go at once, so its next
 * access faults.
 *
 * Letting go is not revoking: a release, a Move or the holder's exit
 * deletes the holder's capability alone (vd_cap_delete), and whoever got
 * the region from it keeps it: a lazy receiver gets its own capability
 * then, derived from the leaver's, which moves up the tree as the
 * leaver's goes.  (If that derivation fails -- the receiver's space is
 * full -- the receiver keeps an access no revocation reaches until it
 * releases the region or exits.)
 *
 * Actors without a capability space (kernel threads) hold regions with
 * no capability: their access ends only when they let go.
 */
#include <veridian/cap.h>
#include <veridian/panic.h>

#include "ipc_internal.h"

/* Rights of a region's original capability. */
static uint32_t region_cap_rights(const struct ipc_region *r)
{
	return r->perms | VD_RIGHT_MAP | VD_RIGHT_GRANT;
}

/* The holder whose capability h's access comes through: h, or the first
 * up its via chain with a capability or without a space; NULL if the
 * chain ends without one. */
static const struct ipc_holder *cap_source(const struct ipc_holder *h)
{
	while (h != NULL && h->cap == VD_CAP_TOKEN_NULL && h->who.caps != NULL)
		h = h->via;
	return h;
}

/* Is h's access still backed by a live capability?  Lock-free
 * validation: a holder's space lives as long as the holder (a process
 * drops its holders before its space, vd_ipc_process_exit). */
static bool holder_live(const struct ipc_holder *h)
{
	const struct ipc_holder *s = cap_source(h);

	if (s == NULL || s->who.caps == NULL)
		return true;
	return vd_cap_lookup(s->who.caps, s->cap, NULL) == VD_OK;
}

/* Give h a capability derived from `src`'s (live), or an original if
 * src is NULL or has none. */
static vd_err_t mint_for(struct ipc_holder *h, const struct ipc_holder *src)
{
	struct vd_capability c;
	vd_err_t err;

	if (src != NULL && src->cap != VD_CAP_TOKEN_NULL) {
		err = vd_cap_lookup(src->who.caps, src->cap, &c);
		if (err == VD_OK)
			err = vd_cap_derive_into(h->who.caps, src->who.caps,
						 src->cap, c.rights, &c);
	} else {
		err = vd_cap_create(h->who.caps, VD_OBJ_MEMORY, h->region->id,
				    region_cap_rights(h->region), &c);
	}
	if (err == VD_OK) {
		h->cap = c.token;
		h->via = NULL;
	}
	return err;
}

vd_err_t ipc_holder_cap_new_locked(struct ipc_holder *h,
				   const struct ipc_holder *from)
{
	VD_ASSERT_SCHED_LOCKED();
	h->cap = VD_CAP_TOKEN_NULL;
	h->via = NULL;
	h->dead = false;
	if (h->who.caps == NULL)
		return VD_OK; /* a kernel actor */
	if (from != NULL) {
		h->via = (struct ipc_holder *)from; /* minted when needed */
		return VD_OK;
	}
	return mint_for(h, NULL);
}

void ipc_holder_cap_drop_locked(struct ipc_holder *h)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_list *it;

	vd_list_for_each(it, &h->region->holders)
	{
		struct ipc_holder *c =
			VD_LIST_ENTRY(it, struct ipc_holder, link);

		if (c == h || c->via != h)
			continue;
		c->via = h->via;
		/* h's capability is about to be deleted: c needs its own,
		 * derived from it while it lives (a dead h's is gone, and
		 * so is c's access: the sweep drops it) */
		if (c->via == NULL && !c->dead && h->cap != VD_CAP_TOKEN_NULL)
			mint_for(c, h);
	}
}

vd_err_t ipc_holder_cap_move_locked(struct ipc_holder *h,
				    const struct vd_ipc_actor *to,
				    vd_cap_token_t *cap_out)
{
	VD_ASSERT_SCHED_LOCKED();
	struct ipc_holder tmp = {.region = h->region, .who = *to};
	vd_err_t err;

	*cap_out = VD_CAP_TOKEN_NULL;
	if (to->caps == NULL || (h->cap == VD_CAP_TOKEN_NULL && h->via))
		return VD_OK; /* a kernel actor; or still lazy, same giver */
	/* from the sender's capability, or an original (a kernel actor's
	 * region, or a receiver whose own could not be minted) */
	err = mint_for(&tmp, h->cap != VD_CAP_TOKEN_NULL ? h : NULL);
	if (err == VD_OK)
		*cap_out = tmp.cap;
	return err;
}

void ipc_region_caps_revoked(uint64_t id)
{
	ipc_lock_state_t st = ipc_lock();
	struct vd_list *it, *tmp;
	struct ipc_region *r;

	ipc_init_locked();
	r = ipc_table_lookup(&ipc_regions, id);
	if (r == NULL)
		goto out;
	/* mark first: dropping a holder re-points those below it */
	vd_list_for_each(it, &r->holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(it, struct ipc_holder, link);
		h->dead = !holder_live(h);
	}
	vd_list_for_each_safe(it, tmp, &r->holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(it, struct ipc_holder, link);
		/* a drop frees only h; the last one frees r too */
		if (h->dead && ipc_holder_drop_locked(h))
			break;
	}
out:
	ipc_unlock(st);
}

vd_err_t vd_ipc_region_cap(const struct vd_ipc_actor *p, vd_region_id_t region,
			   vd_cap_token_t *out)
{
	struct ipc_holder *h;
	vd_err_t err;

	if (out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_lock_state_t st = ipc_lock();
	err = ipc_find_holder_locked(p, region, &h);
	if (err == VD_OK && h->cap == VD_CAP_TOKEN_NULL && p->caps != NULL) {
		const struct ipc_holder *src = cap_source(h->via);

		/* a source without a space (a kernel actor's region) gives
		 * no capability to derive from: an original */
		err = mint_for(h, src && src->who.caps ? src : NULL);
	}
	if (err == VD_OK)
		*out = h->cap;
	ipc_unlock(st);
	return err;
}
