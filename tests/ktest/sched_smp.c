/*
 * Per-CPU run queues on a multi-CPU board: a thread pinned to another CPU
 * runs there (queued on that CPU's run queue, started by a reschedule
 * IPI to its idle thread), blocks there, and is woken from this CPU.
 * With one CPU online (the -icount bench run) the tests have nothing to
 * check and pass.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

static volatile unsigned ran_on[4];
static struct vd_waitqueue smp_wq = VD_WAITQUEUE_INIT(smp_wq);
static volatile bool smp_waiting;

static void where_am_i(void *arg)
{
	vd_sched_lock_state_t st;

	ran_on[0] = hal_cpu_id();
	if (!arg)
		return;
	/* then sleep until CPU 0 wakes us */
	st = vd_sched_lock();
	smp_waiting = true;
	vd_sched_wait_locked(&smp_wq, VD_BLOCK_IO, VD_TIMEOUT_INFINITE);
	smp_waiting = false;
	vd_sched_unlock(st);
	ran_on[1] = hal_cpu_id();
}

static vd_tid_t pinned(unsigned cpu, void *arg)
{
	struct vd_thread *t;

	if (vd_kthread_create("pinned", where_am_i, arg, VD_PRIO_NORMAL, false,
			      &t) != VD_OK)
		return 0;
	if (vd_thread_set_affinity(t->tid, (vd_cpuset_t)1 << cpu) != VD_OK ||
	    vd_schedule_thread(t->tid, VD_PRIO_NORMAL) != VD_OK)
		return 0;
	return t->tid;
}

VD_KTEST(sched_smp_pinned_thread_runs_there)
{
	unsigned other = hal_cpu_id() == 0 ? 1 : 0;
	vd_tid_t t;

	if (vd_cpus_online() < 2)
		return;
	ran_on[0] = ~0u;
	t = pinned(other, NULL);
	KT_ASSERT(t != 0);
	KT_ASSERT_OK(vd_thread_join(t, 10000000000ull, NULL));
	KT_ASSERT_EQ(ran_on[0], other);
}

VD_KTEST(sched_smp_cross_cpu_wake)
{
	unsigned other = hal_cpu_id() == 0 ? 1 : 0;
	uint64_t deadline;
	vd_sched_lock_state_t st;
	vd_tid_t t;

	if (vd_cpus_online() < 2)
		return;
	ran_on[0] = ran_on[1] = ~0u;
	smp_waiting = false;
	t = pinned(other, (void *)1);
	KT_ASSERT(t != 0);
	deadline = hal_timer_now_ns() + 10000000000ull;
	while (!smp_waiting && hal_timer_now_ns() < deadline)
		vd_sleep_ns(1000000);
	KT_ASSERT(smp_waiting);
	st = vd_sched_lock();
	KT_ASSERT_EQ(vd_sched_wake_one_locked(&smp_wq), 1);
	vd_sched_unlock(st);
	KT_ASSERT_OK(vd_thread_join(t, 10000000000ull, NULL));
	KT_ASSERT_EQ(ran_on[0], other);
	KT_ASSERT_EQ(ran_on[1], other);
	KT_ASSERT_EQ(vd_thread_set_affinity(t, 1), VD_ERR_NOT_FOUND);
}
