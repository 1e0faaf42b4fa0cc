/*
 * Reply slots and reply tokens.
 *
 * A call parks its caller on a reply slot.  When a receiver takes the
 * request, the slot is bound to the receiving process and a token is
 * minted for it:
 *
 *   63          48 47                                               0
 *  +--------------+--------------------------------------------------+
 *  |  slot index  |  generation of the slot (48 bits, never 0)        |
 *  +--------------+--------------------------------------------------+
 *
 * The slot stores the whole token and the process it was handed to, so
 * checking one is two compares.  That binding is what makes a token
 * unforgeable: the kernel honours a token only from the process it was
 * delivered to (the replier is checked), only while its call waits, and
 * only once -- freeing a slot (reply, timeout, close, death) bumps its
 * generation and clears the stored token, and a generation never comes
 * back in 2^47 uses of a slot.  A process can name only tokens of calls
 * it received, which it holds anyway; guessing one of another process's
 * gets VD_ERR_IPC_BAD_REPLY_TOKEN.  (A keyed hash mixed into each token
 * would add nothing against that, and cost 40-80 instructions a call.)
 * Allocating, minting and freeing are inline in ipc_internal.h: the IPC
 * fast path does each on every call.
 */
#include "ipc_internal.h"

struct ipc_reply_slot ipc_reply_slots[VD_IPC_MAX_REPLIES];
int ipc_reply_free_head = -1;

_Static_assert(VD_IPC_MAX_REPLIES < 65536,
	       "16-bit slot index in tokens, 0xffff for IPC_REPLY_NO_TOKEN");

void ipc_reply_init(void)
{
	ipc_reply_free_head = -1;
	for (int i = VD_IPC_MAX_REPLIES - 1; i >= 0; i--) {
		struct ipc_reply_slot *rs = &ipc_reply_slots[i];

		/* Generations survive re-initialisation (host tests), and
		 * are odd from the start (ipc_reply_gen_next). */
		rs->gen |= 1;
		ipc_reply_gen_next(rs);
		rs->used = false;
		rs->token = IPC_REPLY_NO_TOKEN;
		rs->next_free = ipc_reply_free_head;
		ipc_reply_free_head = i;
	}
}

unsigned ipc_reply_count_used(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VD_IPC_MAX_REPLIES; i++)
		n += ipc_reply_slots[i].used;
	return n;
}
