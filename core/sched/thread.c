/*
 * Threads: the thread table, creation (kernel and user), exit, join,
 * ThreadInfo, and save/restore of the user context.
 *
 * Lifetime.  A thread struct carries two references from birth: the
 * table's (dropped when the thread is reaped: joined, or detached after
 * exit) and the running thread's own (dropped by the scheduler once the
 * dead thread is off the CPU, since only then is its stack unused).  A
 * user thread also has its process's thread list's (proc.c).
 * vd_thread_get() and vd_thread_ref() add others.  The last put frees the
 * kernel stack and the struct.  Reaping also revokes every capability to
 * the thread (thread_unlist_locked).
 */
#include <veridian/cap.h>
#include <veridian/fpu.h>
#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/string.h>

#include "sched_internal.h"

#define TABLE_BUCKETS 64

static struct vd_list thread_table[TABLE_BUCKETS];
static bool table_ready;
static uint64_t next_tid = 1;
static unsigned live_threads;

static struct vd_list *bucket(vd_tid_t tid)
{
	if (!table_ready) {
		for (unsigned i = 0; i < TABLE_BUCKETS; i++)
			vd_list_init(&thread_table[i]);
		table_ready = true;
	}
	return &thread_table[tid % TABLE_BUCKETS];
}

struct vd_thread *thread_find_locked(vd_tid_t tid)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_list *head = bucket(tid), *it;

	vd_list_for_each(it, head)
	{
		struct vd_thread *t =
			VD_LIST_ENTRY(it, struct vd_thread, table_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

void thread_table_insert_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	vd_list_add_tail(bucket(t->tid), &t->table_link);
}

/*
 * Out of the table: the thread is gone for good (joined, detached after
 * exit, or discarded unstarted), and so is every capability to it, in
 * every space (a user thread's; kernel threads have none).  The one
 * place where a thread stops existing by its id.
 */
static void thread_unlist_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	vd_list_remove(&t->table_link);
	if (t->proc)
		vd_cap_revoke_object(VD_OBJ_THREAD, t->tid);
}

void thread_reap_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	if (vd_list_empty(&t->table_link))
		return; /* already reaped */
	thread_unlist_locked(t);
	thread_put_locked(t);
}

void thread_free(struct vd_thread *t)
{
	vd_fpu_thread_free(t);
	if (t->kstack)
		vd_kfree(t->kstack);
	if (t->proc) {
		vd_limits_uncharge(t->proc->limits, VD_LIMIT_THREADS, 1);
		vd_process_put(t->proc);
	}
	vd_kfree(t);
	__atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
}

void thread_put_locked(struct vd_thread *t)
{
	VD_DEBUG_ASSERT(__atomic_load_n(&t->refs, __ATOMIC_RELAXED) != 0);
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		thread_free(t);
}

struct vd_thread *thread_alloc(const char *name, unsigned prio, bool with_stack)
{
	struct vd_thread *t = vd_kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	if (with_stack) {
		if (vd_heap_alloc(VD_KSTACK_SIZE, VD_KSTACK_SIZE, &t->kstack) !=
		    VD_OK) {
			vd_kfree(t);
			return NULL;
		}
		((uint64_t *)t->kstack)[0] = STACK_CANARY;
		((struct vd_thread **)t->kstack)[1] = t;
	}
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	vd_strlcpy(t->name, name ? name : "?", sizeof(t->name));
	vd_se_init(&t->se, prio <= VD_PRIO_MAX ? prio : VD_PRIO_NORMAL);
	t->state = VD_THREAD_CREATED;
	t->cpu = hal_cpu_id();
	t->affinity = VD_CPUSET_ALL;
	vd_list_init(&t->wait_link);
	vd_list_init(&t->table_link);
	vd_list_init(&t->proc_link);
	vd_waitqueue_init(&t->joiners);
	t->refs = 2; /* table + alive */
	__atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
	return t;
}

unsigned vd_thread_count(void)
{
	return __atomic_load_n(&live_threads, __ATOMIC_RELAXED);
}

struct vd_thread *vd_thread_get(vd_tid_t tid)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	struct vd_thread *t = thread_find_locked(tid);

	if (t)
		__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
	vd_sched_unlock(st);
	return t;
}

