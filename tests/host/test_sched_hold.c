/*
 * cmocka suite for block_thread of another thread -- the hold of
 * core/sched/hold.c -- and for save_context / restore_context's and
 * handle_syscall's refusals, on the real scheduler mechanism (sched.c,
 * wait.c, by_tid.c, context.c) over the fake HAL.  The host cannot switch
 * stacks: the tests only make the moves that need none, and play the one
 * scheduling point they need (a thread running on CPU 1 reaching it)
 * through host_user_return_jmp, which the fake switch longjmps to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <host/fake.h>
#include <veridian/sched.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>

#include "../../core/sched/sched_internal.h"
#include "mm_fixture.h"

static void never_runs(void *arg)
{
	(void)arg;
	fail_msg("a kernel thread ran on the host");
}

static int group_setup(void **state)
{
	mm_boot_default(state);
	host_set_cpu_count(2);
	assert_int_equal(vd_sched_init(), VD_OK);
	return 0;
}

/* A kernel thread READY on CPU 0 (start) or CREATED. */
static struct vd_thread *kthread(bool start)
{
	struct vd_thread *t;

	assert_int_equal(vd_kthread_create("hold", never_runs, NULL,
					   VD_PRIO_LOW, start, &t),
			 VD_OK);
	return t;
}

static void test_ready_thread_is_held_until_woken(void **state)
{
	struct vd_thread *t = kthread(true);
	struct vd_thread_info info;

	(void)state;
	assert_int_equal(t->state, VD_THREAD_READY);
	assert_int_equal(
		vd_block_thread(t->tid, VD_BLOCK_MUTEX, VD_TIMEOUT_INFINITE),
		VD_OK);
	assert_int_equal(t->state, VD_THREAD_BLOCKED);
	assert_int_equal(t->block_reason, VD_BLOCK_MUTEX);
	assert_true(t->held);
	assert_false(t->se.on_rq);
	assert_int_equal(t->affinity, 0); /* runs nowhere */
	assert_int_equal(vd_thread_get_info(t->tid, &info), VD_OK);
	assert_int_equal(info.cpu_affinity, VD_CPUSET_ALL);
	/* one hold at a time; a stray wake-up does not resume it */
	assert_int_equal(vd_block_thread(t->tid, VD_BLOCK_SLEEP, 0),
			 VD_ERR_BUSY);
	vd_sched_lock_state_t st = vd_sched_lock();
	assert_int_equal(vd_sched_wake_thread_locked(t, VD_OK), VD_ERR_BUSY);
	vd_sched_unlock(st);

	assert_int_equal(vd_wake_thread(t->tid), VD_OK);
	assert_int_equal(t->state, VD_THREAD_READY);
	assert_true(t->se.on_rq);
	assert_false(t->held);
	assert_int_equal(t->hold_reason, VD_BLOCK_NONE);
	assert_int_equal(t->affinity, VD_CPUSET_ALL);
	assert_int_equal(vd_wake_thread(t->tid), VD_ERR_BUSY);
}

