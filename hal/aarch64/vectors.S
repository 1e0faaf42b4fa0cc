/*
 * Exception vectors, the syscall entry (svc_entry) and the return to user
 * mode.
 *
 * VBAR_EL1 table (ARM ARM D1.10.2): 16 slots of 0x80 bytes,
 *
 *   0x000 current EL, SP_EL0   sync irq fiq serror  (never used: bad)
 *   0x200 current EL, SP_ELx   sync irq fiq serror  (kernel traps)
 *   0x400 lower EL, AArch64    sync irq fiq serror  (user traps)
 *   0x600 lower EL, AArch32    sync irq fiq serror  (unsupported: bad)
 *
 * A trap from EL0 lands on SP_EL1, which is the current thread's struct
 * vd_cpu_context at the top of its kernel stack (every return to EL0
 * leaves it there), so the user entries save every user register into it
 * at once (offsets in arch/defs.h), and their C code runs on the stack
 * below it.  Kernel traps push the same frame on the current stack plus
 * a frame record {interrupted fp, interrupted pc} so backtraces walk
 * through the trap.
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <veridian/syscall_nr.h>

/* op (stp or ldp) x2..x17 at their vd_cpu_context slots; sp = the
 * context. */
.macro ctx_x2_x17 op
	\op	x2, x3, [sp, #A64_CTX_X(2)]
	\op	x4, x5, [sp, #A64_CTX_X(4)]
	\op	x6, x7, [sp, #A64_CTX_X(6)]
	\op	x8, x9, [sp, #A64_CTX_X(8)]
	\op	x10, x11, [sp, #A64_CTX_X(10)]
	\op	x12, x13, [sp, #A64_CTX_X(12)]
	\op	x14, x15, [sp, #A64_CTX_X(14)]
	\op	x16, x17, [sp, #A64_CTX_X(16)]
.endm

/* The same for x2..x29.  x0/x1, x30 and the system registers differ per
 * path. */
.macro ctx_x2_x29 op
	ctx_x2_x17 \op
	\op	x18, x19, [sp, #A64_CTX_X(18)]
	\op	x20, x21, [sp, #A64_CTX_X(20)]
	\op	x22, x23, [sp, #A64_CTX_X(22)]
	\op	x24, x25, [sp, #A64_CTX_X(24)]
	\op	x26, x27, [sp, #A64_CTX_X(26)]
	\op	x28, x29, [sp, #A64_CTX_X(28)]
.endm

/* Save x2..x30, SP_EL0, ELR and SPSR at sp (x0/x1 already saved).
 * Leaves x0 and x1 alone. */
.macro save_rest
	ctx_x2_x29 stp
	mrs	x2, sp_el0
	stp	x30, x2, [sp, #A64_CTX_X(30)]
	mrs	x2, elr_el1		// kernel_entry relies on x2 = ELR
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #A64_CTX_PC]
.endm

/* From the user context at sp: ELR and SPSR, x30, SP_EL0, then x0/x1.
 * Every return to EL0 starts with this.  With `sanitize` only NZCV of
 * the saved SPSR is kept (EL0t, AArch64, DAIF clear); without, the SPSR
 * is the one an SVC saved, which is that already: only a context core
 * replaced (vd_restore_context, which sets the work word, hal.h) needs
 * it. */
.macro restore_eret_state sanitize
	ldp	x0, x1, [sp, #A64_CTX_PC]
	msr	elr_el1, x0
	.if \sanitize
	and	x1, x1, #A64_PSR_NZCV
	.endif
	msr	spsr_el1, x1
	ldp	x30, x0, [sp, #A64_CTX_X(30)]
	msr	sp_el0, x0
	ldp	x0, x1, [sp, #A64_CTX_X(0)]
.endm

/* Kernel-trap frame: context + frame record; x0 = context on exit. */
.macro kernel_entry
	sub	sp, sp, #A64_CTX_SIZE
	stp	x0, x1, [sp, #A64_CTX_X(0)]
	save_rest
	add	x0, sp, #A64_CTX_SIZE	// the interrupted SP_EL1
	str	x0, [sp, #A64_CTX_SP]
	sub	sp, sp, #16
	stp	x29, x2, [sp]		// x2 = ELR from save_rest
	mov	x29, sp
	add	x0, sp, #16
.endm

.macro bad_vector idx
	.balign 128
	kernel_entry
	mov	x1, #\idx
	bl	a64_bad_vector
	b	.
.endm

	.section .text.vectors, "ax"
	.balign 2048
	.globl a64_vectors
a64_vectors:
	bad_vector 0
	bad_vector 1
	bad_vector 2
	bad_vector 3

	/* Current EL with SP_ELx: the kernel itself. */
	.balign 128
	b	el1_sync
	.balign 128
	b	el1_irq
	bad_vector 6
	bad_vector 7

	/* Lower EL, AArch64: user mode; sp = the thread's context. */
	.balign 128
	stp	x0, x1, [sp, #A64_CTX_X(0)]
	mrs	x0, esr_el1
	lsr	x1, x0, #A64_ESR_EC_SHIFT	// ESR_EL1.EC
	cmp	x1, #A64_EC_SVC64
	b.eq	svc_entry
	b	el0_sync_other
	.balign 128
	b	el0_irq
	bad_vector 10
	bad_vector 11

	bad_vector 12
	bad_vector 13
	bad_vector 14
	bad_vector 15

/*
 * SVC from user mode.  On entry sp = this thread's vd_cpu_context and x0/x1
 * are already saved in it.  vd_syscall starts with interrupts masked (core
 * unmasks them unless the IPC fast path applies, see hal.h); they are
 * masked again on the way out, where vd_return_to_user_hook runs only if
 * the work word whose address vd_syscall returned is set.
 */
	.balign 16
	.globl svc_entry
svc_entry:
	save_rest			// x29 stays the user's (unwind.c)
	mov	x0, sp
	/* the IPC fast path's two numbers go straight to it (hal.h) */
	cmp	x8, #VD_SYS_IPC_REPLY
	b.eq	svc_ipc_reply
	cmp	x8, #VD_SYS_IPC_CALL
	b.eq	svc_ipc_call
	bl	vd_syscall
svc_done:
	msr	daifset, #2
	ldr	w1, [x0]		// the caller's work word
	cbz	w1, svc_restore_user
	/* fall through */

/* Back to user mode from the context at sp. */
a64_ret_to_user:
	msr	daifset, #2
	mov	x0, sp
	bl	vd_return_to_user_hook
a64_restore_user:
	restore_eret_state 1
	ctx_x2_x29 ldp
	eret		/* sp = ctx, where the next entry from EL0 saves */

/* The same for a syscall's own context, which needs no sanitising
 * (restore_eret_state): hal_syscall_return to a thread without work. */
a64_syscall_restore_all:
	restore_eret_state 0
	ctx_x2_x29 ldp
	eret

/*
 * The plain end of a syscall: x19..x29 hold the user's values again (the
 * C ABI kept them through vd_syscall, and with the work word clear core
 * has not replaced them in ctx, see vd_syscall in hal.h), so only the
 * rest is loaded.
 */
svc_restore_user:
	restore_eret_state 0
	ctx_x2_x17 ldp
	ldr	x18, [sp, #A64_CTX_X(18)]
	eret

svc_ipc_reply:
	bl	vd_ipc_fast_reply_recv	// returns only if it did not apply
	b	svc_done
svc_ipc_call:
	bl	vd_ipc_fast_call
	b	svc_done

/* Any other synchronous exception from user mode; x0 = ESR_EL1. */
el0_sync_other:
	save_rest
	mov	x29, xzr
	mov	x1, x0
	mov	x0, sp
	bl	a64_el0_sync
	b	a64_ret_to_user

el0_irq:
	stp	x0, x1, [sp, #A64_CTX_X(0)]
	save_rest
	mov	x29, xzr
	bl	a64_handle_irq
	b	a64_ret_to_user

el1_sync:
	kernel_entry
	bl	a64_el1_sync
	b	el1_restore

el1_irq:
	kernel_entry
	bl	a64_handle_irq
el1_restore:
	add	sp, sp, #16		// frame record
	ldp	x0, x1, [sp, #A64_CTX_PC]
	msr	elr_el1, x0
	msr	spsr_el1, x1
	ldp	x0, x1, [sp, #A64_CTX_X(0)]
	ctx_x2_x29 ldp
	ldr	x30, [sp, #A64_CTX_X(30)]
	add	sp, sp, #A64_CTX_SIZE
	eret

/*
 * hal_return_to_user(ctx): ctx sits at the top of the current kernel
 * stack, and SP_EL1 stays at ctx in user mode: the next trap from EL0
 * saves into it.
 */
	.globl hal_return_to_user
hal_return_to_user:
	msr	daifset, #2
	mov	sp, x0
	mov	x29, xzr
	b	a64_ret_to_user

/*
 * hal_syscall_return(ctx, work, done): the exit of svc_entry for the
 * thread whose context is ctx, from any stack (ERET restores every
 * register, so it is hal_return_to_user with the syscall's work check).
 * Interrupts are masked already (hal.h).  hal_syscall_return_space(ctx,
 * work, done, root) loads the address space first.
 */
	.globl hal_syscall_return_space
hal_syscall_return_space:
	msr	ttbr0_el1, x3
	isb			// no walk through the old root once *done is clear
	/* fall through */
	.globl hal_syscall_return
hal_syscall_return:
	mov	sp, x0
	stlrb	wzr, [x2]		// *done = false, release
	ldr	w1, [x1]
	cbz	w1, a64_syscall_restore_all
	mov	x29, xzr		// end of the backtrace chain
	b	a64_ret_to_user
