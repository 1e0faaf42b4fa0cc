/*
 * Capability check for fast paths (the IPC fast path), inline.
 *
 * The same O(1), lock-free check as vd_cap_validate_type (cap_validate.c
 * has the protocol: the token is read before and after the slot's
 * contents, like a seqlock), reduced to a yes/no and the object id: a
 * fast path that gets "no" falls back to the general path, which repeats
 * the check through vd_cap_validate_type and reports the precise error.
 */
#ifndef CORE_CAP_FAST_H
#define CORE_CAP_FAST_H

#include "cap_internal.h"

static inline __attribute__((always_inline)) bool
vd_cap_fast_object(struct vd_cap_space *space, vd_cap_token_t token,
		   uint32_t type, uint32_t rights, uint64_t *object_id)
{
	uint32_t idx = cap_token_slot(token);
	const struct vd_cap_slot *s;
	uint32_t got_rights, got_type;
	uint64_t oid;

	if (VD_UNLIKELY(space == NULL || idx >= space->nslots ||
			token == VD_CAP_TOKEN_NULL))
		return false;
	s = &space->slots[idx];
	if (__atomic_load_n(&s->token, __ATOMIC_ACQUIRE) != token)
		return false;
	got_rights = __atomic_load_n(&s->rights, __ATOMIC_RELAXED);
	got_type = __atomic_load_n(&s->object_type, __ATOMIC_RELAXED);
	oid = __atomic_load_n(&s->object_id, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (VD_UNLIKELY(__atomic_load_n(&s->token, __ATOMIC_RELAXED) != token))
		return false;
	if (got_type != type || (got_rights & rights) != rights)
		return false;
	*object_id = oid;
	return true;
}

#endif /* CORE_CAP_FAST_H */
