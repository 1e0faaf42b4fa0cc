/*
 * AArch64 system-register access and barriers.
 *
 * Every register is named in the mrs/msr instruction itself, so the macros
 * take the register name as a bare token: a64_read_sysreg(mpidr_el1).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

/*
 * Register fields, named once (ARM ARM D17/D19).  A64_BIT(n) is bit n,
 * A64_FIELD(shift, width) the mask of bits [shift + width - 1 : shift],
 * A64_FIELD_GET(v, ...) a field's value; the first two work in
 * assembly too.
 * The _SHIFT and _WIDTH pairs are what A64_FIELD takes.
 */
#ifdef __ASSEMBLER__
#define A64_UL(x) x
#else
#define A64_UL(x) x##ull
#endif
#define A64_BIT(n)		(A64_UL(1) << (n))
#define A64_FIELD(shift, width) (((A64_UL(1) << (width)) - 1) << (shift))
#define A64_FIELD_GET(v, shift, width)                                         \
	(((v) >> (shift)) & ((A64_UL(1) << (width)) - 1))

/* PSTATE / SPSR_EL1 / DAIF (the same bit positions in all three). */
#define A64_PSR_NZCV	  A64_FIELD(28, 4)
#define A64_PSR_PAN	  A64_BIT(22)
#define A64_PSR_D	  A64_BIT(9)
#define A64_PSR_A	  A64_BIT(8)
#define A64_PSR_I	  A64_BIT(7) /* IRQs masked */
#define A64_PSR_F	  A64_BIT(6)
#define A64_PSR_DAIF	  (A64_PSR_D | A64_PSR_A | A64_PSR_I | A64_PSR_F)
#define A64_PSR_M_MASK	  0x1f /* M[4:0]: 0 = EL0t in AArch64 */
#define A64_PSR_M_EL1H	  5    /* M[3:0]: EL1 with SP_EL1 */
#define A64_DAIF_I	  A64_PSR_I
#define A64_CURRENTEL_EL2 (2 << 2) /* CurrentEL.EL [3:2] */

/*
 * ESR_EL1, the exception syndrome: [31:26] EC exception class, [25] IL,
 * [24:0] ISS.  For data/instruction aborts the ISS holds [5:0] DFSC/IFSC
 * (fault status: 0b0001LL translation, 0b0010LL access flag, 0b0011LL
 * permission fault at level LL), [6] WnR (write), [8] CM (cache
 * maintenance).  a64_esr_*() below decode it; nothing else does.
 */
#define A64_ESR_EC_SHIFT	26
#define A64_ESR_EC_WIDTH	6
#define A64_ESR_ISS_MASK	A64_FIELD(0, 25)
#define A64_ESR_ISS_WNR		A64_BIT(6)
#define A64_ESR_ISS_CM		A64_BIT(8)
#define A64_ESR_FSC_TYPE	A64_FIELD(2, 4) /* DFSC/IFSC without the level */
#define A64_ESR_FSC_TRANSLATION (1 << 2)
#define A64_ESR_FSC_ACCESS	(2 << 2)
#define A64_ESR_FSC_PERMISSION	(3 << 2)

/* ESR_EL1.EC values */
#define A64_EC_UNKNOWN	 0x00
#define A64_EC_WFX	 0x01
#define A64_EC_FP	 0x07
#define A64_EC_ILLEGAL	 0x0e
#define A64_EC_SVC64	 0x15 /* SVC from AArch64 state */
#define A64_EC_SYSREG	 0x18
#define A64_EC_IABT_LOW	 0x20 /* instruction abort from EL0 */
#define A64_EC_IABT_CUR	 0x21 /* ... from EL1 */
#define A64_EC_PC_ALIGN	 0x22
#define A64_EC_DABT_LOW	 0x24 /* data abort from EL0 */
#define A64_EC_DABT_CUR	 0x25 /* ... from EL1 */
#define A64_EC_SP_ALIGN	 0x26
#define A64_EC_FP_EXC	 0x2c
#define A64_EC_SERROR	 0x2f
#define A64_EC_BKPT_LOW	 0x30
#define A64_EC_BKPT_CUR	 0x31
#define A64_EC_STEP_LOW	 0x32
#define A64_EC_STEP_CUR	 0x33
#define A64_EC_WATCH_LOW 0x34
#define A64_EC_WATCH_CUR 0x35
#define A64_EC_BRK	 0x3c

/*
 * TCR_EL1 (translation control).  Per half (0 = TTBR0, user; 1 = TTBR1,
 * kernel): TnSZ = 64 - VA bits, IRGNn/ORGNn the cacheability and SHn the
 * shareability of table walks, TGn the granule (whose encodings differ
 * between the halves).
 */
