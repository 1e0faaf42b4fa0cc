/*
 * Holds: vd_block_thread of a thread other than the caller (sched.h).
 *
 * A thread can be blocked by another only at a moment when it is not
 * running there and then: a thread running on another CPU stops at its
 * own next scheduling point, and a thread blocked in a wait of its own
 * must finish that wait (its waker delivers a result the thread will
 * want) but then not run.  So the block is recorded on the thread as a
 * hold, and every place where a thread would become runnable asks
 * sched_hold_take_locked first:
 *
 *   sched_make_ready_locked   a wait ends (wake-up, timeout), a thread is
 *                             scheduled
 *   sched_schedule_on         the running thread reaches a scheduling
 *                             point (preempt point, return to user mode)
 *   vd_context_switch, the yield syscall   the running thread gives the
 *                             CPU away on its own
 *
 * While a hold is pending or active the thread's affinity is 0, its own
 * set kept in hold_affinity: the IPC hand-overs that run a woken thread
 * at once without passing through sched_make_ready_locked
 * (vd_sched_wait_switch_locked, sched_fast_can_run) check the affinity
 * anyway, so they fall back to the ordinary wake-up, which takes the
 * hold -- at no cost to the fast path.
 *
 * Only vd_wake_thread, the hold's timeout (expire_locked) and a kill
 * (vd_thread_kill_locked) release a hold; vd_sched_wake_thread_locked
 * refuses a held thread, so that a stray wake-up cannot resume it.
 */
#include <veridian/kernel.h>

#include "policy_inline.h"
#include "sched_internal.h"

void sched_hold_begin_locked(struct vd_thread *t, enum vd_block_reason reason,
			     uint64_t deadline_ns)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_ASSERT(t->hold_reason == VD_BLOCK_NONE && !t->held &&
		  reason != VD_BLOCK_NONE);
	t->hold_reason = reason;
	t->hold_deadline = deadline_ns;
	t->hold_affinity = t->affinity;
	t->affinity = 0; /* may run nowhere: see above */
}

/* The hold is over: t may run where it could before. */
static void hold_end(struct vd_thread *t)
{
	t->hold_reason = VD_BLOCK_NONE;
	t->held = false;
	t->affinity = t->hold_affinity;
}

bool sched_hold_take_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	struct cpu_sched *c = this_cpu_sched();
	uint64_t deadline = t->hold_deadline;

	if (t->hold_reason == VD_BLOCK_NONE)
		return false;
	VD_ASSERT(!t->held && !t->se.on_rq && !t->se.on_timeout);
	if (deadline != VD_TIMEOUT_INFINITE && deadline <= hal_timer_now_ns()) {
		hold_end(t); /* its time ran out before it took effect */
		return false;
	}
	t->state = VD_THREAD_BLOCKED;
	t->block_reason = t->hold_reason;
	t->held = true;
	if (deadline != VD_TIMEOUT_INFINITE) {
		/* on the calling CPU's timeout queue, whose timer we can arm */
		t->cpu = (unsigned)(c - vd_cpu_sched);
		vd_timeout_add(&c->rq, &t->se, deadline);
		if (vd_timeout_next(&c->rq) == deadline) /* earliest */
			vd_timer_timeout_added(deadline);
	}
	return true;
}

void sched_hold_release_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	bool was_held = t->held;

	if (t->hold_reason == VD_BLOCK_NONE)
		return;
	hold_end(t);
	if (!was_held)
		return; /* pending: what the thread does goes on */
	VD_ASSERT(t->state == VD_THREAD_BLOCKED && !t->waiting_on);
	if (t->se.on_timeout)
		vd_timeout_remove(&vd_cpu_sched[t->cpu].rq, &t->se);
	/* wake_result stays what the thread's own wait (if any) ended
	 * with: that wait returns it when the thread runs */
	t->block_reason = VD_BLOCK_NONE;
	sched_make_ready_locked(t);
}
