/*
 * Reply slots and reply tokens.
 *
 * A call parks its caller on a reply slot.  When a receiver takes the
 * request, the slot is bound to the receiving process and a token is
 * minted for it:
 *
 *   63          48 47          32 31                              0
 *  +--------------+--------------+---------------------------------+
 *  |  slot index  |  generation  |  nonce: 32 bits of SipHash-2-4  |
 *  |              |  (low 16)    |  (key, counter), fresh per token|
 *  +--------------+--------------+---------------------------------+
 *
 * The slot stores the whole token and the process it was handed to, so
 * checking one is two compares.  The nonce is what makes tokens
 * unforgeable: it is the output of a keyed pseudo-random function (the
 * key is secret and set at boot) on a counter that never repeats, so a
 * process cannot predict the token of a slot it was not handed, and a
 * token handed to one process is useless to another (the replier is
 * checked).  Freeing a slot -- reply, timeout, close, death -- bumps its
 * generation and clears the stored token, so every token works at most
 * once.  The function is SipHash-1-3 of the counter under the key, with
 * the key schedule done once; each 64-bit output gives two nonces (this
 * runs on every call, so it stays at a few dozen instructions a token).
 * Allocating, minting and freeing are inline in ipc_internal.h: the IPC
 * fast path does each on every call.
 */
#include <veridian/cap.h>
#include <veridian/hal.h>

#include "ipc_internal.h"

struct ipc_reply_slot ipc_reply_slots[VD_IPC_MAX_REPLIES];
unsigned ipc_reply_used;
int ipc_reply_free_head = -1;
static uint8_t reply_key[16];
static bool reply_key_ready;
static uint64_t nonce_counter;
uint64_t ipc_nonce_pool;
bool ipc_nonce_half;	  /* ipc_nonce_pool's upper half is still unused */
static uint64_t sip_v[4]; /* SipHash state right after the key is mixed in */

static void schedule_key(void);

_Static_assert(VD_IPC_MAX_REPLIES <= 65536, "16-bit slot index in tokens");

/* No entropy source in the HAL yet: mix counters that differ between
 * boots (see core/cap for the same caveat). */
static void seed_key(void)
{
	static const uint8_t mixer[16] = "veridian-replyk";
	uint64_t w[4] = {hal_cycles(), hal_timer_now_ns(),
			 (uint64_t)(uintptr_t)&w, 0};

	w[3] = hal_cycles();
	uint64_t k0 = vd_siphash24(mixer, w, sizeof(w));
	w[0] ^= k0;
	uint64_t k1 = vd_siphash24(mixer, w, sizeof(w));
	for (unsigned i = 0; i < 8; i++) {
		reply_key[i] = (uint8_t)(k0 >> (8 * i));
		reply_key[8 + i] = (uint8_t)(k1 >> (8 * i));
	}
	reply_key_ready = true;
	schedule_key();
}

void ipc_reply_set_key(const uint8_t key[16])
{
	for (unsigned i = 0; i < 16; i++)
		reply_key[i] = key[i];
	reply_key_ready = true;
	schedule_key();
}

void ipc_reply_init(void)
{
	if (!reply_key_ready)
		seed_key();
	ipc_reply_free_head = -1;
	ipc_reply_used = 0;
	for (int i = VD_IPC_MAX_REPLIES - 1; i >= 0; i--) {
		struct ipc_reply_slot *rs = &ipc_reply_slots[i];

		/* Generations survive re-initialisation (host tests). */
		rs->gen += 1;
		if ((rs->gen & 0xffff) == 0)
			rs->gen++;
		rs->used = false;
		rs->next_free = ipc_reply_free_head;
		ipc_reply_free_head = i;
	}
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The initial SipHash state for reply_key (Aumasson & Bernstein). */
static void schedule_key(void)
{
	uint64_t k0 = load_le64(reply_key), k1 = load_le64(reply_key + 8);

	sip_v[0] = k0 ^ 0x736f6d6570736575ull;
	sip_v[1] = k1 ^ 0x646f72616e646f6dull;
	sip_v[2] = k0 ^ 0x6c7967656e657261ull;
	sip_v[3] = k1 ^ 0x7465646279746573ull;
	nonce_counter = 0;
	ipc_nonce_half = false;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1, v1 = ROTL(v1, 13), v1 ^= v0, v0 = ROTL(v0, 32);      \
		v2 += v3, v3 = ROTL(v3, 16), v3 ^= v2;                         \
		v0 += v3, v3 = ROTL(v3, 21), v3 ^= v0;                         \
		v2 += v1, v1 = ROTL(v1, 17), v1 ^= v2, v2 = ROTL(v2, 32);      \
	} while (0)

/* SipHash-1-3 of the 8-byte message m. */
static uint64_t siphash13_u64(uint64_t m)
{
	uint64_t v0 = sip_v[0], v1 = sip_v[1], v2 = sip_v[2], v3 = sip_v[3];
	const uint64_t last = (uint64_t)8 << 56; /* length block, no tail */

	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v3 ^= last;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The pool is used up: the next 64 bits, whose low half is returned and
 * whose upper half waits in the pool (ipc_next_nonce). */
uint32_t ipc_nonce_refill(void)
{
	ipc_nonce_pool = siphash13_u64(++nonce_counter);
	ipc_nonce_half = true;
	return (uint32_t)ipc_nonce_pool;
}
