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
 * tp is not part of it: tp is the CPU's (rv/percpu.h), not the thread's.
 */
#include <rv/csr.h>

#define SWITCH_FRAME 112

	.text
/* void hal_context_switch(uintptr_t *from_sp, uintptr_t to_sp) */
	.globl	hal_context_switch
	.balign	4
hal_context_switch:
	addi	sp, sp, -SWITCH_FRAME
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	csrr	t0, sstatus
	sd	t0, 104(sp)
	sd	sp, 0(a0)

	mv	sp, a1
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
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
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	csrr	t0, sstatus
	sd	t0, 112(a0)
	li	a0, 0
	ret

	.globl	hal_longjmp
hal_longjmp:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	ld	s0, 16(a0)
	ld	s1, 24(a0)
	ld	s2, 32(a0)
	ld	s3, 40(a0)
	ld	s4, 48(a0)
	ld	s5, 56(a0)
	ld	s6, 64(a0)
	ld	s7, 72(a0)
	ld	s8, 80(a0)
	ld	s9, 88(a0)
	ld	s10, 96(a0)
	ld	s11, 104(a0)
	ld	t0, 112(a0)
	li	t1, SSTATUS_SIE | SSTATUS_SUM
	and	t0, t0, t1
	csrc	sstatus, t1
	csrs	sstatus, t0
	seqz	a0, a1			/* setjmp returns val, or 1 for 0 */
	add	a0, a0, a1
	ret
