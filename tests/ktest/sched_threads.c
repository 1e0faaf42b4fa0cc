/*
 * In-kernel tests of the scheduler mechanism with kernel threads: create
 * and join, priority order, round-robin on yield, sleeping and timeouts,
 * block/wake, the Scheduling API by thread id, and leak checks.
 *
 * The tests run in the boot thread "main" (priority Normal).  Kernel
 * threads are not preempted, so each test controls exactly when the
 * others run: when main blocks (join, sleep) or yields.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

#define MS 1000000ull

static int order[64];
static volatile unsigned norder;

static void record(void *arg)
{
	order[norder++] = (int)(uintptr_t)arg;
}

static void record_and_exit(void *arg)
{
	record(arg);
	vd_thread_exit(100 + (int)(uintptr_t)arg);
}

static vd_tid_t spawn(void (*fn)(void *), uintptr_t arg, unsigned prio,
		      bool start)
{
	struct vd_thread *t;

	if (vd_kthread_create("kt", fn, (void *)arg, prio, start, &t) != VD_OK)
		return 0;
	return t->tid;
}

VD_KTEST(sched_kthread_create_join)
{
	unsigned before = vd_thread_count();
	int code = -1;

	norder = 0;
	vd_tid_t tid = spawn(record_and_exit, 5, VD_PRIO_NORMAL, true);
	KT_ASSERT(tid != 0);
	KT_ASSERT_OK(vd_thread_join(tid, VD_TIMEOUT_INFINITE, &code));
	KT_ASSERT_EQ(norder, 1);
	KT_ASSERT_EQ(order[0], 5);
	KT_ASSERT_EQ(code, 105);
	KT_ASSERT_EQ(vd_thread_join(tid, 0, &code), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_thread_count(), before);

	/* returning from the entry function exits with 0 */
	tid = spawn(record, 6, VD_PRIO_HIGH, true);
	KT_ASSERT_OK(vd_thread_join(tid, VD_TIMEOUT_INFINITE, &code));
	KT_ASSERT_EQ(code, 0);
}

