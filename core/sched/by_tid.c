/*
 * The scheduling API of the kernel API that names threads by id
 * (schedule, unschedule, set priority, next thread, yield, block, wake,
 * context switch), on top of the mechanism in sched.c and wait.c.
 */
#include <veridian/kernel.h>
#include <veridian/proc.h>

#include "policy_inline.h"
#include "sched_internal.h"

/* The thread `tid` names, if the API may act on it: VD_ERR_NOT_FOUND for
 * no thread, VD_ERR_INVALID_PARAMETER for an idle thread. */
static struct vd_thread *target_locked(vd_tid_t tid, vd_err_t *err)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_thread *t = thread_find_locked(tid);

	*err = !t	    ? VD_ERR_NOT_FOUND
	       : t->is_idle ? VD_ERR_INVALID_PARAMETER
			    : VD_OK;
	return *err == VD_OK ? t : NULL;
}

/* Take the scheduler lock and find the target of a call that sets the
 * priority `prio` (VD_ERR_INVALID_PARAMETER if out of range). */
static struct vd_thread *lock_prio_target(vd_tid_t tid, unsigned prio,
					  vd_sched_lock_state_t *st,
					  vd_err_t *err)
{
	*st = vd_sched_lock();
	if (prio > VD_PRIO_MAX) {
		*err = VD_ERR_INVALID_PARAMETER;
		return NULL;
	}
	return target_locked(tid, err);
}

vd_err_t vd_schedule_thread(vd_tid_t tid, unsigned prio)
{
	vd_err_t err;
	vd_sched_lock_state_t st;
	struct vd_thread *t = lock_prio_target(tid, prio, &st, &err);

	if (t && (t->state == VD_THREAD_CREATED ||
		  t->state == VD_THREAD_SUSPENDED)) {
		t->se.prio = (uint8_t)prio;
		sched_make_ready_locked(t);
	} else if (t) {
		err = VD_ERR_BUSY;
	}
	vd_sched_unlock(st);
	return err;
}

vd_err_t vd_unschedule_thread(vd_tid_t tid)
{
	vd_err_t err;
	vd_sched_lock_state_t st = vd_sched_lock();
	struct cpu_sched *c = this_cpu_sched();
	struct vd_thread *t = target_locked(tid, &err);

	if (!t) {
		/* err says why */
	} else if (t->state == VD_THREAD_DEAD) {
		err = VD_ERR_INVALID_PARAMETER;
	} else if (t == c->current) {
		t->state = VD_THREAD_SUSPENDED;
		sched_schedule_locked(); /* back when rescheduled */
	} else if (t->state == VD_THREAD_READY) {
		vd_rq_remove(&vd_cpu_sched[t->cpu].rq, &t->se);
		t->state = VD_THREAD_SUSPENDED;
	} else if (t->state != VD_THREAD_CREATED &&
		   t->state != VD_THREAD_SUSPENDED) {
		err = VD_ERR_BUSY; /* blocked, or running on another CPU */
	}
	vd_sched_unlock(st);
	return err;
}

vd_err_t vd_set_thread_priority(vd_tid_t tid, unsigned prio)
{
	vd_err_t err;
	vd_sched_lock_state_t st;
	struct vd_thread *t = lock_prio_target(tid, prio, &st, &err);

	if (!t) {
		/* err says why */
	} else if (t->state == VD_THREAD_READY) {
		vd_rq_set_prio(&vd_cpu_sched[t->cpu].rq, &t->se, prio);
		if (vd_cpu_sched[t->cpu].current->se.prio < prio)
			sched_request_resched(t->cpu);
	} else {
		t->se.prio = (uint8_t)prio;
		/* a running thread that dropped below a ready one yields */
		if (t->state == VD_THREAD_RUNNING &&
		    vd_rq_should_preempt(&vd_cpu_sched[t->cpu].rq, &t->se))
			sched_request_resched(t->cpu);
	}
	vd_sched_unlock(st);
	return err;
}

vd_err_t vd_next_thread(unsigned cpu, vd_tid_t *out)
{
	struct vd_sched_entity *se;
	vd_sched_lock_state_t st;

	if (!out || cpu >= VD_MAX_CPUS || !vd_cpu_sched[cpu].online)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_sched_lock();
	se = vd_rq_peek(&vd_cpu_sched[cpu].rq);
	if (se)
		*out = sched_thread_of(se)->tid;
	vd_sched_unlock(st);
	return se ? VD_OK : VD_ERR_NOT_FOUND;
}

