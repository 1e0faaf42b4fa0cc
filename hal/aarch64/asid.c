/*
 * Address-space identifiers (ASIDs).
 *
 * Every user address space gets an ASID of its own, kept in bits 63:48
 * of its root handle, which is therefore TTBR0_EL1's value as it stands:
 *
 *   63        48 47                                  1   0
 *  +------------+-------------------------------------+-----+
 *  |    ASID    |  BADDR: physical address of the root | CnP |
 *  +------------+-------------------------------------+-----+
 *
 * TLB entries of user pages (nG) are tagged with the ASID, so switching
 * address spaces is a single MSR (hal_pt_activate, mmu.c) and the entries
 * of the space left behind stay cached for when it runs again.  That is
 * safe because every invalidation this HAL makes is broadcast to the
 * inner-shareable domain for all ASIDs (TLBI VAAE1IS, mmu.c): it also
 * reaches CPUs that ran the space earlier and still hold its entries.
 * hal_pt_destroy drops the dead space's entries on every CPU (TLBI
 * ASIDE1IS) before its ASID is freed for reuse.
 *
 * ASID 0 is the empty user root's (hal_pt_kernel_root), which maps
 * nothing.  The CPU has 2^8 or 2^16 ASIDs (ID_AA64MMFR0_EL1.ASIDBits;
 * TCR_EL1.AS turns on 16-bit ones, early_map.c); when all are taken,
 * hal_pt_create fails, as seL4's ASID pools do, rather than recycling
 * live ones.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>

#define ASID_MAX 65536

static uint64_t asid_map[ASID_MAX / 64]; /* bit set: in use */
static unsigned asid_next = 1;		 /* where the search starts */

static unsigned asid_count(void)
{
	return (a64_read_sysreg(tcr_el1) & A64_TCR_AS) ? 65536 : 256;
}

/* A free ASID, now taken, or 0 if none is left.  Lock-free: a bit is
 * taken with an atomic OR that finds it clear.  The search starts past
 * the last one handed out, so a freed ASID waits long before it
 * returns. */
unsigned a64_asid_alloc(void)
{
	unsigned n = asid_count();
	unsigned start = __atomic_load_n(&asid_next, __ATOMIC_RELAXED);

	for (unsigned k = 0; k < n; k++) {
		unsigned a = (start + k) & (n - 1);
		uint64_t bit = 1ull << (a % 64);

		if (a == 0)
			continue;
		if (__atomic_load_n(&asid_map[a / 64], __ATOMIC_RELAXED) & bit)
			continue;
		if (!(__atomic_fetch_or(&asid_map[a / 64], bit,
					__ATOMIC_ACQUIRE) &
		      bit)) {
			__atomic_store_n(&asid_next, a + 1, __ATOMIC_RELAXED);
			return a;
		}
	}
	return 0;
}

/* Give back an ASID whose TLB entries are gone from every CPU. */
void a64_asid_free(unsigned asid)
{
	__atomic_fetch_and(&asid_map[asid / 64], ~(1ull << (asid % 64)),
			   __ATOMIC_RELEASE);
}
