/*
 * AArch64: which saved register carries each part of the IPC register
 * block (included through core/ipc/ipc_regs.h, which documents the roles
 * and the info word; the user side is user/ipc-lib/arch/aarch64/).
 *
 *   number x8 (in), status x0 (out), A0 target x0, A1 info x1,
 *   A2 cap x2, A3 timeout / sender x3, RTOKEN x8,
 *   MR0..MR7 x4 x5 x6 x7 x9 x10 x11 x12
 */
#ifndef ARCH_IPC_REGS_H
#define ARCH_IPC_REGS_H

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

#endif /* ARCH_IPC_REGS_H */
