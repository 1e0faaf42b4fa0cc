/*
 * RISC-V 64: the saved user register set, struct vd_cpu_context
 * (included through <veridian/cpu_context.h>, which documents the
 * contract).
 *
 * Syscall registers: number a7, arguments a0 .. a5, result a0.
 *
 * The order is the trap entry's (vectors.S); arch/percpu.h has the
 * offsets the assembly uses (CTX_*), checked against this struct by
 * _Static_asserts in trap.c.
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <veridian/types.h>

struct vd_cpu_context {
	uint64_t x[32];	 /* x0 slot unused; x1 = ra, x2 = sp, x10.. = a0.. */
	uint64_t pc;	 /* sepc */
	uint64_t status; /* sstatus */
	uint64_t satp;	 /* page-table root of the owning address space */
	uint64_t _pad;	 /* keeps the frame 16-byte aligned */
};

#define VD_CTX_PC(c) ((c)->pc)
#define VD_CTX_SP(c) ((c)->x[2])
/* The sp a thread's entry function starts with: the aligned stack top */
#define VD_CTX_ENTRY_SP(top) (top)
#define VD_CTX_SYSNR(c)	     ((c)->x[17])
#define VD_CTX_RET(c)	     ((c)->x[10])
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	return &c->x[10 + i];
}

#endif /* ARCH_CONTEXT_H */
