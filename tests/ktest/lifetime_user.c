/*
 * Object lifetimes against capabilities, from user space on every board
 * (issue 11, items 8 and 6): user/bin/lifetime makes and drops thousands
 * of threads, endpoints and channels in one 256-slot capability space,
 * destroys objects others hold copies of, and drops children, running
 * and unstarted.  It prints its own TAP lines; this test checks that it
 * passed and that the kernel's capabilities, object records, IPC
 * objects, processes and threads all come back to their baseline (the
 * dropped "sleeper" child is reaped by itself when it ends).
 */
#include <veridian/cap.h>
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

#define MS	    1000000ull
#define RUN_TIMEOUT (120000 * MS)

VD_KTEST(lifetime_user_caps_follow_objects)
{
	static const char *const argv[] = {"lifetime", NULL};
	struct vd_process_exit_info info;
	struct vd_cap_stats c0, c1;
	struct vd_ipc_stats i0, i1;
	unsigned procs, threads;
	vd_pid_t pid;

	vd_ipc_init();
	vd_cap_get_stats(&c0);
	vd_ipc_get_stats(&i0);
	procs = vd_process_count();
	threads = vd_thread_count();

	KT_ASSERT_OK(vd_spawn_from_bootfs("lifetime", argv, &pid));
	KT_ASSERT_OK(vd_process_wait(0, pid, RUN_TIMEOUT, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0);
	/* 2000 joined threads, one that ran on, the driver's own */
	KT_ASSERT(info.resource_usage.threads_created >= 2002);

	/* the detached sleeper ends within 20 ms of its start */
	for (int i = 0; i < 500 && (vd_process_count() != procs ||
				    vd_thread_count() != threads);
	     i++)
		vd_sleep_ns(10 * MS);
	KT_ASSERT_EQ(vd_process_count(), procs);
	KT_ASSERT_EQ(vd_thread_count(), threads);

	vd_cap_get_stats(&c1);
	KT_ASSERT_EQ(c1.spaces, c0.spaces);
	KT_ASSERT_EQ(c1.caps, c0.caps);
	KT_ASSERT_EQ(c1.objects, c0.objects);
	/* thousands of capabilities were made and all went */
	KT_ASSERT(c1.created - c0.created >= 6000);
	KT_ASSERT_EQ(c1.created - c0.created, c1.revoked - c0.revoked);

	vd_ipc_get_stats(&i1);
	KT_ASSERT_EQ(i1.endpoints, i0.endpoints);
	KT_ASSERT_EQ(i1.channels, i0.channels);
	KT_ASSERT_EQ(i1.pending_replies, i0.pending_replies);
	KT_ASSERT_EQ(i1.queued_messages, i0.queued_messages);
}
