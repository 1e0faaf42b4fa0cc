/*
 * Veridian: the capability system.
 *
 * Every kernel object a process may touch (memory region, process, thread,
 * IPC endpoint, file, device) is reached through a capability: a token the
 * process holds, which names a slot in the process's capability space and
 * carries the rights it grants.  The syscall layer calls vd_cap_validate()
 * (or vd_cap_validate_type()) before every operation on an object.
 *
 * Design (details in docs/capabilities.md):
 *   - A capability space is a fixed-size slot table owned by one process,
 *     with a free list.  A slot holds the object, the rights, a generation
 *     counter and the links of the capability derivation tree.
 *   - A token is 64 bits: slot index, low 16 bits of the slot generation
 *     and a 32-bit SipHash-2-4 MAC, under a boot-time secret key, of
 *     (space id, slot, full generation, object type, object id, rights).
 *     Guessed, bit-flipped, stale and foreign tokens fail validation.
 *   - Validation is O(1): decode the slot, compare the whole token with the
 *     one stored in the slot, check the type and rights.  It takes no lock.
 *   - Derivation (rights can only shrink, the parent needs GRANT) links the
 *     new capability under its parent, possibly in another space (this is
 *     how capabilities travel through IPC).  Revocation removes a
 *     capability and, transitively, everything derived from it, in every
 *     space; freed slots get a new generation so old tokens stay dead.
 *
 * Token 0 (VD_CAP_TOKEN_NULL) never validates.
 *
 * Object lifetimes are tied to capabilities both ways (cap_object.c,
 * docs/capabilities.md "Objects and their capabilities"):
 *   - an object that is destroyed revokes every capability to it, in every
 *     space (vd_cap_revoke_object, from its one destroy function);
 *   - an object that loses its last capability held outside its owner's
 *     space is reported to its type's hook (vd_cap_set_gone_hook), which
 *     destroys it (endpoints, channels) or detaches it (threads,
 *     processes: they run on and are reaped when they end).
 *
 * Concurrency: all changes (create, derive, revoke, space destroy) take one
 * global capability lock, with interrupts masked; validation takes none.
 * A caller must keep every space it passes alive for the duration of the
 * call (e.g. by holding a reference on the owning process).
 */
#ifndef VERIDIAN_CAP_H
#define VERIDIAN_CAP_H

#include <veridian/types.h>

/* ObjectType of the kernel API. */
enum vd_object_type {
	VD_OBJ_MEMORY = 0,
	VD_OBJ_PROCESS = 1,
	VD_OBJ_THREAD = 2,
	VD_OBJ_IPC_ENDPOINT = 3,
	VD_OBJ_FILE = 4,
	VD_OBJ_DEVICE = 5,
	VD_OBJ_TYPE_COUNT,
	/* Only for vd_cap_validate_type: accept any object type. */
	VD_OBJ_ANY = 0xff,
};

/* Rights of the kernel API (bit flags). */
#define VD_RIGHT_READ	 (1u << 0)
#define VD_RIGHT_WRITE	 (1u << 1)
#define VD_RIGHT_EXECUTE (1u << 2)
#define VD_RIGHT_DELETE	 (1u << 3)
#define VD_RIGHT_GRANT	 (1u << 4) /* may derive (and so pass on) copies */
#define VD_RIGHT_MAP	 (1u << 5)
#define VD_RIGHTS_ALL	 0x3fu

#define VD_CAP_TOKEN_NULL ((vd_cap_token_t)0)

/* Slots per space: 1 .. VD_CAP_MAX_SLOTS.  The token has room for a 16-bit
 * index; the limit keeps a table (64 bytes a slot) within one heap block. */
#define VD_CAP_MAX_SLOTS     32768u
#define VD_CAP_DEFAULT_SLOTS 256u

