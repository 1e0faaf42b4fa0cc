/*
 * IPC benchmarks between two user processes (user/bin/ipc-bench.c), run
 * in the qemu-bench ctest under -smp 1 -icount shift=0,sleep=off, where
 * the kernel's counter counts instructions.  The client measures its
 * loop and exits with the total; we report total / N.
 *
 * Goals (issue 5): a call+reply round trip at or under seL4's measured
 * 441 (x86_64), 514 (aarch64), 708 (riscv64) instructions.
 */
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/printf.h>
#include <veridian/proc.h>

static void bench(const char *mode, const char *what, uint64_t ops)
{
	const char *argv[] = {"ipc-bench", mode, NULL};
	struct vd_process_exit_info info;
	struct vd_ipc_stats s0, s1;
	vd_pid_t pid;
	vd_err_t err;

	vd_ipc_init();
	vd_ipc_get_stats(&s0);
	err = vd_spawn_from_bootfs("ipc-bench", argv, &pid);
	if (err == VD_OK)
		err = vd_process_wait(0, pid, 60ull * 1000000000ull, &info);
	if (err != VD_OK || info.exit_reason != VD_EXIT_NORMAL ||
	    info.exit_code <= 0) {
		kprintf("bench %s: failed (%s, exit %d)\n", what,
			vd_strerror(err), err ? 0 : (int)info.exit_code);
		return;
	}
	vd_ipc_get_stats(&s1);
	vd_kbench_report(what, (uint64_t)info.exit_code, ops);
	kprintf("bench %s: %llu of %llu messages on the fast path\n", what,
		(unsigned long long)(s1.fastpath_hits - s0.fastpath_hits),
		(unsigned long long)(s1.messages_sent - s0.messages_sent));
}

VD_KBENCH(ipc_user_call0)
{
	bench("call0", "ipc call+reply 0 B, process<->process", 1000);
}

/* Both sides use FP registers between calls (docs/fpu.md): each switch
 * saves the state of the side leaving and the other's first FP
 * instruction traps and loads its own. */
VD_KBENCH(ipc_user_call0_fp)
{
	bench("call0fp", "ipc call+reply 0 B, both sides using FP", 1000);
}

VD_KBENCH(ipc_user_call64)
{
	bench("call64", "ipc call+reply 64 B, process<->process", 1000);
}

VD_KBENCH(ipc_user_region)
{
	bench("region", "ipc 4 KiB region share+call+map+unmap", 200);
}
