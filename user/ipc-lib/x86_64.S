/*
 * long vd_ipc_sys(long nr, struct vd_ipc_regs *r)   (x86_64)
 *
 * Register block (struct vd_ipc_regs): a0 +0, a1 +8, a2 +16, a3 +24,
 * mr[0..7] +32..+88.  IPC register ABI (docs/ipc.md):
 *   rax nr / status, rdi a0 (out: reply token), rsi a1, rdx a2, r10 a3,
 *   MR0..7 = r8 r9 r12 r13 r14 r15 rbx rbp.
 * SYSCALL clobbers rcx and r11.  rbx, rbp, r12..r15 are callee-saved in
 * the System V ABI, so they are saved around the trap; the block pointer
 * waits on the stack.
 */
	.text
	.globl vd_ipc_sys
	.type vd_ipc_sys, @function
	.p2align 4
vd_ipc_sys:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rsi
	movq %rdi, %rax
	movq 0(%rsi), %rdi
	movq 16(%rsi), %rdx
	movq 24(%rsi), %r10
	movq 32(%rsi), %r8
	movq 40(%rsi), %r9
	movq 48(%rsi), %r12
	movq 56(%rsi), %r13
	movq 64(%rsi), %r14
	movq 72(%rsi), %r15
	movq 80(%rsi), %rbx
	movq 88(%rsi), %rbp
	movq 8(%rsi), %rsi
	syscall
	movq (%rsp), %rcx
	movq %rdi, 0(%rcx)
	movq %rsi, 8(%rcx)
	movq %rdx, 16(%rcx)
	movq %r10, 24(%rcx)
	movq %r8, 32(%rcx)
	movq %r9, 40(%rcx)
	movq %r12, 48(%rcx)
	movq %r13, 56(%rcx)
	movq %r14, 64(%rcx)
	movq %r15, 72(%rcx)
	movq %rbx, 80(%rcx)
	movq %rbp, 88(%rcx)
	popq %rsi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size vd_ipc_sys, . - vd_ipc_sys
	.section .note.GNU-stack, "", @progbits
