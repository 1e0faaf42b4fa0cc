/*
 * x86_64: which saved register carries each part of the IPC register
 * block (included through core/ipc/ipc_regs.h, which documents the roles
 * and the info word; the user side is user/ipc-lib/arch/x86_64/).
 *
 *   number rax (in), status rax (out), A0 target rdi, A1 info rsi,
 *   A2 cap rdx, A3 timeout / sender r10, RTOKEN rdi,
 *   MR0..MR7 r8 r9 r12 r13 r14 r15 rbx rbp
 *
 * SYSCALL clobbers rcx and r11, which leaves exactly these thirteen
 * registers; rbp is a message register, so the user library's inline
 * vd_ipc_sys saves it itself.
 */
#ifndef ARCH_IPC_REGS_H
#define ARCH_IPC_REGS_H

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

#endif /* ARCH_IPC_REGS_H */