VD_KTEST(sched_priority_order)
{
	vd_tid_t low, high, rt, norm;

	norder = 0;
	low = spawn(record, 1, VD_PRIO_LOW, false);
	high = spawn(record, 2, VD_PRIO_HIGH, false);
	rt = spawn(record, 3, VD_PRIO_REALTIME, false);
	norm = spawn(record, 4, VD_PRIO_NORMAL, false);
	KT_ASSERT(low && high && rt && norm);
	KT_ASSERT_EQ(norder, 0); /* created, not scheduled */
	KT_ASSERT_OK(vd_schedule_thread(low, VD_PRIO_LOW));
	KT_ASSERT_OK(vd_schedule_thread(norm, VD_PRIO_NORMAL));
	KT_ASSERT_OK(vd_schedule_thread(high, VD_PRIO_HIGH));
	KT_ASSERT_OK(vd_schedule_thread(rt, VD_PRIO_REALTIME));
	KT_ASSERT_EQ(vd_schedule_thread(rt, VD_PRIO_REALTIME), VD_ERR_BUSY);
	/* main blocks on the lowest: all four run, best first */
	KT_ASSERT_OK(vd_thread_join(low, VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_EQ(norder, 4);
	KT_ASSERT_EQ(order[0], 3);
	KT_ASSERT_EQ(order[1], 2);
	KT_ASSERT_EQ(order[2], 4);
	KT_ASSERT_EQ(order[3], 1);
	KT_ASSERT_OK(vd_thread_join(high, 0, NULL));
	KT_ASSERT_OK(vd_thread_join(rt, 0, NULL));
	KT_ASSERT_OK(vd_thread_join(norm, 0, NULL));
}

static void yielder(void *arg)
{
	for (int i = 0; i < 5; i++) {
		record(arg);
		vd_yield_cpu();
	}
}

VD_KTEST(sched_round_robin_yield)
{
	vd_tid_t a, b;

	norder = 0;
	a = spawn(yielder, 1, VD_PRIO_HIGH, true);
	b = spawn(yielder, 2, VD_PRIO_HIGH, true);
	KT_ASSERT_OK(vd_thread_join(a, VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_OK(vd_thread_join(b, VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_EQ(norder, 10);
	for (unsigned i = 0; i < 10; i++)
		KT_ASSERT_EQ(order[i], 1 + (int)(i % 2)); /* 1 2 1 2 ... */
}

VD_KTEST(sched_sleep_and_timeout)
{
	struct vd_thread *self = vd_current_thread();
	uint64_t t0 = hal_timer_now_ns();

	vd_sleep_ns(20 * MS);
	KT_ASSERT(hal_timer_now_ns() - t0 >= 20 * MS);
	/*
	 * Timeouts do not wait for the 10 ms tick: right after a tick, a
	 * 1 ms sleep ends before the next one.  (A loaded host can stall a
	 * vCPU for a tick, so allow a few tries.)
	 */
	bool early = false;
	for (int try = 0; try < 5 && !early; try++) {
		uint64_t ticks = vd_ticks(hal_cpu_id());
		hal_irqstate_t s = hal_irq_save();
		while (vd_ticks(hal_cpu_id()) == ticks)
			hal_cpu_idle(); /* to just after a tick */
		hal_irq_restore(s);
		ticks = vd_ticks(hal_cpu_id());
		t0 = hal_timer_now_ns();
		vd_sleep_ns(1 * MS);
		KT_ASSERT(hal_timer_now_ns() - t0 >= 1 * MS);
		early = vd_ticks(hal_cpu_id()) == ticks;
	}
	KT_ASSERT(early);
	t0 = hal_timer_now_ns();
	KT_ASSERT_EQ(vd_block_thread(self->tid, VD_BLOCK_SLEEP, 15 * MS),
		     VD_ERR_TIMEOUT);
	KT_ASSERT(hal_timer_now_ns() - t0 >= 15 * MS);
	KT_ASSERT(hal_timer_now_ns() - t0 < 1000 * MS);
	/* a zero timeout never sleeps */
	KT_ASSERT_EQ(vd_block_thread(self->tid, VD_BLOCK_IO, 0),
		     VD_ERR_TIMEOUT);
}

static struct vd_waitqueue wq = VD_WAITQUEUE_INIT(wq);
static volatile vd_err_t wait_result;
static volatile bool waiting;

static void waiter(void *arg)
{
	vd_sched_lock_state_t st = vd_sched_lock();

	waiting = true;
	wait_result = vd_sched_wait_locked(
		&wq, VD_BLOCK_IO,
		vd_deadline_after(hal_timer_now_ns(), (uintptr_t)arg));
	waiting = false;
	vd_sched_unlock(st);
}

VD_KTEST(sched_block_and_wake)
{
	struct vd_thread_info info;
	vd_sched_lock_state_t st;
	vd_tid_t w;

	/* woken before its 5 s timeout */
	wait_result = VD_ERR_BUSY;
	w = spawn(waiter, 5000 * MS, VD_PRIO_NORMAL, true);
	vd_sleep_ns(2 * MS); /* let it block */
	KT_ASSERT(waiting);
	KT_ASSERT_OK(vd_thread_get_info(w, &info));
	KT_ASSERT_EQ(info.state, VD_THREAD_BLOCKED);
	st = vd_sched_lock();
	KT_ASSERT_EQ(vd_sched_wake_one_locked(&wq), 1);
	KT_ASSERT_EQ(vd_sched_wake_one_locked(&wq), 0);
	vd_sched_unlock(st);
	KT_ASSERT_OK(vd_thread_join(w, VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_EQ(wait_result, VD_OK);

	/* nobody wakes it: the timeout does */
	w = spawn(waiter, 5 * MS, VD_PRIO_NORMAL, true);
	KT_ASSERT_OK(vd_thread_join(w, VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_EQ(wait_result, VD_ERR_TIMEOUT);

	/* wake by thread id */
	w = spawn(waiter, 5000 * MS, VD_PRIO_NORMAL, true);
	vd_sleep_ns(2 * MS);
	KT_ASSERT_OK(vd_wake_thread(w));
	KT_ASSERT_EQ(vd_wake_thread(w), VD_ERR_BUSY); /* not blocked now */
	KT_ASSERT_OK(vd_thread_join(w, VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_EQ(wait_result, VD_OK);
}

VD_KTEST(sched_join_timeout)
{
	vd_tid_t w = spawn(waiter, 30 * MS, VD_PRIO_NORMAL, true);
	uint64_t t0 = hal_timer_now_ns();

	KT_ASSERT_EQ(vd_thread_join(w, 0, NULL), VD_ERR_TIMEOUT);
	KT_ASSERT_EQ(vd_thread_join(w, 5 * MS, NULL), VD_ERR_TIMEOUT);
	KT_ASSERT(hal_timer_now_ns() - t0 >= 5 * MS);
	KT_ASSERT_OK(vd_thread_join(w, VD_TIMEOUT_INFINITE, NULL));
}

VD_KTEST(sched_api_by_thread_id)
{
	struct vd_thread *self = vd_current_thread();
	struct vd_thread_info info;
	vd_tid_t t, next;

	norder = 0;
	t = spawn(record, 9, VD_PRIO_LOW, false);
	KT_ASSERT(t);
	KT_ASSERT_OK(vd_thread_get_info(t, &info));
	KT_ASSERT_EQ(info.state, VD_THREAD_CREATED);
	KT_ASSERT_EQ(info.priority, VD_PRIO_LOW);
	KT_ASSERT_EQ(info.process_id, 0);

	KT_ASSERT_OK(vd_schedule_thread(t, VD_PRIO_LOW));
	KT_ASSERT_OK(vd_next_thread(hal_cpu_id(), &next));
	KT_ASSERT_EQ(next, t);
	KT_ASSERT_OK(vd_set_thread_priority(t, VD_PRIO_HIGH));
	KT_ASSERT_OK(vd_thread_get_info(t, &info));
	KT_ASSERT_EQ(info.priority, VD_PRIO_HIGH);
	KT_ASSERT_EQ(info.state, VD_THREAD_READY);

	/* unschedule: it does not run while main sleeps */
	KT_ASSERT_OK(vd_unschedule_thread(t));
	KT_ASSERT_EQ(vd_next_thread(hal_cpu_id(), &next), VD_ERR_NOT_FOUND);
	vd_sleep_ns(2 * MS);
	KT_ASSERT_EQ(norder, 0);
	KT_ASSERT_OK(vd_thread_get_info(t, &info));
	KT_ASSERT_EQ(info.state, VD_THREAD_SUSPENDED);

	/* context_switch hands the CPU straight to it */
	KT_ASSERT_OK(vd_schedule_thread(t, VD_PRIO_LOW));
	KT_ASSERT_OK(vd_context_switch(self->tid, t));
	KT_ASSERT_EQ(norder, 1);
	KT_ASSERT_OK(vd_thread_join(t, VD_TIMEOUT_INFINITE, NULL));

	/* errors */
	KT_ASSERT_EQ(vd_schedule_thread(~0ull, VD_PRIO_LOW), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_schedule_thread(self->tid, 41),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_schedule_thread(self->tid, VD_PRIO_NORMAL),
		     VD_ERR_BUSY);
	KT_ASSERT_EQ(vd_set_thread_priority(~0ull, 1), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_set_thread_priority(self->tid, 99),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_unschedule_thread(~0ull), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_next_thread(VD_MAX_CPUS, &next),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_wake_thread(self->tid), VD_ERR_BUSY);
	KT_ASSERT_EQ(vd_wake_thread(~0ull), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_block_thread(self->tid, VD_BLOCK_NONE, 0),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_block_thread(~0ull, VD_BLOCK_SLEEP, 0),
		     VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_thread_join(self->tid, 0, NULL),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_context_switch(~0ull, self->tid),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_thread_get_info(~0ull, &info), VD_ERR_NOT_FOUND);
	KT_ASSERT_OK(vd_thread_get_info(self->tid, &info));
	KT_ASSERT_EQ(info.state, VD_THREAD_RUNNING);
	KT_ASSERT_EQ(vd_kthread_create("x", NULL, NULL, 0, true, NULL),
		     VD_ERR_INVALID_PARAMETER);
}

static void churn(void *arg)
{
	for (uintptr_t i = 0; i < (uintptr_t)arg; i++)
		vd_yield_cpu();
}

VD_KTEST(sched_many_threads_no_leak)
{
	struct vd_allocator_stats before, after;
	vd_tid_t tids[48];
	unsigned nthreads = vd_thread_count();

	vd_heap_stats(&before);
	for (unsigned i = 0; i < VD_ARRAY_SIZE(tids); i++) {
		tids[i] = spawn(churn, i % 7, (unsigned)(i % VD_PRIO_LEVELS),
				true);
		KT_ASSERT(tids[i] != 0);
	}
	for (unsigned i = 0; i < VD_ARRAY_SIZE(tids); i++)
		KT_ASSERT_OK(
			vd_thread_join(tids[i], VD_TIMEOUT_INFINITE, NULL));
	KT_ASSERT_EQ(vd_thread_count(), nthreads);
	vd_heap_stats(&after);
	KT_ASSERT_EQ(after.current_allocated, before.current_allocated);
}
