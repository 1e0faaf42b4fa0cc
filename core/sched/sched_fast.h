/*
 * Scheduler primitives of the IPC fast path (core/ipc/ipc_fastpath.c),
 * inline because they are most of what a fast call or reply costs.
 *
 * The fast path hands the CPU from the thread in the syscall (t) to the
 * thread whose wait it just satisfied (next), the way seL4's fastpath
 * does: t blocks *without keeping its kernel frames* and, when next is
 * itself blocked that way, the CPU goes straight to next's user mode
 * through hal_syscall_return -- no hal_context_switch, no unwinding of
 * next's syscall, no run queue.
 *
 *   sched_fast_can_run  may next take the CPU from t now?  (the rules of
 *                       vd_sched_wait_switch_locked, except that t's
 *                       deadline may have passed: its timer fires at once)
 *   sched_fast_block    t blocks without kernel frames: its next switch-in
 *                       runs `resume` on a fresh stack (switch_to_locked)
 *   sched_fast_run      run next, never returns
 *
 * Stacks.  t's kernel stack is still in use until hal_syscall_return has
 * moved to next's, after the scheduler lock is dropped; t->on_cpu stays
 * true until then (the HAL clears it, with release order, once it is off
 * the stack).  Whoever starts t again waits for that: switch_to_locked
 * spins on on_cpu before it builds t's fresh stack, and sched_fast_can_run
 * refuses a next whose on_cpu is still set.  t cannot run meanwhile
 * anyway unless another CPU wakes it and its affinity moved it there.
 */
#ifndef CORE_SCHED_FAST_H
#define CORE_SCHED_FAST_H

#include <veridian/fpu.h>
#include <veridian/metrics.h>
#include <veridian/panic.h>
#include <veridian/proc.h>

#include "sched_internal.h"

/* vd_sched_lock, inline (the same ticket lock, same word), for a caller
 * that runs with interrupts masked already (the IPC fast path, entered
 * from the syscall trap): no interrupt state to keep. */
static inline __attribute__((always_inline)) void sched_fast_lock_masked(void)
{
	struct vd_spinlock *l = &vd_sched_lock_word;
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	if (VD_UNLIKELY(__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket))
		sched_lock_wait(ticket);
	sched_lock_claim(); /* debug builds only */
}

/* vd_sched_lock, inline: interrupts masked, then the lock. */
static inline __attribute__((always_inline)) vd_sched_lock_state_t
sched_fast_lock(void)
{
	vd_sched_lock_state_t st = hal_irq_save();

	sched_fast_lock_masked();
	return st;
}

/* vd_sched_unlock without touching the interrupt state. */
static inline __attribute__((always_inline)) void sched_fast_unlock_masked(void)
{
	sched_lock_drop(); /* debug builds only */
	vd_ticket_release(&vd_sched_lock_word.owner);
}

/* The CPU the calling thread t runs on (t->cpu is kept by the switch). */
static inline __attribute__((always_inline)) struct cpu_sched *
sched_fast_cpu(const struct vd_thread *t)
{
	return &vd_cpu_sched[t->cpu];
}

/* May next (BLOCKED in a wait the caller is about to satisfy, on no wait
 * queue) run on this CPU at once, instead of the caller t, which is about
 * to block?  Not if t is being killed, next may not run here, or a higher
 * priority is ready.  (t's deadline may have passed already: then its
 * timer fires at once, as for any wait that began just before its
 * deadline.) */
static inline __attribute__((always_inline)) bool
sched_fast_can_run(struct cpu_sched *c, struct vd_thread *t,
		   struct vd_thread *next)
{
	unsigned cpu = t->cpu;

	return !t->kill_pending && next->state == VD_THREAD_BLOCKED &&
	       !__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE) &&
	       (next->affinity >> cpu & 1) &&
	       c->rq.top_prio <= (int)next->se.prio;
}

/* t, the calling thread, blocks without kernel frames: when it is next
 * switched in, resume(t) runs on a fresh stack instead.  Like
 * vd_sched_wait_locked, it wakes on vd_sched_wake_thread_locked, or at
 * the deadline that sched_fast_run is given (wake_result
 * VD_ERR_TIMEOUT). */
static inline __attribute__((always_inline)) void
sched_fast_block(struct vd_thread *t, enum vd_block_reason reason,
		 void (*resume)(struct vd_thread *t))
{
	t->state = VD_THREAD_BLOCKED;
	t->block_reason = reason;
	t->wake_result = VD_OK;
	t->resume = resume;
}

/*
 * Make next (blocked or ready, on no queue, blocked without kernel frames
 * and with its syscall's result already in its registers) the running
 * thread instead of prev, which gave up its own kernel frames, drop the
 * scheduler lock and return to next's user mode.  Never returns.
 *
 * What the general switch does besides (switch_to_locked) and this does
 * not: the stack canary check of prev (which only ran the shallow,
 * non-recursive syscall path since its last check) and
 * hal_set_kernel_stack (hal_syscall_return does it).  Callers count the
 * context switch.
 *
 * A new address space is loaded by the HAL's exit itself
 * (hal_syscall_return_space), after the lock is dropped: active_root is
 * published with a full barrier first, as sched_switch_root does, and
 * prev->on_cpu, which a dying process waits for, is cleared only after
 * the load.
 */
static inline __attribute__((always_inline)) VD_NORETURN void
sched_fast_resume(struct cpu_sched *c, struct vd_thread *prev,
		  struct vd_thread *next)
{
	paddr_t root;
	unsigned cpu = prev->cpu;

	VD_ASSERT_SCHED_LOCKED(); /* debug builds: not the bench's */
	vd_fpu_switch_out(prev);
	next->resume = NULL;
	next->block_reason = VD_BLOCK_NONE;
	next->state = VD_THREAD_RUNNING;
	next->cpu = cpu;
	next->on_cpu = true;
	next->switches++;
	next->resched = false;
	c->current = next;
	root = vd_process_root(next->proc);
	/* interrupts stay masked until user mode */
	if (root != c->active_root) {
		__atomic_store_n(&c->active_root, root, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		sched_fast_unlock_masked();
		hal_syscall_return_space(next->uctx, &next->user_work,
					 &prev->on_cpu, root);
	}
	sched_fast_unlock_masked();
	hal_syscall_return(next->uctx, &next->user_work, &prev->on_cpu);
}

/* Hand the CPU from prev (blocked by sched_fast_block, until
 * deadline_ns) to next, which sched_fast_can_run allowed, and drop the
 * scheduler lock.  If next is blocked without kernel frames too, its
 * syscall result is already in its registers and it returns to user mode
 * directly; otherwise it resumes inside its wait through
 * hal_context_switch.  Never returns.  It counts the IPC message that
 * caused the hand-over (cpu_sched.fast_handoffs: a message and a context
 * switch in one increment; fast_handoffs_switched when the general switch
 * runs, which counts the switch).
 *
 * Whatever needs a call -- a timeout to arm for prev or to cancel for
 * next, or the general switch -- goes to one out-of-line tail
 * (sched_fast_run_slow), so that the common case makes none. */
static inline __attribute__((always_inline)) VD_NORETURN void
sched_fast_run(struct cpu_sched *c, struct vd_thread *prev,
	       struct vd_thread *next, uint64_t deadline_ns)
{
	if (VD_UNLIKELY(deadline_ns != VD_TIMEOUT_INFINITE ||
			next->se.on_timeout || next->resume == NULL))
		sched_fast_run_slow(c, prev, next, deadline_ns);
	c->fast_handoffs++;
	sched_fast_resume(c, prev, next);
}

#endif /* CORE_SCHED_FAST_H */
