/*
 * Host test build: the saved user register set, struct vd_cpu_context
 * (included through <veridian/cpu_context.h>, which documents the
 * contract).
 *
 * No trap entry fills this one: host tests set and read it through the
 * accessors.  It is a neutral register file rather than the build
 * machine's layout, so the host suites see the same context on any
 * machine they run on.  Syscall registers: number r[15], arguments
 * r[0] .. r[5] (consecutive, as on aarch64 and riscv64), result r[0].
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <veridian/types.h>

struct vd_cpu_context {
	uint64_t r[16];
	uint64_t sp;
	uint64_t pc;
};

#define VD_CTX_PC(c) ((c)->pc)
#define VD_CTX_SP(c) ((c)->sp)
/* The sp a thread's entry function starts with: the aligned stack top */
#define VD_CTX_ENTRY_SP(top) (top)
#define VD_CTX_SYSNR(c)	     ((c)->r[15])
#define VD_CTX_RET(c)	     ((c)->r[0])
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	return &c->r[i];
}

#endif /* ARCH_CONTEXT_H */
