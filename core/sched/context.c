/*
 * save_context / restore_context of the kernel API (thread.h): a stopped
 * user thread's full user context, by thread id, for a debugger-like
 * caller.
 *
 * Why the thread must be stopped: its user registers live in the struct
 * vd_cpu_context at the top of its kernel stack, which its own CPU
 * rewrites at every trap; and a thread blocked in a wait of its own may
 * have its registers written by its waker (an IPC delivery writes the
 * message registers, core/ipc/ipc_regs.h) without the scheduler lock.  A
 * held, suspended or never-started thread is in neither case, and the
 * scheduler lock, held across the copy, keeps it so.
 */
#include <veridian/fpu.h>
#include <veridian/kernel.h>
#include <veridian/proc.h>

#include "sched_internal.h"

/* Thread `tid`, if its user context may be read or written now. */
static struct vd_thread *stopped_locked(vd_tid_t tid, vd_err_t *err)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_thread *t = thread_find_locked(tid);

	if (!t) {
		*err = VD_ERR_NOT_FOUND;
	} else if (!t->proc || !t->uctx || t->state == VD_THREAD_DEAD) {
		*err = VD_ERR_INVALID_PARAMETER; /* no user context */
	} else if (!t->held && t->state != VD_THREAD_SUSPENDED &&
		   t->state != VD_THREAD_CREATED) {
		*err = VD_ERR_BUSY; /* runs, is ready, or in its own wait */
	} else if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
		/* stopped, but its CPU is still leaving its stack (the IPC
		 * fast path clears on_cpu without the lock, sched_fast.h) */
		*err = VD_ERR_BUSY;
	} else {
		*err = VD_OK;
	}
	return *err == VD_OK ? t : NULL;
}

vd_err_t vd_save_context(vd_tid_t tid, struct vd_thread_context *out)
{
	vd_err_t err = VD_ERR_INVALID_PARAMETER;
	vd_sched_lock_state_t st;
	struct vd_thread *t;

	if (!out)
		return err;
	st = vd_sched_lock();
	t = stopped_locked(tid, &err);
	if (t) {
		out->regs = *t->uctx;
		out->root = vd_process_root(t->proc);
		/* FP state: a stopped thread's is in its area (unloaded at
		 * its last switch-out, core/sched/fpu.c) */
		err = vd_fpu_state_get(t, out->fp, sizeof(out->fp));
	}
	vd_sched_unlock(st);
	return err;
}

/* May a thread of address space `root` be given the context c? */
static bool context_valid(const struct vd_thread_context *c, paddr_t root)
{
	vaddr_t pc = VD_CTX_PC(&c->regs), sp = VD_CTX_SP(&c->regs);

	return c->root == root && pc >= VD_USER_BASE && pc < hal_user_top() &&
	       sp <= hal_user_top();
}

vd_err_t vd_restore_context(vd_tid_t tid, const struct vd_thread_context *in)
{
	vd_err_t err = VD_ERR_INVALID_PARAMETER;
	vd_sched_lock_state_t st;
	struct vd_thread *t;

	if (!in)
		return err;
	/* FP state: the thread's area, allocated now if it has none (not
	 * under the scheduler lock) */
	t = vd_thread_get(tid);
	if (t) {
		err = t->proc ? vd_fpu_reserve(t) : VD_OK;
		vd_thread_put(t);
		if (err)
			return err;
	}
	st = vd_sched_lock();
	t = stopped_locked(tid, &err);
	if (t && (!context_valid(in, vd_process_root(t->proc)) ||
		  hal_fpu_area_check(in->fp) != VD_OK)) {
		err = VD_ERR_INVALID_PARAMETER;
	} else if (t) {
		*t->uctx = in->regs;
		/* the area exists (above) and the state passed its check:
		 * this cannot fail */
		err = vd_fpu_state_set(t, in->fp, sizeof(in->fp));
		VD_ASSERT(err == VD_OK);
		/* the return to user mode must reload every register, and
		 * sanitise pc and flags (hal.h, vd_syscall) */
		t->uctx_replaced = true;
	}
	vd_sched_unlock(st);
	return err;
}
