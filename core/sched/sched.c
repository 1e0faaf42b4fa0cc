/*
 * Scheduler mechanism: per-CPU state, the context switch, the tick, idle
 * threads.  Blocking and waking are in wait.c, the kernel API that names
 * threads by id in by_tid.c.
 *
 * Locking.  One scheduler lock (taken with interrupts masked) protects
 * every run queue, timeout queue, wait queue, thread state and the thread
 * table.  A switch happens with the lock held: the thread that switches
 * away took it, and the thread that starts running releases it (after
 * hal_context_switch returns in a resumed thread, or in
 * sched_thread_first_run for a new one).  Each thread's interrupt state
 * lives in its own vd_sched_lock() frame, so it comes back when that
 * thread unlocks.  Holding the lock across the switch is also what keeps
 * another CPU from picking the outgoing thread while its stack is still
 * in use.
 *
 * Preemption.  The tick and wake-ups only set need_resched; the switch
 * happens at a safe point: vd_return_to_user_hook (every return to user
 * mode, so user threads are preempted by the timer), the idle loop, and
 * kernel code that blocks, yields or calls vd_sched_preempt_point().
 * Kernel threads are never switched in the middle of an interrupt.
 */
#include <veridian/fpu.h>
#include <veridian/kernel.h>
#include <veridian/metrics.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/smp.h>
#include <veridian/trace.h>

#include "policy_inline.h"
#include "sched_internal.h"

struct cpu_sched vd_cpu_sched[VD_MAX_CPUS];
struct vd_spinlock vd_sched_lock_word = VD_SPINLOCK_INIT;
static bool sched_up;

/*
 * The scheduler lock is taken on every switch, so it is the ticket lock
 * of core/lib/spinlock.c written out inline, with the holder-CPU
 * bookkeeping (a per-CPU lookup each time) in debug builds only
 * (sched_lock_claim).  Same word, same protocol: vd_spin_unlock()
 * releases it too (sched_thread_first_run).
 */
vd_sched_lock_state_t vd_sched_lock(void)
{
	struct vd_spinlock *l = &vd_sched_lock_word;
	hal_irqstate_t st = hal_irq_save();
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	if (VD_UNLIKELY(__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket))
		sched_lock_wait(ticket);
	sched_lock_claim();
	return st;
}

void sched_lock_wait(uint32_t ticket)
{
	while (__atomic_load_n(&vd_sched_lock_word.owner, __ATOMIC_ACQUIRE) !=
	       ticket)
		vd_cpu_relax(); /* answers TLB shootdowns (tlb.c) */
}

void vd_sched_unlock(vd_sched_lock_state_t st)
{
	sched_lock_drop();
	vd_ticket_release(&vd_sched_lock_word.owner);
	hal_irq_restore(st);
}

bool vd_sched_lock_held(void)
{
	return !hal_irq_local_enabled() && vd_spin_is_held(&vd_sched_lock_word);
}

bool vd_sched_ready(void)
{
	return sched_up;
}

struct vd_thread *vd_current_thread(void)
{
	if (!sched_up)
		return NULL;
	return this_cpu_sched()->current;
}

static void check_canary(const struct vd_thread *t)
{
	if (t->kstack && *(const volatile uint64_t *)t->kstack != STACK_CANARY)
		vd_panic("kernel stack overflow in thread %llu (%s)",
			 (unsigned long long)t->tid, t->name);
}

/* The CPU a thread becoming ready should queue on: where it ran last if
 * that is allowed and online, else the first allowed online CPU. */
static unsigned pick_cpu(const struct vd_thread *t)
{
	if (t->cpu < VD_MAX_CPUS && vd_cpu_sched[t->cpu].online &&
	    (t->affinity >> t->cpu & 1))
		return t->cpu;
	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++)
		if (vd_cpu_sched[cpu].online && (t->affinity >> cpu & 1))
			return cpu;
	return hal_cpu_id();
}

/* Ask c to reschedule at its next safe point (the flag is mirrored in
 * its current thread, which is what the return-to-user path checks). */
static void set_resched(struct cpu_sched *c)
{
	c->need_resched = true;
	if (c->current)
		c->current->resched = true;
}

void sched_request_resched(unsigned cpu)
{
	set_resched(&vd_cpu_sched[cpu]);
	if (cpu != hal_cpu_id())
		hal_ipi_send(cpu);
}

