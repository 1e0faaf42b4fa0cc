/*
 * Veridian: the scheduler (Scheduling API of the kernel API).
 *
 * Two layers, kept apart so the first is testable on the host:
 *
 *   POLICY (core/sched/policy.c): pure data structures, no locks, no HAL.
 *     A struct vd_runqueue per CPU holds one FIFO list per priority level
 *     and a 64-bit bitmap with bit p set iff level p has a ready entity,
 *     so the highest ready priority is one count-leading-zeros: O(1).
 *     Within a level entities run round-robin with a time slice counted in
 *     ticks.  Each run queue also keeps the CPU's timeout queue: blocked
 *     entities sorted by wake-up deadline.
 *
 *   MECHANISM (core/sched/sched.c, wait.c): threads, the per-CPU state (current
 *     thread, idle thread, need-resched flag), one scheduler lock, block /
 *     wake, and the switch itself through hal_context_switch().
 *
 * Priorities are the VeridianOS kernel API's levels (README.md); any
 * value 0..VD_PRIO_MAX is accepted and a larger number runs first.  The
 * idle thread of a CPU is not on any run queue: it runs when the queue is
 * empty.
 */
#ifndef VERIDIAN_SCHED_H
#define VERIDIAN_SCHED_H

#include <veridian/list.h>
#include <veridian/panic.h>
#include <veridian/types.h>

/* Priority of the kernel API. */
enum vd_priority {
	VD_PRIO_IDLE = 0,
	VD_PRIO_LOW = 10,
	VD_PRIO_NORMAL = 20,
	VD_PRIO_HIGH = 30,
	VD_PRIO_REALTIME = 40,
};
#define VD_PRIO_MAX    VD_PRIO_REALTIME
#define VD_PRIO_LEVELS (VD_PRIO_MAX + 1)
_Static_assert(VD_PRIO_LEVELS <= 64, "one 64-bit word of priority bitmap");

/* BlockReason of the kernel API (JOIN added for join_thread). */
enum vd_block_reason {
	VD_BLOCK_NONE = 0,
	VD_BLOCK_SLEEP,
	VD_BLOCK_IPC,
	VD_BLOCK_MEMORY,
	VD_BLOCK_IO,
	VD_BLOCK_CHILD,
	VD_BLOCK_MUTEX,
	VD_BLOCK_JOIN,
};
const char *vd_block_reason_name(enum vd_block_reason r);

/* Option<Duration>: no timeout. */
#define VD_TIMEOUT_INFINITE UINT64_MAX

/* Round-robin time slice, in scheduler ticks (VD_TICK_NS each). */
#define VD_SCHED_SLICE_TICKS 2

/* ------------------------------------------------------------------ */
/* Policy                                                              */
/* ------------------------------------------------------------------ */

/* What the policy knows about a thread; embedded in struct vd_thread. */
struct vd_sched_entity {
	struct vd_list rq_link;	     /* in a run-queue level list */
	struct vd_list timeout_link; /* in the timeout queue, by deadline */
	uint64_t deadline_ns; /* wake-up time while on the timeout queue */
	uint8_t prio;
	bool on_rq;
	bool on_timeout;
	uint16_t slice_left; /* ticks left in the current slice */
};

struct vd_runqueue {
	uint64_t ready_bitmap; /* bit p: queue[p] is not empty */
	int top_prio;	       /* highest set bit of ready_bitmap, -1 if none */
	unsigned nr_ready;
	struct vd_list queue[VD_PRIO_LEVELS];
	struct vd_list timeouts; /* sorted by deadline, earliest first */
	unsigned nr_timeouts;
	/* deadline of the first timeout, UINT64_MAX if none: kept by the
	 * timeout functions, read without the lock (vd_timeout_next) */
	uint64_t earliest;
	uint16_t slice_ticks; /* slice given to each entity */
};

void vd_rq_init(struct vd_runqueue *rq, uint16_t slice_ticks);
/* Prepare an entity (not queued anywhere) with priority prio. */
vd_err_t vd_se_init(struct vd_sched_entity *se, unsigned prio);

