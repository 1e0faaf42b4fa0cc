/*
 * IPC reply slots (ipc_reply.c): one per call awaiting its reply, the
 * unforgeable reply tokens that name them, and the always-inline slot
 * operations the fast path uses.
 *
 * Part of the IPC internals; include ipc_internal.h, which includes this
 * header.
 */
#ifndef CORE_IPC_REPLY_H
#define CORE_IPC_REPLY_H

#include <veridian/ipc.h>
#include <veridian/sched.h> /* VD_ASSERT_SCHED_LOCKED */
#include <veridian/types.h>

struct ipc_channel;
struct ipc_endpoint;
struct ipc_waiter;

struct ipc_reply_slot {
	uint64_t gen; /* odd; steps by 2 on every free */
	bool used;
	bool delivered; /* the request reached a receiver */
	struct ipc_waiter *caller;
	struct ipc_channel *ch;
	struct ipc_endpoint *queued_on; /* request still in this ring */
	vd_pid_t replier; /* who holds the token (after delivery) */
	vd_reply_token_t token;
	int next_free;
} __attribute__((aligned(64))); /* a line each; indexing is a shift */

extern struct ipc_reply_slot ipc_reply_slots[VD_IPC_MAX_REPLIES];
extern int ipc_reply_free_head;

#define IPC_REPLY_SLOT_BITS 16
/* What a slot stores while it has no live token (free, or its call not
 * yet delivered): slot index 0xffff, past every slot, so it matches no
 * token that ipc_reply_lookup accepts. */
#define IPC_REPLY_NO_TOKEN (~0ull)

void ipc_reply_init(void);

/* Move a slot's generation on (its old tokens die).  Generations are
 * odd (ipc_reply_init starts them at 1) and step by 2, so none is 0 and
 * no token is 0, without a test; a token keeps their low 48 bits, which
 * the shift in ipc_reply_token cuts off by itself. */
static inline __attribute__((always_inline)) void
ipc_reply_gen_next(struct ipc_reply_slot *rs)
{
	rs->gen += 2;
}

/* Reply slots in use (statistics; the fast path keeps no count).  Call
 * it without the IPC lock. */
unsigned ipc_reply_count_used(void);

/* The token of slot i at its current generation (ipc_reply.c). */
static inline __attribute__((always_inline)) vd_reply_token_t
ipc_reply_token(int slot, const struct ipc_reply_slot *rs)
{
	return rs->gen << IPC_REPLY_SLOT_BITS | (uint64_t)slot;
}

/* A fresh slot for `caller` on channel ch, or -1 if none is free. */
static inline __attribute__((always_inline)) int
ipc_reply_alloc(struct ipc_waiter *caller, struct ipc_channel *ch)
{
	int i = ipc_reply_free_head;

	VD_ASSERT_SCHED_LOCKED();
	if (VD_UNLIKELY(i < 0))
		return -1;
	struct ipc_reply_slot *rs = &ipc_reply_slots[i];
	ipc_reply_free_head = rs->next_free;
	rs->used = true;
	rs->delivered = false;
	rs->caller = caller;
	rs->ch = ch;
	rs->queued_on = NULL;
	rs->replier = 0;
	rs->token = IPC_REPLY_NO_TOKEN;
	return i;
}

/* Mint the token for `replier` (the process that received the call). */
static inline __attribute__((always_inline)) vd_reply_token_t
ipc_reply_mint(int slot, vd_pid_t replier)
{
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];

	VD_DEBUG_ASSERT(rs->used && !rs->delivered);
	rs->delivered = true;
	rs->queued_on = NULL;
	rs->replier = replier;
	rs->token = ipc_reply_token(slot, rs);
	return rs->token;
}

/* The slot `token` names if it is live and belongs to `replier`, else
 * -1.  (A free or undelivered slot stores IPC_REPLY_NO_TOKEN, which no
 * token past the index check equals.) */
static inline __attribute__((always_inline)) int
ipc_reply_lookup(vd_reply_token_t token, vd_pid_t replier)
{
	uint64_t slot = token & ((1u << IPC_REPLY_SLOT_BITS) - 1);

	if (VD_UNLIKELY(slot >= VD_IPC_MAX_REPLIES))
		return -1;
	const struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	if (VD_UNLIKELY(rs->token != token || rs->replier != replier))
		return -1;
	return (int)slot;
}

/* Free a slot known to be in use: its generation moves on, so its token
 * dies.  The fields that describe the call are left: they are read only
 * while the slot is in use (the fast path's reply frees this way). */
static inline __attribute__((always_inline)) void ipc_reply_release(int slot)
{
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];

	VD_DEBUG_ASSERT(rs->used);
	rs->used = false;
	rs->token = IPC_REPLY_NO_TOKEN;
	ipc_reply_gen_next(rs);
	rs->next_free = ipc_reply_free_head;
	ipc_reply_free_head = slot;
}

/* Free a slot if it is in use (reply, timeout, close, death), clearing
 * what it said of its call. */
static inline __attribute__((always_inline)) void ipc_reply_free(int slot)
{
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];

	if (!rs->used)
		return;
	rs->delivered = false;
	rs->caller = NULL;
	rs->ch = NULL;
	rs->queued_on = NULL;
	ipc_reply_release(slot);
}

#endif /* CORE_IPC_REPLY_H */
