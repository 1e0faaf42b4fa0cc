/*
 * Sleeping and waking for IPC, through the scheduler.
 *
 * IPC state is protected by the scheduler lock itself.  A thread parks
 * its waiter and calls vd_sched_wait_locked() without ever dropping that
 * lock in between, and every waker completes a waiter and calls
 * vd_sched_wake_thread_locked() under it, so a wake-up can never slip in
 * between "decide to sleep" and "sleep".
 */
#include <veridian/hal.h>
#include <veridian/sched.h>

#include "ipc_internal.h"

#ifndef VD_PRODUCTION /* the tests' hooks (ipc_internal.h) */
vd_err_t (*ipc_test_sleep_hook)(struct ipc_waiter *w, uint64_t deadline_ns);
void (*ipc_test_wake_hook)(struct ipc_waiter *w);
#endif

uint64_t ipc_now_ns(void)
{
	return hal_timer_now_ns();
}

vd_err_t ipc_sleep_locked(struct ipc_waiter *w, uint64_t deadline_ns,
			  ipc_lock_state_t *st)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(w != NULL && st != NULL);
#ifndef VD_PRODUCTION
	if (ipc_test_sleep_hook != NULL) {
		vd_err_t err;

		ipc_unlock(*st);
		err = ipc_test_sleep_hook(w, deadline_ns);
		*st = ipc_lock();
		return err;
	}
#endif
	if (w->thread == NULL)
		w->thread = vd_current_thread();
	return vd_sched_wait_locked(NULL, VD_BLOCK_IPC, deadline_ns);
}

void ipc_wake_locked(struct ipc_waiter *w)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(w != NULL);
#ifndef VD_PRODUCTION
	if (ipc_test_wake_hook != NULL) {
		ipc_test_wake_hook(w);
		return;
	}
#endif
	if (w->thread != NULL)
		vd_sched_wake_thread_locked(w->thread, VD_OK);
}

vd_err_t ipc_sleep_switch_locked(struct ipc_waiter *w, struct ipc_waiter *next,
				 uint64_t deadline_ns, ipc_lock_state_t *st)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(w != NULL && next != NULL && next->done);
	if (IPC_TEST_SLEEP_HOOKED() || next->thread == NULL) {
		ipc_wake_locked(next);
		return ipc_sleep_locked(w, deadline_ns, st);
	}
	if (w->thread == NULL)
		w->thread = vd_current_thread();
	return vd_sched_wait_switch_locked(next->thread, VD_BLOCK_IPC,
					   deadline_ns);
}
