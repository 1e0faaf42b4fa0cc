/*
 * IPC between real user processes on every board: each test runs one of
 * the user/bin/ipc-* programs from the boot file system (they spawn their
 * own servers and clients) and passes if it exits normally with 0 failed
 * checks.  The programs print their own TAP lines.
 */
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/proc.h>

#define RUN_TIMEOUT_NS (60ull * 1000000000ull)

static vd_err_t run(const char *prog, const char *role,
		    struct vd_process_exit_info *info)
{
	const char *argv[] = {prog, role, NULL};
	vd_pid_t pid;
	vd_err_t err;

	vd_ipc_init();
	err = vd_spawn_from_bootfs(prog, argv, &pid);
	if (err == VD_OK)
		err = vd_process_wait(0, pid, RUN_TIMEOUT_NS, info);
	return err;
}

#define RUN_PROGRAM(prog, role)                                                \
	do {                                                                   \
		struct vd_process_exit_info info_;                             \
		struct vd_ipc_stats s0_, s1_;                                  \
		vd_ipc_get_stats(&s0_);                                        \
		KT_ASSERT_OK(run(prog, role, &info_));                         \
		KT_ASSERT_EQ(info_.exit_reason, VD_EXIT_NORMAL);               \
		KT_ASSERT_EQ(info_.exit_code, 0);                              \
		vd_ipc_get_stats(&s1_);                                        \
		KT_ASSERT_EQ(s1_.endpoints, s0_.endpoints);                    \
		KT_ASSERT_EQ(s1_.channels, s0_.channels);                      \
		KT_ASSERT_EQ(s1_.regions, s0_.regions);                        \
		KT_ASSERT_EQ(s1_.region_frames, s0_.region_frames);            \
		KT_ASSERT_EQ(s1_.pending_replies, s0_.pending_replies);        \
		KT_ASSERT_EQ(s1_.queued_messages, s0_.queued_messages);        \
	} while (0)

VD_KTEST(ipc_user_pingpong)
{
	RUN_PROGRAM("ipc-test", "pingpong");
}

VD_KTEST(ipc_user_timeouts)
{
	RUN_PROGRAM("ipc-test", "timeouts");
}

VD_KTEST(ipc_user_close_mid_call)
{
	RUN_PROGRAM("ipc-test", "close");
}

VD_KTEST(ipc_user_server_killed_mid_call)
{
	RUN_PROGRAM("ipc-kill", "driver");
}

VD_KTEST(ipc_user_regions)
{
	RUN_PROGRAM("ipc-region", "driver");
}

/* Hostile inputs from a syscall audit: shared regions against mmap,
 * a bad header buffer, a thread without room for its capability, an
 * undelivered large message, a channel from someone else's endpoint. */
VD_KTEST(ipc_user_hostile_inputs)
{
	RUN_PROGRAM("guard", "driver");
}

/* Sequences a random-syscall fuzzer found (issue 11): provisional region
 * access used and passed on, a header buffer unmapped while its receive
 * waits, reply-and-receive on a dead endpoint, a receive on an endpoint
 * whose channels all closed. */
VD_KTEST(ipc_user_hostile_sequences)
{
	RUN_PROGRAM("ipc-hostile", "driver");
}

/* Fast-path waits (IPC and yield keep no kernel frames) ended by a
 * timeout, a kill, a message from the general path. */
VD_KTEST(ipc_user_fastpath_waits)
{
	RUN_PROGRAM("ipc-fast", "driver");
}
