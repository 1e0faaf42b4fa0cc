/*
 * save_context / restore_context (thread.h, core/sched/context.c) as a
 * debugger uses them.  The debuggee, user/bin/spin.c "reg", spins on the
 * register of syscall argument 0 until it holds SPIN_REG_AFTER; only an
 * edit of its saved context can put it there.  This test stops it with
 * vd_block_thread (on another CPU where there is one, so the stop goes
 * through the reschedule IPI), reads its context, checks the register
 * and the address-space root, edits the register, writes the context
 * back, resumes it, and checks that the program exits with the new value.
 * save_context / restore_context are kernel calls: the API reference has
 * no syscall for them.
 */
#include <veridian/bootfs.h>
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

#define MS 1000000ull

/* user/bin/spin.c */
#define SPIN_REG_BEFORE 17
#define SPIN_REG_AFTER	42

/* Hold tid and read its context, once the hold has taken it off its
 * CPU (VD_ERR_BUSY until then). */
static vd_err_t stop_and_save(vd_tid_t tid, struct vd_thread_context *tc)
{
	vd_err_t err =
		vd_block_thread(tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE);

	if (err)
		return err;
	for (unsigned i = 0; i < 1000; i++) {
		err = vd_save_context(tid, tc);
		if (err != VD_ERR_BUSY)
			return err;
		vd_sleep_ns(MS); /* the hold has not taken it off yet */
	}
	return VD_ERR_BUSY;
}

VD_KTEST(sched_context_debugger)
{
	static const char *const argv[] = {"spin", "reg", NULL};
	struct vd_thread_context tc, bad, again;
	struct vd_process_exit_info info;
	struct vd_process *p;
	const void *elf;
	size_t size;
	vd_pid_t pid;
	vd_tid_t tid;
	paddr_t root;
	bool stopped_in_loop = false;

	KT_ASSERT_OK(vd_bootfs_find("spin", &elf, &size));
	KT_ASSERT_OK(vd_process_create(0, elf, size, argv, NULL, NULL, 0, &pid,
				       NULL));
	p = vd_process_get(pid);
	KT_ASSERT(p != NULL);
	tid = p->main_thread->tid;
	root = vd_process_root(p);
	vd_process_put(p);
	if (vd_cpus_online() > 1)
		KT_ASSERT_OK(vd_thread_set_affinity(
			tid, (vd_cpuset_t)1 << (hal_cpu_id() == 0 ? 1 : 0)));

	/* errors: no buffer, no thread, a kernel thread (ourselves) */
	KT_ASSERT_EQ(vd_save_context(tid, NULL), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_restore_context(tid, NULL), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_save_context(~0ull, &tc), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_save_context(vd_current_thread()->tid, &tc),
		     VD_ERR_INVALID_PARAMETER);
	/* a thread that never ran is stopped: its first context */
	KT_ASSERT_OK(vd_save_context(tid, &tc));
	KT_ASSERT_EQ(tc.root, root);

	KT_ASSERT_OK(vd_process_start(pid));
	/* stop it until it is caught inside its loop */
	for (unsigned tries = 0; tries < 100 && !stopped_in_loop; tries++) {
		vd_sleep_ns(2 * MS);
		KT_ASSERT_OK(stop_and_save(tid, &tc));
		stopped_in_loop =
			*vd_ctx_arg_slot(&tc.regs, 0) == SPIN_REG_BEFORE;
		if (!stopped_in_loop)
			KT_ASSERT_OK(vd_wake_thread(tid));
	}
	KT_ASSERT(stopped_in_loop);
	KT_ASSERT_EQ(tc.root, root); /* the portable cr3 */
	KT_ASSERT(VD_CTX_PC(&tc.regs) >= VD_USER_BASE &&
		  VD_CTX_PC(&tc.regs) < hal_user_top());

	/* contexts it may not have */
	bad = tc;
	bad.root = root + VD_PAGE_SIZE;
	KT_ASSERT_EQ(vd_restore_context(tid, &bad), VD_ERR_INVALID_PARAMETER);
	bad = tc;
	VD_CTX_PC(&bad.regs) = hal_user_top();
	KT_ASSERT_EQ(vd_restore_context(tid, &bad), VD_ERR_INVALID_PARAMETER);
	bad = tc;
	VD_CTX_SP(&bad.regs) = hal_user_top() + 16;
	KT_ASSERT_EQ(vd_restore_context(tid, &bad), VD_ERR_INVALID_PARAMETER);

	/* the edit */
	*vd_ctx_arg_slot(&tc.regs, 0) = SPIN_REG_AFTER;
	KT_ASSERT_OK(vd_restore_context(tid, &tc));
	KT_ASSERT_OK(vd_save_context(tid, &again));
	KT_ASSERT_EQ(*vd_ctx_arg_slot(&again.regs, 0), SPIN_REG_AFTER);
	KT_ASSERT_EQ(VD_CTX_PC(&again.regs), VD_CTX_PC(&tc.regs));
	KT_ASSERT_OK(vd_wake_thread(tid));

	KT_ASSERT_OK(vd_process_wait(0, pid, 5000 * MS, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, SPIN_REG_AFTER);
}

/* A running thread is refused, and a thread blocked in a wait of its own
 * too (its waker may write its registers): only a held one is read. */
VD_KTEST(sched_context_needs_a_stopped_thread)
{
	static const char *const argv[] = {"spin", NULL};
	static const char *const sleep_argv[] = {"spin", "sleep", NULL};
	struct vd_thread_context tc;
	struct vd_process *p;
	const void *elf;
	size_t size;
	vd_pid_t pid[2];
	vd_tid_t tid[2];
	vd_err_t err = VD_ERR_BUSY;

	KT_ASSERT_OK(vd_bootfs_find("spin", &elf, &size));
	for (unsigned i = 0; i < 2; i++) {
		KT_ASSERT_OK(vd_process_create(0, elf, size,
					       i ? sleep_argv : argv, NULL,
					       NULL, 0, &pid[i], NULL));
		p = vd_process_get(pid[i]);
		KT_ASSERT(p != NULL);
		tid[i] = p->main_thread->tid;
		vd_process_put(p);
		KT_ASSERT_OK(vd_process_start(pid[i]));
	}
	vd_sleep_ns(20 * MS);
	KT_ASSERT_EQ(vd_save_context(tid[0], &tc), VD_ERR_BUSY); /* runs */
	KT_ASSERT_EQ(vd_save_context(tid[1], &tc), VD_ERR_BUSY); /* sleeps */
	/* held while asleep: readable once its sleep ends (1 s at most) */
	KT_ASSERT_OK(
		vd_block_thread(tid[1], VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE));
	for (unsigned i = 0; i < 1500 && err == VD_ERR_BUSY; i++) {
		vd_sleep_ns(MS);
		err = vd_save_context(tid[1], &tc);
	}
	KT_ASSERT_OK(err);
	/* killing a held thread works */
	for (unsigned i = 0; i < 2; i++) {
		KT_ASSERT_OK(vd_process_terminate(pid[i], 0));
		KT_ASSERT_OK(vd_process_wait(0, pid[i], 5000 * MS, NULL));
	}
}
