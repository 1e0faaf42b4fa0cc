/*
 * The IPC register ABI: which saved user register carries what.
 *
 * IPC syscalls move small messages (up to 64 bytes = 8 words, the
 * "message registers" MR0..MR7) in registers, so a call or reply copies
 * them from one thread's saved context to another's and never touches
 * user memory.  This is the one place in core that names registers by
 * architecture: it extends the syscall convention of cpu_context.h.
 *
 *   role            x86_64  aarch64  riscv64
 *   number          rax     x8       a7        (in)
 *   status          rax     x0       a0        (out: 0 or -vd_err_t)
 *   A0 target       rdi     x0       a0        (in: cap or reply token)
 *   A1 info         rsi     x1       a1        (in and out)
 *   A2 cap          rdx     x2       a2        (in: cap to transfer or
 *                                               endpoint; out: cap got)
 *   A3 timeout      r10     x3       a3        (in: ns)
 *   A3 sender       r10     x3       a3        (out: sender pid)
 *   RTOKEN          rdi     x8       a7        (out: reply token)
 *   MR0..MR7        r8 r9   x4..x7   a4 a5 a6
 *                   r12..r15         t0 t1 t2
 *                   rbx rbp x9..x12  t3 t4
 *
 * A0..A3 are the first four syscall argument registers of cpu_context.h.
 * On x86_64 SYSCALL clobbers rcx and r11, which leaves exactly the
 * thirteen registers above; rbp is a message register there, so the user
 * library's inline vd_ipc_sys saves it itself (user/ipc-lib/arch/).
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

/*
 * IPC_MR_DESC(X) expands X(i, field) for MR7 down to MR0, where
 * ctx->field is the saved register that carries MRi.
 */
#if defined(__x86_64__)

#define IPC_R_TOKEN(c)	 ((c)->rdi)
#define IPC_R_INFO(c)	 ((c)->rsi)
#define IPC_R_CAP(c)	 ((c)->rdx)
#define IPC_R_TIMEOUT(c) ((c)->r10)
#define IPC_R_SENDER(c)	 ((c)->r10)
#define IPC_R_RTOKEN(c)	 ((c)->rdi)
/* clang-format off */
#define IPC_MR_DESC(X) \
	X(7, rbp) \
	X(6, rbx) \
	X(5, r15) \
	X(4, r14) \
	X(3, r13) \
	X(2, r12) \
	X(1, r9) \
	X(0, r8)
/* clang-format on */

#elif defined(__aarch64__)

#define IPC_R_TOKEN(c)	 ((c)->x[0])
#define IPC_R_INFO(c)	 ((c)->x[1])
#define IPC_R_CAP(c)	 ((c)->x[2])
#define IPC_R_TIMEOUT(c) ((c)->x[3])
#define IPC_R_SENDER(c)	 ((c)->x[3])
#define IPC_R_RTOKEN(c)	 ((c)->x[8])
/* clang-format off */
#define IPC_MR_DESC(X) \
	X(7, x[12]) \
	X(6, x[11]) \
	X(5, x[10]) \
	X(4, x[9]) \
	X(3, x[7]) \
	X(2, x[6]) \
	X(1, x[5]) \
	X(0, x[4])
/* clang-format on */

#elif defined(__riscv)

#define IPC_R_TOKEN(c)	 ((c)->x[10])
#define IPC_R_INFO(c)	 ((c)->x[11])
#define IPC_R_CAP(c)	 ((c)->x[12])
#define IPC_R_TIMEOUT(c) ((c)->x[13])
#define IPC_R_SENDER(c)	 ((c)->x[13])
#define IPC_R_RTOKEN(c)	 ((c)->x[17])
/* clang-format off */
#define IPC_MR_DESC(X) \
	X(7, x[29]) \
	X(6, x[28]) \
	X(5, x[7]) \
	X(4, x[6]) \
	X(3, x[5]) \
	X(2, x[16]) \
	X(1, x[15]) \
	X(0, x[14])
/* clang-format on */

#endif

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
