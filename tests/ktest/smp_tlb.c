/*
 * Cross-CPU TLB shootdown (core/sched/tlb.c).  A kernel thread on another
 * CPU borrows a throw-away address space and writes to one of its user
 * pages in a loop (kernel-mode stores through the user mapping, the
 * fault caught as the fault-safe user copies catch it), so that CPU's
 * TLB holds a writable translation.  This CPU then write-protects the page (as
 * COW does), and in a second round unmaps it (as Move, munmap and teardown do):
 * the other CPU's next write must fault.  Without the shootdown it goes on
 * writing through its stale entry on x86_64 and RISC-V, in QEMU as on hardware
 * (QEMU's TLB keeps a translation until the guest flushes it); AArch64
 * broadcasts its invalidations, so there the test checks the protocol more than
 * the need for it.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/sched.h>
#include <veridian/smp.h>
#include <veridian/thread.h>

#define PROBE_VA ((vaddr_t)0x40000000)
#define MS	 1000000ull
#define USER_RW                                                                \
	(VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_WRITABLE | VD_PTE_ACCESSED |    \
	 VD_PTE_DIRTY | VD_PTE_NO_EXECUTE)
#define USER_RO                                                                \
	(VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_ACCESSED | VD_PTE_NO_EXECUTE)

struct probe {
	paddr_t root;
	unsigned cpu;	 /* where the writer ran */
	bool changing;	 /* set before the mapping changes */
	bool changed;	 /* set once it has changed */
	bool stop;	 /* the test gives up */
	uint64_t writes; /* that succeeded */
	uint64_t stale;	 /* succeeded although `changed` was seen first */
	vd_err_t fault;	 /* the write that failed */
	bool fault_before_change; /* a fault with the page still writable */
};

/*
 * The writer keeps the user-access window open across its writes and
 * recovers from the fault with its own jump buffer, as the fault-safe
 * copies do: opening and closing the window around each write would make
 * QEMU flush the TLB on RISC-V (it does on every change of sstatus.SUM),
 * hiding a missing shootdown.  Interrupts close the window too (trap
 * entry clears SUM there), but only at ticks: plenty of writes between.
 */
static void writer(void *arg)
{
	struct probe *p = arg;
	struct vd_thread *self = vd_current_thread();
	volatile uint64_t *page = (volatile uint64_t *)PROBE_VA;
	struct hal_jmpbuf jb;

	p->cpu = hal_cpu_id();
	vd_sched_borrow_address_space(p->root);
	if (hal_setjmp(&jb) == 0) {
		self->fault_jmp = &jb;
		hal_user_access_begin();
		while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
			bool changed =
				__atomic_load_n(&p->changed, __ATOMIC_ACQUIRE);

			*page = p->writes; /* the write that must fault */
			__atomic_store_n(&p->writes, p->writes + 1,
					 __ATOMIC_RELEASE);
			if (changed)
				p->stale++;
		}
		hal_user_access_end();
	} else {
		/* vd_page_fault longjmp'd here: a fault on the user page */
		hal_user_access_end();
		p->fault_before_change =
			!__atomic_load_n(&p->changing, __ATOMIC_ACQUIRE);
		__atomic_store_n(&p->fault, VD_ERR_MEM_FAULT, __ATOMIC_RELEASE);
	}
	self->fault_jmp = NULL;
	vd_sched_return_address_space();
}

/* Wait (sleeping, bounded) until *w is at least `want`. */
static bool wait_for(const uint64_t *w, uint64_t want)
{
	uint64_t end = hal_timer_now_ns() + 2000 * MS;

	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) < want &&
	       hal_timer_now_ns() < end)
		vd_sleep_ns(MS);
	return __atomic_load_n(w, __ATOMIC_ACQUIRE) >= want;
}

