/*
 * Veridian: the saved user-mode register set (CpuContext of the kernel API).
 *
 * One vd_cpu_context exists per thread, at the top of the thread's kernel
 * stack.  The HAL's trap entry (syscall_entry / svc_entry / ecall_entry and
 * the exception vectors) stores every user register into it and the return
 * path restores from it, so the layout below is the exact layout the
 * assembly in hal/<arch>/ pushes: change one, change both (each HAL has
 * _Static_asserts on the offsets it uses).
 *
 * Syscall register convention (also in docs/syscall-abi.md):
 *
 *   arch     number  args                     return
 *   x86_64   rax     rdi rsi rdx r10 r8 r9    rax
 *   aarch64  x8      x0 .. x5                 x0
 *   riscv64  a7      a0 .. a5                 a0
 *
 * A negative return value is -vd_err_t; anything else is the result.
 */
#ifndef VERIDIAN_CPU_CONTEXT_H
#define VERIDIAN_CPU_CONTEXT_H

#include <veridian/types.h>

#if defined(__x86_64__)

/* The order is syscall_entry's (hal/x86_64/vectors.S): its pushes fill
 * rflags down to rax, and rcx and r11, which SYSCALL overwrites with the
 * return RIP and RFLAGS, come last, where neither its pushes nor the
 * SYSRET exit's pops reach them. */
struct vd_cpu_context {
	uint64_t rax, rbx, rdx, rsi;
	uint64_t rdi, rbp, r8, r9;
	uint64_t r10, r12, r13, r14;
	uint64_t r15, rip, rflags, rsp;
	uint64_t rcx, r11;
};

#define VD_CTX_PC(c) ((c)->rip)
#define VD_CTX_SP(c) ((c)->rsp)
#define VD_CTX_SYSNR(c) ((c)->rax)
#define VD_CTX_RET(c) ((c)->rax)
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	uint64_t *slots[6] = { &c->rdi, &c->rsi, &c->rdx,
			       &c->r10, &c->r8,	 &c->r9 };
	return slots[i];
}

#elif defined(__aarch64__)

struct vd_cpu_context {
	uint64_t x[31]; /* x0 .. x30 (x29 = fp, x30 = lr) */
	uint64_t sp; /* SP_EL0 */
	uint64_t pc; /* ELR_EL1 */
	uint64_t pstate; /* SPSR_EL1 */
};

#define VD_CTX_PC(c) ((c)->pc)
#define VD_CTX_SP(c) ((c)->sp)
#define VD_CTX_SYSNR(c) ((c)->x[8])
#define VD_CTX_RET(c) ((c)->x[0])
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	return &c->x[i];
}

#elif defined(__riscv) && __riscv_xlen == 64

struct vd_cpu_context {
	uint64_t x[32]; /* x0 slot unused; x1 = ra, x2 = sp, x10.. = a0.. */
	uint64_t pc; /* sepc */
	uint64_t status; /* sstatus */
	uint64_t satp; /* page-table root of the owning address space */
	uint64_t _pad; /* keeps the frame 16-byte aligned */
};

#define VD_CTX_PC(c) ((c)->pc)
#define VD_CTX_SP(c) ((c)->x[2])
#define VD_CTX_SYSNR(c) ((c)->x[17])
#define VD_CTX_RET(c) ((c)->x[10])
static inline uint64_t *vd_ctx_arg_slot(struct vd_cpu_context *c, unsigned i)
{
	return &c->x[10 + i];
}

#else
#error "unsupported architecture"
#endif

#define VD_SYSCALL_MAX_ARGS 6

static inline uint64_t vd_ctx_arg(struct vd_cpu_context *c, unsigned i)
{
	return *vd_ctx_arg_slot(c, i);
}

#endif /* VERIDIAN_CPU_CONTEXT_H */
