/*
 * SYS_THREAD_YIELD without a kernel context switch.
 *
 * vd_yield_cpu does what yield_cpu means for any thread: back to the tail
 * of its level, the best ready thread runs.  A user thread that yields by
 * syscall has nothing left to do in the kernel once it is queued (its
 * result is 0), so it gives up its kernel frames, as the IPC fast path's
 * waiters do (sched_fast.h): it is queued with resume = yield_resume.
 * When the thread that runs next yielded the same way, the CPU goes
 * straight to its user mode through hal_syscall_return; otherwise the
 * ordinary switch runs it (and rebuilds this thread's stack when it is
 * picked again).  Two threads yielding to each other thus cost two
 * syscalls and no switch of kernel stacks.
 */
#include "policy_inline.h"
#include "sched_fast.h"

/* The stack hal_syscall_return leaves here is the thread's own. */
static bool own_stack_done;

/* A yielded thread picked by the ordinary switch: its syscall is done. */
static void yield_resume(struct vd_thread *t)
{
	sched_fast_unlock_masked(); /* interrupts stay masked */
	hal_syscall_return(t->uctx, &t->user_work, &own_stack_done);
}

void vd_sched_yield_syscall(struct vd_cpu_context *ctx)
{
	struct vd_thread *t = vd_thread_of_stack(ctx);
	vd_sched_lock_state_t st = sched_fast_lock();
	struct cpu_sched *c = sched_fast_cpu(t);
	struct vd_sched_entity *se = rq_peek(&c->rq);

	/* schedule_on for a yield: the caller goes to the tail of its level
	 * with a fresh slice, the best ready thread runs */
	if (VD_UNLIKELY(t->hold_reason != VD_BLOCK_NONE)) {
		/* another thread's vd_block_thread: stop here (hold.c) */
		sched_schedule_on(c);
		vd_sched_unlock(st);
		return;
	}
	c->need_resched = false;
	t->resched = false;
	t->se.slice_left = c->rq.slice_ticks;
	if (se == NULL || se->prio < t->se.prio) {
		vd_sched_unlock(st); /* it runs on */
		return;
	}
	struct vd_thread *next = VD_CONTAINER_OF(se, struct vd_thread, se);
	t->state = VD_THREAD_READY;
	if (VD_LIKELY(se->prio == t->se.prio)) {
		rq_swap_same_level(&c->rq, se, &t->se);
	} else {
		rq_insert(&c->rq, &t->se, false);
		rq_unlink(&c->rq, se);
	}
	VD_CTX_RET(ctx) = 0;
	t->resume = yield_resume;
	if (VD_UNLIKELY(next->resume != yield_resume ||
			__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)))
		vd_sched_fast_switch_locked(next);
	vd_metrics_percpu[t->cpu].count[VD_METRIC_CONTEXT_SWITCHES]++;
	sched_fast_resume(c, t, next);
}