/* KT_ASSERT_EQ for a function that returns bool. */
#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);               \
		if (a_ != b_) {                                                \
			vd_ktest_fail(__FILE__, __LINE__,                      \
				      "%s == %s (0x%llx != 0x%llx)", #a, #b,   \
				      (unsigned long long)a_,                  \
				      (unsigned long long)b_);                 \
			return false;                                          \
		}                                                              \
	} while (0)

/* Has the writer reported a failed write?  Waits (sleeping) up to 2 s. */
static bool wait_for_fault(const struct probe *p)
{
	uint64_t end = hal_timer_now_ns() + 2000 * MS;

	while (__atomic_load_n(&p->fault, __ATOMIC_ACQUIRE) == VD_OK &&
	       hal_timer_now_ns() < end)
		vd_sleep_ns(MS);
	return __atomic_load_n(&p->fault, __ATOMIC_ACQUIRE) != VD_OK;
}

/*
 * One round: map the page writable, let a writer pinned to `cpu` cache
 * it, change the mapping with `change`, and watch the writer fault.
 * Returns false (the failure reported) if the round failed; the writer
 * is stopped and joined either way.
 */
static bool round_trip(unsigned cpu, vd_err_t (*change)(struct vd_page_table *))
{
	struct vd_page_table pt;
	struct vd_frame f;
	struct probe p = {.fault = VD_OK};
	struct vd_thread *t;
	bool cached, changed = false, faulted = false;
	vd_err_t join;

	CHECK_EQ(vd_page_table_create(&pt), VD_OK);
	CHECK_EQ(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	CHECK_EQ(vd_map_page(&pt, PROBE_VA, f, USER_RW), VD_OK);
	p.root = pt.root_frame;
	CHECK_EQ(vd_kthread_create("tlb-writer", writer, &p, VD_PRIO_NORMAL,
				   false, &t),
		 VD_OK);
	CHECK_EQ(vd_thread_set_affinity(t->tid, (vd_cpuset_t)1 << cpu), VD_OK);
	CHECK_EQ(vd_schedule_thread(t->tid, VD_PRIO_NORMAL), VD_OK);

	/* the writer's CPU has the writable translation in use */
	cached = wait_for(&p.writes, 1000);
	if (cached) {
		__atomic_store_n(&p.changing, true, __ATOMIC_RELEASE);
		changed = change(&pt) == VD_OK;
		__atomic_store_n(&p.changed, true, __ATOMIC_RELEASE);
		faulted = wait_for_fault(&p);
	}
	__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
	join = vd_thread_join(t->tid, 10000 * MS, NULL);
	if (join == VD_OK) {
		vd_unmap_page(&pt, PROBE_VA, NULL);
		vd_page_table_destroy(&pt);
		vd_frame_free(f, 1);
	}

	CHECK_EQ(join, VD_OK);
	CHECK_EQ(p.cpu, cpu);
	CHECK_EQ(cached, true);
	CHECK_EQ(changed, true);
	CHECK_EQ(faulted, true);
	CHECK_EQ(p.fault, VD_ERR_MEM_FAULT);
	CHECK_EQ(p.fault_before_change, false);
	CHECK_EQ(p.stale, 0);
	return true;
}

static vd_err_t write_protect(struct vd_page_table *pt)
{
	return vd_protect_page(pt, PROBE_VA, USER_RO);
}

static vd_err_t unmap(struct vd_page_table *pt)
{
	return vd_unmap_page(pt, PROBE_VA, NULL);
}

VD_KTEST(smp_tlb_shootdown_on_protect_and_unmap)
{
	unsigned other = hal_cpu_id() == 0 ? 1 : 0;

	if (vd_cpus_online() < 2)
		return; /* the -icount bench run: one CPU */
	unsigned last = vd_cpus_online() - 1;

	if (round_trip(other, write_protect) && round_trip(other, unmap) &&
	    last != other && last != hal_cpu_id())
		round_trip(last, write_protect); /* the highest mailbox bit */
}