void vd_thread_put(struct vd_thread *t)
{
	vd_sched_lock_state_t st;

	if (!t)
		return;
	st = vd_sched_lock();
	thread_put_locked(t);
	vd_sched_unlock(st);
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

static void kthread_entry(void *arg)
{
	struct vd_thread *t = arg;

	sched_thread_first_run();
	hal_irq_local_enable();
	t->kentry(t->karg);
	vd_thread_exit(0);
}

vd_err_t vd_kthread_create(const char *name, void (*fn)(void *), void *arg,
			   unsigned prio, bool start, struct vd_thread **out)
{
	struct vd_thread *t;
	vd_sched_lock_state_t st;

	if (!fn || prio > VD_PRIO_MAX)
		return VD_ERR_INVALID_PARAMETER;
	if (!vd_sched_ready())
		return VD_ERR_BUSY;
	t = thread_alloc(name, prio, true);
	if (!t)
		return VD_ERR_OUT_OF_MEMORY;
	t->kentry = fn;
	t->karg = arg;
	t->ksp = hal_kstack_init(vd_thread_kstack_top(t), kthread_entry, t);
	st = vd_sched_lock();
	thread_table_insert_locked(t);
	if (start)
		sched_make_ready_locked(t);
	vd_sched_unlock(st);
	if (out)
		*out = t;
	return VD_OK;
}

static void uthread_entry(void *arg)
{
	struct vd_thread *t = arg;

	sched_thread_first_run();
	if (t->kill_pending)
		vd_thread_exit(0);
	hal_return_to_user(t->uctx);
}

/*
 * A user thread of p, entering user mode at pc with the given sp and
 * argument registers.  Not yet in p's thread list nor in the table.
 */
static vd_err_t uthread_alloc(struct vd_process *p, vaddr_t pc, vaddr_t sp,
			      uint64_t arg0, uint64_t arg1,
			      struct vd_thread **out)
{
	vd_err_t err = vd_limits_charge(p->limits, VD_LIMIT_THREADS, 1);
	struct vd_thread *t;
	uintptr_t top;

	if (err)
		return err;
	t = thread_alloc(p->name, VD_PRIO_NORMAL, true);
	if (!t) {
		vd_limits_uncharge(p->limits, VD_LIMIT_THREADS, 1);
		return VD_ERR_OUT_OF_MEMORY;
	}
	t->proc = p; /* thread_free gives the charge back */
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
	top = (uintptr_t)vd_thread_kstack_top(t);
	t->uctx =
		(struct vd_cpu_context *)(top - sizeof(struct vd_cpu_context));
	vd_memset(t->uctx, 0, sizeof(*t->uctx));
	hal_user_context_init(t->uctx, pc, sp, arg0, arg1);
	t->ksp = hal_kstack_init((void *)VD_ALIGN_DOWN((uintptr_t)t->uctx, 16),
				 uthread_entry, t);
	*out = t;
	return VD_OK;
}

/* Drop the `refs` references of a thread that never ran and is out of
 * the table and its process's list (the table's, the list's if it was
 * on it, and its own as a live thread): whoever else holds one (a
 * capability being made for it, vd_thread_get) frees it last. */
static void uthread_discard(struct vd_thread *t, unsigned refs)
{
	while (refs-- > 0)
		thread_put_locked(t);
}

void vd_thread_discard_unstarted(struct vd_thread *t)
{
	vd_sched_lock_state_t st = vd_sched_lock();

	VD_ASSERT(t->state == VD_THREAD_CREATED && !t->on_cpu);
	vd_list_remove(&t->proc_link);
	thread_unlist_locked(t);
	vd_sched_unlock(st);
	uthread_discard(t, 3);
}

vd_err_t vd_uthread_create(struct vd_process *p, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1, bool start,
			   struct vd_thread **out)
{
	struct vd_thread *t;
	vd_sched_lock_state_t st;
	vd_err_t err;

	err = uthread_alloc(p, pc, sp, arg0, arg1, &t);
	if (err)
		return err;
	st = vd_sched_lock();
	thread_table_insert_locked(t);
	vd_sched_unlock(st);
	/* joins p's thread list; makes it ready if p already runs */
	err = vd_proc_add_thread(p, t, start);
	if (err) {
		st = vd_sched_lock();
		vd_list_remove(&t->table_link);
		vd_sched_unlock(st);
		uthread_discard(t, 2); /* never on p's list */
		return err;
	}
	if (out)
		*out = t;
	return VD_OK;
}

static bool user_range_ok(vaddr_t base, size_t size)
{
	return size > 0 && base >= VD_USER_BASE && base + size > base &&
	       base + size <= hal_user_top();
}

static vd_err_t thread_create(vd_pid_t pid, vaddr_t entry, vaddr_t stack_base,
			      size_t stack_size, uint64_t arg, bool start,
			      vd_tid_t *out)
{
	struct vd_process *p;
	struct vd_thread *t;
	vd_err_t err;

	if (!user_range_ok(entry, 1) || stack_size < 64 ||
	    !user_range_ok(stack_base, stack_size))
		return VD_ERR_INVALID_PARAMETER;
	p = vd_process_get(pid);
	if (!p)
		return VD_ERR_NOT_FOUND;
	/* entered as a function: the ABI's alignment at a call */
	err = vd_uthread_create(
		p, entry,
		VD_CTX_ENTRY_SP(VD_ALIGN_DOWN(stack_base + stack_size, 16)),
		arg, 0, start, &t);
	if (!err) {
		t->ustack_base = stack_base;
		t->ustack_size = stack_size;
		if (out)
			*out = t->tid;
	}
	vd_process_put(p);
	return err;
}

vd_err_t vd_thread_create(vd_pid_t pid, vaddr_t entry, vaddr_t stack_base,
			  size_t stack_size, uint64_t arg, vd_tid_t *out)
{
	return thread_create(pid, entry, stack_base, stack_size, arg, true,
			     out);
}

vd_err_t vd_thread_create_held(vd_pid_t pid, vaddr_t entry, vaddr_t stack_base,
			       size_t stack_size, uint64_t arg, vd_tid_t *out)
{
	return thread_create(pid, entry, stack_base, stack_size, arg, false,
			     out);
}

void vd_thread_abandon(vd_tid_t tid)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	struct vd_thread *t = thread_find_locked(tid);

	/* It exits without entering user mode (uthread_entry) and is
	 * reaped then (nobody can join it: no capability to it exists);
	 * its process's thread list lets go of it later. */
	if (t) {
		t->detached = true;
		vd_thread_kill_locked(t);
	}
	vd_sched_unlock(st);
}

