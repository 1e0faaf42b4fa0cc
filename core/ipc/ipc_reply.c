/*
 * Reply slots and reply tokens.
 *
 * A call parks its caller on a reply slot.  When a receiver takes the
 * request, the slot is bound to the receiving process and a token is
 * minted for it:
 *
 *   63                                               16 15           0
 *  +---------------------------------------------------+--------------+
 *  |  generation of the slot (low 48 bits, odd)          |  slot index  |
 *  +---------------------------------------------------+--------------+
 *
 * The slot stores the whole token and the process it was handed to, so
 * checking one is two compares.  That binding is what makes a token
 * unforgeable: the kernel honours a token only from the process it was
 * delivered to (the replier is checked), only while its call waits, and
 * only once -- freeing a slot (reply, timeout, close, death) bumps its
 * generation and clears the stored token, and a token's generation bits
 * come back only after 2^47 uses of a slot.  (The generation sits above
 * the index so that moving it on is one add: the shift that makes the
 * token drops its top bits.)  A process can name only tokens of calls
 * it received, which it holds anyway; guessing one of another process's
 * gets VD_ERR_IPC_BAD_REPLY_TOKEN.  (A keyed hash mixed into each token
 * would add nothing against that, and cost 40-80 instructions a call.)
 * Allocating, minting and freeing are inline in ipc_internal.h: the IPC
 * fast path does each on every call.
 */
#include "ipc_internal.h"

struct ipc_reply_slot ipc_reply_slots[VD_IPC_MAX_REPLIES];
int ipc_reply_free_head = -1;

_Static_assert(VD_IPC_MAX_REPLIES < (1u << IPC_REPLY_SLOT_BITS) - 1,
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

/* Without the lock (a snapshot, for statistics): the scan is long for a
 * section that masks interrupts. */
unsigned ipc_reply_count_used(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VD_IPC_MAX_REPLIES; i++)
		n += __atomic_load_n(&ipc_reply_slots[i].used,
				     __ATOMIC_RELAXED);
	return n;
}
