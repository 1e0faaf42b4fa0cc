/*
 * Processes: the process table, create / start / terminate / wait, and the
 * end of a process when its last thread exits.
 *
 * Locking: proc_lock protects the table, parent/child links, process
 * states, thread lists and exit information.  It is taken before the
 * scheduler lock, never after.  A parent sleeping in wait does so under
 * the scheduler lock on p->waiters; the exiting side sets ZOMBIE (under
 * proc_lock) and only then wakes the waiters (under the scheduler lock),
 * so the wake-up cannot be missed.
 *
 * References: the table holds one until the process is reaped; each
 * thread holds one for as long as its struct lives; lookups take
 * temporary ones.  The struct is freed at zero.  Everything heavy (page
 * tables, frames, capability space) goes at teardown, when the last
 * thread exits, not at the last put.
 */
#include <veridian/cap.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/smp.h>
#include <veridian/string.h>
#include <veridian/thread.h>
#include <veridian/trace.h>

#include "proc_internal.h"

static struct vd_spinlock proc_lock = VD_SPINLOCK_INIT;
static struct vd_list proc_table = VD_LIST_INIT(proc_table);
/* System calls of processes reaped from the table (proc lock). */
static uint64_t retired_syscalls;
static uint64_t next_pid = 1;
static unsigned live_procs;

hal_irqstate_t proc_lock_take(void)
{
	return vd_spin_lock_irqsave(&proc_lock);
}

void proc_lock_give(hal_irqstate_t st)
{
	vd_spin_unlock_irqrestore(&proc_lock, st);
}

struct vd_process *proc_find_locked(vd_pid_t pid)
{
	VD_ASSERT_HELD(&proc_lock);
	struct vd_list *it;

	vd_list_for_each(it, &proc_table)
	{
		struct vd_process *p =
			VD_LIST_ENTRY(it, struct vd_process, table_link);
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

void proc_get_ref(struct vd_process *p)
{
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
}

struct vd_process *vd_process_get(vd_pid_t pid)
{
	hal_irqstate_t st = proc_lock_take();
	struct vd_process *p = proc_find_locked(pid);

	if (p)
		proc_get_ref(p);
	proc_lock_give(st);
	return p;
}

void vd_process_put(struct vd_process *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		vd_limits_leave(p->limits);
		vd_kfree(p);
		__atomic_fetch_sub(&live_procs, 1, __ATOMIC_RELAXED);
	}
}

uint64_t vd_proc_syscalls_total(void)
{
	hal_irqstate_t st = proc_lock_take();
	uint64_t n = __atomic_load_n(&retired_syscalls, __ATOMIC_RELAXED);
	struct vd_list *it;

	vd_list_for_each(it, &proc_table)
	{
		const struct vd_process *p =
			VD_LIST_ENTRY(it, struct vd_process, table_link);
		n += __atomic_load_n(&p->usage.syscalls, __ATOMIC_RELAXED);
	}
	proc_lock_give(st);
	return n;
}

unsigned vd_process_count(void)
{
	return __atomic_load_n(&live_procs, __ATOMIC_RELAXED);
}

struct vd_process *vd_current_process(void)
{
	struct vd_thread *t = vd_current_thread();

