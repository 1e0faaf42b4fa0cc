/*
 * Tracing on every board (issue 14, item 2): user/bin/trace reads the
 * trace buffers through SYS_TRACE_READ with tracing on and checks that a
 * syscall and an IPC round trip left their events in order.  With
 * tracing off, a run of the same program writes no record at all.
 *
 * The benchmark is the IPC round trip of ipc_bench.c with tracing on:
 * its cost against the row with tracing off (docs/tracing.md).
 */
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/trace.h>

#define RUN_TIMEOUT_NS (60ull * 1000000000ull)

static uint64_t written_total(void)
{
	uint64_t n = 0;

	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++)
		n += vd_trace_written(cpu);
	return n;
}

static vd_err_t run(const char *const *argv, struct vd_process_exit_info *info)
{
	vd_pid_t pid;
	vd_err_t err = vd_spawn_from_bootfs(argv[0], argv, &pid);

	if (!err)
		err = vd_process_wait(0, pid, RUN_TIMEOUT_NS, info);
	return err;
}

VD_KTEST(trace_user)
{
	static const char *const argv[] = {"trace", NULL};
	static const char *const quiet[] = {"trace", "metrics", NULL};
	struct vd_process_exit_info info;
	uint64_t w0, w1;
	vd_err_t err;

	vd_ipc_init();
	KT_ASSERT(!vd_trace_enabled());
	vd_set_trace_enabled(true);
	err = run(argv, &info);
	vd_set_trace_enabled(false);
	KT_ASSERT_OK(err);
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0); /* failed checks */

	/* off: the trace points write nothing */
	w0 = written_total();
	KT_ASSERT_OK(run(quiet, &info));
	KT_ASSERT_EQ(info.exit_code, 0);
	w1 = written_total();
	KT_ASSERT_EQ(w1, w0);
}

VD_KBENCH(ipc_user_call0_traced)
{
	const char *argv[] = {"ipc-bench", "call0", NULL};
	struct vd_process_exit_info info;
	vd_err_t err;

	vd_ipc_init();
	vd_set_trace_enabled(true);
	err = run(argv, &info);
	vd_set_trace_enabled(false);
	if (err != VD_OK || info.exit_reason != VD_EXIT_NORMAL ||
	    info.exit_code <= 0) {
		kprintf("bench ipc traced: failed (%s, exit %d)\n",
			vd_strerror(err), err ? 0 : (int)info.exit_code);
		return;
	}
	vd_kbench_report("ipc call+reply 0 B, process<->process, tracing on",
			 (uint64_t)info.exit_code, 1000);
}
