/*
 * x86_64 kernel context switch, first run of a thread, setjmp/longjmp,
 * and the entry to user mode.
 *
 * A switched-out thread's kernel stack holds, from its saved sp upwards:
 *
 *   sp+ 0  r15
 *   sp+ 8  r14
 *   sp+16  r13
 *   sp+24  r12
 *   sp+32  rbx
 *   sp+40  rbp
 *   sp+48  return address (into hal_context_switch's caller, or
 *          x86_thread_start for a new thread)
 *
 * i.e. the System V callee-saved registers; everything else the caller
 * of hal_context_switch already assumes clobbered.  RFLAGS is not saved:
 * core switches with interrupts disabled and each thread restores its own
 * interrupt state afterwards.
 */
#include <arch/defs.h>

	.text
	.p2align 4
	/* void hal_context_switch(uintptr_t *from_sp, uintptr_t to_sp) */
	.globl hal_context_switch
hal_context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	/*
	 * First switch-in of a thread made by hal_kstack_init: r12 = entry,
	 * r13 = arg (from the prepared frame).  Interrupts off, no caller
	 * frame (rbp = 0 ends backtraces), then entry(arg), which must not
	 * return.
	 */
	.globl x86_thread_start
x86_thread_start:
	cli
	movq %r13, %rdi
	xorl %ebp, %ebp
	andq $-16, %rsp
	call *%r12
	ud2

	/*
	 * struct hal_jmpbuf: regs[0..5] = rbx rbp r12 r13 r14 r15,
	 * regs[6] = rsp after return, regs[7] = return address,
	 * regs[8] = rflags (IF and AC come back: a fault inside a user
	 * copy longjmps out of an interrupt gate with IF clear).
	 */
	.globl hal_setjmp
hal_setjmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, 48(%rdi)
	movq (%rsp), %rax
	movq %rax, 56(%rdi)
	pushfq
	popq 64(%rdi)
	xorl %eax, %eax
	ret

	.globl hal_longjmp
hal_longjmp:
	movl %esi, %eax
	testl %eax, %eax
	jnz 1f
	movl $1, %eax
1:	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	pushq 64(%rdi)
	popfq
	jmpq *56(%rdi)
