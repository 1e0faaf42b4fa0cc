/*
 * riscv64: a user program's raw FP/SIMD registers, for the tests that
 * check the kernel keeps them per thread (user/bin/fpu.c), reached as
 * <arch/fpu_regs.h>:
 *   VD_ARCH_FP_NREGS, VD_ARCH_FP_REG_BYTES   the registers and their size
 *   vd_arch_fp_read / vd_arch_fp_write       all of them, and the two
 *                                            control words (ctl[2])
 *   vd_arch_fp_ctl_initial                   the control words a new
 *                                            thread starts with
 */
#ifndef VD_USER_ARCH_FPU_REGS_H
#define VD_USER_ARCH_FPU_REGS_H

#include <stdint.h>

#define VD_ARCH_FP_NREGS     32 /* f0..31 */
#define VD_ARCH_FP_REG_BYTES 8
#define VD_ARCH_FREGS(op)                                                      \
	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10)     \
		op(11) op(12) op(13) op(14) op(15) op(16) op(17) op(18) op(19) \
			op(20) op(21) op(22) op(23) op(24) op(25) op(26)       \
				op(27) op(28) op(29) op(30) op(31)
#define VD_ARCH_FSD(i)	 "fsd f" #i ", " #i "*8(%1)\n\t"
#define VD_ARCH_FLD(i)	 "fld f" #i ", " #i "*8(%0)\n\t"
#define VD_ARCH_FCLOB(i) "f" #i,
/* control: fcsr, initial 0 */
static inline void vd_arch_fp_read(uint8_t (*v)[VD_ARCH_FP_REG_BYTES],
				   uint32_t *ctl)
{
	unsigned long fcsr;

	__asm__ volatile(VD_ARCH_FREGS(VD_ARCH_FSD) "frcsr %0"
			 : "=r"(fcsr)
			 : "r"(v)
			 : "memory");
	ctl[0] = (uint32_t)fcsr;
	ctl[1] = 0;
}
static const uint32_t vd_arch_fp_ctl_initial[2] = {0, 0};

static inline void vd_arch_fp_write(uint8_t (*v)[VD_ARCH_FP_REG_BYTES])
{
	__asm__ volatile(VD_ARCH_FREGS(VD_ARCH_FLD) "" ::"r"(v)
			 : VD_ARCH_FREGS(VD_ARCH_FCLOB) "memory");
}

#endif /* VD_USER_ARCH_FPU_REGS_H */
