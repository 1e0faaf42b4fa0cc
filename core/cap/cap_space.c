/*
 * Capability spaces: the per-process slot tables, their free lists, the
 * MAC key and the minting of tokens.
 *
 * A space is one heap block: the header followed by `nslots` slots.  Free
 * slots form a FIFO list threaded through next_free, so the slot freed
 * longest ago is reused first; that spreads generation increments over
 * the whole table instead of wearing out one slot.
 */
#include "cap_internal.h"

#include <veridian/hal.h>
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/string.h>
#include <veridian/trace.h>

struct vd_spinlock vd_cap_lock = VD_SPINLOCK_INIT;
struct vd_cap_stats vd_cap_stats_locked;

static uint8_t cap_key[VD_CAP_KEY_BYTES];
static bool cap_key_ready;
static uint64_t cap_next_space_id = 1;

/* ------------------------------------------------------------------ */
/* Key                                                                 */
/* ------------------------------------------------------------------ */

/*
 * The key only needs to be unknown to user space.  Two words of the CPU's
 * random number generator (hal_entropy: RDRAND, RNDR), where it has one,
 * are mixed with what varies between boots anyway -- the cycle counter
 * and the clock, read twice around some work so their low bits jitter --
 * and the address of a stack variable, through SipHash under a fixed
 * key.  Without a hardware source (RISC-V here, a Cortex-A72), and under
 * QEMU -icount, the rest is reproducible: the boot log says which
 * (cap_key_hw_words).
 */
static unsigned cap_key_hw_words;

static void cap_seed_key_locked(void)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	static const uint8_t mixer_key[16] = "veridian-capkey";
	uint64_t words[8] = {0};
	uint64_t h0, h1;

	words[0] = hal_cycles();
	words[1] = hal_timer_now_ns();
	words[2] = (uint64_t)(uintptr_t)&words;
	words[3] = vd_siphash24(mixer_key, words, 3 * sizeof(uint64_t));
	words[4] = hal_cycles();
	words[5] = hal_timer_now_ns();
	cap_key_hw_words = 0;
	for (unsigned i = 6; i < 8; i++)
		cap_key_hw_words += hal_entropy(&words[i]);
	h0 = vd_siphash24(mixer_key, words, sizeof(words));
	words[0] ^= h0;
	h1 = vd_siphash24(mixer_key, words, sizeof(words));
	for (unsigned i = 0; i < 8; i++) {
		cap_key[i] = (uint8_t)(h0 >> (8 * i));
		cap_key[8 + i] = (uint8_t)(h1 >> (8 * i));
	}
	cap_key_ready = true;
}

void vd_cap_init(void)
{
	hal_irqstate_t st = vd_spin_lock_irqsave(&vd_cap_lock);
	bool seeded = !cap_key_ready;

	if (seeded)
		cap_seed_key_locked();
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	if (seeded)
		kprintf("cap: MAC key seeded with %u hardware random words%s\n",
			cap_key_hw_words,
			cap_key_hw_words ? ""
					 : " (no RNG: reproducible under "
					   "-icount)");
}

