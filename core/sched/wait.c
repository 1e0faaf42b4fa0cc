/*
 * Blocking and waking: wait queues, the timed block of the current
 * thread, wake-ups, the IPC general path's block-and-switch, sleep.  All
 * under the scheduler lock (sched.c).
 */
#include <veridian/kernel.h>
#include <veridian/panic.h>
#include <veridian/proc.h>

#include "policy_inline.h"
#include "sched_internal.h"

void vd_waitqueue_init(struct vd_waitqueue *wq)
{
	vd_list_init(&wq->waiters);
}

vd_err_t vd_sched_wait_locked(struct vd_waitqueue *wq,
			      enum vd_block_reason reason, uint64_t deadline_ns)
{
	VD_ASSERT_SCHED_LOCKED();
	struct cpu_sched *c = this_cpu_sched();
	struct vd_thread *t = c->current;

	if (t->is_idle)
		VD_BUG("the idle thread must not sleep");
	if (t->kill_pending)
		return VD_ERR_BUSY;
	if (deadline_ns != VD_TIMEOUT_INFINITE &&
	    deadline_ns <= hal_timer_now_ns())
		return VD_ERR_TIMEOUT;
	t->state = VD_THREAD_BLOCKED;
	t->block_reason = reason;
	t->wake_result = VD_OK;
	if (wq) {
		vd_list_add_tail(&wq->waiters, &t->wait_link);
		t->waiting_on = wq;
	}
	if (deadline_ns != VD_TIMEOUT_INFINITE)
		sched_timeout_arm_locked(c, t, deadline_ns);
	sched_schedule_locked();
	t->block_reason = VD_BLOCK_NONE;
	return t->wake_result;
}

vd_err_t vd_sched_wake_thread_locked(struct vd_thread *t, vd_err_t result)
{
	VD_ASSERT_SCHED_LOCKED();
	if (t->state != VD_THREAD_BLOCKED || t->held)
		return VD_ERR_BUSY; /* a hold is released elsewhere (hold.c) */
	sched_unblock_locked(t);
	t->wake_result = result;
	sched_make_ready_locked(t);
	return VD_OK;
}

/* IPC fast path (see sched.h): block the caller and run `next` at once. */
vd_err_t vd_sched_wait_switch_locked(struct vd_thread *next,
				     enum vd_block_reason reason,
				     uint64_t deadline_ns)
{
	VD_ASSERT_SCHED_LOCKED();
	struct cpu_sched *c = this_cpu_sched();
	struct vd_thread *t = c->current;
	unsigned cpu = (unsigned)(c - vd_cpu_sched);

	/* Anything unusual: the ordinary wake-up and block. */
	if (VD_UNLIKELY(t->is_idle || t->kill_pending ||
			next->state != VD_THREAD_BLOCKED || next->waiting_on ||
			!(next->affinity >> cpu & 1) ||
			vd_rq_top_prio(&c->rq) > (int)next->se.prio ||
			(deadline_ns != VD_TIMEOUT_INFINITE &&
			 deadline_ns <= hal_timer_now_ns()))) {
		vd_sched_wake_thread_locked(next, VD_OK);
		return vd_sched_wait_locked(NULL, reason, deadline_ns);
	}
	sched_unblock_locked(next);
	next->wake_result = VD_OK;
	t->state = VD_THREAD_BLOCKED;
	t->block_reason = reason;
	t->wake_result = VD_OK;
	if (deadline_ns != VD_TIMEOUT_INFINITE)
		sched_timeout_arm_locked(c, t, deadline_ns);
	sched_switch_to_locked(c, next);
	t->block_reason = VD_BLOCK_NONE;
	return t->wake_result;
}

unsigned vd_sched_wake_one_locked(struct vd_waitqueue *wq)
{
	VD_ASSERT_SCHED_LOCKED();
	if (vd_list_empty(&wq->waiters))
		return 0;
	vd_sched_wake_thread_locked(
		VD_LIST_ENTRY(wq->waiters.next, struct vd_thread, wait_link),
		VD_OK);
	return 1;
}

unsigned vd_sched_wake_all_locked(struct vd_waitqueue *wq)
{
	VD_ASSERT_SCHED_LOCKED();
	unsigned n = 0;

	while (vd_sched_wake_one_locked(wq))
		n++;
	return n;
}

void vd_sleep_ns(uint64_t ns)
{
	uint64_t deadline = vd_deadline_after(hal_timer_now_ns(), ns);
	vd_sched_lock_state_t st = vd_sched_lock();

	while (vd_sched_wait_locked(NULL, VD_BLOCK_SLEEP, deadline) == VD_OK)
		;
	vd_sched_unlock(st);
}
