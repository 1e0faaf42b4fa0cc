/*
 * x86_64 HAL: FP/SIMD state of user threads (hal.h, docs/fpu.md).
 *
 * Access switch: CR0.TS.  With TS set, every x87/MMX/SSE/AVX instruction
 * (and XSAVE/XRSTOR themselves) raises #NM, vector 7, which trap.c hands
 * to vd_fpu_trap.  CR0 (SDM vol. 3, 2.5), as set here:
 *   MP (bit 1) = 1  WAIT/FWAIT trap with TS too
 *   EM (bit 2) = 0  no x87 emulation: the instructions run
 *   TS (bit 3)      1 = access off (set at unload, cleared by CLTS)
 *   NE (bit 5) = 1  x87 errors as #MF, not the legacy IRQ 13
 * CR4: OSFXSR (bit 9) allows FXSAVE and SSE, OSXMMEXCPT (bit 10) makes
 * unmasked SSE exceptions #XM, OSXSAVE (bit 18) allows XSAVE and XCR0.
 *
 * Area: with XSAVE, the standard (non-compacted) XSAVE image of every
 * component this kernel enables in XCR0; its size is CPUID.(0Dh,0).EBX
 * once XCR0 is set.  Layout (SDM vol. 1, 13.4):
 *   0..511    legacy region, as FXSAVE writes it: FCW at 0 (16 bits),
 *             MXCSR at 24, MXCSR_MASK at 28, ST0-7 from 32, XMM0-15 from
 *             160
 *   512..575  XSAVE header: XSTATE_BV at 512 (which components hold
 *             non-initial values), XCOMP_BV at 520 (0 = standard form),
 *             bytes 528..575 reserved
 *   576..     extended components (AVX upper halves at 576, ...)
 * Without XSAVE (a CPU older than 2008), the 512-byte FXSAVE image.
 *
 * XCR0: x87 and SSE always, AVX and the AVX-512 components when CPUID
 * offers them (AVX-512 only if the area still fits VD_FPU_STATE_MAX, the
 * FP state a thread context carries: 2696 bytes do not).  Not MPX (bits 3-4,
 * deprecated), PKRU (bit 9, needs CR4.PKE, which this kernel does not use) nor
 * AMX (bits 17-18, needs XFD and a permission protocol): user code gets #UD for
 * those.
 *
 * Save: XSAVEOPT when CPUID offers it (skips components unchanged since
 * this CPU's last XRSTOR of the same area), else XSAVE.  Not XSAVES: its
 * compacted form and supervisor components buy nothing for user-only
 * state, and it would need IA32_XSS set up.
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <veridian/hal.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>
#include <veridian/thread.h>

/* XCR0 / XSTATE_BV component bits (SDM vol. 1, 13.1) */
#define XFEATURE_X87	   (1ull << 0)
#define XFEATURE_SSE	   (1ull << 1)
#define XFEATURE_AVX	   (1ull << 2)
#define XFEATURE_OPMASK	   (1ull << 5)
#define XFEATURE_ZMM_HI256 (1ull << 6)
#define XFEATURE_HI16_ZMM  (1ull << 7)
#define XFEATURE_AVX512                                                        \
	(XFEATURE_OPMASK | XFEATURE_ZMM_HI256 | XFEATURE_HI16_ZMM)

/* area offsets (see the layout above) */
#define AREA_FCW	  0
#define AREA_MXCSR	  24
#define AREA_MXCSR_MASK	  28
#define AREA_XSTATE_BV	  512
#define AREA_XCOMP_BV	  520 /* with the next 8 bytes: must be zero */
#define FXSAVE_SIZE	  512
#define XSAVE_HEADER_SIZE 64

#define FCW_INIT	   0x037f /* all x87 exceptions masked, 64-bit */
#define MXCSR_INIT	   0x1f80 /* all SSE exceptions masked, nearest */
#define MXCSR_MASK_DEFAULT 0xffbf /* when FXSAVE reports 0 (SDM 11.6.6) */

#define XCR_XFEATURE_ENABLED 0 /* XCR0 */

static bool use_xsave, use_xsaveopt;
static uint64_t xcr0;
static size_t area_size = FXSAVE_SIZE;
static uint32_t mxcsr_mask = MXCSR_MASK_DEFAULT;

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline void clts(void)
{
	__asm__ volatile("clts" ::: "memory");
}

static void set_ts(void)
{
	x86_write_cr0(x86_read_cr0() | X86_CR0_TS);
}

