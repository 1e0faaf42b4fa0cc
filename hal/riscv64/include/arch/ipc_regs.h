/*
 * RISC-V 64: which saved register carries each part of the IPC register
 * block (included through core/ipc/ipc_regs.h, which documents the roles
 * and the info word; the user side is user/ipc-lib/arch/riscv64/).
 *
 *   number a7 (in), status a0 (out), A0 target a0, A1 info a1,
 *   A2 cap a2, A3 timeout / sender a3, RTOKEN a7,
 *   MR0..MR7 a4 a5 a6 t0 t1 t2 t3 t4
 *
 * (x[n] is register xn: a0 = x10 .. a7 = x17, t0..t2 = x5..x7,
 * t3 t4 = x28 x29.)
 */
#ifndef ARCH_IPC_REGS_H
#define ARCH_IPC_REGS_H

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

#endif /* ARCH_IPC_REGS_H */
