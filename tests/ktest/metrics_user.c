/*
 * KernelMetrics measured for real on every board (issue 14, item 1): a
 * user program (user/bin/trace, "metrics") makes null syscalls and IPC
 * calls on the general path; each counter must grow by at least the work
 * it counts, and each average of that work (the sums and samples the
 * run added, core/metrics) must fall in a plausible range.  The bench run
 * (one CPU, -icount: 1 instruction = 1 ns) gets the tight range, timed
 * in instructions; the test run (real time under TCG, on a shared
 * machine) a looser one.  The benchmark prints the averages into the
 * bench table.
 */
#include <veridian/ipc.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/metrics.h>
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/proc.h>

#define RUN_TIMEOUT_NS (60ull * 1000000000ull)
#define NULLS	       256 /* user/bin/trace.c */
#define CALLS	       64
#define ALLOCS	       16

struct lat {
	uint64_t sum[VD_LATENCY_COUNT], n[VD_LATENCY_COUNT];
};

static void lat_snap(struct lat *l)
{
	for (unsigned i = 0; i < VD_LATENCY_COUNT; i++) {
		l->sum[i] = l->n[i] = 0;
		for (unsigned c = 0; c < VD_MAX_CPUS; c++) {
			l->sum[i] += vd_metrics_percpu[c].latency_sum_ns[i];
			l->n[i] += vd_metrics_percpu[c].latency_samples[i];
		}
	}
}

/* The work's average of latency i, 0 with no sample. */
static uint64_t lat_avg(const struct lat *a, const struct lat *b, unsigned i)
{
	uint64_t n = b->n[i] - a->n[i];

	return n ? (b->sum[i] - a->sum[i]) / n : 0;
}

static vd_err_t run_metrics_work(struct lat *l0, struct lat *l1)
{
	static const char *const argv[] = {"trace", "metrics", NULL};
	struct vd_process_exit_info info;
	vd_pid_t pid;
	vd_err_t err;

	vd_ipc_init();
	lat_snap(l0);
	err = vd_spawn_from_bootfs("trace", argv, &pid);
	if (!err)
		err = vd_process_wait(0, pid, RUN_TIMEOUT_NS, &info);
	if (!err && (info.exit_reason != VD_EXIT_NORMAL || info.exit_code))
		err = VD_ERR_INVALID_PARAMETER; /* a failed check */
	lat_snap(l1);
	return err;
}

VD_KTEST(metrics_real)
{
	struct vd_kernel_metrics m0, m1;
	struct lat l0, l1;
	/* bench run: one CPU under -icount (board.sh), ns = instructions */
	bool icount = vd_cpus_online() < 2;
	uint64_t max_sys = icount ? 5000 : 200000;
	uint64_t max_ipc = icount ? 50000 : 2000000;

	vd_kernel_metrics(&m0);
	for (int i = 0; i < ALLOCS; i++) {
		void *p = vd_kzalloc(64);
		KT_ASSERT(p != NULL);
		vd_kfree(p);
	}
	KT_ASSERT_OK(run_metrics_work(&l0, &l1));
	vd_kernel_metrics(&m1);

	KT_ASSERT(m1.memory_allocations >= m0.memory_allocations + ALLOCS);
	KT_ASSERT(m1.syscalls_processed >=
		  m0.syscalls_processed + NULLS + CALLS);
	KT_ASSERT(m1.ipc_messages_sent >= m0.ipc_messages_sent + CALLS);
	KT_ASSERT(m1.context_switches >= m0.context_switches + CALLS);
	/* every call timed; one syscall in VD_METRICS_SYSCALL_SAMPLE (the
	 * server's blocking receives are not: it was switched out) */
	KT_ASSERT(l1.n[VD_LATENCY_IPC] - l0.n[VD_LATENCY_IPC] >= CALLS);
	KT_ASSERT(l1.n[VD_LATENCY_SYSCALL] - l0.n[VD_LATENCY_SYSCALL] >=
		  NULLS / VD_METRICS_SYSCALL_SAMPLE / 2);
	KT_ASSERT(l1.n[VD_LATENCY_CONTEXT_SWITCH] >
		  l0.n[VD_LATENCY_CONTEXT_SWITCH]);

	uint64_t sys = lat_avg(&l0, &l1, VD_LATENCY_SYSCALL);
	uint64_t sw = lat_avg(&l0, &l1, VD_LATENCY_CONTEXT_SWITCH);
	uint64_t ipc = lat_avg(&l0, &l1, VD_LATENCY_IPC);
	kprintf("metrics: averages of the run: syscall %llu ns, switch %llu "
		"ns, ipc call->reply %llu ns%s\n",
		(unsigned long long)sys, (unsigned long long)sw,
		(unsigned long long)ipc, icount ? " (-icount)" : "");
	KT_ASSERT(sys >= 10 && sys <= max_sys);
	KT_ASSERT(sw >= 10 && sw <= max_sys);
	KT_ASSERT(ipc >= 100 && ipc <= max_ipc);
	/* the since-boot averages are real numbers too */
	KT_ASSERT(m1.average_syscall_latency_ns > 0);
	KT_ASSERT(m1.average_context_switch_latency_ns > 0);
	KT_ASSERT(m1.average_ipc_latency_ns > 0);
}

/* The averages as bench rows: instructions under -icount. */
VD_KBENCH(metrics_averages)
{
	struct lat l0, l1;

	if (run_metrics_work(&l0, &l1) != VD_OK) {
		kprintf("bench metrics: failed\n");
		return;
	}
	vd_kbench_report("metrics: syscall latency (sampled average)",
			 lat_avg(&l0, &l1, VD_LATENCY_SYSCALL), 1);
	vd_kbench_report("metrics: context switch latency (sampled average)",
			 lat_avg(&l0, &l1, VD_LATENCY_CONTEXT_SWITCH), 1);
	vd_kbench_report("metrics: ipc call->reply, general path (average)",
			 lat_avg(&l0, &l1, VD_LATENCY_IPC), 1);
}
