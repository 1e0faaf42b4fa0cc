/*
 * Veridian: the saved user-mode register set (CpuContext of the kernel API).
 *
 * One vd_cpu_context exists per thread, at the top of the thread's kernel
 * stack.  The HAL's trap entry (syscall_entry / svc_entry / ecall_entry and
 * the exception vectors) stores every user register into it and the return
 * path restores from it, so its layout is the exact layout the assembly in
 * hal/<arch>/ pushes: change one, change both (each HAL has
 * _Static_asserts on the offsets it uses).
 *
 * Each architecture defines it in its own <arch/context.h>
 * (hal/<arch>/include/arch/context.h, hal/host/include/arch/context.h for
 * the host tests), with the accessors core uses to reach the syscall
 * registers (docs/syscall-abi.md):
 *
 *   VD_CTX_PC(c), VD_CTX_SP(c)      user pc and stack pointer (lvalues)
 *   VD_CTX_SYSNR(c)                 the syscall number
 *   VD_CTX_RET(c)                   the result register
 *   vd_ctx_arg_slot(c, i)           the i-th argument register, i < 6
 *
 * A negative return value is -vd_err_t; anything else is the result.
 */
#ifndef VERIDIAN_CPU_CONTEXT_H
#define VERIDIAN_CPU_CONTEXT_H

#include <veridian/types.h>

#define VD_SYSCALL_MAX_ARGS 6

#ifndef VD_USER
#include <arch/context.h>

static inline uint64_t vd_ctx_arg(struct vd_cpu_context *c, unsigned i)
{
	return *vd_ctx_arg_slot(c, i);
}
#else
/* User programs (which reach this header through syscall.h and hal.h,
 * the latter for the kernel's printf.c they share) never look inside a
 * saved context, and have no <arch/context.h>: to them it is an
 * incomplete type. */
struct vd_cpu_context;
#endif

#endif /* VERIDIAN_CPU_CONTEXT_H */