static void test_errors(void **state)
{
	struct vd_thread *created = kthread(false), *ready = kthread(true);

	(void)state;
	assert_int_equal(vd_block_thread(ready->tid, VD_BLOCK_NONE, 0),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(
		vd_block_thread(ready->tid, (enum vd_block_reason)99, 0),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_block_thread(~0ull, VD_BLOCK_SLEEP, 0),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(
		vd_block_thread(vd_cpu_sched[0].idle->tid, VD_BLOCK_SLEEP, 0),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_block_thread(created->tid, VD_BLOCK_SLEEP,
					 VD_TIMEOUT_INFINITE),
			 VD_ERR_BUSY); /* not scheduled */
	assert_int_equal(vd_wake_thread(~0ull), VD_ERR_NOT_FOUND);
	assert_int_equal(ready->state, VD_THREAD_READY);
}

/* t blocks in a wait of its own on wq (as vd_sched_wait_locked would). */
static void own_wait(struct vd_thread *t, struct vd_waitqueue *wq)
{
	vd_sched_lock_state_t st = vd_sched_lock();

	t->state = VD_THREAD_BLOCKED;
	t->block_reason = VD_BLOCK_IPC;
	vd_list_add_tail(&wq->waiters, &t->wait_link);
	t->waiting_on = wq;
	vd_sched_unlock(st);
}

static void test_blocked_thread_finishes_its_wait_then_holds(void **state)
{
	struct vd_waitqueue wq;
	struct vd_thread *t = kthread(false);
	vd_sched_lock_state_t st;

	(void)state;
	vd_waitqueue_init(&wq);
	own_wait(t, &wq);
	assert_int_equal(
		vd_block_thread(t->tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		VD_OK);
	assert_false(t->held); /* pending: the wait goes on */
	assert_int_equal(t->block_reason, VD_BLOCK_IPC);
	assert_int_equal(t->affinity, 0); /* the IPC fast path turns away */
	st = vd_sched_lock();
	assert_int_equal(vd_sched_wake_one_locked(&wq), 1);
	vd_sched_unlock(st);
	assert_int_equal(t->state, VD_THREAD_BLOCKED);
	assert_true(t->held);
	assert_int_equal(t->block_reason, VD_BLOCK_SLEEP);
	assert_int_equal(t->wake_result, VD_OK); /* its wait's result */
	assert_false(t->se.on_rq);
	assert_int_equal(vd_wake_thread(t->tid), VD_OK);
	assert_int_equal(t->state, VD_THREAD_READY);
	assert_int_equal(t->wake_result, VD_OK);

	/* a pending hold is cancelled by a wake: the wait goes on */
	struct vd_thread *u = kthread(false);
	own_wait(u, &wq);
	assert_int_equal(
		vd_block_thread(u->tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		VD_OK);
	assert_int_equal(vd_wake_thread(u->tid), VD_OK);
	assert_int_equal(u->hold_reason, VD_BLOCK_NONE);
	assert_int_equal(u->affinity, VD_CPUSET_ALL);
	assert_int_equal(u->state, VD_THREAD_BLOCKED);
	assert_ptr_equal(u->waiting_on, &wq);
	st = vd_sched_lock();
	assert_int_equal(vd_sched_wake_one_locked(&wq), 1);
	vd_sched_unlock(st);
	assert_int_equal(u->state, VD_THREAD_READY);
}

static void test_hold_timeout(void **state)
{
	struct vd_thread *t = kthread(true);

	(void)state;
	assert_int_equal(vd_block_thread(t->tid, VD_BLOCK_SLEEP, 5000), VD_OK);
	assert_true(t->held);
	assert_true(t->se.on_timeout);
	host_advance_time_ns(4000);
	vd_sched_expire_timeouts(hal_timer_now_ns());
	assert_true(t->held);
	host_advance_time_ns(2000);
	vd_sched_expire_timeouts(hal_timer_now_ns());
	assert_false(t->held);
	assert_int_equal(t->state, VD_THREAD_READY);
	assert_false(t->se.on_timeout);

	/* a hold whose time is up before it takes effect does nothing */
	assert_int_equal(vd_block_thread(t->tid, VD_BLOCK_SLEEP, 0), VD_OK);
	assert_int_equal(t->state, VD_THREAD_READY);
	assert_true(t->se.on_rq);
	assert_int_equal(t->hold_reason, VD_BLOCK_NONE);
	assert_int_equal(t->affinity, VD_CPUSET_ALL);
}

static void test_kill_ends_the_hold(void **state)
{
	struct vd_thread *t = kthread(true);
	vd_sched_lock_state_t st;

	(void)state;
	assert_int_equal(
		vd_block_thread(t->tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		VD_OK);
	st = vd_sched_lock();
	vd_thread_kill_locked(t);
	vd_sched_unlock(st);
	assert_false(t->held);
	assert_int_equal(t->state, VD_THREAD_READY);
	t->kill_pending = false;
}

/* A thread running on CPU 1 stops at its next scheduling point there. */
static void test_running_thread_on_another_cpu(void **state)
{
	struct cpu_sched *c1 = &vd_cpu_sched[1];
	struct vd_thread *t = kthread(false), *idle1 = kthread(false);
	jmp_buf jb;
	vd_sched_lock_state_t st;

	(void)state;
	/* CPU 1 runs t (its idle thread a stand-in that never runs) */
	st = vd_sched_lock();
	idle1->is_idle = true;
	c1->idle = idle1;
	c1->online = true;
	c1->current = t;
	t->state = VD_THREAD_RUNNING;
	t->cpu = 1;
	t->on_cpu = true;
	vd_sched_unlock(st);

	assert_int_equal(
		vd_block_thread(t->tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		VD_OK);
	assert_int_equal(t->state, VD_THREAD_RUNNING); /* until it stops */
	assert_true(c1->need_resched);
	assert_true(t->resched); /* its return to user mode will look */
	assert_int_equal(vd_save_context(t->tid, NULL),
			 VD_ERR_INVALID_PARAMETER);

	/* CPU 1 reaches the scheduling point */
	host_set_cpu(1);
	st = vd_sched_lock();
	host_user_return_jmp = &jb;
	if (setjmp(jb) == 0) {
		sched_schedule_on(c1);
		fail_msg("no switch");
	}
	host_user_return_jmp = NULL;
	assert_ptr_equal(c1->current, idle1);
	sched_finish_switch(); /* what idle1 would do: t is off CPU 1 */
	vd_sched_unlock(st);
	host_set_cpu(0);

	assert_int_equal(t->state, VD_THREAD_BLOCKED);
	assert_true(t->held);
	assert_false(t->on_cpu);
	assert_false(t->se.on_rq);
	assert_int_equal(vd_wake_thread(t->tid), VD_OK);
	assert_int_equal(t->state, VD_THREAD_READY);
	assert_int_equal(t->cpu, 1); /* back on its CPU's queue */

	st = vd_sched_lock();
	vd_rq_remove(&c1->rq, &t->se);
	t->state = VD_THREAD_SUSPENDED;
	c1->online = false;
	vd_sched_unlock(st);
}

static void test_context_refusals(void **state)
{
	struct vd_thread *t = kthread(true);
	struct vd_thread_context tc;

	(void)state;
	assert_int_equal(vd_save_context(t->tid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_restore_context(t->tid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_save_context(~0ull, &tc), VD_ERR_NOT_FOUND);
	/* a kernel thread has no user context, stopped or not */
	assert_int_equal(vd_save_context(t->tid, &tc),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(
		vd_block_thread(t->tid, VD_BLOCK_SLEEP, VD_TIMEOUT_INFINITE),
		VD_OK);
	assert_int_equal(vd_save_context(t->tid, &tc),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_wake_thread(t->tid), VD_OK);
}

/* handle_syscall from a kernel thread: refused, not a NULL process. */
static void test_handle_syscall_refuses_a_kernel_thread(void **state)
{
	struct vd_thread *t = kthread(false), *main_t = vd_cpu_sched[0].current;
	struct vd_cpu_context *ctx =
		(struct vd_cpu_context *)((char *)vd_thread_kstack_top(t) -
					  sizeof(struct vd_cpu_context));
	const uint64_t args[6] = {0};
	uint64_t ret = 0x1234;

	(void)state;
	vd_cpu_sched[0].current = t;
	assert_int_equal(vd_handle_syscall(VD_SYS_NULL, args, ctx, &ret),
			 VD_ERR_PERMISSION_DENIED);
	vd_cpu_sched[0].current = main_t;
	assert_int_equal(ret, 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_thread_is_held_until_woken),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(
			test_blocked_thread_finishes_its_wait_then_holds),
		cmocka_unit_test(test_hold_timeout),
		cmocka_unit_test(test_kill_ends_the_hold),
		cmocka_unit_test(test_running_thread_on_another_cpu),
		cmocka_unit_test(test_context_refusals),
		cmocka_unit_test(test_handle_syscall_refuses_a_kernel_thread),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