	return t ? t->proc : NULL;
}

const char *vd_exit_reason_name(enum vd_exit_reason r)
{
	static const char *const names[] = {"exit", "killed", "fault",
					    "exception", "out-of-memory"};

	return (unsigned)r < VD_ARRAY_SIZE(names) ? names[r] : "?";
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

struct vd_process *proc_alloc(const char *name)
{
	struct vd_process *p = vd_kzalloc(sizeof(*p));

	proc_register_dump();
	proc_register_cap_hooks();
	if (!p)
		return NULL;
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	vd_strlcpy(p->name, name && *name ? name : "?", sizeof(p->name));
	p->state = VD_PROC_CREATED;
	p->refs = 1; /* the table's */
	vd_list_init(&p->children);
	vd_list_init(&p->sibling_link);
	vd_list_init(&p->table_link);
	vd_list_init(&p->threads);
	vd_list_init(&p->regions);
	vd_spin_init(&p->vm_lock);
	vd_waitqueue_init(&p->waiters);
	__atomic_fetch_add(&live_procs, 1, __ATOMIC_RELAXED);
	return p;
}

/* Undo a creation that failed before the process became visible. */
void proc_discard(struct vd_process *p)
{
	vd_uvm_destroy(p);
	proc_caps_destroy(p);
	vd_process_put(p);
}

vd_err_t proc_caps_create(struct vd_process *p)
{
	vd_err_t err = vd_limits_charge(p->limits, VD_LIMIT_CAP_SLOTS,
					VD_CAP_DEFAULT_SLOTS);

	if (!err) {
		err = vd_cap_space_create(VD_CAP_DEFAULT_SLOTS, &p->caps);
		if (err)
			vd_limits_uncharge(p->limits, VD_LIMIT_CAP_SLOTS,
					   VD_CAP_DEFAULT_SLOTS);
	}
	return err;
}

void proc_caps_destroy(struct vd_process *p)
{
	if (!p->caps)
		return;
	vd_limits_uncharge(p->limits, VD_LIMIT_CAP_SLOTS,
			   vd_cap_space_capacity(p->caps));
	vd_cap_space_destroy(p->caps);
	p->caps = NULL;
}

/* Make a fully built process visible: table, parent's child list. */
void proc_publish(struct vd_process *p, struct vd_process *parent)
{
	hal_irqstate_t st = proc_lock_take();

	p->parent = parent;
	if (parent)
		vd_list_add_tail(&parent->children, &p->sibling_link);
	vd_list_add_tail(&proc_table, &p->table_link);
	proc_lock_give(st);
}

/*
 * p's thread list holds a reference on each thread, so that teardown and
 * the dump can walk it safely.  Threads that are finished (dead, joined,
 * off every CPU) leave it here: after a join, and whenever a thread is
 * added, so that a process that keeps making and joining threads does
 * not keep their stacks.  Process lock held.
 */
static void proc_forget_finished_locked(struct vd_process *p)
{
	VD_ASSERT_HELD(&proc_lock);
	struct vd_list *it, *tmp;

	vd_list_for_each_safe(it, tmp, &p->threads)
	{
		struct vd_thread *t =
			VD_LIST_ENTRY(it, struct vd_thread, proc_link);
		if (t != vd_current_thread() && vd_thread_finished(t)) {
			vd_list_remove(&t->proc_link);
			vd_thread_put(t);
		}
	}
}

void vd_proc_forget_finished(struct vd_process *p)
{
	hal_irqstate_t st = proc_lock_take();

	proc_forget_finished_locked(p);
	proc_lock_give(st);
}

vd_err_t vd_proc_add_thread(struct vd_process *p, struct vd_thread *t,
			    bool start)
{
	hal_irqstate_t st = proc_lock_take();
	bool running = p->state == VD_PROC_RUNNING;

	if (p->state == VD_PROC_EXITING || p->state == VD_PROC_ZOMBIE) {
		proc_lock_give(st);
		return VD_ERR_BUSY;
	}
	proc_ipc_thread_init(t);
	proc_forget_finished_locked(p);
	vd_list_add_tail(&p->threads, &t->proc_link);
	vd_thread_ref(t); /* the list's: see proc_forget_finished_locked */
	p->live_threads++;
	p->usage.threads_created++;
	proc_lock_give(st);
	if (running && start)
		vd_schedule_thread(t->tid, t->se.prio);
	return VD_OK;
}

vd_err_t vd_process_start(vd_pid_t pid)
{
	hal_irqstate_t st = proc_lock_take();
	struct vd_process *p = proc_find_locked(pid);
	struct vd_list *it;
	vd_err_t err = VD_OK;

	if (!p || p->reaped) {
		err = VD_ERR_NOT_FOUND;
	} else if (p->state != VD_PROC_CREATED) {
		err = VD_ERR_BUSY;
	} else {
		p->state = VD_PROC_RUNNING;
		vd_list_for_each(it, &p->threads)
		{
			struct vd_thread *t =
				VD_LIST_ENTRY(it, struct vd_thread, proc_link);
			vd_schedule_thread(t->tid, t->se.prio);
		}
	}
	proc_lock_give(st);
	return err;
}

/* ------------------------------------------------------------------ */
/* The end of a process                                                */
/* ------------------------------------------------------------------ */

/*
 * The process is gone for good: out of the table, and every capability to
 * it revoked in every space (the parent's, copies passed on), so that no
 * slot keeps naming it.  The one place where a process stops existing by
 * its pid (proc_lock held; the capability lock comes after it).
 */
void proc_reap_locked(struct vd_process *p)
{
	VD_ASSERT_HELD(&proc_lock);
	VD_ASSERT(!p->reaped);
	__atomic_store_n(&p->reaped, true, __ATOMIC_RELEASE);
	vd_cap_revoke_object(VD_OBJ_PROCESS, p->pid);
	__atomic_fetch_add(&retired_syscalls, p->usage.syscalls,
			   __ATOMIC_RELAXED);
	vd_list_remove(&p->table_link);
	vd_list_remove(&p->sibling_link);
	vd_process_put(p); /* the table's reference */
}

/* Wake whoever waits for p (parents in vd_process_wait_deliver). */
static void wake_waiters(struct vd_process *p)
{
	vd_sched_lock_state_t ss = vd_sched_lock();

	vd_sched_wake_all_locked(&p->waiters);
	vd_sched_unlock(ss);
}

/*
 * Release everything but the struct: address space and frames,
 * capability space.  Runs in the last thread of p (or in the killer, for a
 * process that never started), never concurrently with p's threads.
 */
static void teardown(struct vd_process *p)
{
	struct vd_list *it;
	hal_irqstate_t st;

	VD_TRACE_EVENT(VD_TRACE_PROC_EXIT, p->pid,
		       (uint64_t)(int64_t)p->exit_code);
	/* other threads are dead; wait until none still runs its last
	 * instructions on another CPU with our page table loaded */
	st = proc_lock_take();
	vd_list_for_each(it, &p->threads)
	{
		struct vd_thread *t =
			VD_LIST_ENTRY(it, struct vd_thread, proc_link);
		while (t != vd_current_thread() &&
		       __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			vd_cpu_relax();
	}
	proc_lock_give(st);

	proc_ipc_exit(p);
	vd_sched_leave_address_space(p);
	vd_uvm_destroy(p);
	proc_caps_destroy(p);

	/* children nobody started die with us (nobody else could start
	 * them: the capabilities to them were ours) */
	for (;;) {
		struct vd_process *victim = NULL;

		st = proc_lock_take();
		vd_list_for_each(it, &p->children)
		{
			struct vd_process *c = VD_LIST_ENTRY(
				it, struct vd_process, sibling_link);
			if (c->state == VD_PROC_CREATED) {
				victim = c;
				proc_get_ref(c);
				break;
			}
		}
		proc_lock_give(st);
		if (!victim)
			break;
		vd_process_kill(victim, -1, VD_EXIT_KILLED);
		vd_process_put(victim);
	}

	st = proc_lock_take();
	p->state = VD_PROC_ZOMBIE;
	/* running children outlive us as orphans, reaped when they end */
	while (!vd_list_empty(&p->children)) {
		struct vd_process *c = VD_LIST_ENTRY(
			p->children.next, struct vd_process, sibling_link);
		vd_list_remove(&c->sibling_link);
		c->parent = NULL;
		c->orphan = true;
		if (c->state == VD_PROC_ZOMBIE)
			proc_reap_locked(c);
	}
	/* threads: nobody joins them any more, and the list lets go of
	 * them (the others are off every CPU by now, see above; this one
	 * keeps its own reference while it runs) */
	while (!vd_list_empty(&p->threads)) {
		struct vd_thread *t = VD_LIST_ENTRY(
			p->threads.next, struct vd_thread, proc_link);
		vd_list_remove(&t->proc_link);
		vd_thread_detach(t);
		vd_thread_put(t);
	}
	if (p->orphan)
		proc_reap_locked(p);
	proc_lock_give(st);
	wake_waiters(p);
}

void vd_proc_thread_exit(struct vd_thread *t, int code)
{
	struct vd_process *p = t->proc;
	hal_irqstate_t st = proc_lock_take();
	bool last;

	p->usage.cpu_time_ns += t->cpu_time_ns;
	p->usage.context_switches += t->switches;
	last = --p->live_threads == 0;
	if (last) {
		if (!p->exit_set) {
			p->exit_set = true;
			p->exit_code = code;
			p->exit_reason = VD_EXIT_NORMAL;
		}
		p->state = VD_PROC_EXITING;
	}
	proc_lock_give(st);
	if (last)
		teardown(p);
}

vd_err_t vd_process_kill(struct vd_process *p, int exit_code,
			 enum vd_exit_reason reason)
{
	struct vd_thread *self = vd_current_thread();
	hal_irqstate_t st = proc_lock_take();
	bool never_ran = false, suicide;
	struct vd_list *it, *tmp;

	suicide = self && self->proc == p;
	if (p->reaped || p->state == VD_PROC_ZOMBIE) {
		proc_lock_give(st);
		return VD_ERR_NOT_FOUND;
	}
	if (!p->exit_set) {
		p->exit_set = true;
		p->exit_code = exit_code;
		p->exit_reason = reason;
	}
	if (p->state == VD_PROC_CREATED) {
		/* no thread ever ran: discard them here */
		never_ran = true;
		p->state = VD_PROC_EXITING;
		vd_list_for_each_safe(it, tmp, &p->threads)
		{
			struct vd_thread *t =
				VD_LIST_ENTRY(it, struct vd_thread, proc_link);
			p->live_threads--;
			vd_thread_discard_unstarted(t);
		}
	} else {
		vd_sched_lock_state_t ss = vd_sched_lock();
		vd_list_for_each(it, &p->threads) vd_thread_kill_locked(
			VD_LIST_ENTRY(it, struct vd_thread, proc_link));
		vd_sched_unlock(ss);
	}
	proc_lock_give(st);
	if (never_ran)
		teardown(p);
	if (suicide)
		vd_thread_exit(exit_code);
	return VD_OK;
}

vd_err_t vd_process_terminate(vd_pid_t pid, int exit_code)
{
	struct vd_process *p = vd_process_get(pid);
	vd_err_t err;

	if (!p)
		return VD_ERR_NOT_FOUND;
	if (p == vd_current_process()) {
		/* Terminating ourselves does not return, so the lookup's
		 * reference must go first: this thread's own reference keeps
		 * p alive until its struct is freed (a put after the kill
		 * would never run, and p would leak past its reaping). */
		VD_ASSERT(__atomic_load_n(&p->refs, __ATOMIC_RELAXED) >= 2);
		vd_process_put(p);
		return vd_process_kill(p, exit_code, VD_EXIT_KILLED);
	}
	err = vd_process_kill(p, exit_code, VD_EXIT_KILLED);
	vd_process_put(p);
	return err;
}

/* Can a waiter stop sleeping: p ended and no other wait is delivering
 * its exit, or p is gone? */
static bool wait_over(struct vd_process *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == VD_PROC_ZOMBIE &&
	       (!__atomic_load_n(&p->collecting, __ATOMIC_ACQUIRE) ||
		__atomic_load_n(&p->reaped, __ATOMIC_ACQUIRE));
}

/*
 * The exit of p is consumed only by a wait that delivered it: the wait
 * claims the zombie (collecting), copies the information out with no
 * lock held (a copy to user memory may fault, and the buffer may be
 * unmapped by another thread at any moment, so no check beforehand can
 * promise the copy will work), and reaps p only if the copy succeeded.
 * A failed copy gives the claim back and wakes the other waiters: the
 * exit stays for the next wait.
 */
vd_err_t vd_process_wait_deliver(vd_pid_t parent, vd_pid_t child,
				 uint64_t timeout_ns,
				 vd_exit_deliver_fn deliver, void *arg)
{
	uint64_t deadline = vd_deadline_after(hal_timer_now_ns(), timeout_ns);
	hal_irqstate_t st = proc_lock_take();
	struct vd_process *p = proc_find_locked(child);
	struct vd_process_exit_info info;
	vd_sched_lock_state_t ss;
	vd_err_t err = VD_OK;

	if (!p || p->reaped) {
		proc_lock_give(st);
		return VD_ERR_NOT_FOUND;
	}
	if (parent ? !p->parent || p->parent->pid != parent
		   : p->parent || p->orphan) {
		proc_lock_give(st);
		return VD_ERR_PERMISSION_DENIED;
	}
	proc_get_ref(p);
	proc_lock_give(st);

	for (;;) {
		ss = vd_sched_lock();
		while (!wait_over(p) && err == VD_OK)
			err = vd_sched_wait_locked(&p->waiters, VD_BLOCK_CHILD,
						   deadline);
		vd_sched_unlock(ss);
		if (!wait_over(p))
			break; /* timed out, or we are being killed */

		st = proc_lock_take();
		if (p->reaped) {
			proc_lock_give(st);
			err = VD_ERR_NOT_FOUND; /* another waiter was first */
			break;
		}
		if (p->collecting) { /* claimed since: wait for its outcome */
			proc_lock_give(st);
			if (err)
				break;
			continue;
		}
		__atomic_store_n(&p->collecting, true, __ATOMIC_RELEASE);
		info.process_id = p->pid;
		info.exit_code = p->exit_code;
		info.exit_reason = p->exit_reason;
		info.resource_usage = p->usage;
		proc_lock_give(st);

		err = deliver ? deliver(arg, &info) : VD_OK;

		st = proc_lock_take();
		__atomic_store_n(&p->collecting, false, __ATOMIC_RELEASE);
		/* delivered: reap (revokes every capability to it); not
		 * delivered but detached meanwhile (proc_last_cap_gone left
		 * it to us): nobody can wait for it any more, reap too */
		if (!p->reaped && (err == VD_OK || p->orphan))
			proc_reap_locked(p);
		proc_lock_give(st);
		wake_waiters(p); /* NotFound, or their turn to try */
		break;
	}
	vd_process_put(p);
	return err;
}

static vd_err_t deliver_to_kernel(void *arg,
				  const struct vd_process_exit_info *info)
{
	if (arg)
		*(struct vd_process_exit_info *)arg = *info;
	return VD_OK;
}

vd_err_t vd_process_wait(vd_pid_t parent, vd_pid_t child, uint64_t timeout_ns,
			 struct vd_process_exit_info *info)
{
	return vd_process_wait_deliver(parent, child, timeout_ns,
				       deliver_to_kernel, info);
}