/* Capability of the kernel API: a snapshot of what a token grants. */
struct vd_capability {
	enum vd_object_type object_type;
	uint64_t object_id;
	uint32_t rights;
	uint16_t generation; /* slot generation the token was minted for */
	vd_cap_token_t token;
};

struct vd_cap_space; /* opaque; one per process */

/* ------------------------------------------------------------------ */
/* Spaces                                                              */
/* ------------------------------------------------------------------ */

/*
 * Create an empty space of `slots` slots (1 .. VD_CAP_MAX_SLOTS).
 * Errors: VD_ERR_INVALID_PARAMETER, VD_ERR_OUT_OF_MEMORY.
 * The first space created seeds the MAC key (see vd_cap_init).
 */
vd_err_t vd_cap_space_create(uint32_t slots, struct vd_cap_space **out);
/*
 * Process exit: revoke every capability in the space, with everything
 * derived from it in any space, unlink the ones derived from capabilities
 * of other spaces, and free the space.  NULL is ignored.  Objects that
 * lose their last outside holder here are reported to their hooks (see
 * vd_cap_set_gone_hook), with the lock dropped.
 */
void vd_cap_space_destroy(struct vd_cap_space *space);
/* Unique id of the space (never reused while the kernel runs). */
uint64_t vd_cap_space_id(const struct vd_cap_space *space);
/* Live capabilities in the space, and its slot count. */
uint32_t vd_cap_space_used(const struct vd_cap_space *space);
uint32_t vd_cap_space_capacity(const struct vd_cap_space *space);

/* ------------------------------------------------------------------ */
/* Capabilities                                                        */
/* ------------------------------------------------------------------ */

/*
 * Mint an original (root) capability for an object, as the kernel does
 * when it creates the object.  `out` may be NULL.
 * Errors: VD_ERR_INVALID_PARAMETER (NULL space, bad type, unknown rights
 * bits), VD_ERR_RESOURCE_EXHAUSTED (no free slot), VD_ERR_OUT_OF_MEMORY
 * (no heap for the object's record, made with its first capability).
 */
vd_err_t vd_cap_create(struct vd_cap_space *space, enum vd_object_type type,
		       uint64_t object_id, uint32_t rights,
		       struct vd_capability *out);

/*
 * The same for an object's capability to itself (a process's own Process
 * capability): capabilities to the object held in `space` do not count
 * as outside holders, so they never keep it from being reported gone
 * (see vd_cap_set_gone_hook).  An object has at most one such space.
 * Errors: as vd_cap_create; VD_ERR_INVALID_PARAMETER if another space is
 * the object's owner already.
 */
vd_err_t vd_cap_create_self(struct vd_cap_space *space,
			    enum vd_object_type type, uint64_t object_id,
			    uint32_t rights, struct vd_capability *out);

/*
 * Derive a capability with `new_rights` from the one `parent` names in
 * `space`, into the same space.  The parent must hold VD_RIGHT_GRANT and
 * new_rights must be a subset of its rights.  `out` may be NULL.
 * Errors: VD_ERR_INVALID_PARAMETER, VD_ERR_INVALID_CAPABILITY (bad token),
 * VD_ERR_PERMISSION_DENIED (no GRANT, or rights beyond the parent's),
 * VD_ERR_RESOURCE_EXHAUSTED.
 */
vd_err_t vd_cap_derive(struct vd_cap_space *space, vd_cap_token_t parent,
		       uint32_t new_rights, struct vd_capability *out);
/*
 * The same, placing the new capability in `dst` (another process's space,
 * or the same one).  This is how IPC grants a capability: revoking the
 * parent later also revokes the copy in `dst`.
 */
vd_err_t vd_cap_derive_into(struct vd_cap_space *dst, struct vd_cap_space *src,
			    vd_cap_token_t parent, uint32_t new_rights,
			    struct vd_capability *out);

