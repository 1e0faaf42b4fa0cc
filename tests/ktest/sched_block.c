/*
 * block_thread of another thread (sched.h, core/sched/hold.c): a ready
 * thread stops at once, a thread in a wait of its own finishes the wait
 * but does not run until woken, a thread running on another CPU stops at
 * its next scheduling point (SMP boards; skipped with one CPU), a hold's
 * timeout releases it, and the errors the header lists.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

#define MS 1000000ull

static volatile unsigned long spins;
static volatile bool stop;

/* Count, with a scheduling point per turn (a kernel thread is never
 * switched in the middle of an interrupt). */
static void spinner(void *arg)
{
	(void)arg;
	while (!stop) {
		spins++;
		vd_sched_preempt_point();
	}
}

/* A kernel thread running fn, pinned to `cpu`, left CREATED. */
static vd_tid_t make_pinned(void (*fn)(void *), unsigned cpu)
{
	struct vd_thread *t;

	if (vd_kthread_create("kt-block", fn, NULL, VD_PRIO_LOW, false, &t))
		return 0;
	/* (cpu is online: this cannot fail) */
	if (vd_thread_set_affinity(t->tid, (vd_cpuset_t)1 << cpu))
		return 0;
	return t->tid;
}

static uint32_t state_of(vd_tid_t tid)
{
	struct vd_thread_info info;

	return vd_thread_get_info(tid, &info) == VD_OK ? info.state : ~0u;
}

/* Wait up to a second for tid to reach `state`. */
static bool wait_state(vd_tid_t tid, uint32_t state)
{
	for (unsigned i = 0; i < 1000 && state_of(tid) != state; i++)
		vd_sleep_ns(MS);
	return state_of(tid) == state;
}

