/*
 * The out-of-line half of the fast hand-over (sched_fast.h): what
 * sched_fast_run does only when it has a call to make, so that its
 * common case makes none and its callers keep nothing in callee-saved
 * registers (core/ipc/ipc_fastpath.c, FAST_ORDER); the timeout arming it
 * shares with the general waits (wait.c); and its counts.
 */
#include "sched_fast.h"

void sched_fast_run_slow(struct cpu_sched *c, struct vd_thread *prev,
			 struct vd_thread *next, uint64_t deadline_ns)
{
	VD_ASSERT_SCHED_LOCKED();
	if (deadline_ns != VD_TIMEOUT_INFINITE)
		sched_timeout_arm_locked(c, prev, deadline_ns);
	if (next->se.on_timeout)
		vd_timeout_remove(&vd_cpu_sched[next->cpu].rq, &next->se);
	if (next->resume == NULL) {
		/* the general switch counts the switch itself */
		c->fast_handoffs_switched++;
		next->wake_result = VD_OK;
		vd_sched_fast_switch_locked(next);
	}
	c->fast_handoffs++;
	sched_fast_resume(c, prev, next);
}

void sched_timeout_arm_locked(struct cpu_sched *c, struct vd_thread *t,
			      uint64_t deadline_ns)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(t == c->current && t->state == VD_THREAD_BLOCKED);
	vd_timeout_add(&c->rq, &t->se, deadline_ns);
	if (vd_timeout_next(&c->rq) == deadline_ns) /* earliest */
		vd_timer_timeout_added(deadline_ns);
}

uint64_t vd_sched_fast_handoffs(uint64_t *direct)
{
	uint64_t n = 0, switched = 0;

	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++) {
		const struct cpu_sched *c = &vd_cpu_sched[cpu];
		n += __atomic_load_n(&c->fast_handoffs, __ATOMIC_RELAXED);
		switched += __atomic_load_n(&c->fast_handoffs_switched,
					    __ATOMIC_RELAXED);
	}
	if (direct)
		*direct = n;
	return n + switched;
}