/* ------------------------------------------------------------------ */
/* Exit and join                                                       */
/* ------------------------------------------------------------------ */

void vd_thread_exit(int code)
{
	struct vd_thread *t = vd_current_thread();
	vd_sched_lock_state_t st;

	if (!t || t->is_idle)
		vd_panic("vd_thread_exit outside a thread");
	if (t->proc)
		vd_proc_thread_exit(t, code);
	st = vd_sched_lock();
	(void)st; /* never restored: this thread does not run again */
	t->exit_code = code;
	t->state = VD_THREAD_DEAD;
	vd_sched_wake_all_locked(&t->joiners);
	if (t->detached)
		thread_reap_locked(t);
	sched_schedule_locked();
	vd_panic("dead thread %llu rescheduled", (unsigned long long)t->tid);
}

void vd_thread_kill_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	t->kill_pending = true;
	sched_hold_release_locked(t); /* a held thread must run to exit */
	switch (t->state) {
	case VD_THREAD_BLOCKED:
		vd_sched_wake_thread_locked(t, VD_ERR_BUSY);
		break;
	case VD_THREAD_CREATED:
	case VD_THREAD_SUSPENDED:
		sched_make_ready_locked(t); /* runs only to exit */
		break;
	case VD_THREAD_RUNNING:
		if (t != vd_current_thread())
			sched_request_resched(t->cpu);
		break;
	default: /* READY: exits when it next runs; DEAD: nothing to do */
		break;
	}
}

void vd_thread_ref(struct vd_thread *t)
{
	__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
}

bool vd_thread_finished(const struct vd_thread *t)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	bool done = t->state == VD_THREAD_DEAD &&
		    vd_list_empty(&t->table_link) && !t->on_cpu;

	vd_sched_unlock(st);
	return done;
}

void vd_thread_detach(struct vd_thread *t)
{
	vd_sched_lock_state_t st = vd_sched_lock();

	t->detached = true;
	/* a joiner delivering its exit code right now reaps it (below) */
	if (t->state == VD_THREAD_DEAD && !t->collecting)
		thread_reap_locked(t);
	vd_sched_unlock(st);
}

/*
 * As with processes (vd_process_wait_deliver), the exit code is consumed
 * only once it is delivered: the joiner claims the dead thread
 * (collecting: other joiners get VD_ERR_BUSY meanwhile), delivers the
 * code with no lock held, and reaps it only if that worked.
 */
