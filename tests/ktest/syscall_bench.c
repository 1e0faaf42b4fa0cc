/*
 * Benchmarks of the syscall path, thread switching and process creation
 * (instructions per operation under -icount).
 *
 * The user-side loops are in user/bin/bench.c.  Each benchmark times the
 * whole life of a bench process twice, with N = 0 and with N = many, and
 * reports the difference divided by the operations: process creation,
 * loading and teardown cancel out, only the loop remains.
 */
#include <veridian/bootfs.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/proc.h>
#include <veridian/sched.h>

static uint64_t run_cycles(const char *const *argv, bool *ok)
{
	struct vd_process_exit_info info;
	const void *data;
	size_t size;
	vd_pid_t pid;
	uint64_t t0 = hal_cycles();
	vd_err_t err = vd_bootfs_find(argv[0], &data, &size);

	if (!err)
		err = vd_process_create(0, data, size, argv, NULL, NULL, 0,
					&pid, NULL);
	if (!err)
		err = vd_process_start(pid);
	if (!err)
		err = vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, &info);
	*ok = !err && info.exit_reason == VD_EXIT_NORMAL && info.exit_code == 0;
	return hal_cycles() - t0;
}

static void bench_loop(const char *what, const char *mode, const char *n,
		       uint64_t ops)
{
	const char *const zero[] = {"bench", mode, "0", NULL};
	const char *const many[] = {"bench", mode, n, NULL};
	bool ok0, ok1;
	uint64_t base = run_cycles(zero, &ok0);
	uint64_t full = run_cycles(many, &ok1);

	if (!ok0 || !ok1 || full < base) {
		kprintf("bench: %s: the bench process failed\n", what);
		return;
	}
	vd_kbench_report(what, full - base, ops);
}

VD_KBENCH(syscall_null)
{
	bench_loop("null syscall (SYS_NULL, user->kernel->user)", "null",
		   "20000", 20000);
}

VD_KBENCH(thread_yield_switch)
{
	/* two threads of one process, 10000 yields each: 20000 switches */
	bench_loop("thread yield-switch (2 threads, 1 process)", "yield",
		   "10000", 20000);
}

VD_KBENCH(process_create_wait)
{
	static const char *const argv[] = {"hello", NULL};
	const unsigned n = 20;
	uint64_t total = 0;
	bool ok = true;

	run_cycles(argv, &ok); /* warm the caches */
	for (unsigned i = 0; i < n && ok; i++)
		total += run_cycles(argv, &ok);
	if (ok)
		vd_kbench_report("process create+start+wait (hello ELF)", total,
				 n);
}
