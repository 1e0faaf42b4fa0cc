/*
 * Scheduler internals shared by core/sched/sched.c (per-CPU state, the
 * switch), wait.c (block and wake), by_tid.c (the API by thread id),
 * thread.c (thread table, create, exit, join) and the fast hand-overs.
 * Everything here is protected by the scheduler lock unless noted.
 */
#ifndef CORE_SCHED_INTERNAL_H
#define CORE_SCHED_INTERNAL_H

#include <veridian/hal.h>
#include <veridian/sched.h>
#include <veridian/spinlock.h>
#include <veridian/thread.h>

struct cpu_sched {
	struct vd_runqueue rq;
	struct vd_thread *current;
	struct vd_thread *idle;
	/* the thread we switched away from, finished by the next one */
	struct vd_thread *switched_from;
	bool need_resched;
	bool online;
	paddr_t active_root; /* page table the CPU runs on */
	/* sched_fast_run's hand-overs, one per IPC fast-path message
	 * (vd_sched_fast_handoffs): straight to user mode, each also a
	 * context switch, or through the general switch, which counts the
	 * switch itself */
	uint64_t fast_handoffs, fast_handoffs_switched;
} __attribute__((aligned(1024))); /* indexing by CPU is a shift */

extern struct cpu_sched vd_cpu_sched[VD_MAX_CPUS];
extern struct vd_spinlock vd_sched_lock_word;

static inline struct cpu_sched *this_cpu_sched(void)
{
	return &vd_cpu_sched[hal_cpu_id()];
}

/*
 * Load address space `root` on c's CPU (the calling one).  active_root is
 * published first, with a full barrier before the load, so that a TLB
 * shootdown of an entry of root (tlb.c) either finds this CPU in root or
 * changed the entry before this CPU could cache it.  Nothing touches the
 * previous space's user half between the store and the load.
 */
static inline void sched_switch_root(struct cpu_sched *c, paddr_t root)
{
	__atomic_store_n(&c->active_root, root, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	hal_pt_activate(root);
}

/*
 * The holder record of the scheduler lock (vd_sched_lock_held), kept in
 * debug builds only: every way of taking the lock claims it (vd_sched_lock,
 * sched_fast_lock_masked) and every way of releasing it drops it
 * (vd_sched_unlock, sched_fast_unlock_masked, vd_spin_unlock).  The
 * production image and the bench image (veridian-bench, whose counts the
 * IPC fast path is held to) keep none: these compile to nothing there.
 */
static inline void sched_lock_claim(void)
{
#if VD_DEBUG
	__atomic_store_n(&vd_sched_lock_word.holder_cpu, (int)hal_cpu_id(),
			 __ATOMIC_RELAXED);
#endif
}

static inline void sched_lock_drop(void)
{
#if VD_DEBUG
	__atomic_store_n(&vd_sched_lock_word.holder_cpu, -1, __ATOMIC_RELAXED);
#endif
}

/* The contended half of the scheduler lock: spin until `ticket` is
 * served (out of line, so that the lock's fast path stays a leaf). */
__attribute__((noinline)) void sched_lock_wait(uint32_t ticket);

/* tlb.c: answer the shootdowns pending for this CPU (from vd_ipi). */
void sched_tlb_ipi(void);

#define STACK_CANARY 0x5ca1ab1e0ddba11ull

/* sched.c */
void sched_schedule_locked(void);
/* After a switch, in the thread that now runs: finish the one before. */
void sched_finish_switch(void);
/* Make a CREATED/SUSPENDED/BLOCKED thread READY on a suitable CPU. */
void sched_make_ready_locked(struct vd_thread *t);
/* Ask `cpu` to reschedule (IPI if it is not the caller's). */
void sched_request_resched(unsigned cpu);
/* Unlink t from its wait queue and timeout (it is BLOCKED). */
void sched_unblock_locked(struct vd_thread *t);

/* hold.c: vd_block_thread of another thread (sched.h).  begin: put a
 * hold on t (it has none).  take: t is about to become runnable (its
 * wait ended, it is scheduled, or it is the running thread at a
 * scheduling point, off any queue): if it has a pending hold, make it
 * BLOCKED for the hold and return true (the caller leaves it there).
 * release: end t's hold (vd_wake_thread, the timeout, a kill); a held
 * thread becomes ready. */
void sched_hold_begin_locked(struct vd_thread *t, enum vd_block_reason reason,
			     uint64_t deadline_ns);
bool sched_hold_take_locked(struct vd_thread *t);
void sched_hold_release_locked(struct vd_thread *t);

/* thread.c */
struct vd_thread *thread_find_locked(vd_tid_t tid);
void thread_table_insert_locked(struct vd_thread *t);
/* Remove from the table and drop the table's reference. */
void thread_reap_locked(struct vd_thread *t);
/* Drop a reference; frees the thread at zero (lock may be held). */
void thread_put_locked(struct vd_thread *t);
struct vd_thread *thread_alloc(const char *name, unsigned prio,
			       bool with_stack);
void thread_free(struct vd_thread *t);

/* Put t (the current thread of c, blocking) on c's timeout queue until
 * deadline_ns, and arm the timer if that is now the earliest (fast.c). */
void sched_timeout_arm_locked(struct cpu_sched *c, struct vd_thread *t,
			      uint64_t deadline_ns);

/* sched_fast.h: run next, which has kernel frames, after the current
 * thread blocked without its own (sched_fast_block). */
VD_NORETURN void vd_sched_fast_switch_locked(struct vd_thread *next);
/* sched_fast.h: sched_fast_run when it has a call to make. */
__attribute__((noinline)) VD_NORETURN void
sched_fast_run_slow(struct cpu_sched *c, struct vd_thread *prev,
		    struct vd_thread *next, uint64_t deadline_ns);

/* A new thread's first code: finish the switch that started it, drop the
 * scheduler lock the switch held. */
void sched_thread_first_run(void);

/* sched.c, for wait.c and by_tid.c.  sched_switch_to_locked: make next
 * current on c (the calling CPU) now, the current thread having been
 * queued or blocked already; returns when that thread runs again.
 * sched_schedule_on: pick c's next thread and switch to it. */
void sched_switch_to_locked(struct cpu_sched *c, struct vd_thread *next);
void sched_schedule_on(struct cpu_sched *c);

static inline struct vd_thread *sched_thread_of(struct vd_sched_entity *se)
{
	return VD_CONTAINER_OF(se, struct vd_thread, se);
}

#endif /* CORE_SCHED_INTERNAL_H */