VD_KTEST(sched_block_ready_thread)
{
	vd_tid_t tid = make_pinned(spinner, hal_cpu_id());
	struct vd_thread_info info;
	unsigned long s0;

	KT_ASSERT(tid != 0);
	stop = false;
	spins = 0;
	/* not scheduled yet: nothing to block */
	KT_ASSERT_EQ(vd_block_thread(tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		     VD_ERR_BUSY);
	/* READY at LOW on our CPU: it runs whenever we sleep, unless held */
	KT_ASSERT_OK(vd_schedule_thread(tid, VD_PRIO_LOW));
	KT_ASSERT_OK(vd_block_thread(tid, VD_BLOCK_MUTEX, VD_TIMEOUT_INFINITE));
	KT_ASSERT_EQ(state_of(tid), VD_THREAD_BLOCKED);
	KT_ASSERT_EQ(vd_block_thread(tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		     VD_ERR_BUSY); /* held already */
	KT_ASSERT_OK(vd_thread_get_info(tid, &info));
	KT_ASSERT_EQ(info.cpu_affinity, (vd_cpuset_t)1 << hal_cpu_id());
	vd_sleep_ns(20 * MS);
	KT_ASSERT_EQ(spins, 0);
	KT_ASSERT_OK(vd_wake_thread(tid));
	KT_ASSERT_EQ(vd_wake_thread(tid), VD_ERR_BUSY); /* nothing to end */
	vd_sleep_ns(20 * MS);
	KT_ASSERT(spins > 0);

	/* a hold with a timeout ends by itself */
	KT_ASSERT_OK(vd_block_thread(tid, VD_BLOCK_SLEEP, 30 * MS));
	s0 = spins;
	vd_sleep_ns(10 * MS);
	KT_ASSERT_EQ(spins, s0);
	vd_sleep_ns(60 * MS);
	KT_ASSERT(spins > s0);

	/* errors */
	KT_ASSERT_EQ(vd_block_thread(tid, VD_BLOCK_NONE, 0),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_block_thread(tid, (enum vd_block_reason)99, 0),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_block_thread(~0ull, VD_BLOCK_SLEEP, 0),
		     VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_wake_thread(~0ull), VD_ERR_NOT_FOUND);

	stop = true;
	KT_ASSERT_OK(vd_thread_join(tid, 1000 * MS, NULL));
}

/* ---- a thread in a wait of its own ---- */

static struct vd_waitqueue own_wq = VD_WAITQUEUE_INIT(own_wq);
static volatile bool waiting, done;
static volatile vd_err_t wait_result;

static void waiter(void *arg)
{
	vd_sched_lock_state_t st = vd_sched_lock();

	(void)arg;
	waiting = true;
	wait_result =
		vd_sched_wait_locked(&own_wq, VD_BLOCK_IO, VD_TIMEOUT_INFINITE);
	vd_sched_unlock(st);
	done = true;
}

static vd_tid_t start_waiter(void)
{
	vd_tid_t tid = make_pinned(waiter, hal_cpu_id());

	waiting = done = false;
	wait_result = VD_ERR_NOT_FOUND;
	if (!tid || vd_schedule_thread(tid, VD_PRIO_LOW))
		return 0;
	for (unsigned i = 0; i < 1000 && !waiting; i++)
		vd_sleep_ns(MS);
	return waiting && wait_state(tid, VD_THREAD_BLOCKED) ? tid : 0;
}

static unsigned wake_own_wait(void)
{
	vd_sched_lock_state_t st = vd_sched_lock();
	unsigned n = vd_sched_wake_one_locked(&own_wq);

	vd_sched_unlock(st);
	return n;
}

VD_KTEST(sched_block_waiting_thread)
{
	vd_tid_t tid = start_waiter();

	KT_ASSERT(tid != 0);
	/* the hold waits for the thread's own wait to end ... */
	KT_ASSERT_OK(vd_block_thread(tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE));
	KT_ASSERT_EQ(vd_block_thread(tid, VD_BLOCK_SLEEP, 0), VD_ERR_BUSY);
	KT_ASSERT_EQ(wake_own_wait(), 1);
	/* ... which ends, but the thread does not run */
	vd_sleep_ns(20 * MS);
	KT_ASSERT(!done);
	KT_ASSERT_EQ(state_of(tid), VD_THREAD_BLOCKED);
	KT_ASSERT_OK(vd_wake_thread(tid));
	KT_ASSERT_OK(vd_thread_join(tid, 1000 * MS, NULL));
	KT_ASSERT(done);
	KT_ASSERT_EQ(wait_result, VD_OK); /* its own wait's result */

	/* waking a thread whose hold is still pending ends the hold only:
	 * its own wait goes on */
	tid = start_waiter();
	KT_ASSERT(tid != 0);
	KT_ASSERT_OK(vd_block_thread(tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE));
	KT_ASSERT_OK(vd_wake_thread(tid));
	vd_sleep_ns(10 * MS);
	KT_ASSERT(!done);
	KT_ASSERT_EQ(state_of(tid), VD_THREAD_BLOCKED);
	KT_ASSERT_EQ(wake_own_wait(), 1);
	KT_ASSERT_OK(vd_thread_join(tid, 1000 * MS, NULL));
	KT_ASSERT_EQ(wait_result, VD_OK);
}

/* ---- a thread running on another CPU ---- */

VD_KTEST(sched_block_running_thread_on_other_cpu)
{
	unsigned other = hal_cpu_id() == 0 ? 1 : 0;
	vd_tid_t tid;
	unsigned long s0;

	if (vd_cpus_online() < 2)
		KT_SKIP("one CPU online");
	tid = make_pinned(spinner, other);
	KT_ASSERT(tid != 0);
	stop = false;
	spins = 0;
	KT_ASSERT_OK(vd_schedule_thread(tid, VD_PRIO_NORMAL));
	for (unsigned i = 0; i < 1000 && spins == 0; i++)
		vd_sleep_ns(MS);
	KT_ASSERT(spins > 0);
	KT_ASSERT_EQ(state_of(tid), VD_THREAD_RUNNING);

	/* stop it: a reschedule IPI, and it blocks at its preempt point */
	KT_ASSERT_OK(vd_block_thread(tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE));
	KT_ASSERT(wait_state(tid, VD_THREAD_BLOCKED));
	s0 = spins;
	vd_sleep_ns(30 * MS);
	KT_ASSERT_EQ(spins, s0); /* no progress while held */

	KT_ASSERT_OK(vd_wake_thread(tid));
	for (unsigned i = 0; i < 1000 && spins == s0; i++)
		vd_sleep_ns(MS);
	KT_ASSERT(spins > s0); /* and it resumes */
	stop = true;
	KT_ASSERT_OK(vd_thread_join(tid, 1000 * MS, NULL));
}