void sched_make_ready_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(t->state == VD_THREAD_CREATED ||
			t->state == VD_THREAD_SUSPENDED ||
			t->state == VD_THREAD_BLOCKED);
	if (VD_UNLIKELY(t->hold_reason != VD_BLOCK_NONE) &&
	    sched_hold_take_locked(t))
		return; /* another thread's vd_block_thread holds it */
	unsigned cpu = pick_cpu(t);
	struct cpu_sched *c = &vd_cpu_sched[cpu];
	struct vd_thread *cur = c->current;

	t->cpu = cpu;
	t->state = VD_THREAD_READY;
	vd_rq_enqueue(&c->rq, &t->se);
	if (cur == NULL || cur == c->idle || t->se.prio > cur->se.prio)
		sched_request_resched(cpu);
}

void sched_unblock_locked(struct vd_thread *t)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(t->state == VD_THREAD_BLOCKED);
	if (t->waiting_on) {
		vd_list_remove(&t->wait_link);
		t->waiting_on = NULL;
	}
	if (t->se.on_timeout)
		vd_timeout_remove(&vd_cpu_sched[t->cpu].rq, &t->se);
}

/* Finish the switch that made `self` run on its CPU: the thread switched
 * away from is off the CPU now.  self->cpu was set by the switch, which
 * spares a per-CPU lookup. */
static void finish_switch_of(struct vd_thread *self)
{
	struct cpu_sched *c = &vd_cpu_sched[self->cpu];
	struct vd_thread *prev = c->switched_from;

	vd_metrics_switch_end(self->cpu);
	c->switched_from = NULL;
	if (!prev)
		return;
	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	if (prev->state == VD_THREAD_DEAD)
		thread_put_locked(prev); /* the reference of a live thread */
}

/*
 * First code of a thread blocked without kernel frames (sched_fast.h), on
 * a fresh stack below its user context: finish the switch and let its
 * resume function complete the syscall, lock held, interrupts masked.
 */
static VD_NORETURN void resume_entry(void *arg)
{
	struct vd_thread *t = arg;
	void (*resume)(struct vd_thread *) = t->resume;

	finish_switch_of(t);
	t->resume = NULL;
	t->block_reason = VD_BLOCK_NONE;
	resume(t);
	VD_BUG("resume function returned");
}

/* Switch from the current thread to `next` (not on any queue). */
void sched_switch_to_locked(struct cpu_sched *c, struct vd_thread *next)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(c == this_cpu_sched() && !next->se.on_rq);
	struct vd_thread *prev = c->current;
	paddr_t root;

	/* A thread that blocked without kernel frames (sched_fast.h) may
	 * still be on its way off its stack on the CPU it blocked on, which
	 * no longer holds the lock: wait for that CPU to let go. */
	if (VD_UNLIKELY(next->resume != NULL))
		while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
			vd_cpu_relax();
	if (prev->is_idle)
		prev->state = VD_THREAD_READY; /* never queued */
	next->state = VD_THREAD_RUNNING;
	next->cpu = (unsigned)(c - vd_cpu_sched);
	next->on_cpu = true;
	next->switches++;
	next->resched = false;
	c->current = next;
	c->switched_from = prev;

	/* Kernel threads run on the kernel's own tables, so a process's
	 * tables are never live on a CPU after its threads are gone. */
	root = next->proc ? vd_process_root(next->proc) : hal_pt_kernel_root();
	if (root != c->active_root)
		sched_switch_root(c, root);
	if (next->proc)
		hal_set_kernel_stack(vd_thread_kstack_top(next));
	check_canary(prev);
	vd_fpu_switch_out(prev);
	vd_metrics_switch_begin(next->cpu);
	VD_TRACE_EVENT(VD_TRACE_CONTEXT_SWITCH, prev->tid, next->tid);
	/* Blocked without kernel frames (sched_fast.h): start it afresh. */
	if (VD_UNLIKELY(next->resume != NULL)) {
		next->ksp = hal_kstack_init(
			(void *)VD_ALIGN_DOWN((uintptr_t)next->uctx, 16),
			resume_entry, next);
	}

	hal_context_switch(&prev->ksp, next->ksp);

	/* prev runs again here, perhaps on another CPU */
	finish_switch_of(prev);
}

/* sched_fast.h: next has kernel frames; prev (current) gave up its. */
VD_NORETURN void vd_sched_fast_switch_locked(struct vd_thread *next)
{
	VD_ASSERT_SCHED_LOCKED();
	sched_switch_to_locked(this_cpu_sched(), next);
	VD_BUG("a thread blocked without kernel frames came back");
}

void sched_finish_switch(void)
{
	finish_switch_of(this_cpu_sched()->current);
}

