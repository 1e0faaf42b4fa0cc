/*
 * AArch64: the saved user register set, struct vd_cpu_context (included
 * through <veridian/cpu_context.h>, which documents the contract).
 *
 * Syscall registers: number x8, arguments x0 .. x5, result x0.
 *
 * The order is the exception entry's (vectors.S); arch/defs.h has the
 * offsets the assembly uses (A64_CTX_*), checked against this struct by
 * _Static_asserts in trap.c.
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <veridian/types.h>

struct vd_cpu_context {
	uint64_t x[31];	 /* x0 .. x30 (x29 = fp, x30 = lr) */
	uint64_t sp;	 /* SP_EL0 */
	uint64_t pc;	 /* ELR_EL1 */
	uint64_t pstate; /* SPSR_EL1 */
};

#define VD_CTX_PC(c) ((c)->pc)
#define VD_CTX_SP(c) ((c)->sp)
/* The sp a thread's entry function starts with: the aligned stack top */
#define VD_CTX_ENTRY_SP(top) (top)
#define VD_CTX_SYSNR(c)	     ((c)->x[8])
#define VD_CTX_RET(c)	     ((c)->x[0])
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	return &c->x[i];
}

#endif /* ARCH_CONTEXT_H */
