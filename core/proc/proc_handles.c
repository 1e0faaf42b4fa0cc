/*
 * Processes and threads as capability holders: what happens when the
 * last capability to one goes (the hooks core/cap calls, see
 * vd_cap_set_gone_hook).  Split from proc.c, whose table, locks and
 * reaping they use through proc_internal.h.
 */
#include <veridian/cap.h>
#include <veridian/proc.h>
#include <veridian/thread.h>

#include "proc_internal.h"

/* ------------------------------------------------------------------ */
/* Handles: when the last capability goes                              */
/* ------------------------------------------------------------------ */

/*
 * Process `pid` lost its last capability held by anyone but itself (its
 * own space's capabilities to itself do not count: vd_cap_create_self).
 * Nobody can wait for it any more, so it is detached from its parent,
 * like an orphan: a zombie is reaped now, a running process runs on and
 * is reaped when it ends -- dropping a handle does not kill a program.
 * A process that never started, though, never will (starting takes a
 * capability), so it is killed and reaped.  Children of the kernel
 * (parent NULL) are waited for by pid, not through a capability: they
 * stay as they are.
 */
static void proc_last_cap_gone(uint64_t pid)
{
	hal_irqstate_t st = proc_lock_take();
	struct vd_process *p = proc_find_locked(pid), *victim = NULL;

	if (p && !p->reaped && p->parent) {
		vd_list_remove(&p->sibling_link);
		p->parent = NULL;
		p->orphan = true;
		if (p->state == VD_PROC_ZOMBIE) {
			/* a wait delivering its exit right now reaps it */
			if (!p->collecting)
				proc_reap_locked(p);
		} else if (p->state == VD_PROC_CREATED) {
			victim = p;
			proc_get_ref(p);
		}
	}
	proc_lock_give(st);
	if (victim) {
		vd_process_kill(victim, -1, VD_EXIT_KILLED);
		vd_process_put(victim);
	}
}

/*
 * User thread `tid` lost its last capability: nobody can join it, so it
 * is detached -- reaped now if it is dead, at its exit otherwise (it is
 * not stopped).  A process's main thread has no capability unless one is
 * made for it (SYS_CAPABILITY_CREATE); its process reaps it.
 */
static void thread_last_cap_gone(uint64_t tid)
{
	struct vd_thread *t = vd_thread_get(tid);

	if (!t)
		return;
	if (t->proc)
		vd_thread_detach(t);
	vd_thread_put(t);
}

void proc_register_cap_hooks(void)
{
	static bool done;

	if (!__atomic_exchange_n(&done, true, __ATOMIC_ACQ_REL)) {
		vd_cap_set_gone_hook(VD_OBJ_PROCESS, proc_last_cap_gone);
		vd_cap_set_gone_hook(VD_OBJ_THREAD, thread_last_cap_gone);
	}
}

/* ------------------------------------------------------------------ */
/* ThreadInfo through a Process capability                             */
/* ------------------------------------------------------------------ */

vd_err_t vd_process_thread_info(vd_pid_t pid, vd_tid_t tid,
				struct vd_thread_info *out)
{
	hal_irqstate_t st;
	struct vd_process *p;
	struct vd_list *it;
	vd_tid_t found = 0;
	vd_err_t err;

	if (!out)
		return VD_ERR_INVALID_PARAMETER;
	st = proc_lock_take();
	p = proc_find_locked(pid);
	/* a thread stays on p->threads until it is reaped; the main thread
	 * is found by pointer, never dereferenced unless still listed */
	if (p && !p->reaped) {
		vd_list_for_each(it, &p->threads)
		{
			struct vd_thread *t =
				VD_LIST_ENTRY(it, struct vd_thread, proc_link);
			if (tid ? t->tid == tid : t == p->main_thread) {
				found = t->tid;
				break;
			}
		}
	}
	proc_lock_give(st);
	if (!found)
		return VD_ERR_NOT_FOUND;
	err = vd_thread_get_info(found, out);
	/* tids are never reused (thread.c): a thread reaped meanwhile is
	 * NotFound, never another process's */
	if (!err && out->process_id != pid)
		err = VD_ERR_NOT_FOUND;
	return err;
}
