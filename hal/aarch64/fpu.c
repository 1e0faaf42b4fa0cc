/*
 * AArch64 HAL: FP/SIMD state of user threads (hal.h, docs/fpu.md).
 *
 * Access switch: CPACR_EL1.FPEN, bits [21:20] (ARM ARM D17.2.30):
 *   0b00  FP/SIMD instructions trap at EL0 and EL1 (ESR EC 0x07)
 *   0b11  no trap
 * Off (0b00) except while the current thread's state is loaded; the
 * kernel is built -mgeneral-regs-only and only this file's loads and
 * saves touch the registers, with FPEN on.  SVE (CPACR.ZEN) stays off:
 * user SVE instructions are undefined (no SVE state is kept).
 *
 * Area (528 bytes): V0..V31 (16 bytes each) at 0..511, FPCR at 512,
 * FPSR at 520.  FPCR 0 = round to nearest, no trapped exceptions, IEEE
 * (not flush-to-zero, not default-NaN) arithmetic: the reset value.
 */
#include <arch/cpu.h>
#include <veridian/hal.h>
#include <veridian/panic.h>
#include <veridian/string.h>

#define CPACR_FPEN_SHIFT 20
#define CPACR_FPEN	 A64_FIELD(CPACR_FPEN_SHIFT, 2)
#define CPACR_FPEN_TRAP	 (A64_UL(0) << CPACR_FPEN_SHIFT) /* EL0 and EL1 */
#define CPACR_FPEN_ON	 (A64_UL(3) << CPACR_FPEN_SHIFT)

struct fpu_area {
	uint64_t v[32][2];
	uint64_t fpcr, fpsr;
};

size_t hal_fpu_area_size(void)
{
	return sizeof(struct fpu_area);
}

void hal_fpu_area_init(void *area)
{
	vd_memset(area, 0, sizeof(struct fpu_area));
}

static void set_fpen(uint64_t fpen)
{
	uint64_t cpacr = a64_read_sysreg(cpacr_el1);

	a64_write_sysreg(cpacr_el1, (cpacr & ~CPACR_FPEN) | fpen);
	a64_isb();
}

void hal_fpu_load(struct vd_cpu_context *uctx, const void *area)
{
	const struct fpu_area *a = area;

	(void)uctx;
	VD_DEBUG_ASSERT(!hal_irq_local_enabled());
	set_fpen(CPACR_FPEN_ON);
	__asm__ volatile("ldp q0, q1, [%0, #0]\n\t"
			 "ldp q2, q3, [%0, #32]\n\t"
			 "ldp q4, q5, [%0, #64]\n\t"
			 "ldp q6, q7, [%0, #96]\n\t"
			 "ldp q8, q9, [%0, #128]\n\t"
			 "ldp q10, q11, [%0, #160]\n\t"
			 "ldp q12, q13, [%0, #192]\n\t"
			 "ldp q14, q15, [%0, #224]\n\t"
			 "ldp q16, q17, [%0, #256]\n\t"
			 "ldp q18, q19, [%0, #288]\n\t"
			 "ldp q20, q21, [%0, #320]\n\t"
			 "ldp q22, q23, [%0, #352]\n\t"
			 "ldp q24, q25, [%0, #384]\n\t"
			 "ldp q26, q27, [%0, #416]\n\t"
			 "ldp q28, q29, [%0, #448]\n\t"
			 "ldp q30, q31, [%0, #480]\n\t"
			 "msr fpcr, %1\n\t"
			 "msr fpsr, %2" ::"r"(a->v),
			 "r"(a->fpcr), "r"(a->fpsr)
			 : "memory");
}

void hal_fpu_unload(struct vd_cpu_context *uctx, void *area)
{
	struct fpu_area *a = area;
	uint64_t fpcr, fpsr;

	(void)uctx;
	__asm__ volatile("stp q0, q1, [%2, #0]\n\t"
			 "stp q2, q3, [%2, #32]\n\t"
			 "stp q4, q5, [%2, #64]\n\t"
			 "stp q6, q7, [%2, #96]\n\t"
			 "stp q8, q9, [%2, #128]\n\t"
			 "stp q10, q11, [%2, #160]\n\t"
			 "stp q12, q13, [%2, #192]\n\t"
			 "stp q14, q15, [%2, #224]\n\t"
			 "stp q16, q17, [%2, #256]\n\t"
			 "stp q18, q19, [%2, #288]\n\t"
			 "stp q20, q21, [%2, #320]\n\t"
			 "stp q22, q23, [%2, #352]\n\t"
			 "stp q24, q25, [%2, #384]\n\t"
			 "stp q26, q27, [%2, #416]\n\t"
			 "stp q28, q29, [%2, #448]\n\t"
			 "stp q30, q31, [%2, #480]\n\t"
			 "mrs %0, fpcr\n\t"
			 "mrs %1, fpsr"
			 : "=r"(fpcr), "=r"(fpsr)
			 : "r"(a->v)
			 : "memory");
	a->fpcr = fpcr;
	a->fpsr = fpsr;
	set_fpen(CPACR_FPEN_TRAP);
}

vd_err_t hal_fpu_area_check(const void *area)
{
	(void)area; /* FPCR/FPSR ignore writes to bits they lack */
	return VD_OK;
}
