/*
 * x86_64: a user program's raw FP/SIMD registers, for the tests that
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

#define VD_ARCH_FP_NREGS     16 /* xmm0..15 */
#define VD_ARCH_FP_REG_BYTES 16
/* control: x87 FCW and MXCSR, initial 0x37f and 0x1f80 */
static inline void vd_arch_fp_read(uint8_t (*v)[VD_ARCH_FP_REG_BYTES],
				   uint32_t *ctl)
{
	uint16_t fcw;
	uint32_t mxcsr;

	__asm__ volatile(
		"movdqu %%xmm0, 0(%2)\n\tmovdqu %%xmm1, 16(%2)\n\t"
		"movdqu %%xmm2, 32(%2)\n\tmovdqu %%xmm3, 48(%2)\n\t"
		"movdqu %%xmm4, 64(%2)\n\tmovdqu %%xmm5, 80(%2)\n\t"
		"movdqu %%xmm6, 96(%2)\n\tmovdqu %%xmm7, 112(%2)\n\t"
		"movdqu %%xmm8, 128(%2)\n\tmovdqu %%xmm9, 144(%2)\n\t"
		"movdqu %%xmm10, 160(%2)\n\tmovdqu %%xmm11, 176(%2)\n\t"
		"movdqu %%xmm12, 192(%2)\n\tmovdqu %%xmm13, 208(%2)\n\t"
		"movdqu %%xmm14, 224(%2)\n\tmovdqu %%xmm15, 240(%2)\n\t"
		"fnstcw %0\n\tstmxcsr %1"
		: "=m"(fcw), "=m"(mxcsr)
		: "r"(v)
		: "memory");
	ctl[0] = fcw;
	ctl[1] = mxcsr;
}
static const uint32_t vd_arch_fp_ctl_initial[2] = {0x37f, 0x1f80};

static inline void vd_arch_fp_write(uint8_t (*v)[VD_ARCH_FP_REG_BYTES])
{
	__asm__ volatile(
		"movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\t"
		"movdqu 32(%0), %%xmm2\n\tmovdqu 48(%0), %%xmm3\n\t"
		"movdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\t"
		"movdqu 96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7\n\t"
		"movdqu 128(%0), %%xmm8\n\tmovdqu 144(%0), %%xmm9\n\t"
		"movdqu 160(%0), %%xmm10\n\tmovdqu 176(%0), %%xmm11\n\t"
		"movdqu 192(%0), %%xmm12\n\tmovdqu 208(%0), %%xmm13\n\t"
		"movdqu 224(%0), %%xmm14\n\tmovdqu 240(%0), %%xmm15" ::"r"(v)
		: "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		  "xmm13", "xmm14", "xmm15");
}

#endif /* VD_USER_ARCH_FPU_REGS_H */
