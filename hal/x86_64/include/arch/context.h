/*
 * x86_64: the saved user register set, struct vd_cpu_context (included
 * through <veridian/cpu_context.h>, which documents the contract).
 *
 * Syscall registers: number rax, arguments rdi rsi rdx r10 r8 r9, result
 * rax (r10 for the fourth argument because SYSCALL overwrites rcx with
 * the return RIP, and r11 with RFLAGS).
 *
 * The order is syscall_entry's (hal/x86_64/vectors.S): its pushes fill
 * rflags down to rax, and rcx and r11, which SYSCALL overwrites with the
 * return RIP and RFLAGS, come last, where neither its pushes nor the
 * SYSRET exit's pops reach them.  arch/defs.h has the offsets the
 * assembly uses, checked against this struct by _Static_asserts in
 * thread.c.
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <veridian/types.h>

struct vd_cpu_context {
	uint64_t rax, rbx, rdx, rsi;
	uint64_t rdi, rbp, r8, r9;
	uint64_t r10, r12, r13, r14;
	uint64_t r15, rip, rflags, rsp;
	uint64_t rcx, r11;
};

#define VD_CTX_PC(c) ((c)->rip)
#define VD_CTX_SP(c) ((c)->rsp)
/* The sp a thread's entry function starts with, below a 16-byte aligned
 * stack top: the SysV ABI's function-entry alignment (rsp + 8 aligned,
 * as after a CALL), which SSE spills rely on.  Process entry (_start)
 * gets the aligned top itself, as the ABI says. */
#define VD_CTX_ENTRY_SP(top) ((top)-8)
#define VD_CTX_SYSNR(c)	     ((c)->rax)
#define VD_CTX_RET(c)	     ((c)->rax)
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	uint64_t *slots[6] = {&c->rdi, &c->rsi, &c->rdx,
			      &c->r10, &c->r8,	&c->r9};
	return slots[i];
}

#endif /* ARCH_CONTEXT_H */
