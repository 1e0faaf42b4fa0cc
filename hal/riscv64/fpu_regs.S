/*
 * RISC-V HAL: the FP register moves of fpu.c, the only kernel code with
 * F/D instructions (this file alone is assembled with -march=rv64imafdc,
 * hal/riscv64/hal.cmake; the lp64 calling convention is unchanged).
 * Area: f0..f31 at 8*i, fcsr at 256.  sstatus.FS must not be Off.
 */
	.text
	.balign	4

/* void rv_fpu_save_regs(void *area) */
	.globl	rv_fpu_save_regs
rv_fpu_save_regs:
	.irp	i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\i, (8 * \i)(a0)
	.endr
	frcsr	t0
	sd	t0, 256(a0)
	ret

/* void rv_fpu_load_regs(const void *area) */
	.globl	rv_fpu_load_regs
rv_fpu_load_regs:
	.irp	i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\i, (8 * \i)(a0)
	.endr
	ld	t0, 256(a0)
	fscsr	t0
	ret
