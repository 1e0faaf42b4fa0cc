/*
 * Cross-CPU TLB shootdown.
 *
 * hal_pt_unmap and hal_pt_protect flush the calling CPU's TLB only (an
 * AArch64 HAL broadcasts its invalidations in hardware, x86_64 invlpg and
 * RISC-V sfence.vma do not).  Another CPU running the same address space
 * can keep using the old translation: write through a page that was just
 * made read-only for copy-on-write, or into a frame that was unmapped,
 * freed and handed to someone else.
 *
 * Who may cache an entry of address space `root`: the CPUs running it
 * now (cpu_sched.active_root == root).  x86_64 and RISC-V drop the user
 * half of the TLB when they load another root (CR3 write, sfence.vma), so
 * a CPU that ran `root` earlier holds nothing of it.  AArch64 keeps such
 * entries, tagged with the space's ASID, but its HAL's invalidations are
 * broadcast to every CPU by the hardware (hal.h, hal_pt_activate), so
 * they need no IPI and the targets below only repeat them.  Kernel-half
 * entries are cached under every root: those go to every CPU.
 *
 * Ordering (the store-buffer pattern): the initiator changes the entry,
 * issues a full barrier, then reads the other CPUs' active_root; a CPU
 * switching address spaces publishes active_root, issues a full barrier,
 * then loads the root (sched_switch_root).  So either the initiator sees
 * the switching CPU in `root`, or that CPU's table walks see the changed
 * entry.
 *
 * Protocol.  Each CPU has one request slot for the shootdown it
 * initiates (what to flush, how many CPUs still have to) and one word of
 * pending bits, one per initiating CPU.  The initiator fills its slot,
 * sets its bit in each target's word, sends the targets an IPI and spins
 * until the count drops to zero.  A target answers in vd_ipi, or
 * whenever it spins (vd_cpu_relax): it takes its word, flushes what each
 * initiator asked, and counts down.
 *
 * The initiator keeps its interrupt state (IPC changes mappings under the
 * scheduler lock, interrupts masked).  Two dangers, both answered by
 * vd_cpu_relax: two CPUs shooting at each other (each waits for the
 * other's answer: the wait loop answers its own pending requests), and a
 * target spinning with interrupts masked on a lock the initiator holds
 * (every spin loop in core calls vd_cpu_relax).
 */
#include <veridian/panic.h>
#include <veridian/smp.h>

#include "sched_internal.h"

unsigned vd_smp_cpus = 1;

/* Answers may take a while on an overcommitted host; a CPU that gives
 * none for this long is hung, and waiting for it would hang us too. */
#define SHOOTDOWN_TIMEOUT_NS 10000000000ull

struct tlb_mailbox {
	vaddr_t va; /* this CPU's request: a page, or VD_TLB_FLUSH_ALL */
	uint32_t acks_left; /* targets of it that have not flushed yet */
	uint32_t pending;   /* bit i: CPU i asks this CPU to flush */
} __attribute__((aligned(64)));

static struct tlb_mailbox mailbox[VD_MAX_CPUS];

_Static_assert(VD_MAX_CPUS <= 32, "tlb_mailbox.pending is 32 bits");

/* Do what every CPU whose bit is pending asked of this one. */
static void answer(struct tlb_mailbox *me)
{
	uint32_t from = __atomic_exchange_n(&me->pending, 0, __ATOMIC_ACQUIRE);

	while (from) {
		struct tlb_mailbox *req = &mailbox[__builtin_ctz(from)];
		vaddr_t va = __atomic_load_n(&req->va, __ATOMIC_RELAXED);

		from &= from - 1;
		if (va == VD_TLB_FLUSH_ALL)
			hal_tlb_flush_all();
		else
			hal_tlb_flush_page(va);
		__atomic_fetch_sub(&req->acks_left, 1, __ATOMIC_RELEASE);
	}
}

void vd_cpu_relax(void)
{
	struct tlb_mailbox *me = &mailbox[hal_cpu_id()];

	if (__atomic_load_n(&me->pending, __ATOMIC_RELAXED))
		answer(me);
}

/* From vd_ipi: a shootdown may be why we were interrupted. */
void sched_tlb_ipi(void)
{
	vd_cpu_relax();
}

/* The CPUs other than self that may cache an entry of root at va. */
static uint32_t targets(paddr_t root, vaddr_t va, unsigned self)
{
	bool everyone = root == hal_pt_kernel_root() ||
			(va != VD_TLB_FLUSH_ALL && va >= hal_user_top());
	uint32_t set = 0;

	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++) {
		const struct cpu_sched *c = &vd_cpu_sched[cpu];

		if (cpu == self ||
		    !__atomic_load_n(&c->online, __ATOMIC_RELAXED))
			continue;
		if (everyone ||
		    __atomic_load_n(&c->active_root, __ATOMIC_RELAXED) == root)
			set |= 1u << cpu;
	}
	return set;
}

void vd_tlb_shootdown_others(paddr_t root, vaddr_t va)
{
	unsigned self = hal_cpu_id();
	struct tlb_mailbox *me = &mailbox[self];
	uint32_t set;
	uint64_t start;

	/* the changed entry before the other CPUs' active_root (above) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	set = targets(root, va, self);
	if (!set)
		return;
	__atomic_store_n(&me->va, va, __ATOMIC_RELAXED);
	__atomic_store_n(&me->acks_left, (uint32_t)__builtin_popcount(set),
			 __ATOMIC_RELAXED);
	for (uint32_t s = set; s; s &= s - 1)
		__atomic_fetch_or(&mailbox[__builtin_ctz(s)].pending,
				  1u << self, __ATOMIC_RELEASE);
	/* the requests before the IPIs, which may leave through firmware
	 * (RISC-V SBI) rather than a store the HAL orders itself */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (uint32_t s = set; s; s &= s - 1)
		hal_ipi_send((unsigned)__builtin_ctz(s));

	start = hal_timer_now_ns();
	while (__atomic_load_n(&me->acks_left, __ATOMIC_ACQUIRE)) {
		vd_cpu_relax();
		if (hal_timer_now_ns() - start > SHOOTDOWN_TIMEOUT_NS)
			vd_panic("tlb shootdown from cpu %u: cpus %#x did not "
				 "answer",
				 self, (unsigned)set);
	}
}