/* Append se to the tail of its level (VD_ERR_BUSY if already queued). */
vd_err_t vd_rq_enqueue(struct vd_runqueue *rq, struct vd_sched_entity *se);
/* Put se at the head of its level: it keeps its turn (used when a thread
 * is preempted by a higher priority before its slice ran out). */
vd_err_t vd_rq_enqueue_head(struct vd_runqueue *rq, struct vd_sched_entity *se);
/* Remove se from the ready lists (VD_ERR_NOT_FOUND if not queued). */
vd_err_t vd_rq_remove(struct vd_runqueue *rq, struct vd_sched_entity *se);
/* Highest-priority ready entity, removed from the queue; NULL if none. */
struct vd_sched_entity *vd_rq_pick(struct vd_runqueue *rq);
/* The same without removing it. */
struct vd_sched_entity *vd_rq_peek(const struct vd_runqueue *rq);
/* Highest ready priority, or -1 when nothing is ready. */
int vd_rq_top_prio(const struct vd_runqueue *rq);
/* Change se's priority, moving it to the tail of the new level if it is
 * queued.  VD_ERR_INVALID_PARAMETER if prio > VD_PRIO_MAX. */
vd_err_t vd_rq_set_prio(struct vd_runqueue *rq, struct vd_sched_entity *se,
			unsigned prio);
/* Would a ready entity run before `cur` (strictly higher priority)? */
bool vd_rq_should_preempt(const struct vd_runqueue *rq,
			  const struct vd_sched_entity *cur);
/*
 * Charge one tick to the running entity cur (NULL = the idle thread).
 * Returns true when cur must give up the CPU: a ready entity has higher
 * priority, or cur's slice is used up and another entity of the same
 * priority is ready (round-robin).  An exhausted slice is refilled.
 */
bool vd_rq_tick(struct vd_runqueue *rq, struct vd_sched_entity *cur);

/* Timeout queue: add se with an absolute deadline (VD_ERR_BUSY if it is
 * already on it), remove it (VD_ERR_NOT_FOUND if not). */
vd_err_t vd_timeout_add(struct vd_runqueue *rq, struct vd_sched_entity *se,
			uint64_t deadline_ns);
vd_err_t vd_timeout_remove(struct vd_runqueue *rq, struct vd_sched_entity *se);
/* Earliest entity whose deadline is <= now, removed; NULL if none. */
struct vd_sched_entity *vd_timeout_pop_expired(struct vd_runqueue *rq,
					       uint64_t now_ns);
/* Earliest deadline on the queue, or UINT64_MAX.  Safe without the
 * scheduler lock: then it may be a moment old (the timer tick uses it to
 * skip the lock when nothing is due). */
uint64_t vd_timeout_next(const struct vd_runqueue *rq);

/* Absolute deadline for a relative timeout, saturating at infinity. */
static inline uint64_t vd_deadline_after(uint64_t now_ns, uint64_t timeout_ns)
{
	if (timeout_ns == VD_TIMEOUT_INFINITE || now_ns + timeout_ns < now_ns)
		return VD_TIMEOUT_INFINITE;
	return now_ns + timeout_ns;
}

/* ------------------------------------------------------------------ */
/* Mechanism                                                           */
/* ------------------------------------------------------------------ */

struct vd_thread;

/*
 * Boot CPU, once the heap works: wrap the running boot context as the
 * thread "main" and create an idle thread per possible CPU.
 */
vd_err_t vd_sched_init(void);
/* A secondary CPU (from vd_kmain_secondary): its boot context becomes the
 * CPU's idle thread.  Never returns. */
VD_NORETURN void vd_sched_run_secondary(unsigned cpu);
/* True once vd_sched_init has run (threads and blocking work). */
bool vd_sched_ready(void);

/* The thread running on the calling CPU. */
struct vd_thread *vd_current_thread(void);

