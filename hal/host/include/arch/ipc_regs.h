/*
 * Host test build: which register of the neutral register file
 * (arch/context.h) carries each part of the IPC register block (included
 * through core/ipc/ipc_regs.h, which documents the roles).
 *
 *   number r15 (in), status r0 (out), A0 target r0, A1 info r1,
 *   A2 cap r2, A3 timeout / sender r3, RTOKEN r15, MR0..MR7 r4 .. r11
 */
#ifndef ARCH_IPC_REGS_H
#define ARCH_IPC_REGS_H

#define IPC_R_TOKEN(c)	 ((c)->r[0])
#define IPC_R_INFO(c)	 ((c)->r[1])
#define IPC_R_CAP(c)	 ((c)->r[2])
#define IPC_R_TIMEOUT(c) ((c)->r[3])
#define IPC_R_SENDER(c)	 ((c)->r[3])
#define IPC_R_RTOKEN(c)	 ((c)->r[15])
/* clang-format off */
#define IPC_MR_DESC(X) \
	X(7, r[11]) \
	X(6, r[10]) \
	X(5, r[9]) \
	X(4, r[8]) \
	X(3, r[7]) \
	X(2, r[6]) \
	X(1, r[5]) \
	X(0, r[4])
/* clang-format on */

#endif /* ARCH_IPC_REGS_H */
