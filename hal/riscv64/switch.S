/*
 * Kernel thread switch and the fault-recovery jump buffer.
 *
 * Switch frame, pushed on the outgoing thread's stack (16-byte aligned):
 *
 *   sp + 0     ra
 *   sp + 8     s0 .. s11 (sp + 8 .. sp + 96)
 *   sp + 104   sstatus: only its SUM bit is restored, so a thread
 *              switched out inside hal_user_access_begin/end gets its
 *              window back and no other thread inherits it
 *
 * tp is not part of it: tp is the CPU's (arch/percpu.h), not the thread's.
 */
#include <arch/cpu.h>

/* op (sd or ld) the callee-saved s0..s11 at base+off .. base+off+88. */
.macro for_s_regs op, base, off
	\op	s0, \off+0(\base)
	\op	s1, \off+8(\base)
	\op	s2, \off+16(\base)
	\op	s3, \off+24(\base)
	\op	s4, \off+32(\base)
	\op	s5, \off+40(\base)
	\op	s6, \off+48(\base)
	\op	s7, \off+56(\base)
	\op	s8, \off+64(\base)
	\op	s9, \off+72(\base)
	\op	s10, \off+80(\base)
	\op	s11, \off+88(\base)
.endm

#define SWITCH_FRAME 112

	.text
/* void hal_context_switch(uintptr_t *from_sp, uintptr_t to_sp) */
	.globl	hal_context_switch
	.balign	4
hal_context_switch:
	addi	sp, sp, -SWITCH_FRAME
	sd	ra, 0(sp)
	for_s_regs sd, sp, 8
	csrr	t0, sstatus
	sd	t0, 104(sp)
	sd	sp, 0(a0)

	mv	sp, a1
	ld	ra, 0(sp)
	for_s_regs ld, sp, 8
	ld	t0, 104(sp)
	li	t1, SSTATUS_SUM
	and	t0, t0, t1
	csrc	sstatus, t1
	csrs	sstatus, t0
	addi	sp, sp, SWITCH_FRAME
	ret

/*
 * First switch into a thread made by hal_kstack_init: s1 = entry,
 * s2 = arg, s0 = 0 ends backtraces.  Interrupts off, as promised.
 */
	.globl	rv_thread_start
rv_thread_start:
	csrci	sstatus, SSTATUS_SIE
	mv	a0, s2
	li	ra, 0
	jr	s1

/*
 * struct hal_jmpbuf: regs[0] ra, [1] sp, [2..13] s0..s11, [14] sstatus.
 * hal_longjmp restores the saved SIE and SUM bits as well, because it is
 * used to leave a fault taken inside a trap handler (SIE off) or inside a
 * user-access window (SUM on).
 */
	.globl	hal_setjmp
hal_setjmp:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	for_s_regs sd, a0, 16
	csrr	t0, sstatus
	sd	t0, 112(a0)
	li	a0, 0
	ret

	.globl	hal_longjmp
hal_longjmp:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	for_s_regs ld, a0, 16
	ld	t0, 112(a0)
	li	t1, SSTATUS_SIE | SSTATUS_SUM
	and	t0, t0, t1
	csrc	sstatus, t1
	csrs	sstatus, t0
	seqz	a0, a1			/* setjmp returns val, or 1 for 0 */
	add	a0, a0, a1
	ret
