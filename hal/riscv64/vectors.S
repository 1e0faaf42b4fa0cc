/*
 * Trap entry and exit: the single stvec target (direct mode), the
 * syscall entry ecall_entry, and the return path to user mode.
 *
 * How the vector tells user from kernel (see arch/percpu.h): it swaps tp
 * with sscratch.  From user mode sscratch held this CPU's rv_percpu, so
 * tp is now nonzero and the user's tp waits in sscratch.  From the kernel
 * sscratch was 0.
 *
 * From user mode the registers go into the struct vd_cpu_context that
 * sits at the top of the current thread's kernel stack (rv_percpu
 * .user_ctx, set by hal_set_kernel_stack); scause 8 (ecall from U)
 * takes the short path to ecall_entry, everything else goes to C
 * (rv_user_trap).  Both leave through rv_return_to_user, which calls
 * vd_return_to_user_hook with interrupts off and restores the context.
 *
 * From the kernel a vd_cpu_context-shaped frame is pushed on the current
 * stack, plus a frame record {interrupted s0, sepc} so that backtraces
 * run through the trap into the interrupted function.  tp is not restored
 * on the way out: it is the CPU's, and a preempted thread may resume on
 * another CPU.
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/percpu.h>
#include <veridian/syscall_nr.h>

/* x1, x3, x5..x7, x10..x17 and x28..x31: the registers the C calling
 * convention does not preserve. */
.macro for_scratch_gprs op
	\op	x1, CTX_X(1)(sp)
	\op	x3, CTX_X(3)(sp)
	\op	x5, CTX_X(5)(sp)
	\op	x6, CTX_X(6)(sp)
	\op	x7, CTX_X(7)(sp)
	\op	x10, CTX_X(10)(sp)
	\op	x11, CTX_X(11)(sp)
	\op	x12, CTX_X(12)(sp)
	\op	x13, CTX_X(13)(sp)
	\op	x14, CTX_X(14)(sp)
	\op	x15, CTX_X(15)(sp)
	\op	x16, CTX_X(16)(sp)
	\op	x17, CTX_X(17)(sp)
	\op	x28, CTX_X(28)(sp)
	\op	x29, CTX_X(29)(sp)
	\op	x30, CTX_X(30)(sp)
	\op	x31, CTX_X(31)(sp)
.endm

/* s0..s11 (x8, x9, x18..x27): preserved by the C calling convention. */
.macro for_callee_gprs op
	\op	x8, CTX_X(8)(sp)
	\op	x9, CTX_X(9)(sp)
	\op	x18, CTX_X(18)(sp)
	\op	x19, CTX_X(19)(sp)
	\op	x20, CTX_X(20)(sp)
	\op	x21, CTX_X(21)(sp)
	\op	x22, CTX_X(22)(sp)
	\op	x23, CTX_X(23)(sp)
	\op	x24, CTX_X(24)(sp)
	\op	x25, CTX_X(25)(sp)
	\op	x26, CTX_X(26)(sp)
	\op	x27, CTX_X(27)(sp)
.endm

/* x1, x3 and x5..x31: every register but zero, sp and tp. */
.macro for_gprs op
	for_scratch_gprs \op
	for_callee_gprs \op
.endm

/* sepc and sstatus from the context at sp, for sret to U-mode (SPP = 0)
 * with interrupts on (SPIE = 1), and SIE off until then, whatever core
 * left in the word.  SUM and MXR are 0 in every saved user status: trap
 * entry from U-mode finds them clear because this path only ever writes
 * such a word.  sscratch = this CPU, for the next trap from user mode. */
.macro restore_user_csrs
	ld	t0, CTX_PC(sp)
	ld	t1, CTX_STATUS(sp)
	andi	t1, t1, ~(SSTATUS_SPP | SSTATUS_SIE)
	ori	t1, t1, SSTATUS_SPIE
	csrw	sstatus, t1		/* SIE stays 0 until sret */
	csrw	sepc, t0
	csrw	sscratch, tp
.endm

#define KFRAME_SIZE (CTX_SIZE + 16)

	.text
	.balign	4
	.globl	rv_trap_vector
rv_trap_vector:
	csrrw	tp, sscratch, tp
	beqz	tp, .Lfrom_kernel

	/* From user mode: tp = this CPU, sscratch = user tp. */
	sd	sp, PCPU_SCRATCH(tp)
	ld	sp, PCPU_USER_CTX(tp)
	for_gprs sd
	ld	t0, PCPU_SCRATCH(tp)
	csrrw	t1, sscratch, zero	/* back in the kernel: sscratch = 0 */
	csrr	t2, sepc
	csrr	t3, sstatus
	csrr	t4, scause
	sd	t0, CTX_X(2)(sp)
	sd	t1, CTX_X(4)(sp)
	sd	t3, CTX_STATUS(sp)	/* s0 stays the user's (unwind.c) */
	li	t5, EXC_ECALL_U
	bne	t4, t5, .Luser_trap

/*
 * System call (ecall from U-mode): the number in a7, arguments in a0..a5,
 * result in a0 -- all read and written by core through the context.
 * vd_syscall starts with interrupts masked (core enables them unless the
 * IPC fast path applies, see hal.h); sepc moves past the 4-byte ecall.  On
 * the way out vd_return_to_user_hook runs only if the work word whose
 * address vd_syscall returned is set (read with interrupts off).
 */
	.globl	ecall_entry