#define A64_TCR_T0SZ_SHIFT  0
#define A64_TCR_IRGN0_SHIFT 8
#define A64_TCR_ORGN0_SHIFT 10
#define A64_TCR_SH0_SHIFT   12
#define A64_TCR_TG0_SHIFT   14
#define A64_TCR_T1SZ_SHIFT  16
#define A64_TCR_IRGN1_SHIFT 24
#define A64_TCR_ORGN1_SHIFT 26
#define A64_TCR_SH1_SHIFT   28
#define A64_TCR_TG1_SHIFT   30
#define A64_TCR_IPS_SHIFT   32
#define A64_TCR_AS	    A64_BIT(36) /* 16-bit ASIDs */
#define A64_TCR_HA	    A64_BIT(39) /* hardware access flag */
#define A64_TCR_HD	    A64_BIT(40) /* hardware dirty state */
#define A64_TCR_RGN_WBWA    A64_UL(1) /* IRGN/ORGN: write-back, write-allocate */
#define A64_TCR_SH_INNER    A64_UL(3)
#define A64_TCR_TG0_4K	    A64_UL(0)
#define A64_TCR_TG1_4K	    A64_UL(2)

/* ID registers: the fields the kernel reads, [shift + 3 : shift]. */
#define A64_ID_WIDTH		 4
#define A64_MMFR0_PARANGE_SHIFT	 0 /* ID_AA64MMFR0_EL1 */
#define A64_MMFR0_ASIDBITS_SHIFT 4
#define A64_MMFR0_ASIDBITS_16	 2
#define A64_MMFR1_HAFDBS_SHIFT	 0 /* ID_AA64MMFR1_EL1: 1 AF, 2 AF+dirty */
#define A64_MMFR1_PAN_SHIFT	 20
#define A64_ISAR0_RNDR_SHIFT	 60 /* ID_AA64ISAR0_EL1: RNDR exists */
#define A64_PFR0_GIC_SHIFT	 24 /* ID_AA64PFR0_EL1: GIC sysregs */

/* CTR_EL0: log2 of the smallest cache line, in words. */
#define A64_CTR_IMINLINE_SHIFT 0
#define A64_CTR_DMINLINE_SHIFT 16

/* PMU: PMCR_EL0 E (enable), P (reset event counters), C (reset the cycle
 * counter), LC (64-bit cycle counter); PMCNTENSET_EL0.C enables
 * PMCCNTR_EL0. */
#define A64_PMCR_E	 A64_BIT(0)
#define A64_PMCR_P	 A64_BIT(1)
#define A64_PMCR_C	 A64_BIT(2)
#define A64_PMCR_LC	 A64_BIT(6)
#define A64_PMCR_N_SHIFT 11 /* number of event counters, 5 bits */
#define A64_PMCNTENSET_C A64_BIT(31)

/* ISR_EL1.I: an IRQ is pending at this CPU (masked or not). */
#define A64_ISR_I A64_BIT(7)

/* CNTKCTL_EL1.EL0VCTEN: EL0 may read the virtual counter. */
#define A64_CNTKCTL_EL0VCTEN A64_BIT(1)

/* EL2 set-up before dropping to EL1 (head.S). */
#define A64_HCR_RW	     A64_BIT(31) /* EL1 is AArch64 */
#define A64_CNTHCTL_EL1PCTEN A64_BIT(0)
#define A64_CNTHCTL_EL1PCEN  A64_BIT(1)
#define A64_CPTR_EL2_RES1    0x33ff /* bits 13:12, 9:0; TFP = 0 */
#define A64_ICC_SRE_SRE	     A64_BIT(0)
#define A64_ICC_SRE_ENABLE   A64_BIT(3) /* EL1 may use ICC_SRE_EL1 */

/* MPIDR_EL1 affinity fields Aff3 [39:32], Aff2 [23:16], Aff1 [15:8],
 * Aff0 [7:0]: the hardware CPU id the DTB "reg" of a cpu node holds. */