void sched_schedule_on(struct cpu_sched *c)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_thread *prev = c->current, *next;
	struct vd_sched_entity *se;

	c->need_resched = false;
	prev->resched = false;
	if (prev->state == VD_THREAD_RUNNING && !prev->is_idle &&
	    !(VD_UNLIKELY(prev->hold_reason != VD_BLOCK_NONE) &&
	      sched_hold_take_locked(prev))) {
		prev->state = VD_THREAD_READY;
		rq_insert(&c->rq, &prev->se, false);
	}
	se = rq_pick(&c->rq);
	next = se ? sched_thread_of(se) : c->idle;
	if (next == prev) {
		prev->state = VD_THREAD_RUNNING;
		return;
	}
	sched_switch_to_locked(c, next);
}

void sched_schedule_locked(void)
{
	VD_ASSERT_SCHED_LOCKED();
	sched_schedule_on(this_cpu_sched());
}

void vd_sched_leave_address_space(struct vd_process *p)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	struct cpu_sched *c = this_cpu_sched();

	if (c->active_root == vd_process_root(p))
		sched_switch_root(c, hal_pt_kernel_root());
	vd_sched_unlock(st);
}

void vd_sched_borrow_address_space(paddr_t root)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	struct cpu_sched *c = this_cpu_sched();

	if (c->active_root != root)
		sched_switch_root(c, root);
	vd_sched_unlock(st);
}

void vd_sched_return_address_space(void)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	struct cpu_sched *c = this_cpu_sched();
	struct vd_process *p = c->current->proc;
	paddr_t root = p ? vd_process_root(p) : hal_pt_kernel_root();

	if (c->active_root != root)
		sched_switch_root(c, root);
	vd_sched_unlock(st);
}

void vd_schedule(void)
{
	vd_sched_lock_state_t st;

	if (!sched_up)
		return;
	st = vd_sched_lock();
	sched_schedule_locked();
	vd_sched_unlock(st);
}

bool vd_sched_need_resched(void)
{
	return sched_up && this_cpu_sched()->need_resched;
}

void vd_sched_preempt_point(void)
{
	if (sched_up && this_cpu_sched()->need_resched)
		vd_schedule();
}

void sched_thread_first_run(void)
{
	sched_finish_switch();
	vd_spin_unlock(&vd_sched_lock_word); /* interrupts stay off */
}

/* ------------------------------------------------------------------ */
/* Tick and IPI                                                        */
/* ------------------------------------------------------------------ */

static void expire_locked(struct cpu_sched *c, uint64_t now)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_sched_entity *se;

	while ((se = vd_timeout_pop_expired(&c->rq, now)) != NULL) {
		struct vd_thread *t = sched_thread_of(se);

		if (t->held)
			sched_hold_release_locked(
				t); /* the hold's time is up */
		else
			vd_sched_wake_thread_locked(t, VD_ERR_TIMEOUT);
	}
}

/*
 * The timer interrupt takes the scheduler lock only when a timeout of
 * this CPU is due (vd_timeout_next needs no lock).  A tick that took the
 * global lock on every CPU every 10 ms turned into a livelock on an
 * overcommitted host: a vCPU descheduled for a host time slice while it
 * held or queued for the ticket lock stalled the others' ticks, until
 * each CPU's next tick was due before it left the last one.
 */
void vd_sched_expire_timeouts(uint64_t now)
{
	vd_sched_lock_state_t st;
	struct cpu_sched *c;

	if (!sched_up)
		return;
	c = this_cpu_sched();
	if (vd_timeout_next(&c->rq) > now)
		return;
	st = vd_sched_lock();
	expire_locked(c, now);
	vd_sched_unlock(st);
}

uint64_t vd_sched_next_timeout(void)
{
	if (!sched_up)
		return UINT64_MAX;
	return vd_timeout_next(&this_cpu_sched()->rq);
}

/*
 * The rest of the tick needs no lock either: only this CPU switches its
 * current thread (not during its own interrupt) and charges its slice,
 * other CPUs only ever set need_resched/resched (set_resched here does
 * no more), and the run queue's top priority is a hint read once.
 */
void vd_sched_tick(uint64_t now)
{
	struct cpu_sched *c;
	struct vd_thread *cur;

	if (hal_cpu_id() == 0)
		vd_metrics_tick();
	if (!sched_up)
		return;
	c = this_cpu_sched();
	if (!c->online)
		return;
	vd_sched_expire_timeouts(now);
	cur = c->current;
	if (cur->is_idle) {
		if (__atomic_load_n(&c->rq.nr_ready, __ATOMIC_RELAXED))
			set_resched(c);
	} else {
		cur->cpu_time_ns += VD_TICK_NS;
		if (vd_rq_tick(&c->rq, &cur->se))
			set_resched(c);
	}
}

