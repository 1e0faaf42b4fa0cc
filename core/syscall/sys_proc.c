/*
 * Process and thread syscalls.
 *
 *   exit(code)                                   never returns
 *   process_create(&args, &cap_out)              -> pid
 *   process_start(proc_cap)            EXECUTE   -> 0
 *   process_wait(proc_cap, &info, timeout_ns)    READ, parent only -> 0
 *   process_terminate(proc_cap, code)  DELETE    -> 0 (or never returns)
 *   process_limits(proc_cap, &new or 0, &out or 0)
 *                                      WRITE to lower, READ to read -> 0
 *   thread_create(proc_cap, entry, stack, stack_size, arg, &cap_out)
 *                                      EXECUTE, own process -> tid
 *   thread_exit(code)                            never returns
 *   thread_join(thread_cap, timeout_ns, &code)   READ -> 0
 *   thread_yield()  thread_sleep(ns)             -> 0
 *
 * Output pointers are probed (written) before anything irreversible
 * happens, so a bad pointer fails the call early.  A probe is no promise
 * (another thread may unmap the buffer right after it), so what a call
 * consumes is consumed only after the copy out worked: a wait or join
 * whose copy fails keeps the exit for the next one (vd_process_wait_
 * deliver, vd_thread_join_deliver), and a capability minted for a token
 * that cannot be handed out is revoked.
 */
#include <veridian/sched.h>
#include <veridian/thread.h>

#include "syscall_internal.h"

#define THREAD_CAP_RIGHTS                                                      \
	(VD_RIGHT_READ | VD_RIGHT_WRITE | VD_RIGHT_DELETE | VD_RIGHT_GRANT)

SYSCALL(sys_exit)
{
	(void)ctx;
	(void)ret;
	vd_process_kill(vd_current_process(), (int)a[0], VD_EXIT_NORMAL);
	return VD_ERR_BUSY; /* not reached */
}

SYSCALL(sys_process_create)
{
	struct vd_process_create_args args;
	vd_cap_token_t token = 0;
	vd_pid_t pid;
	vd_err_t err;

	(void)ctx;
	/* no token out: the child's capability would sit in a slot under a
	 * token nobody saw, and nobody could start or wait for it */
	if (!a[1])
		return VD_ERR_INVALID_PARAMETER;
	err = vd_copy_from_user(&args, (const void *)(uintptr_t)a[0],
				sizeof(args));
	if (!err)
		err = vd_user_probe_out(a[1], sizeof(token));
	if (!err)
		err = vd_process_create_from_user(&args, &pid, &token);
	if (err)
		return err;
	err = sys_put_token_or_revoke(vd_current_process(), a[1], token);
	if (err) {
		/* The pointer went away meanwhile: undo the rest too -- the
		 * child, which never ran (so it dies at once), reaped so that
		 * no zombie is left behind. */
		struct vd_process *self = vd_current_process();
		struct vd_process_exit_info info;

		vd_process_terminate(pid, -1);
		vd_process_wait(self->pid, pid, 1000000000ull /* 1 s */, &info);
		return err;
	}
	*ret = pid;
	return VD_OK;
}

SYSCALL(sys_process_start)
{
	struct vd_capability c;
	vd_err_t err = sys_cap(a[0], VD_OBJ_PROCESS, VD_RIGHT_EXECUTE, &c);

	(void)ctx;
	if (!err)
		err = vd_process_start(c.object_id);
	*ret = 0;
	return err;
}

/* Copy the exit information to the user buffer (arg, 0 = not wanted). */
static vd_err_t put_exit_info(void *arg,
			      const struct vd_process_exit_info *info)
{
	if (!arg)
		return VD_OK;
	return vd_copy_to_user(arg, info, sizeof(*info));
}

SYSCALL(sys_process_wait)
{
	struct vd_capability c;
	vd_err_t err = sys_cap(a[0], VD_OBJ_PROCESS, VD_RIGHT_READ, &c);

	(void)ctx;
	/* a bad buffer fails before the wait; one unmapped during it fails
	 * the copy, and then the child is not reaped (its exit is kept) */
	if (!err && a[1])
		err = vd_user_probe_out(a[1],
					sizeof(struct vd_process_exit_info));
	if (!err)
		err = vd_process_wait_deliver(vd_current_process()->pid,
					      c.object_id, a[2], put_exit_info,
					      (void *)(uintptr_t)a[1]);
	*ret = 0;
	return err;
}

SYSCALL(sys_process_terminate)
{
	struct vd_capability c;
	vd_err_t err = sys_cap(a[0], VD_OBJ_PROCESS, VD_RIGHT_DELETE, &c);

	(void)ctx;
	if (!err)
		err = vd_process_terminate(c.object_id, (int)a[1]);
	*ret = 0;
	return err;
}

