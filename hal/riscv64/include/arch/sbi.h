/*
 * Supervisor Binary Interface calls into the M-mode firmware (OpenSBI).
 *
 * Calling convention (SBI spec v1.0, chapter 3): a7 = extension id (EID),
 * a6 = function id (FID), a0..a5 = arguments; `ecall` returns an error
 * code in a0 (0 = success) and a value in a1.  The legacy extensions
 * (EID 0x00..0x0f, e.g. console putchar = 1) take no FID and return only
 * a0.
 */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <veridian/types.h>

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define SBI_EXT_BASE	       0x10
#define SBI_EXT_TIME	       0x54494d45 /* "TIME" */
#define SBI_EXT_IPI	       0x735049	  /* "sPI" */
#define SBI_EXT_RFENCE	       0x52464e43 /* "RFNC" */
#define SBI_EXT_HSM	       0x48534d	  /* "HSM" */
#define SBI_EXT_SRST	       0x53525354 /* "SRST" */

#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID	  1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXT	  3
#define SBI_RFENCE_REMOTE_FENCE_I 0
#define SBI_HSM_HART_START	  0
#define SBI_HSM_HART_GET_STATUS	  2

/* SRST system_reset(type, reason) */
#define SBI_SRST_RESET		  0
#define SBI_SRST_TYPE_SHUTDOWN	  0
#define SBI_SRST_TYPE_COLD_REBOOT 1
#define SBI_SRST_REASON_NONE	  0
#define SBI_SRST_REASON_FAILURE	  1

/* error codes (a0) */
#define SBI_SUCCESS		  0
#define SBI_ERR_FAILED		  -1
#define SBI_ERR_NOT_SUPPORTED	  -2
#define SBI_ERR_INVALID_PARAM	  -3
#define SBI_ERR_DENIED		  -4
#define SBI_ERR_INVALID_ADDRESS	  -5
#define SBI_ERR_ALREADY_AVAILABLE -6

struct sbiret {
	long error;
	long value;
};

static inline struct sbiret sbi_call(unsigned long eid, unsigned long fid,
				     unsigned long a0, unsigned long a1,
				     unsigned long a2)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = eid;
	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){(long)r_a0, (long)r_a1};
}

static inline void sbi_legacy_putchar(char c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

/* Program the timer: STIP is raised once time >= stime_value (and
 * cleared by this call). */
static inline void sbi_set_timer(uint64_t stime_value)
{
	sbi_call(SBI_EXT_TIME, 0, stime_value, 0, 0);
}

/* Raise SSIP on the harts set in hart_mask (bit i = hart base + i). */
static inline long sbi_send_ipi(unsigned long hart_mask,
				unsigned long hart_mask_base)
{
	return sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0).error;
}

/* Start a stopped hart at start_pa in S-mode, MMU off, with a0 = hartid
 * and a1 = opaque. */
static inline long sbi_hart_start(unsigned long hartid, unsigned long start_pa,
				  unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_pa,
			opaque)
		.error;
}

static inline long sbi_probe_extension(unsigned long eid)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, eid, 0, 0);
	return r.error ? 0 : r.value;
}

static inline void sbi_remote_fence_i(unsigned long hart_mask,
				      unsigned long hart_mask_base)
{
	sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_FENCE_I, hart_mask,
		 hart_mask_base, 0);
}

#endif /* ARCH_SBI_H */