/* Timer tick on the calling CPU; `now` is hal_timer_now_ns(). */
void vd_sched_tick(uint64_t now);
/* A timer interrupt before the tick: expire the due timeouts only. */
void vd_sched_expire_timeouts(uint64_t now);
/* Earliest timeout on the calling CPU's queue, or UINT64_MAX. */
uint64_t vd_sched_next_timeout(void);
/* Hand-overs of the IPC fast path (sched_fast_run), over all CPUs: each
 * delivered one fast-path message.  *direct (if not NULL) gets the number
 * that went straight to user mode, each also a context switch not counted
 * elsewhere (the rest went through the general switch, which counts). */
uint64_t vd_sched_fast_handoffs(uint64_t *direct);
/* (core/sched/tick.c) A timeout with this deadline became the earliest
 * of the calling CPU, interrupts off: fire the timer early enough. */
void vd_timer_timeout_added(uint64_t deadline_ns);
/* The idle loop, interrupts masked: about to wait with nothing to run
 * (a secondary CPU stops its tick), or found work (the tick restarts). */
void vd_timer_idle_enter(void);
void vd_timer_idle_exit(void);

/*
 * Give the CPU to the best ready thread, if it is not the caller.  The
 * current thread goes back on the run queue if it is still runnable.
 */
void vd_schedule(void);
/* Reschedule if the tick or a wake-up asked for it. */
void vd_sched_preempt_point(void);
/* Has the tick or a wake-up asked the calling CPU to reschedule? */
bool vd_sched_need_resched(void);

/*
 * Scheduling API of the kernel API.  Thread ids are those of
 * include/veridian/thread.h.
 */
/* Make a new or unscheduled thread ready at `prio`. */
vd_err_t vd_schedule_thread(vd_tid_t tid, unsigned prio);
/* Take a ready thread off the run queue (it runs again only after
 * vd_schedule_thread).  Unscheduling the caller deschedules it now. */
vd_err_t vd_unschedule_thread(vd_tid_t tid);
vd_err_t vd_set_thread_priority(vd_tid_t tid, unsigned prio);
/* The thread CPU `cpu` would run next (without removing it from the
 * queue).  VD_ERR_NOT_FOUND if only the idle thread would run. */
vd_err_t vd_next_thread(unsigned cpu, vd_tid_t *out);
vd_err_t vd_yield_cpu(void);
struct vd_cpu_context;
/* SYS_THREAD_YIELD (core/sched/yield.c): vd_yield_cpu for the user thread
 * whose syscall context is ctx, which gives up its kernel frames when
 * another thread runs (it returns 0 to user mode when picked again).
 * Returns only if the caller runs on. */
void vd_sched_yield_syscall(struct vd_cpu_context *ctx);
/*
 * Block thread `tid` for `reason` until vd_wake_thread or the timeout
 * (VD_TIMEOUT_INFINITE = none).
 *
 * The calling thread: returns when it runs again, VD_OK if woken,
 * VD_ERR_TIMEOUT if the time ran out.
 *
 * Another thread: returns at once and puts a HOLD on it (core/sched/
 * hold.c), which keeps it from running until vd_wake_thread(tid) or the
 * timeout, whatever it was doing:
 *   - READY: taken off its run queue, BLOCKED for the hold at once;
 *   - RUNNING on another CPU: that CPU is sent a reschedule IPI and the
 *     thread stops at its next scheduling point -- the return to user
 *     mode of the IPI for a user thread; a kernel thread's next preempt
 *     point, block or yield (kernel threads are never switched in the
 *     middle of an interrupt);
 *   - BLOCKED in a wait of its own (IPC, sleep, join, an earlier block):
 *     the wait goes on; when it ends, the thread stays BLOCKED for the
 *     hold instead of running, and resumes with that wait's result once
 *     the hold is released.
 * The state of a thread under an active hold is BLOCKED with block_reason
 * `reason`.  The timeout counts from this call: a hold whose time ran out
 * before it took effect ends without stopping the thread.  Killing the
 * thread ends the hold.
 * Errors: VD_ERR_INVALID_PARAMETER (reason NONE or unknown; an idle
 * thread; a dead thread), VD_ERR_NOT_FOUND (no such thread), VD_ERR_BUSY
 * (a thread that is not scheduled -- CREATED or SUSPENDED: use
 * vd_schedule_thread / vd_unschedule_thread -- or one that already has a
 * hold), VD_ERR_TIMEOUT (the caller's own block timed out).
 */
