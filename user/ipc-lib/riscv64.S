/*
 * long vd_ipc_sys(long nr, struct vd_ipc_regs *r)   (RISC-V 64)
 *
 * Register block: a0 +0, a1 +8, a2 +16, a3 +24, mr[0..7] +32..+88.
 * IPC register ABI (docs/ipc.md): a7 nr (out: reply token), a0 a0 (out:
 * status), a1 a1, a2 a2, a3 a3, MR0..7 = a4 a5 a6 t0 t1 t2 t3 t4.  All
 * caller-saved; t5 keeps the block pointer across the trap.
 */
	.text
	.globl vd_ipc_sys
	.type vd_ipc_sys, @function
	.p2align 2
vd_ipc_sys:
	mv a7, a0
	mv t5, a1
	ld a0, 0(t5)
	ld a1, 8(t5)
	ld a2, 16(t5)
	ld a3, 24(t5)
	ld a4, 32(t5)
	ld a5, 40(t5)
	ld a6, 48(t5)
	ld t0, 56(t5)
	ld t1, 64(t5)
	ld t2, 72(t5)
	ld t3, 80(t5)
	ld t4, 88(t5)
	ecall
	sd a7, 0(t5)
	sd a1, 8(t5)
	sd a2, 16(t5)
	sd a3, 24(t5)
	sd a4, 32(t5)
	sd a5, 40(t5)
	sd a6, 48(t5)
	sd t0, 56(t5)
	sd t1, 64(t5)
	sd t2, 72(t5)
	sd t3, 80(t5)
	sd t4, 88(t5)
	ret
	.size vd_ipc_sys, . - vd_ipc_sys