#define A64_MPIDR_AFF_MASK   (A64_FIELD(32, 8) | A64_FIELD(0, 24))
#define A64_MPIDR_AFF0_SHIFT 0
#define A64_MPIDR_AFF1_SHIFT 8
#define A64_MPIDR_AFF2_SHIFT 16
#define A64_MPIDR_AFF3_SHIFT 32
/* Affinity level lvl (0-3) of an MPIDR value. */
#define A64_MPIDR_AFF(mpidr, lvl)                                              \
	(((uint64_t)(mpidr) >> A64_MPIDR_AFF##lvl##_SHIFT) & 0xff)

/*
 * SCTLR_EL1 bits we set.  RES1 bits of ARMv8.0 (EOS, TSCXT, EIS, SPAN,
 * nTLSMD, LSMAOE) keep their reset meaning; SPAN is cleared when PAN exists
 * so that every exception entry to EL1 sets PSTATE.PAN again.
 */
#define A64_SCTLR_M	 A64_BIT(0) /* MMU on */
#define A64_SCTLR_C	 A64_BIT(2) /* data cache */
#define A64_SCTLR_SA	 A64_BIT(3) /* EL1 SP alignment check */
#define A64_SCTLR_SA0	 A64_BIT(4) /* EL0 SP alignment check */
#define A64_SCTLR_EOS	 A64_BIT(11)
#define A64_SCTLR_I	 A64_BIT(12) /* instruction cache */
#define A64_SCTLR_DZE	 A64_BIT(14) /* EL0 may use dc zva */
#define A64_SCTLR_UCT	 A64_BIT(15) /* EL0 may read CTR_EL0 */
#define A64_SCTLR_NTWI	 A64_BIT(16) /* EL0 wfi not trapped */
#define A64_SCTLR_NTWE	 A64_BIT(18) /* EL0 wfe not trapped */
#define A64_SCTLR_TSCXT	 A64_BIT(20)
#define A64_SCTLR_EIS	 A64_BIT(22)
#define A64_SCTLR_SPAN	 A64_BIT(23) /* 0: exception entry sets PAN */
#define A64_SCTLR_NTLSMD A64_BIT(28)
#define A64_SCTLR_LSMAOE A64_BIT(29)
#define A64_SCTLR_RES1                                                         \
	(A64_SCTLR_EOS | A64_SCTLR_TSCXT | A64_SCTLR_EIS | A64_SCTLR_SPAN |    \
	 A64_SCTLR_NTLSMD | A64_SCTLR_LSMAOE)

#ifndef __ASSEMBLER__

#include <veridian/types.h>

#define a64_read_sysreg(reg)                                                   \
	({                                                                     \
		uint64_t v_;                                                   \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_));                  \
		v_;                                                            \
	})

#define a64_write_sysreg(reg, val)                                             \
	__asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(val)) : "memory")

#define a64_isb()    __asm__ volatile("isb" ::: "memory")
#define a64_dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define a64_dmb(opt) __asm__ volatile("dmb " #opt ::: "memory")

/* Ordering for memory a device reads and writes (the virtio-rng driver
 * of hal/common/kernel): arch_io_wmb orders normal-memory writes before a later
 * device access, arch_io_rmb a device-written index before the data
 * behind it.  The device is outer shareable. */
static inline void arch_io_wmb(void)
{
	a64_dmb(oshst);
}

static inline void arch_io_rmb(void)
{
	a64_dmb(oshld);
}

static inline uint64_t a64_mpidr_aff(void)
{
	return a64_read_sysreg(mpidr_el1) & A64_MPIDR_AFF_MASK;
}

/* ESR_EL1 decoding, the one place that does it. */
static inline unsigned a64_esr_ec(uint64_t esr)
{
	return (unsigned)A64_FIELD_GET(esr, A64_ESR_EC_SHIFT, A64_ESR_EC_WIDTH);
}

static inline bool a64_esr_is_abort(unsigned ec)
{
	return ec == A64_EC_DABT_LOW || ec == A64_EC_DABT_CUR ||
	       ec == A64_EC_IABT_LOW || ec == A64_EC_IABT_CUR;
}

/* A data abort caused by a write (WnR, and not a cache maintenance
 * instruction, which reports WnR = 1 for reads too). */
static inline bool a64_esr_is_write(uint64_t esr)
{
	unsigned ec = a64_esr_ec(esr);
	return (ec == A64_EC_DABT_LOW || ec == A64_EC_DABT_CUR) &&
	       (esr & A64_ESR_ISS_WNR) && !(esr & A64_ESR_ISS_CM);
}

/* The fault status of an abort without its level:
 * A64_ESR_FSC_TRANSLATION, _ACCESS or _PERMISSION (or another). */
static inline unsigned a64_esr_fsc_type(uint64_t esr)
{
	return (unsigned)(esr & A64_ESR_FSC_TYPE);
}

static inline uint64_t a64_id_field(uint64_t reg, unsigned shift)
{
	return A64_FIELD_GET(reg, shift, A64_ID_WIDTH);
}

#endif /* __ASSEMBLER__ */
#endif /* ARCH_CPU_H */