ecall_entry:
	addi	t2, t2, 4
	sd	t2, CTX_PC(sp)
	mv	a0, sp
	/* the IPC fast path's two numbers go straight to it (hal.h) */
	li	t0, VD_SYS_IPC_REPLY
	beq	a7, t0, .Lecall_ipc_reply
	li	t0, VD_SYS_IPC_CALL
	beq	a7, t0, .Lecall_ipc_call
	call	vd_syscall
.Lecall_done:
	csrci	sstatus, SSTATUS_SIE
	lw	a0, 0(a0)		/* the caller's work word */
	bnez	a0, .Lreturn_to_user
	/* Nothing to do: s0..s11 hold the user's values again (the C ABI
	 * kept them through vd_syscall, and with the work word clear core
	 * has not replaced them in ctx, see vd_syscall in hal.h), so only
	 * the rest is loaded. */
	restore_user_csrs
	for_scratch_gprs ld
	ld	tp, CTX_X(4)(sp)
	ld	sp, CTX_X(2)(sp)
	sret

.Lecall_ipc_reply:
	call	vd_ipc_fast_reply_recv	/* returns only if it did not apply */
	j	.Lecall_done
.Lecall_ipc_call:
	call	vd_ipc_fast_call
	j	.Lecall_done

.Luser_trap:
	li	s0, 0			/* end of the backtrace chain */
	sd	t2, CTX_PC(sp)
	mv	a0, sp
	mv	a1, t4
	call	rv_user_trap
	j	.Lreturn_to_user

/*
 * satp = MODE | ASID | PPN (RISC-V privileged spec, "satp"):
 *
 *   63   60 59        44 43                        0
 *  +-------+------------+---------------------------+
 *  | MODE  |    ASID    |   PPN of the root table   |
 *  +-------+------------+---------------------------+
 *
 * MODE 8 is Sv39 (mmu.c checks SATP_MODE_SV39); ASID 0 for every space,
 * so the old space's entries are flushed with SFENCE.VMA.  Clobbers both
 * registers.
 */
.macro load_satp root, tmp
	slli	\root, \root, 64 - RV_PA_BITS	/* drop bits above the PA */
	srli	\root, \root, 64 - RV_PA_BITS + 12	/* PPN */
	li	\tmp, 8
	slli	\tmp, \tmp, 60
	or	\root, \root, \tmp
	csrw	satp, \root
	sfence.vma
.endm

/*
 * hal_syscall_return(ctx, work, done): the exit of ecall_entry for the
 * thread whose context is ctx, from any stack.  The registers come from
 * ctx, all of them: the C ABI argument of the plain exit does not hold
 * on another thread's behalf.  Traps from user mode land on ctx from now
 * on (hal_set_kernel_stack(ctx + 1), thread.c).  Interrupts are masked
 * already (hal.h).  hal_syscall_return_space(ctx, work, done, root) loads
 * the address space first.
 */
	.globl	hal_syscall_return_space
hal_syscall_return_space:
	load_satp a3, a4
	/* fall through */
	.globl	hal_syscall_return
hal_syscall_return:
	mv	sp, a0
	sd	a0, PCPU_USER_CTX(tp)
	fence	rw, w
	sb	zero, 0(a2)		/* *done = false, release */
	lw	a1, 0(a1)
	beqz	a1, .Lrestore_user
	j	.Lreturn_to_user

/*
 * rv_return_to_user(ctx): leave for user mode with ctx, which must be the
 * context at the top of this thread's kernel stack.  Also the tail of
 * hal_return_to_user.
 */
	.globl	rv_return_to_user
	.globl	hal_return_to_user
rv_return_to_user:
hal_return_to_user:
	mv	sp, a0
.Lreturn_to_user:
	csrci	sstatus, SSTATUS_SIE
	mv	a0, sp
	call	vd_return_to_user_hook
.Lrestore_user:
	restore_user_csrs
	for_gprs ld
	ld	tp, CTX_X(4)(sp)
	ld	sp, CTX_X(2)(sp)
	sret

.Lfrom_kernel:
	csrrw	tp, sscratch, zero	/* tp = this CPU again, sscratch = 0 */
	addi	sp, sp, -KFRAME_SIZE
	for_gprs sd
	addi	t0, sp, KFRAME_SIZE
	csrr	t1, sepc
	csrr	t2, sstatus
	sd	t0, CTX_X(2)(sp)
	sd	tp, CTX_X(4)(sp)
	sd	t1, CTX_PC(sp)
	sd	t2, CTX_STATUS(sp)
	sd	s0, CTX_SIZE(sp)	/* frame record: caller fp ... */
	sd	t1, CTX_SIZE + 8(sp)	/* ... and "return address" = sepc */
	addi	s0, sp, KFRAME_SIZE
	li	t0, SSTATUS_SUM		/* handlers never touch user memory */
	csrc	sstatus, t0		/* unless they open the window */
	mv	a0, sp
	csrr	a1, scause
	call	rv_kernel_trap
	ld	t1, CTX_STATUS(sp)
	ld	t0, CTX_PC(sp)
	csrw	sstatus, t1		/* SIE = 0 (trap), SPP = 1, SUM back */
	csrw	sepc, t0
	for_gprs ld
	addi	sp, sp, KFRAME_SIZE
	sret
