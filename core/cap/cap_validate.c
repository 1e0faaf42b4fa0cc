/*
 * Capability validation: the check behind every syscall that touches an
 * object, so it is kept short and takes no lock.
 *
 * The token names its slot directly (low 16 bits), so the check is O(1):
 * bounds-check the index, then compare the whole token with the one the
 * slot was minted with.  Equality proves the token is current (same
 * generation) and genuine (same MAC), because the kernel stored exactly
 * that value when it minted the capability; the MAC never needs to be
 * recomputed here.
 *
 * Concurrent revocation is handled like a seqlock whose sequence number is
 * the token itself (see the publishing protocol in cap_space.c): read the
 * token, the contents, then the token again; if both reads match the
 * caller's token, the contents belong to that capability.  Freeing and
 * reminting a slot always changes its token (new generation, new MAC), so
 * a free-and-remint between the two reads cannot go unnoticed.  A
 * revocation that completes after the second read is ordered after this
 * validation.
 */
#include "cap_internal.h"

static inline vd_err_t cap_check(struct vd_cap_space *space,
				 vd_cap_token_t token, uint32_t type,
				 uint32_t required, struct vd_capability *out)
{
	struct vd_cap_slot *s;
	uint32_t idx = cap_token_slot(token);
	uint32_t rights, otype;
	uint64_t oid;

	if (VD_UNLIKELY(!space))
		return VD_ERR_INVALID_PARAMETER;
	if (VD_UNLIKELY(idx >= space->nslots || token == VD_CAP_TOKEN_NULL))
		return VD_ERR_INVALID_CAPABILITY;
	s = &space->slots[idx];
	if (__atomic_load_n(&s->token, __ATOMIC_ACQUIRE) != token)
		return VD_ERR_INVALID_CAPABILITY;
	rights = __atomic_load_n(&s->rights, __ATOMIC_RELAXED);
	otype = __atomic_load_n(&s->object_type, __ATOMIC_RELAXED);
	oid = __atomic_load_n(&s->object_id, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (VD_UNLIKELY(__atomic_load_n(&s->token, __ATOMIC_RELAXED) != token))
		return VD_ERR_INVALID_CAPABILITY;

	if (type != VD_OBJ_ANY && otype != type)
		return VD_ERR_INVALID_CAPABILITY;
	if ((rights & required) != required)
		return VD_ERR_PERMISSION_DENIED;
	if (out) {
		out->object_type = (enum vd_object_type)otype;
		out->object_id = oid;
		out->rights = rights;
		out->generation = cap_token_gen(token);
		out->token = token;
	}
	return VD_OK;
}

vd_err_t vd_cap_validate(struct vd_cap_space *space, vd_cap_token_t token,
			 uint32_t required_rights,
			 struct vd_capability *out_cap)
{
	return cap_check(space, token, VD_OBJ_ANY, required_rights, out_cap);
}

vd_err_t vd_cap_validate_type(struct vd_cap_space *space, vd_cap_token_t token,
			      enum vd_object_type type,
			      uint32_t required_rights,
			      struct vd_capability *out_cap)
{
	return cap_check(space, token, (uint32_t)type, required_rights,
			 out_cap);
}

vd_err_t vd_cap_lookup(struct vd_cap_space *space, vd_cap_token_t token,
		       struct vd_capability *out_cap)
{
	return cap_check(space, token, VD_OBJ_ANY, 0, out_cap);
}
