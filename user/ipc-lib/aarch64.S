/*
 * long vd_ipc_sys(long nr, struct vd_ipc_regs *r)   (AArch64)
 *
 * Register block: a0 +0, a1 +8, a2 +16, a3 +24, mr[0..7] +32..+88.
 * IPC register ABI (docs/ipc.md): x8 nr (out: reply token), x0 a0 (out:
 * status), x1 a1, x2 a2, x3 a3, MR0..7 = x4..x7, x9..x12.  All of them
 * are caller-saved (AAPCS64); x13 keeps the block pointer across the
 * trap (the kernel restores every register it does not return in).
 */
	.text
	.globl vd_ipc_sys
	.type vd_ipc_sys, %function
	.p2align 4
vd_ipc_sys:
	mov x8, x0
	mov x13, x1
	ldp x0, x1, [x13, #0]
	ldp x2, x3, [x13, #16]
	ldp x4, x5, [x13, #32]
	ldp x6, x7, [x13, #48]
	ldp x9, x10, [x13, #64]
	ldp x11, x12, [x13, #80]
	svc #0
	stp x8, x1, [x13, #0]
	stp x2, x3, [x13, #16]
	stp x4, x5, [x13, #32]
	stp x6, x7, [x13, #48]
	stp x9, x10, [x13, #64]
	stp x11, x12, [x13, #80]
	ret
	.size vd_ipc_sys, . - vd_ipc_sys
