/*
 * Kernel context switch, the first-run trampoline of a new thread, and
 * setjmp/longjmp.
 *
 * Switch frame (A64_SWITCH_FRAME = 96 bytes, lowest address first): the
 * AAPCS64 callee-saved registers x19..x28, then x29 (fp) and x30 (lr).
 * Everything else is caller-saved, so it is already on the stack of
 * whoever called hal_context_switch.
 *
 * hal_jmpbuf.regs: [0..11] x19..x30, [12] sp, [13] DAIF.
 */
#include <arch/defs.h>

/* x19..x30 as six register pairs at [base, #0] .. [base, #88]: the switch
 * frame and the first 96 bytes of a hal_jmpbuf.  op is stp or ldp. */
.macro callee_saved op, base
	\op	x19, x20, [\base, #0]
	\op	x21, x22, [\base, #16]
	\op	x23, x24, [\base, #32]
	\op	x25, x26, [\base, #48]
	\op	x27, x28, [\base, #64]
	\op	x29, x30, [\base, #80]
.endm

	.text
	.globl hal_context_switch
/* void hal_context_switch(uintptr_t *from_sp, uintptr_t to_sp) */
hal_context_switch:
	sub	sp, sp, #A64_SWITCH_FRAME
	callee_saved stp, sp
	mov	x9, sp
	str	x9, [x0]
	mov	sp, x1
	callee_saved ldp, sp
	add	sp, sp, #A64_SWITCH_FRAME
	ret

/*
 * First switch-in of a thread made by hal_kstack_init: x19 = entry,
 * x20 = arg.  Runs entry(arg) with interrupts off; entry never returns.
 */
	.globl a64_thread_start
a64_thread_start:
	msr	daifset, #2
	mov	x0, x20
	mov	x29, xzr
	mov	x30, xzr
	blr	x19
	bl	a64_thread_returned
	b	.

	.globl hal_setjmp
/* int hal_setjmp(struct hal_jmpbuf *buf) */
hal_setjmp:
	callee_saved stp, x0
	mov	x9, sp
	mrs	x10, daif
	stp	x9, x10, [x0, #96]
	mov	w0, #0
	ret

	.globl hal_longjmp
/* void hal_longjmp(struct hal_jmpbuf *buf, int val): setjmp returns val
 * (1 if val is 0) with the interrupt mask it had then. */
hal_longjmp:
	callee_saved ldp, x0
	ldp	x9, x10, [x0, #96]
	mov	sp, x9
	msr	daif, x10
	cmp	w1, #0
	csinc	w0, w1, wzr, ne
	ret
