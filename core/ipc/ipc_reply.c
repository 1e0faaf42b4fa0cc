/*
 * Reply slots and reply tokens.
 *
 * A call parks its caller on a reply slot.  When a receiver takes the
 * request, the slot is bound to the receiving process and a token is
 * minted for it:
 *
 *   63          48 47          32 31                              0
 *  +--------------+--------------+---------------------------------+
 *  |  slot index  |  generation  |  MAC: SipHash-2-4(key, slot,    |
 *  |              |  (low 16)    |  generation, replier pid) low32 |
 *  +--------------+--------------+---------------------------------+
 *
 * The slot stores the whole token, so checking one is a compare.  The MAC
 * is what makes tokens unforgeable: without the boot-time key, a process
 * cannot compute the token of a slot it was not handed, and a token
 * handed to one process is useless to another (the replier is checked
 * too).  Freeing a slot -- reply, timeout, close, death -- bumps its
 * generation, so every token works at most once.
 */
#include <veridian/cap.h>
#include <veridian/hal.h>

#include "ipc_internal.h"

struct ipc_reply_slot ipc_reply_slots[VD_IPC_MAX_REPLIES];
unsigned ipc_reply_used;
static int reply_free_head = -1;
static uint8_t reply_key[16];
static bool reply_key_ready;

_Static_assert(VD_IPC_MAX_REPLIES <= 65536, "16-bit slot index in tokens");

/* No entropy source in the HAL yet: mix counters that differ between
 * boots (see core/cap for the same caveat). */
static void seed_key(void)
{
	static const uint8_t mixer[16] = "veridian-replyk";
	uint64_t w[4] = { hal_cycles(), hal_timer_now_ns(),
			  (uint64_t)(uintptr_t)&w, 0 };

	w[3] = hal_cycles();
	uint64_t k0 = vd_siphash24(mixer, w, sizeof(w));
	w[0] ^= k0;
	uint64_t k1 = vd_siphash24(mixer, w, sizeof(w));
	for (unsigned i = 0; i < 8; i++) {
		reply_key[i] = (uint8_t)(k0 >> (8 * i));
		reply_key[8 + i] = (uint8_t)(k1 >> (8 * i));
	}
	reply_key_ready = true;
}

void ipc_reply_set_key(const uint8_t key[16])
{
	for (unsigned i = 0; i < 16; i++)
		reply_key[i] = key[i];
	reply_key_ready = true;
}

void ipc_reply_init(void)
{
	if (!reply_key_ready)
		seed_key();
	reply_free_head = -1;
	ipc_reply_used = 0;
	for (int i = VD_IPC_MAX_REPLIES - 1; i >= 0; i--) {
		struct ipc_reply_slot *rs = &ipc_reply_slots[i];

		/* Generations survive re-initialisation (host tests). */
		rs->gen += 1;
		if ((rs->gen & 0xffff) == 0)
			rs->gen++;
		rs->used = false;
		rs->next_free = reply_free_head;
		reply_free_head = i;
	}
}

int ipc_reply_alloc(struct ipc_waiter *caller, struct ipc_channel *ch)
{
	int i = reply_free_head;

	if (i < 0)
		return -1;
	struct ipc_reply_slot *rs = &ipc_reply_slots[i];
	reply_free_head = rs->next_free;
	rs->used = true;
	rs->delivered = false;
	rs->caller = caller;
	rs->ch = ch;
	rs->queued_on = NULL;
	rs->replier = 0;
	rs->token = 0;
	ipc_reply_used++;
	return i;
}

vd_reply_token_t ipc_reply_mint(int slot, vd_pid_t replier)
{
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	uint64_t in[3] = { (uint64_t)slot, rs->gen, replier };
	uint32_t mac = (uint32_t)vd_siphash24(reply_key, in, sizeof(in));

	rs->delivered = true;
	rs->queued_on = NULL;
	rs->replier = replier;
	rs->token = ((uint64_t)slot << 48) | ((uint64_t)(rs->gen & 0xffff) << 32) |
		    mac;
	return rs->token;
}

int ipc_reply_lookup(vd_reply_token_t token, vd_pid_t replier)
{
	uint64_t slot = token >> 48;

	if (token == 0 || slot >= VD_IPC_MAX_REPLIES)
		return -1;
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	if (!rs->used || !rs->delivered || rs->token != token ||
	    rs->replier != replier)
		return -1;
	return (int)slot;
}

void ipc_reply_free(int slot)
{
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];

	if (!rs->used)
		return;
	rs->used = false;
	rs->delivered = false;
	rs->caller = NULL;
	rs->ch = NULL;
	rs->queued_on = NULL;
	rs->token = 0;
	rs->gen++;
	if ((rs->gen & 0xffff) == 0)
		rs->gen++; /* keeps every token non-zero */
	rs->next_free = reply_free_head;
	reply_free_head = slot;
	ipc_reply_used--;
}