/*
 * Check that `token` names a live capability of `space` holding every
 * right in `required_rights`; on success fill *out_cap if not NULL.
 * O(1) and lock-free.
 * Errors: VD_ERR_INVALID_PARAMETER (NULL space),
 * VD_ERR_INVALID_CAPABILITY (forged, stale, foreign or null token),
 * VD_ERR_PERMISSION_DENIED (rights missing).
 */
vd_err_t vd_cap_validate(struct vd_cap_space *space, vd_cap_token_t token,
			 uint32_t required_rights,
			 struct vd_capability *out_cap);
/* Same, and the capability must name an object of `type` (VD_OBJ_ANY
 * accepts all); a mismatch is VD_ERR_INVALID_CAPABILITY. */
vd_err_t vd_cap_validate_type(struct vd_cap_space *space, vd_cap_token_t token,
			      enum vd_object_type type,
			      uint32_t required_rights,
			      struct vd_capability *out_cap);
/* Look a token up without requiring rights (validate with 0 rights). */
vd_err_t vd_cap_lookup(struct vd_cap_space *space, vd_cap_token_t token,
		       struct vd_capability *out_cap);

/*
 * Revoke the capability `token` names in `space` and everything derived
 * from it, transitively, in every space.  Freed slots get a new
 * generation, so none of the revoked tokens validates again, even after
 * the slot is reused.  Holding the token is the only requirement.
 * Errors: VD_ERR_INVALID_PARAMETER, VD_ERR_INVALID_CAPABILITY.
 */
vd_err_t vd_cap_revoke(struct vd_cap_space *space, vd_cap_token_t token);
/* Revoke only what was derived from `token`; the capability itself stays
 * valid (seL4's "revoke" as opposed to "delete"). */
vd_err_t vd_cap_revoke_derived(struct vd_cap_space *space,
			       vd_cap_token_t token);

/*
 * Delete the one capability `token` names in `space`: what was derived
 * from it stays, moved up under its parent (or made originals).  The
 * opposite of vd_cap_revoke, for a holder letting go of something it
 * passed on (a shared region it released, docs/ipc.md).  No hook runs;
 * callable under the scheduler lock.
 * Errors: VD_ERR_INVALID_PARAMETER, VD_ERR_INVALID_CAPABILITY.
 */
vd_err_t vd_cap_delete(struct vd_cap_space *space, vd_cap_token_t token);

/*
 * vd_cap_revoke without the hook: for callers that hold the scheduler
 * lock (IPC dropping an undelivered message's capability).  That
 * capability was derived, so its object keeps its parent as a holder;
 * the only loss a hook would hear of is that of a process whose last
 * outside holder was the message's copy (a process passing its own
 * capability), which then stays attached to its parent.
 */
vd_err_t vd_cap_revoke_quiet(struct vd_cap_space *space, vd_cap_token_t token);

/* ------------------------------------------------------------------ */
/* Objects and their capabilities                                      */
/* ------------------------------------------------------------------ */

/*
 * The object (type, id) is destroyed: revoke every capability to it, in
 * every space, and free their slots.  Its type's hook is NOT called (the
 * object is going already).  Returns how many capabilities went.  Each
 * object type calls it from its one destroy function: thread reaped,
 * process reaped, endpoint destroyed, channel closed.  The caller may
 * hold the scheduler lock or the process lock (the capability lock comes
 * after both).
 */
uint32_t vd_cap_revoke_object(enum vd_object_type type, uint64_t id);
/*
 * Did `token` name a capability of `space` that went because its object
 * was destroyed (vd_cap_revoke_object)?  True until the slot is reused.
 * For error reports only: a syscall whose capability fails validation
 * can tell "the object is gone" (IPC: VD_ERR_IPC_CLOSED) from "never
 * yours".  Lock-free.
 */
bool vd_cap_destroyed(struct vd_cap_space *space, vd_cap_token_t token);
/* Live capabilities to (type, id), in all spaces. */
uint32_t vd_cap_object_count(enum vd_object_type type, uint64_t id);

