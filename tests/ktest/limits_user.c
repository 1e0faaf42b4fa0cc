/*
 * Per-process resource limits on every board (issue 11, item 6): runs
 * user/bin/limits (a child limited to a few endpoints is refused the
 * next one while others still make theirs; nobody raises a limit;
 * grandchildren inherit a lowered limit; a child trying to take the
 * whole endpoint table or all memory stops at its own limit) and checks
 * that every object and every limits node is gone afterwards.
 */
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/limits.h>
#include <veridian/proc.h>
#include <veridian/sched.h>

#define RUN_TIMEOUT_NS (120ull * 1000000000ull)

VD_KTEST(limits_user)
{
	static const char *const argv[] = {"limits", NULL};
	struct vd_process_exit_info info;
	struct vd_ipc_stats s0, s1;
	unsigned nodes = vd_limits_count(), procs = vd_process_count();
	vd_pid_t pid;

	vd_ipc_init();
	vd_ipc_get_stats(&s0);
	KT_ASSERT_OK(vd_spawn_from_bootfs("limits", argv, &pid));
	KT_ASSERT_OK(vd_process_wait(0, pid, RUN_TIMEOUT_NS, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0); /* failed checks */
	vd_ipc_get_stats(&s1);
	KT_ASSERT_EQ(s1.endpoints, s0.endpoints);
	KT_ASSERT_EQ(s1.channels, s0.channels);
	KT_ASSERT_EQ(s1.regions, s0.regions);
	/* the last structs go once their threads are off every CPU */
	for (int i = 0; i < 1000 && (vd_limits_count() != nodes ||
				     vd_process_count() != procs);
	     i++)
		vd_sleep_ns(1000000);
	KT_ASSERT_EQ(vd_process_count(), procs);
	KT_ASSERT_EQ(vd_limits_count(), nodes);
}