vd_err_t vd_cap_set_key(const uint8_t key[VD_CAP_KEY_BYTES])
{
	vd_err_t err = VD_OK;
	hal_irqstate_t st;

	if (!key)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	if (vd_cap_stats_locked.spaces != 0) {
		err = VD_ERR_BUSY;
	} else {
		vd_memcpy(cap_key, key, VD_CAP_KEY_BYTES);
		cap_key_ready = true;
	}
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return err;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * The MAC input is a fixed 32-byte little-endian record:
 *   [0..8) space id   [8..12) slot   [12..16) generation (all 32 bits)
 *   [16..20) type     [20..24) rights            [24..32) object id
 */
vd_cap_token_t cap_mint_token(const struct vd_cap_space *space, uint32_t idx,
			      uint32_t generation, uint32_t type,
			      uint64_t object_id, uint32_t rights)
{
	uint8_t msg[32];
	uint32_t mac;

	put_le64(msg, space->id);
	put_le32(msg + 8, idx);
	put_le32(msg + 12, generation);
	put_le32(msg + 16, type);
	put_le32(msg + 20, rights);
	put_le64(msg + 24, object_id);
	mac = (uint32_t)(vd_siphash24(cap_key, msg, sizeof(msg)) >> 32);
	if (mac == 0) /* keep token 0 meaning "no capability" */
		mac = 1;
	return (vd_cap_token_t)mac << CAP_MAC_SHIFT |
	       (vd_cap_token_t)(generation & CAP_GEN_MASK) << CAP_GEN_SHIFT |
	       idx;
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */
/* ------------------------------------------------------------------ */

static void free_list_push(struct vd_cap_space *space, uint32_t idx)
{
	space->slots[idx].next_free = CAP_NO_SLOT;
	if (space->free_tail == CAP_NO_SLOT)
		space->free_head = idx;
	else
		space->slots[space->free_tail].next_free = idx;
	space->free_tail = idx;
}

static uint32_t free_list_pop(struct vd_cap_space *space)
{
	uint32_t idx = space->free_head;

	if (idx == CAP_NO_SLOT)
		return CAP_NO_SLOT;
	space->free_head = space->slots[idx].next_free;
	if (space->free_head == CAP_NO_SLOT)
		space->free_tail = CAP_NO_SLOT;
	space->slots[idx].next_free = CAP_NO_SLOT;
	return idx;
}

struct vd_cap_slot *cap_lookup_locked(struct vd_cap_space *space,
				      vd_cap_token_t token)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(space != NULL);
	uint32_t idx = cap_token_slot(token);

	if (token == VD_CAP_TOKEN_NULL || idx >= space->nslots)
		return NULL;
	if (space->slots[idx].token != token)
		return NULL;
	return &space->slots[idx];
}

/*
 * Publishing protocol for the lock-free readers in cap_validate.c (a
 * seqlock whose sequence number is the token itself): the contents are
 * written first and the token is stored last with release order; on free
 * the token is cleared first and a release fence orders it before the
 * contents are scrubbed.
 */
struct vd_cap_slot *cap_slot_mint_locked(struct vd_cap_space *space,
					 struct cap_object *obj,
					 uint32_t rights)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(space != NULL && obj != NULL);
	uint32_t idx = free_list_pop(space);
	struct vd_cap_slot *s;

	if (idx == CAP_NO_SLOT)
		return NULL;
	s = &space->slots[idx];
	__atomic_store_n(&s->object_id, obj->id, __ATOMIC_RELAXED);
	__atomic_store_n(&s->rights, (uint16_t)rights, __ATOMIC_RELAXED);
	__atomic_store_n(&s->object_type, (uint16_t)obj->type,
			 __ATOMIC_RELAXED);
	s->parent = s->first_child = NULL;
	s->next_sibling = s->prev_sibling = NULL;
	__atomic_store_n(&s->token,
			 cap_mint_token(space, idx, s->generation, obj->type,
					obj->id, rights),
			 __ATOMIC_RELEASE);
	space->used++;
	vd_cap_stats_locked.caps++;
	vd_cap_stats_locked.created++;
	return s;
}

void cap_slot_free_locked(struct vd_cap_slot *s, bool destroyed)
{
	VD_ASSERT_HELD(&vd_cap_lock);
	VD_DEBUG_ASSERT(s->token != VD_CAP_TOKEN_NULL && s->parent == NULL &&
			s->first_child == NULL);
	struct vd_cap_space *space = s->space;
	vd_cap_token_t was = s->token;

	__atomic_store_n(&s->token, VD_CAP_TOKEN_NULL, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->object_id, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->rights, (uint16_t)0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->object_type, (uint16_t)0, __ATOMIC_RELAXED);
	s->parent = s->first_child = NULL;
	s->next_sibling = s->prev_sibling = NULL;
	s->epitaph = destroyed ? was : VD_CAP_TOKEN_NULL;
	space->used--;
	vd_cap_stats_locked.caps--;
	vd_cap_stats_locked.revoked++;
	/* Never mint the same (slot, generation) twice: retire the slot
	 * when its generation would wrap. */
	if (++s->generation == UINT32_MAX)
		space->retired++;
	else
		free_list_push(space, cap_slot_index(s));
}

void cap_fill(const struct vd_cap_slot *s, struct vd_capability *out)
{
	out->object_type = (enum vd_object_type)s->object_type;
	out->object_id = s->object_id;
	out->rights = s->rights;
	out->generation = cap_token_gen(s->token);
	out->token = s->token;
}

/* ------------------------------------------------------------------ */
/* Spaces                                                              */
/* ------------------------------------------------------------------ */

vd_err_t vd_cap_space_create(uint32_t slots, struct vd_cap_space **out)
{
	struct vd_cap_space *space;
	hal_irqstate_t st;

	if (!out)
		return VD_ERR_INVALID_PARAMETER;
	*out = NULL;
	if (slots == 0 || slots > VD_CAP_MAX_SLOTS)
		return VD_ERR_INVALID_PARAMETER;
	space = vd_kzalloc(sizeof(*space) +
			   (size_t)slots * sizeof(struct vd_cap_slot));
	if (!space)
		return VD_ERR_OUT_OF_MEMORY;
	space->nslots = slots;
	space->free_head = space->free_tail = CAP_NO_SLOT;
	for (uint32_t i = 0; i < slots; i++) {
		space->slots[i].space = space;
		free_list_push(space, i);
	}

	st = vd_spin_lock_irqsave(&vd_cap_lock);
	if (!cap_key_ready)
		cap_seed_key_locked();
	space->id = cap_next_space_id++;
	vd_cap_stats_locked.spaces++;
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);

	*out = space;
	return VD_OK;
}

