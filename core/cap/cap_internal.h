/*
 * Capability system internals, shared by the files of core/cap only.
 *
 * Token layout (64 bits):
 *
 *   63                               32 31            16 15             0
 *  +-----------------------------------+----------------+----------------+
 *  |  MAC: 32 bits of SipHash-2-4      | generation     | slot index     |
 *  |  (never 0, so a token is never 0) | (low 16 bits)  |                |
 *  +-----------------------------------+----------------+----------------+
 *
 * The MAC covers (space id, slot index, the slot's full 32-bit generation,
 * object type, rights, object id).  The slot stores the token it was
 * minted with; validation compares all 64 bits against it, so:
 *   - a guessed token must hit the right slot index and generation AND the
 *     32-bit MAC: at best a 2^-32 chance per guess;
 *   - a stale token (slot freed, maybe reused) carries an older
 *     generation: rejected outright while the low 16 bits differ, and by
 *     the MAC (full generation inside) once they wrap around;
 *   - a token of another space has another space id inside its MAC.
 *
 * Slot life cycle: free (token == 0, on the space's FIFO free list) ->
 * live (token != 0, linked in the derivation tree) -> free with
 * generation + 1.  A slot whose 32-bit generation is exhausted is retired
 * rather than reused, so no (slot, generation) pair is ever minted twice.
 */
#ifndef CORE_CAP_INTERNAL_H
#define CORE_CAP_INTERNAL_H

#include <veridian/cap.h>
#include <veridian/spinlock.h>

#define CAP_SLOT_BITS 16
#define CAP_SLOT_MASK ((1u << CAP_SLOT_BITS) - 1)
#define CAP_GEN_SHIFT 16
#define CAP_GEN_MASK  0xffffu
#define CAP_MAC_SHIFT 32
#define CAP_NO_SLOT   UINT32_MAX

static inline uint32_t cap_token_slot(vd_cap_token_t t)
{
	return (uint32_t)t & CAP_SLOT_MASK;
}

static inline uint16_t cap_token_gen(vd_cap_token_t t)
{
	return (uint16_t)(t >> CAP_GEN_SHIFT);
}

/*
 * One slot: 64 bytes, one cache line (the slot array is 64-byte aligned).
 * The first four fields are what validation reads without the lock.
 * Everything else is only touched under vd_cap_lock.  The derivation-tree
 * links point at slots of any space: a capability granted through IPC
 * sits in the receiver's space but under its parent in the sender's.
 * A free slot has no tree links, so its free-list link reuses the place
 * of prev_sibling, and the place of parent holds its epitaph.
 */
struct vd_cap_slot {
	vd_cap_token_t token; /* 0 while free; published last on mint */
	uint64_t object_id;
	union {
		struct {
			uint16_t rights;      /* VD_RIGHT_* (6 bits used) */
			uint16_t object_type; /* enum vd_object_type */
		};
		uint32_t rights_type; /* both, for one-load checks */
	};

	uint32_t generation;	    /* full count of frees of this slot */
	struct vd_cap_space *space; /* owner of this slot */
	union {
		struct vd_cap_slot *parent; /* derived from; NULL: original */
		/* while free: the token of the slot's last life if its
		 * object was destroyed (vd_cap_revoke_object), else 0 */
		vd_cap_token_t epitaph;
	};
	struct vd_cap_slot *first_child;
	struct vd_cap_slot *next_sibling;
	union {
		struct vd_cap_slot *prev_sibling; /* while live */
		uint32_t next_free; /* while free: next slot index */
	};
};

_Static_assert(sizeof(struct vd_cap_slot) == 64, "a slot is a cache line");

struct vd_cap_space {
	uint64_t id; /* MAC input; from a global counter, never reused */
	uint32_t nslots;
	uint32_t used;		       /* live slots */
	uint32_t retired;	       /* slots whose generations ran out */
	uint32_t free_head, free_tail; /* FIFO spreads generation wear */
	struct vd_cap_slot slots[] __attribute__((aligned(64)));
};

/*
 * What the capability system knows of an object (cap_object.c): every
 * object that has at least one live capability has one record, found by
 * (type, id) in a hash table.  All capabilities to the object descend from
 * its originals (vd_cap_create), which are linked on `originals` through
 * their sibling links (an original has no parent, so those are free).
 * `count` is the number of live capabilities to the object in all spaces;
 * `owner_held` those of them in the space whose id is `owner_space` (a
 * process's own space holding capabilities to that process; 0: none), so
 * that count - owner_held is how many other holders there are.  The
 * record is freed with its last capability.  All under vd_cap_lock.
 */
