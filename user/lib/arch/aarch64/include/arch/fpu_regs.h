/*
 * aarch64: a user program's raw FP/SIMD registers, for the tests that
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

#define VD_ARCH_FP_NREGS     32 /* q0..31 */
#define VD_ARCH_FP_REG_BYTES 16
/* control: FPCR and FPSR, initial 0 */
static inline void vd_arch_fp_read(uint8_t (*v)[VD_ARCH_FP_REG_BYTES],
				   uint32_t *ctl)
{
	uint64_t fpcr, fpsr;

	__asm__ volatile(
		"stp q0, q1, [%2, #0]\n\tstp q2, q3, [%2, #32]\n\t"
		"stp q4, q5, [%2, #64]\n\tstp q6, q7, [%2, #96]\n\t"
		"stp q8, q9, [%2, #128]\n\tstp q10, q11, [%2, #160]\n\t"
		"stp q12, q13, [%2, #192]\n\tstp q14, q15, [%2, #224]\n\t"
		"stp q16, q17, [%2, #256]\n\tstp q18, q19, [%2, #288]\n\t"
		"stp q20, q21, [%2, #320]\n\tstp q22, q23, [%2, #352]\n\t"
		"stp q24, q25, [%2, #384]\n\tstp q26, q27, [%2, #416]\n\t"
		"stp q28, q29, [%2, #448]\n\tstp q30, q31, [%2, #480]\n\t"
		"mrs %0, fpcr\n\tmrs %1, fpsr"
		: "=r"(fpcr), "=r"(fpsr)
		: "r"(v)
		: "memory");
	ctl[0] = (uint32_t)fpcr;
	ctl[1] = (uint32_t)fpsr;
}
static const uint32_t vd_arch_fp_ctl_initial[2] = {0, 0};

static inline void vd_arch_fp_write(uint8_t (*v)[VD_ARCH_FP_REG_BYTES])
{
	__asm__ volatile(
		"ldp q0, q1, [%0, #0]\n\tldp q2, q3, [%0, #32]\n\t"
		"ldp q4, q5, [%0, #64]\n\tldp q6, q7, [%0, #96]\n\t"
		"ldp q8, q9, [%0, #128]\n\tldp q10, q11, [%0, #160]\n\t"
		"ldp q12, q13, [%0, #192]\n\tldp q14, q15, [%0, #224]\n\t"
		"ldp q16, q17, [%0, #256]\n\tldp q18, q19, [%0, #288]\n\t"
		"ldp q20, q21, [%0, #320]\n\tldp q22, q23, [%0, #352]\n\t"
		"ldp q24, q25, [%0, #384]\n\tldp q26, q27, [%0, #416]\n\t"
		"ldp q28, q29, [%0, #448]\n\tldp q30, q31, [%0, #480]" ::"r"(v)
		: "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",
		  "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16",
		  "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
		  "v26", "v27", "v28", "v29", "v30", "v31");
}

#endif /* VD_USER_ARCH_FPU_REGS_H */