/*
 * Hook of an object type: the object `id` has just lost its last
 * capability held outside its owner's space (vd_cap_create_self; for an
 * object without an owner: its last capability), through vd_cap_revoke,
 * vd_cap_revoke_derived or vd_cap_space_destroy.  It runs once per such
 * loss, after the capability lock is dropped, in the revoking thread; a
 * capability minted meanwhile may already exist.  The kernel registers
 * one for endpoints/channels (core/ipc: destroy), threads and processes
 * (core/proc: detach).  NULL unregisters.  VD_ERR_INVALID_PARAMETER for
 * an unknown type.
 *
 * Because hooks take the scheduler and process locks, vd_cap_revoke,
 * vd_cap_revoke_derived and vd_cap_space_destroy must be called without
 * those locks held; under them, use vd_cap_revoke_quiet.
 */
typedef void (*vd_cap_gone_hook_t)(uint64_t object_id);
vd_err_t vd_cap_set_gone_hook(enum vd_object_type type, vd_cap_gone_hook_t fn);
/*
 * Revoke hook of an object type: some capability to the object `id` has
 * just been revoked (vd_cap_revoke, vd_cap_revoke_derived,
 * vd_cap_space_destroy; not the quiet variant, not vd_cap_revoke_object),
 * whether or not others remain.  It runs as the gone hook does: after
 * the capability lock is dropped, in the revoking thread, at most once
 * per revoked subtree.  Shared regions use it to take a region away from
 * every holder whose capability went (core/ipc/ipc_region.c).  NULL
 * unregisters; VD_ERR_INVALID_PARAMETER for an unknown type.
 */
vd_err_t vd_cap_set_revoke_hook(enum vd_object_type type,
				vd_cap_gone_hook_t fn);

/* ------------------------------------------------------------------ */
/* Key, statistics, self-check                                         */
/* ------------------------------------------------------------------ */

#define VD_CAP_KEY_BYTES 16

/*
 * Seed the MAC key from the CPU's random number generator where it has
 * one (hal_entropy), the cycle counter and the clock, and log which.
 * The kernel calls it at boot; the first vd_cap_space_create seeds the
 * key too if nobody did; calling it again is a no-op.
 */
void vd_cap_init(void);
/*
 * Tests: use a fixed key (reproducible tokens).  Only allowed while no
 * space exists (tokens under the old key would all die): VD_ERR_BUSY
 * otherwise.
 */
vd_err_t vd_cap_set_key(const uint8_t key[VD_CAP_KEY_BYTES]);

struct vd_cap_stats {
	uint64_t spaces;  /* live spaces */
	uint64_t caps;	  /* live capabilities, all spaces */
	uint64_t created; /* capabilities minted since boot (create+derive) */
	uint64_t revoked; /* capabilities freed since boot */
	uint64_t objects; /* objects with live capabilities (cap_object.c) */
};
void vd_cap_get_stats(struct vd_cap_stats *out);

/*
 * Debugging and tests: check every invariant of `space` under the lock --
 * free list and live count agree, each live slot's token is the MAC of its
 * contents, derivation links are consistent (a child's parent is live and
 * lists it, siblings link both ways), and a derived capability never holds
 * rights its parent lacks; and every object record: its count is the number
 * of capabilities reachable from its originals, all naming it (O(all
 * capabilities)).  VD_OK, or VD_ERR_INVALID_CAPABILITY with the
 * first broken invariant printed (VD_ERR_INVALID_PARAMETER for NULL).
 */
vd_err_t vd_cap_space_check(struct vd_cap_space *space);

/* ------------------------------------------------------------------ */
/* SipHash-2-4 (the token MAC; usable as a keyed hash elsewhere)       */
/* ------------------------------------------------------------------ */

/* SipHash-2-4 of data[0..len) under a 128-bit key (little-endian bytes,
 * as in the paper), as a 64-bit integer. */
uint64_t vd_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif /* VERIDIAN_CAP_H */
