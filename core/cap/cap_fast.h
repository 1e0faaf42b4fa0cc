/*
 * Capability check for fast paths (the IPC fast path), inline.
 *
 * The same O(1), lock-free check as vd_cap_validate_type (cap_validate.c
 * has the protocol: the token is read before and after the slot's
 * contents, like a seqlock), reduced to a yes/no and the object id: a
 * fast path that gets "no" falls back to the general path, which repeats
 * the check through vd_cap_validate_type and reports the precise error.
 *
 * Type and rights are one 32-bit word (rights_type), checked with one
 * mask and compare.  The null token is refused by a test of its own: it
 * names slot 0 with its token still null, and while slot 0 is being
 * minted (token published last) or freed (token cleared first) the
 * seqlock reads would find the new or the old type and rights there.
 *
 * space is the calling thread's own process's, which is never NULL while
 * one of its threads runs: the process's last thread tears it down
 * (proc.c) and never returns to user mode after that.
 */
#ifndef CORE_CAP_FAST_H
#define CORE_CAP_FAST_H

#include "cap_internal.h"

_Static_assert(__builtin_offsetof(struct vd_cap_slot, object_type) ==
		       __builtin_offsetof(struct vd_cap_slot, rights) + 2,
	       "rights_type: rights in the low half, type in the high");

static inline __attribute__((always_inline)) bool
vd_cap_fast_object(struct vd_cap_space *space, vd_cap_token_t token,
		   uint32_t type, uint32_t rights, uint64_t *object_id)
{
	uint32_t idx = cap_token_slot(token);
	const struct vd_cap_slot *s;
	uint32_t rt;
	uint64_t oid;

	if (VD_UNLIKELY(idx >= space->nslots || token == VD_CAP_TOKEN_NULL))
		return false;
	s = &space->slots[idx];
	if (__atomic_load_n(&s->token, __ATOMIC_ACQUIRE) != token)
		return false;
	rt = __atomic_load_n(&s->rights_type, __ATOMIC_RELAXED);
	oid = __atomic_load_n(&s->object_id, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (VD_UNLIKELY(__atomic_load_n(&s->token, __ATOMIC_RELAXED) != token))
		return false;
	if ((rt & (0xffff0000u | rights)) != (type << 16 | rights))
		return false;
	*object_id = oid;
	return true;
}

#endif /* CORE_CAP_FAST_H */