vd_err_t vd_yield_cpu(void)
{
	vd_sched_lock_state_t st;
	struct cpu_sched *c;

	if (!vd_sched_ready())
		return VD_ERR_BUSY;
	st = vd_sched_lock();
	c = this_cpu_sched();
	c->current->se.slice_left = 0; /* to the tail */
	sched_schedule_on(c);
	vd_sched_unlock(st);
	return VD_OK;
}

/* vd_block_thread of another thread: a hold (hold.c, sched.h). */
static vd_err_t hold_locked(struct vd_thread *t, enum vd_block_reason reason,
			    uint64_t deadline)
{
	struct vd_runqueue *rq = &vd_cpu_sched[t->cpu].rq;

	if (t->state == VD_THREAD_DEAD)
		return VD_ERR_INVALID_PARAMETER;
	if (t->state == VD_THREAD_CREATED || t->state == VD_THREAD_SUSPENDED ||
	    t->hold_reason != VD_BLOCK_NONE)
		return VD_ERR_BUSY; /* not scheduled, or held already */
	sched_hold_begin_locked(t, reason, deadline);
	if (t->state == VD_THREAD_READY) {
		vd_rq_remove(rq, &t->se);
		if (!sched_hold_take_locked(t)) /* timeout 0: no hold */
			vd_rq_enqueue(rq, &t->se);
	} else if (t->state == VD_THREAD_RUNNING) {
		sched_request_resched(t->cpu); /* an IPI: t is not ours */
	}
	/* BLOCKED: the hold takes effect when its own wait ends */
	return VD_OK;
}

vd_err_t vd_block_thread(vd_tid_t tid, enum vd_block_reason reason,
			 uint64_t timeout_ns)
{
	uint64_t deadline = vd_deadline_after(hal_timer_now_ns(), timeout_ns);
	vd_err_t err;
	vd_sched_lock_state_t st;
	struct vd_thread *t;

	if (reason == VD_BLOCK_NONE || reason > VD_BLOCK_JOIN)
		return VD_ERR_INVALID_PARAMETER;
	st = vd_sched_lock();
	t = target_locked(tid, &err);
	if (!t) {
		/* err says why */
	} else if (t == this_cpu_sched()->current) {
		err = vd_sched_wait_locked(NULL, reason, deadline);
	} else {
		err = hold_locked(t, reason, deadline);
	}
	vd_sched_unlock(st);
	return err;
}

vd_err_t vd_wake_thread(vd_tid_t tid)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	struct vd_thread *t = thread_find_locked(tid);
	vd_err_t err = VD_OK;

	if (!t)
		err = VD_ERR_NOT_FOUND;
	else if (t->hold_reason != VD_BLOCK_NONE)
		sched_hold_release_locked(t); /* only the hold (sched.h) */
	else
		err = vd_sched_wake_thread_locked(t, VD_OK);
	vd_sched_unlock(st);
	return err;
}

vd_err_t vd_context_switch(vd_tid_t from, vd_tid_t to)
{
	vd_err_t err = VD_OK;
	vd_sched_lock_state_t st = vd_sched_lock();
	struct cpu_sched *c = this_cpu_sched();
	struct vd_thread *prev = c->current, *next = thread_find_locked(to);

	if (prev->tid != from) {
		err = VD_ERR_INVALID_PARAMETER;
	} else if (!next) {
		err = VD_ERR_NOT_FOUND;
	} else if (next == prev) {
		err = VD_OK;
	} else if (next->state != VD_THREAD_READY ||
		   next->cpu != c - vd_cpu_sched) {
		err = VD_ERR_BUSY; /* not ready on this CPU */
	} else {
		vd_rq_remove(&c->rq, &next->se);
		/* a hold another CPU put on the caller stops it here */
		if (!prev->is_idle && !(prev->hold_reason != VD_BLOCK_NONE &&
					sched_hold_take_locked(prev))) {
			prev->state = VD_THREAD_READY;
			vd_rq_enqueue(&c->rq, &prev->se);
		}
		sched_switch_to_locked(c, next);
	}
	vd_sched_unlock(st);
	return err;
}