/*
 * Lower (a[1]: the limit[] of a struct vd_limits_info; usage[] is
 * ignored) and/or read (a[2]) the limits of the process a[0] names.
 * Lowering needs WRITE, reading READ; a value above the current limit
 * fails the whole call with PermissionDenied (limits never go up).  The
 * read comes after the change.
 */
SYSCALL(sys_process_limits)
{
	struct vd_limits_info want, info;
	struct vd_process *p = NULL;
	struct vd_capability c;
	uint32_t rights =
		(a[1] ? VD_RIGHT_WRITE : 0) | (a[2] ? VD_RIGHT_READ : 0);
	vd_err_t err;

	(void)ctx;
	*ret = 0;
	if (!rights)
		return VD_ERR_INVALID_PARAMETER;
	err = sys_cap(a[0], VD_OBJ_PROCESS, rights, &c);
	if (!err && a[1])
		err = vd_copy_from_user(&want, (const void *)(uintptr_t)a[1],
					sizeof(want));
	if (!err && a[2])
		err = vd_user_probe_out(a[2], sizeof(info));
	if (!err) {
		p = vd_process_get(c.object_id);
		if (!p)
			err = VD_ERR_NOT_FOUND;
	}
	if (!err && a[1])
		err = vd_limits_lower(p->limits, want.limit);
	if (!err && a[2]) {
		err = vd_limits_read(p->limits, &info);
		if (!err)
			err = vd_copy_to_user((void *)(uintptr_t)a[2], &info,
					      sizeof(info));
	}
	vd_process_put(p);
	return err;
}

SYSCALL(sys_thread_create)
{
	struct vd_process *self = vd_current_process();
	struct vd_capability c;
	vd_tid_t tid;
	vd_err_t err = sys_cap(a[0], VD_OBJ_PROCESS, VD_RIGHT_EXECUTE, &c);

	(void)ctx;
	if (err)
		return err;
	if (c.object_id != self->pid)
		return VD_ERR_PERMISSION_DENIED;
	/* no token out: a capability nobody could name would keep the
	 * thread from being reaped (and its slot taken) until we exit */
	if (!a[5])
		return VD_ERR_INVALID_PARAMETER;
	err = vd_user_probe_out(a[5], sizeof(vd_cap_token_t));
	/* The thread runs only once its capability exists and is handed
	 * out: a failure after it was made takes it back unrun. */
	if (!err)
		err = vd_thread_create_held(self->pid, a[1], a[2], a[3], a[4],
					    &tid);
	if (err)
		return err;
	err = vd_cap_create(self->caps, VD_OBJ_THREAD, tid, THREAD_CAP_RIGHTS,
			    &c);
	if (!err)
		err = sys_put_token_or_revoke(self, a[5], c.token);
	if (err) {
		vd_thread_abandon(tid);
		return err;
	}
	vd_schedule_thread(tid, VD_PRIO_NORMAL);
	*ret = tid;
	return VD_OK;
}

SYSCALL(sys_thread_exit)
{
	(void)ctx;
	(void)ret;
	vd_thread_exit((int)a[0]);
}

/* Copy an exit code to the user pointer (arg, 0 = not wanted). */
static vd_err_t put_exit_code(void *arg, int code)
{
	int32_t code32 = code;

	if (!arg)
		return VD_OK;
	return vd_copy_to_user(arg, &code32, sizeof(code32));
}

SYSCALL(sys_thread_join)
{
	struct vd_capability c;
	vd_err_t err = sys_cap(a[0], VD_OBJ_THREAD, VD_RIGHT_READ, &c);

	(void)ctx;
	if (!err && a[2])
		err = vd_user_probe_out(a[2], sizeof(int32_t));
	/* reaped only once the code is out (see the top of this file) */
	if (!err)
		err = vd_thread_join_deliver(c.object_id, a[1], put_exit_code,
					     (void *)(uintptr_t)a[2]);
	if (!err) {
		/* the thread is gone: so is every capability to it (the
		 * reap revoked them all, in every space), and its stack */
		vd_proc_forget_finished(vd_current_process());
	}
	*ret = 0;
	return err;
}

SYSCALL(sys_thread_yield)
{
	(void)a;
	vd_sched_yield_syscall(ctx);
	*ret = 0;
	return VD_OK;
}

SYSCALL(sys_thread_sleep)
{
	(void)ctx;
	vd_sleep_ns(a[0]);
	*ret = 0;
	return VD_OK;
}