vd_err_t vd_block_thread(vd_tid_t tid, enum vd_block_reason reason,
			 uint64_t timeout_ns);
/*
 * Wake thread `tid`: release its hold if it has one (pending or active;
 * an own wait it is still in goes on), else end the wait it is blocked in
 * (which returns VD_OK).  Errors: VD_ERR_NOT_FOUND (no such thread),
 * VD_ERR_BUSY (neither held nor blocked).
 */
vd_err_t vd_wake_thread(vd_tid_t tid);

/* ------------------------------------------------------------------ */
/* Blocking primitives for kernel code                                 */
/* ------------------------------------------------------------------ */

/*
 * All sleeping goes through the scheduler lock: a waiter takes it, checks
 * its condition, and blocks with vd_sched_wait_locked(), which releases it
 * during the sleep and retakes it before returning; a waker changes the
 * condition and calls vd_sched_wake_locked() under the same lock, so no
 * wake-up is lost.
 */
typedef unsigned long vd_sched_lock_state_t;
vd_sched_lock_state_t vd_sched_lock(void);
void vd_sched_unlock(vd_sched_lock_state_t st);
/* Does the calling CPU hold the scheduler lock, with interrupts masked?
 * Known in debug builds only (VD_DEBUG, include/veridian/panic.h): the
 * production image keeps no holder record for this lock, and there the
 * answer is always false.  For VD_ASSERT_SCHED_LOCKED. */
bool vd_sched_lock_held(void);
/* The contract of a function that runs under the scheduler lock. */
#define VD_ASSERT_SCHED_LOCKED() VD_DEBUG_ASSERT(vd_sched_lock_held())

/* A list of sleeping threads. */
struct vd_waitqueue {
	struct vd_list waiters;
};
#define VD_WAITQUEUE_INIT(name)                                                \
	{                                                                      \
		VD_LIST_INIT((name).waiters)                                   \
	}
void vd_waitqueue_init(struct vd_waitqueue *wq);

/* Sleep on wq (NULL: no queue, only a timeout or a direct wake) until
 * woken or until the absolute deadline.  VD_OK / VD_ERR_TIMEOUT /
 * VD_ERR_BUSY if the thread is being killed and must not sleep. */
vd_err_t vd_sched_wait_locked(struct vd_waitqueue *wq,
			      enum vd_block_reason reason,
			      uint64_t deadline_ns);
/* Wake the first / every thread sleeping on wq.  Returns how many. */
unsigned vd_sched_wake_one_locked(struct vd_waitqueue *wq);
unsigned vd_sched_wake_all_locked(struct vd_waitqueue *wq);
/* Wake one blocked thread (VD_ERR_BUSY if it was not blocked, or is
 * blocked for a hold only: vd_wake_thread, the hold's timeout and a kill
 * release those). */
vd_err_t vd_sched_wake_thread_locked(struct vd_thread *t, vd_err_t result);
/*
 * IPC fast path: block the calling thread as vd_sched_wait_locked(NULL,
 * reason, deadline_ns) does and run `next` -- a thread blocked without a
 * wait queue, whose wait the caller has just satisfied -- on this CPU at
 * once, bypassing the run queue (next's wait returns VD_OK).  If next may
 * not run here, a higher priority is ready, or the caller is being
 * killed, next is woken the ordinary way and the caller blocks normally.
 */
vd_err_t vd_sched_wait_switch_locked(struct vd_thread *next,
				     enum vd_block_reason reason,
				     uint64_t deadline_ns);

/* Sleep for `ns` nanoseconds (rounded up to the tick). */
void vd_sleep_ns(uint64_t ns);

#endif /* VERIDIAN_SCHED_H */