vd_err_t vd_thread_join_deliver(vd_tid_t tid, uint64_t timeout_ns,
				vd_join_deliver_fn deliver, void *arg)
{
	uint64_t deadline = vd_deadline_after(hal_timer_now_ns(), timeout_ns);
	struct vd_thread *self = vd_current_thread(), *t;
	vd_sched_lock_state_t st;
	vd_err_t err = VD_OK;
	int code;

	if (!self)
		return VD_ERR_BUSY;
	st = vd_sched_lock();
	t = thread_find_locked(tid);
	if (!t) {
		err = VD_ERR_NOT_FOUND;
	} else if (t == self || t->detached || t->is_idle) {
		err = VD_ERR_INVALID_PARAMETER;
	} else if (self->proc && self->proc != t->proc) {
		err = VD_ERR_PERMISSION_DENIED;
	} else if (!vd_list_empty(&t->joiners.waiters) || t->collecting) {
		err = VD_ERR_BUSY;
	}
	if (err) {
		vd_sched_unlock(st);
		return err;
	}
	__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
	while (t->state != VD_THREAD_DEAD && err == VD_OK)
		err = vd_sched_wait_locked(&t->joiners, VD_BLOCK_JOIN,
					   deadline);
	if (t->state != VD_THREAD_DEAD) {
		thread_put_locked(t);
		vd_sched_unlock(st);
		return err;
	}
	if (vd_list_empty(&t->table_link) || t->collecting) {
		/* reaped meanwhile (detached by its process's end), or a
		 * joiner that did not wait is delivering */
		err = vd_list_empty(&t->table_link) ? VD_ERR_NOT_FOUND
						    : VD_ERR_BUSY;
		thread_put_locked(t);
		vd_sched_unlock(st);
		return err;
	}
	t->collecting = true;
	code = t->exit_code;
	vd_sched_unlock(st);

	err = deliver ? deliver(arg, code) : VD_OK;

	st = vd_sched_lock();
	t->collecting = false;
	/* delivered: reap; not delivered but detached meanwhile (its last
	 * capability went, vd_thread_detach left it to us): nobody can
	 * join it any more, reap too */
	if ((err == VD_OK || t->detached) && !vd_list_empty(&t->table_link))
		thread_reap_locked(t);
	thread_put_locked(t);
	vd_sched_unlock(st);
	return err;
}

static vd_err_t deliver_code(void *arg, int code)
{
	if (arg)
		*(int *)arg = code;
	return VD_OK;
}

vd_err_t vd_thread_join(vd_tid_t tid, uint64_t timeout_ns, int *code_out)
{
	return vd_thread_join_deliver(tid, timeout_ns, deliver_code, code_out);
}

/* ------------------------------------------------------------------ */
/* Information and contexts                                            */
/* ------------------------------------------------------------------ */

const char *vd_thread_state_name(enum vd_thread_state s)
{
	static const char *const names[] = {
		"created", "ready", "running", "blocked", "suspended", "dead",
	};

	return (unsigned)s < VD_ARRAY_SIZE(names) ? names[s] : "?";
}

vd_err_t vd_thread_get_info(vd_tid_t tid, struct vd_thread_info *out)
{
	vd_sched_lock_state_t st;
	struct vd_thread *t;

	if (!out)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_sched_lock();
	t = thread_find_locked(tid);
	if (t) {
		out->thread_id = t->tid;
		out->process_id = t->proc ? t->proc->pid : 0;
		out->state = t->state;
		out->priority = t->se.prio;
		out->cpu_affinity = t->hold_reason != VD_BLOCK_NONE
					    ? t->hold_affinity /* hold.c */
					    : t->affinity;
		out->stack_base = t->ustack_base;
		out->stack_size = t->ustack_size;
	}
	vd_sched_unlock(st);
	return t ? VD_OK : VD_ERR_NOT_FOUND;
}

vd_err_t vd_thread_set_affinity(vd_tid_t tid, vd_cpuset_t set)
{
	vd_sched_lock_state_t st;
	struct vd_thread *t;
	vd_cpuset_t possible = 0;

	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++)
		possible |= (vd_cpuset_t)1 << cpu;
	if ((set & possible) == 0)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_sched_lock();
	t = thread_find_locked(tid);
	if (t && !t->is_idle && t->hold_reason != VD_BLOCK_NONE)
		t->hold_affinity = set; /* it runs nowhere until then */
	else if (t && !t->is_idle)
		t->affinity = set;
	vd_sched_unlock(st);
	return !t	    ? VD_ERR_NOT_FOUND
	       : t->is_idle ? VD_ERR_INVALID_PARAMETER
			    : VD_OK;
}
