/*
 * AArch64 system-register access and barriers.
 *
 * Every register is named in the mrs/msr instruction itself, so the macros
 * take the register name as a bare token: a64_read_sysreg(mpidr_el1).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

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

/* MPIDR_EL1 affinity fields Aff3 [39:32], Aff2 [23:16], Aff1 [15:8],
 * Aff0 [7:0]: the hardware CPU id the DTB "reg" of a cpu node holds. */
#define A64_MPIDR_AFF_MASK 0xff00ffffffull

static inline uint64_t a64_mpidr_aff(void)
{
	return a64_read_sysreg(mpidr_el1) & A64_MPIDR_AFF_MASK;
}

/* DAIF bit of IRQs (PSTATE.I), as read with mrs daif. */
#define A64_DAIF_I (1u << 7)

/*
 * SCTLR_EL1 bits we set.  RES1 bits of ARMv8.0 (EOS, TSCXT, EIS, SPAN,
 * nTLSMD, LSMAOE) keep their reset meaning; SPAN is cleared when PAN exists
 * so that every exception entry to EL1 sets PSTATE.PAN again.
 */
#define A64_SCTLR_M	 (1ull << 0) /* MMU on */
#define A64_SCTLR_C	 (1ull << 2) /* data cache */
#define A64_SCTLR_SA	 (1ull << 3) /* EL1 SP alignment check */
#define A64_SCTLR_SA0	 (1ull << 4) /* EL0 SP alignment check */
#define A64_SCTLR_EOS	 (1ull << 11)
#define A64_SCTLR_I	 (1ull << 12) /* instruction cache */
#define A64_SCTLR_DZE	 (1ull << 14) /* EL0 may use dc zva */
#define A64_SCTLR_UCT	 (1ull << 15) /* EL0 may read CTR_EL0 */
#define A64_SCTLR_NTWI	 (1ull << 16) /* EL0 wfi not trapped */
#define A64_SCTLR_NTWE	 (1ull << 18) /* EL0 wfe not trapped */
#define A64_SCTLR_TSCXT	 (1ull << 20)
#define A64_SCTLR_EIS	 (1ull << 22)
#define A64_SCTLR_SPAN	 (1ull << 23) /* 0: exception entry sets PAN */
#define A64_SCTLR_NTLSMD (1ull << 28)
#define A64_SCTLR_LSMAOE (1ull << 29)
#define A64_SCTLR_RES1                                                         \
	(A64_SCTLR_EOS | A64_SCTLR_TSCXT | A64_SCTLR_EIS | A64_SCTLR_SPAN |    \
	 A64_SCTLR_NTLSMD | A64_SCTLR_LSMAOE)

#endif /* ARCH_CPU_H */
