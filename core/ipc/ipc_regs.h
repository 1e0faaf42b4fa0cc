/*
 * The IPC register ABI: which saved user register carries what.
 *
 * IPC syscalls move small messages (up to 64 bytes = 8 words, the
 * "message registers" MR0..MR7) in registers, so a call or reply copies
 * them from one thread's saved context to another's and never touches
 * user memory.  It extends the syscall convention of cpu_context.h:
 *
 *   role            register
 *   number          the syscall number register        (in)
 *   status          the result register  (out: 0 or -vd_err_t)
 *   A0 target       argument 0           (in: cap or reply token)
 *   A1 info         argument 1           (in and out)
 *   A2 cap          argument 2           (in: cap to transfer or
 *                                         endpoint; out: cap got)
 *   A3 timeout      argument 3           (in: ns)
 *   A3 sender       argument 3           (out: sender pid)
 *   RTOKEN          one the return leaves free   (out: reply token)
 *   MR0..MR7        eight more registers
 *
 * Which registers those are is each architecture's <arch/ipc_regs.h>
 * (hal/<arch>/include/arch/ipc_regs.h, as seL4 keeps msgRegisters[] in
 * each architecture's registerset.c), in these names:
 *
 *   IPC_R_TOKEN(c), IPC_R_INFO(c), IPC_R_CAP(c), IPC_R_TIMEOUT(c),
 *   IPC_R_SENDER(c), IPC_R_RTOKEN(c)     lvalues in struct vd_cpu_context
 *   IPC_MR_DESC(X)   X(i, field) for MR7 down to MR0, where ctx->field
 *                    is the saved register that carries MRi
 *
 * The user library binds the same registers in user/ipc-lib/arch/<arch>/;
 * docs/ipc.md has the table for every architecture.
 *
 * The info word:
 *
 *   63              32 31    24 23    16 15      9  8  7          0
 *  +------------------+--------+--------+---------+---+------------+
 *  | sequence (low 32)| flags  |  type  |    0    | L |   length   |
 *  +------------------+--------+--------+---------+---+------------+
 *
 *   length  SMALL payload bytes 0..64 (in and out)
 *   L       LARGE message: MR0 = region id, MR1 = offset, MR2 = length
 *   type    out: VD_IPC_TYPE_SEND / CALL / REPLY
 *   flags   out: VD_IPC_HDR_* (HAS_CAP: A2 holds the capability)
 *   sequence out: low 32 bits of the header's sequence number
 */
#ifndef CORE_IPC_REGS_H
#define CORE_IPC_REGS_H

#include <veridian/cpu_context.h>
#include <veridian/ipc.h>

/* The per-architecture binding (see above). */
#include <arch/ipc_regs.h>

/* Info word fields (the user-side names are in include/veridian/ipc.h). */
#define IPC_INFO_LEN(i) ((unsigned)((i)&0xff))
#define IPC_INFO_LARGE	(1ull << 8)

/* Words needed for `len` payload bytes. */
static inline unsigned ipc_words(unsigned len)
{
	return (len + 7) / 8;
}

/*
 * Copy the first n message registers (n <= 8).  Registers past n are
 * left alone: a receiver keeps its own old values there, so nothing of
 * the sender's leaks.  A switch that falls through from MR(n-1) down to
 * MR0 keeps this branch-light on the fast path.
 */
#define IPC_CASE_CTX_TO_CTX(i, f)                                              \
	case i + 1:                                                            \
		d->f = s->f;                                                   \
		__attribute__((fallthrough));
static inline __attribute__((always_inline)) void
ipc_regs_copy(struct vd_cpu_context *d, const struct vd_cpu_context *s,
	      unsigned n)
{
	switch (n) {
		IPC_MR_DESC(IPC_CASE_CTX_TO_CTX)
	default:
		break;
	}
}

/* Keep only the first len % 8 bytes of the last message register of a
 * len-byte message (the rest are the sender's, not the message's). */
#define IPC_CASE_MASK(i, f)                                                    \
	case i:                                                                \
		d->f &= mask;                                                  \
		break;
static inline __attribute__((always_inline)) void
ipc_regs_mask_tail(struct vd_cpu_context *d, unsigned len)
{
	uint64_t mask;

	if (len % 8 == 0)
		return;
	mask = ~0ull >> (64 - 8 * (len % 8));
	switch (len / 8) {
		IPC_MR_DESC(IPC_CASE_MASK)
	default:
		break;
	}
}

#define IPC_CASE_CTX_TO_WORDS(i, f)                                            \
	case i + 1:                                                            \
		w[i] = s->f;                                                   \
		__attribute__((fallthrough));
static inline __attribute__((always_inline)) void
ipc_regs_get(uint64_t *w, const struct vd_cpu_context *s, unsigned n)
{
	switch (n) {
		IPC_MR_DESC(IPC_CASE_CTX_TO_WORDS)
	default:
		break;
	}
}

#define IPC_CASE_WORDS_TO_CTX(i, f)                                            \
	case i + 1:                                                            \
		d->f = w[i];                                                   \
		__attribute__((fallthrough));
static inline __attribute__((always_inline)) void
ipc_regs_put(struct vd_cpu_context *d, const uint64_t *w, unsigned n)
{
	switch (n) {
		IPC_MR_DESC(IPC_CASE_WORDS_TO_CTX)
	default:
		break;
	}
}

#endif /* CORE_IPC_REGS_H */