void vd_ipi(void)
{
	vd_metrics_count(VD_METRIC_INTERRUPTS);
	VD_TRACE_EVENT(VD_TRACE_INTERRUPT, VD_TRACE_IRQ_IPI, 0);
	sched_tlb_ipi();
	/* a reschedule: the sender already set need_resched; the
	 * interrupted idle loop or the return to user mode acts on it */
}

/* ------------------------------------------------------------------ */
/* Idle threads and start-up                                           */
/* ------------------------------------------------------------------ */

/*
 * The idle thread runs with interrupts masked and checks for work before
 * every wait; hal_cpu_idle() then enables them and waits in one atomic
 * step.  A wake-up (need_resched set, then a reschedule IPI) that lands
 * after the check stays pending and ends the wait at once.  Checking with
 * interrupts enabled would let that IPI be taken between the check and
 * the wait, and the CPU would sleep with a ready thread until its next
 * tick.
 */
static VD_NORETURN void idle_loop(void)
{
	struct cpu_sched *c = this_cpu_sched(); /* idle threads never move */

	(void)hal_irq_save();
	for (;;) {
		if (__atomic_load_n(&c->need_resched, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&c->rq.nr_ready, __ATOMIC_ACQUIRE)) {
			vd_timer_idle_exit();
			vd_schedule(); /* back here, interrupts still off */
		} else {
			vd_timer_idle_enter();
			hal_cpu_idle();
		}
	}
}

static void idle_entry(void *arg)
{
	(void)arg;
	sched_thread_first_run();
	idle_loop();
}

vd_err_t vd_sched_init(void)
{
	unsigned cpu = hal_cpu_id();
	struct cpu_sched *c = &vd_cpu_sched[cpu];
	struct vd_thread *main_t, *idle;
	vd_sched_lock_state_t st;

	if (sched_up)
		return VD_ERR_BUSY;
	for (unsigned i = 0; i < VD_MAX_CPUS; i++)
		vd_rq_init(&vd_cpu_sched[i].rq, VD_SCHED_SLICE_TICKS);

	/* the boot context becomes the thread "main" (its stack is the
	 * HAL's boot stack, which we neither know nor free) */
	main_t = thread_alloc("main", VD_PRIO_NORMAL, false);
	idle = thread_alloc("idle", VD_PRIO_IDLE, true);
	if (!main_t || !idle)
		vd_panic("sched: no memory for the first threads");
	main_t->state = VD_THREAD_RUNNING;
	main_t->on_cpu = true;
	main_t->cpu = cpu;
	main_t->detached = true;
	idle->is_idle = true;
	idle->detached = true;
	idle->cpu = cpu;
	idle->affinity = (vd_cpuset_t)1 << cpu;
	idle->ksp =
		hal_kstack_init(vd_thread_kstack_top(idle), idle_entry, idle);

	st = vd_sched_lock();
	thread_table_insert_locked(main_t);
	thread_table_insert_locked(idle);
	c->current = main_t;
	c->idle = idle;
	c->online = true;
	c->active_root = 0; /* unknown: the first switch loads one */
	sched_up = true;
	vd_sched_unlock(st);
	kprintf("sched: cpu %u up, %u priority levels, slice %u ticks\n", cpu,
		VD_PRIO_LEVELS, VD_SCHED_SLICE_TICKS);
	return VD_OK;
}

void vd_sched_run_secondary(unsigned cpu)
{
	struct vd_thread *idle = NULL;
	vd_sched_lock_state_t st;

	if (sched_up && cpu < VD_MAX_CPUS && cpu == hal_cpu_id())
		idle = thread_alloc("idle", VD_PRIO_IDLE, false);
	if (!idle) {
		kprintf("sched: cpu %u runs without a scheduler\n", cpu);
		(void)hal_irq_save();
		for (;;)
			hal_cpu_idle();
	}
	idle->is_idle = true;
	idle->detached = true;
	idle->cpu = cpu;
	idle->affinity = (vd_cpuset_t)1 << cpu;
	idle->state = VD_THREAD_RUNNING;
	idle->on_cpu = true;
	st = vd_sched_lock();
	thread_table_insert_locked(idle);
	vd_cpu_sched[cpu].current = idle;
	vd_cpu_sched[cpu].idle = idle;
	vd_cpu_sched[cpu].active_root = 0;
	vd_cpu_sched[cpu].online = true;
	__atomic_fetch_add(&vd_smp_cpus, 1, __ATOMIC_RELAXED);
	vd_sched_unlock(st);
	idle_loop();
}