/*
 * Slot by slot, so that the hook of an object that loses its last outside
 * holder here runs with the lock dropped (it may end a thread, destroy an
 * endpoint...).  Nothing mints into a space being destroyed (its process
 * is gone), but the scan starts over until the space is empty anyway: a
 * slot left live would leave dangling tree links in other spaces.
 */
void vd_cap_space_destroy(struct vd_cap_space *space)
{
	hal_irqstate_t st;
	uint32_t i = 0;

	if (!space)
		return;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	while (space->used != 0) {
		struct cap_gone gone = {0};

		if (i == space->nslots)
			i = 0;
		for (; i < space->nslots && !gone.fire && !gone.revoked; i++) {
			if (space->slots[i].token != VD_CAP_TOKEN_NULL)
				cap_revoke_subtree_locked(&space->slots[i],
							  &gone, false);
		}
		if (gone.fire || gone.revoked) {
			vd_spin_unlock_irqrestore(&vd_cap_lock, st);
			cap_gone_notify(&gone);
			st = vd_spin_lock_irqsave(&vd_cap_lock);
		}
	}
	vd_cap_stats_locked.spaces--;
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	vd_kfree(space);
}

uint64_t vd_cap_space_id(const struct vd_cap_space *space)
{
	return space ? space->id : 0;
}

uint32_t vd_cap_space_used(const struct vd_cap_space *space)
{
	return space ? __atomic_load_n(&space->used, __ATOMIC_RELAXED) : 0;
}

uint32_t vd_cap_space_capacity(const struct vd_cap_space *space)
{
	return space ? space->nslots : 0;
}

void vd_cap_get_stats(struct vd_cap_stats *out)
{
	hal_irqstate_t st;

	if (!out)
		return;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	*out = vd_cap_stats_locked;
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
}

/* ------------------------------------------------------------------ */
/* Original capabilities                                               */
/* ------------------------------------------------------------------ */

static vd_err_t cap_create(struct vd_cap_space *space, enum vd_object_type type,
			   uint64_t object_id, uint32_t rights, bool self,
			   struct vd_capability *out)
{
	struct cap_object *obj;
	struct vd_cap_slot *s = NULL;
	vd_err_t err = VD_OK;
	hal_irqstate_t st;

	if (!space || (uint32_t)type >= VD_OBJ_TYPE_COUNT ||
	    (rights & ~VD_RIGHTS_ALL))
		return VD_ERR_INVALID_PARAMETER;
	st = vd_spin_lock_irqsave(&vd_cap_lock);
	obj = cap_object_get_locked((uint32_t)type, object_id);
	if (!obj) {
		err = VD_ERR_OUT_OF_MEMORY;
	} else if (self && obj->owner_space != 0 &&
		   obj->owner_space != space->id) {
		err = VD_ERR_INVALID_PARAMETER; /* one owner per object */
	} else {
		s = cap_slot_mint_locked(space, obj, rights);
		if (!s)
			err = VD_ERR_RESOURCE_EXHAUSTED;
	}
	if (s) {
		if (self)
			cap_object_set_owner_locked(obj, space->id);
		cap_object_add_locked(obj, s, true);
		if (out)
			cap_fill(s, out);
	} else if (obj) {
		cap_object_release_locked(obj);
	}
	vd_spin_unlock_irqrestore(&vd_cap_lock, st);
	return err;
}

vd_err_t vd_cap_create(struct vd_cap_space *space, enum vd_object_type type,
		       uint64_t object_id, uint32_t rights,
		       struct vd_capability *out)
{
	vd_err_t err = cap_create(space, type, object_id, rights, false, out);

	if (err == VD_OK)
		VD_TRACE_EVENT(VD_TRACE_CAP_CREATE, type, object_id);
	return err;
}

vd_err_t vd_cap_create_self(struct vd_cap_space *space,
			    enum vd_object_type type, uint64_t object_id,
			    uint32_t rights, struct vd_capability *out)
{
	vd_err_t err = cap_create(space, type, object_id, rights, true, out);

	if (err == VD_OK)
		VD_TRACE_EVENT(VD_TRACE_CAP_CREATE, type, object_id);
	return err;
}