/* The first CPU decides what every CPU enables (they are alike). */
static void fpu_detect(void)
{
	struct x86_cpuid l1 = x86_cpuid(1, 0);
	struct x86_cpuid max = x86_cpuid(0, 0);

	if (!(l1.edx & X86_CPUID_1_EDX_FXSR) ||
	    !(l1.edx & X86_CPUID_1_EDX_SSE2))
		vd_panic("x86_64 CPU without FXSR/SSE2"); /* part of x86_64 */
	use_xsave = (l1.ecx & X86_CPUID_1_ECX_XSAVE) && max.eax >= 0xd;
	if (use_xsave) {
		struct x86_cpuid d0 = x86_cpuid(0xd, 0);
		uint64_t offered = d0.eax | (uint64_t)d0.edx << 32;

		xcr0 = XFEATURE_X87 | XFEATURE_SSE;
		if (offered & XFEATURE_AVX)
			xcr0 |= XFEATURE_AVX;
		/* AVX-512 needs all three components, and AVX */
		if ((offered & XFEATURE_AVX512) == XFEATURE_AVX512 &&
		    (xcr0 & XFEATURE_AVX))
			xcr0 |= XFEATURE_AVX512;
		use_xsaveopt =
			x86_cpuid(0xd, 1).eax & X86_CPUID_D1_EAX_XSAVEOPT;
	}
}

void x86_fpu_cpu_init(void)
{
	static bool detected;
	uint64_t cr0 = x86_read_cr0(), cr4 = x86_read_cr4();

	if (!detected) {
		fpu_detect();
		detected = true;
	}
	cr0 |= X86_CR0_MP | X86_CR0_NE;
	cr0 &= ~(uint64_t)(X86_CR0_EM | X86_CR0_TS);
	x86_write_cr0(cr0);
	cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (use_xsave)
		cr4 |= X86_CR4_OSXSAVE;
	x86_write_cr4(cr4);
	if (use_xsave) {
		xsetbv(XCR_XFEATURE_ENABLED, xcr0);
		/* the size for the components enabled in XCR0 now */
		size_t size = x86_cpuid(0xd, 0).ebx;
		if (size > VD_FPU_STATE_MAX && (xcr0 & XFEATURE_AVX512)) {
			/* a thread context (thread.h) could not carry it:
			 * AVX-512 stays off (the first CPU decides this for
			 * all, before any other starts) */
			xcr0 &= ~XFEATURE_AVX512;
			xsetbv(XCR_XFEATURE_ENABLED, xcr0);
			size = x86_cpuid(0xd, 0).ebx;
		}
		VD_ASSERT(size >= FXSAVE_SIZE + XSAVE_HEADER_SIZE &&
			  size <= VD_FPU_STATE_MAX);
		area_size = size;
	}
	/* MXCSR_MASK: which MXCSR bits this CPU has (FXSAVE reports it) */
	static uint8_t probe[FXSAVE_SIZE] __attribute__((aligned(64)));
	__asm__ volatile("fxsave %0" : "=m"(probe));
	uint32_t mask;
	vd_memcpy(&mask, probe + AREA_MXCSR_MASK, sizeof(mask));
	if (mask)
		mxcsr_mask = mask;
	set_ts(); /* off until a thread's state is loaded */
}

void x86_fpu_report(void)
{
	kprintf("x86: FP/SIMD saved with %s, XCR0 0x%llx, %zu-byte area per "
		"thread\n",
		use_xsave ? (use_xsaveopt ? "XSAVEOPT" : "XSAVE") : "FXSAVE",
		(unsigned long long)xcr0, area_size);
}

size_t hal_fpu_area_size(void)
{
	return area_size;
}

void hal_fpu_area_init(void *area)
{
	uint16_t fcw = FCW_INIT;
	uint32_t mxcsr = MXCSR_INIT;

	/* XSTATE_BV = 0: XRSTOR puts every component in its initial state
	 * (zero registers, FCW 0x37f) except MXCSR, which it always loads
	 * from the area; FXRSTOR loads everything from it. */
	vd_memset(area, 0, area_size);
	vd_memcpy((char *)area + AREA_FCW, &fcw, sizeof(fcw));
	vd_memcpy((char *)area + AREA_MXCSR, &mxcsr, sizeof(mxcsr));
}

void hal_fpu_load(struct vd_cpu_context *uctx, const void *area)
{
	(void)uctx;
	VD_DEBUG_ASSERT(!hal_irq_local_enabled());
	clts();
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area),
				 "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void hal_fpu_unload(struct vd_cpu_context *uctx, void *area)
{
	(void)uctx;
	if (use_xsaveopt)
		__asm__ volatile("xsaveopt64 (%0)" ::"r"(area),
				 "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area),
				 "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
	set_ts();
}

vd_err_t hal_fpu_area_check(const void *area)
{
	const char *a = area;
	uint32_t mxcsr;

	/* XRSTOR and FXRSTOR #GP on MXCSR bits the CPU lacks (SDM 10.5.1) */
	vd_memcpy(&mxcsr, a + AREA_MXCSR, sizeof(mxcsr));
	if (mxcsr & ~mxcsr_mask)
		return VD_ERR_INVALID_PARAMETER;
	if (use_xsave) {
		/* ... XRSTOR also on components not in XCR0, and on a
		 * compacted or non-zero XCOMP_BV in the standard form */
		uint64_t bv, comp[2];
		vd_memcpy(&bv, a + AREA_XSTATE_BV, sizeof(bv));
		vd_memcpy(comp, a + AREA_XCOMP_BV, sizeof(comp));
		if ((bv & ~xcr0) || comp[0] || comp[1])
			return VD_ERR_INVALID_PARAMETER;
	}
	return VD_OK;
}