struct cap_object {
	struct cap_object *next; /* hash chain */
	uint64_t id;
	uint32_t type;
	uint32_t count;
	uint32_t owner_held;
	uint64_t owner_space;
	struct vd_cap_slot *originals;
};

/* Set by a revocation whose object lost its last outside holder: the
 * hook to run once vd_cap_lock is dropped (cap_object.c). */
struct cap_gone {
	bool fire;
	uint32_t type;
	uint64_t id;
	/* and/or: a capability to (rtype, rid) went, for a type with a
	 * revoke hook (vd_cap_set_revoke_hook) */
	bool revoked;
	uint32_t rtype;
	uint64_t rid;
};

/* The one lock behind every change (see cap.h).  Taken with irqsave. */
extern struct vd_spinlock vd_cap_lock;

/* Global counters, under vd_cap_lock. */
extern struct vd_cap_stats vd_cap_stats_locked;

vd_cap_token_t cap_mint_token(const struct vd_cap_space *space, uint32_t idx,
			      uint32_t generation, uint32_t type,
			      uint64_t object_id, uint32_t rights);

/* All below: caller holds vd_cap_lock. */

/* Live slot named by token in space, or NULL. */
struct vd_cap_slot *cap_lookup_locked(struct vd_cap_space *space,
				      vd_cap_token_t token);
/* Take a free slot and make it live with obj's type and id, these
 * rights and a fresh token, counted in obj but not linked anywhere yet.
 * NULL if the space is full. */
struct vd_cap_slot *cap_slot_mint_locked(struct vd_cap_space *space,
					 struct cap_object *obj,
					 uint32_t rights);
/* Kill a live slot that has no parent or children any more; `destroyed`:
 * because its object is, which the slot remembers (epitaph). */
void cap_slot_free_locked(struct vd_cap_slot *slot, bool destroyed);
/* Free `root` and its whole derivation subtree, in any space.  If that
 * leaves the object without a holder outside its owner's space, *gone
 * (may be NULL) says which hook to run after the lock is dropped.
 * `destroyed`: the object is being destroyed (vd_cap_revoke_object). */
void cap_revoke_subtree_locked(struct vd_cap_slot *root, struct cap_gone *gone,
			       bool destroyed);

/* cap_object.c */
/* The record of (type, id), or NULL. */
struct cap_object *cap_object_find_locked(uint32_t type, uint64_t id);
/* The record of (type, id), made if needed; NULL if out of memory. */
struct cap_object *cap_object_get_locked(uint32_t type, uint64_t id);
/* Free obj if no capability to it is left. */
void cap_object_release_locked(struct cap_object *obj);
/* Count slot (just minted) in obj; link it as an original if asked. */
void cap_object_add_locked(struct cap_object *obj, struct vd_cap_slot *s,
			   bool original);
/* Make the space with this id obj's owner (count what it holds). */
void cap_object_set_owner_locked(struct cap_object *obj, uint64_t space_id);
/* Make the live slot s (no parent, no siblings) one of obj's
 * originals, without counting it again (vd_cap_delete moving a child
 * up; cap_object_add_locked for a new original). */
void cap_object_add_original_locked(struct cap_object *obj,
				    struct vd_cap_slot *s);
/* Take the original s off obj's list (its subtree stays). */
void cap_object_unlink_original(struct cap_object *obj, struct vd_cap_slot *s);
/* Run the hook a revocation asked for (lock NOT held). */
void cap_gone_notify(const struct cap_gone *gone);
/* Bit t: type t has a revoke hook (vd_cap_set_revoke_hook); read on
 * every revocation, so a mask rather than a call. */
extern uint32_t cap_revoke_hook_mask;
static inline bool cap_has_revoke_hook(uint32_t type)
{
	return type < 32 &&
	       (__atomic_load_n(&cap_revoke_hook_mask, __ATOMIC_RELAXED) &
		(1u << type));
}
/* Check every object record (vd_cap_space_check). */
vd_err_t cap_objects_check_locked(void);

void cap_fill(const struct vd_cap_slot *slot, struct vd_capability *out);

static inline uint32_t cap_slot_index(const struct vd_cap_slot *slot)
{
	return (uint32_t)(slot - slot->space->slots);
}

#endif /* CORE_CAP_INTERNAL_H */
