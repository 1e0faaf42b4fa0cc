/*
 * cmocka suite for core/metrics, driven through the kernel's own
 * recording paths (no counter is bumped by hand here):
 *   - syscalls: the dispatcher (core/syscall, syscall_dispatch) times one
 *     call in VD_METRICS_SYSCALL_SAMPLE, and drops a sample whose caller
 *     was switched out;
 *   - context switches: vd_metrics_switch_begin / _end, as the scheduler
 *     calls them, sampled one in VD_METRICS_SWITCH_SAMPLE per CPU;
 *   - IPC: vd_ipc_call times call -> reply (the pair fixture's world
 *     replies while the fake clock moves);
 *   - memory: vd_frame_alloc and vd_heap_alloc;
 * and the per-CPU sums, averages and the perf callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <veridian/metrics.h>
#include <veridian/syscall.h>

#include "../../core/syscall/syscall_internal.h"
#include "test_ipc_pair.h"

static int reset(void **state)
{
	(void)state;
	host_set_cpu(0);
	vd_metrics_reset();
	vd_set_perf_callback(NULL, 0);
	return pair_setup(state);
}

static int done(void **state)
{
	host_set_cpu(0);
	return pair_teardown(state);
}

/* ---- syscalls, through the dispatcher ---- */

static struct vd_process proc;
static struct vd_thread thread;
static uint64_t handler_ns;
static bool handler_blocks;

static SYSCALL(timed_handler)
{
	(void)a;
	(void)ctx;
	host_advance_time_ns(handler_ns);
	if (handler_blocks)
		thread.switches++; /* as if it blocked and came back */
	*ret = 7;
	return VD_OK;
}

/* The null syscall through the dispatcher: its real handler. */
static void null_syscall(void)
{
	const uint64_t args[6] = {0};
	uint64_t ret = 1;

	assert_int_equal(
		syscall_dispatch(&thread, VD_SYS_NULL, args, NULL, &ret),
		VD_OK);
	assert_int_equal(ret, 0);
}

/* One timed call of timed_handler, as the dispatcher makes it. */
static void timed_call(void)
{
	const uint64_t args[6] = {0};
	uint64_t ret = 0;

	assert_int_equal(
		syscall_timed(&thread, timed_handler, args, NULL, &ret), VD_OK);
	assert_int_equal(ret, 7);
}

static void test_syscall_latency_sampled(void **state)
{
	struct vd_kernel_metrics m;
	const uint64_t *n =
		&vd_metrics_percpu[0].latency_samples[VD_LATENCY_SYSCALL];
	(void)state;

	memset(&proc, 0, sizeof(proc));
	memset(&thread, 0, sizeof(thread));
	thread.proc = &proc;
	/* the dispatcher samples one call in VD_METRICS_SYSCALL_SAMPLE */
	for (unsigned i = 0; i < 4 * VD_METRICS_SYSCALL_SAMPLE; i++)
		null_syscall();
	assert_int_equal(*n, 4);
	assert_int_equal(proc.usage.syscalls, 4 * VD_METRICS_SYSCALL_SAMPLE);
	vd_metrics_reset();

	/* a sample is the handler's time on the clock */
	handler_ns = 300;
	handler_blocks = false;
	timed_call();
	timed_call();
	assert_int_equal(*n, 2);
	vd_kernel_metrics(&m);
	assert_int_equal(m.average_syscall_latency_ns, 300);

	/* a caller switched out during its syscall: no sample */
	handler_blocks = true;
	handler_ns = 1000000;
	timed_call();
	assert_int_equal(*n, 2);
	vd_kernel_metrics(&m);
	assert_int_equal(m.average_syscall_latency_ns, 300);
}

/* ---- context switches ---- */

static void test_switch_latency_sampled(void **state)
{
	struct vd_kernel_metrics m;
	(void)state;

	host_set_cpu(2);
	for (unsigned i = 0; i < 2 * VD_METRICS_SWITCH_SAMPLE; i++) {
		vd_metrics_switch_begin(2);
		host_advance_time_ns(i % VD_METRICS_SWITCH_SAMPLE ==
						     VD_METRICS_SWITCH_SAMPLE -
							     1
					     ? 40
					     : 1000); /* only the sampled */
		vd_metrics_switch_end(2);
	}
	assert_int_equal(
		vd_metrics_percpu[2].latency_samples[VD_LATENCY_CONTEXT_SWITCH],
		2);
	assert_int_equal(vd_metrics_percpu[2].switch_start_ns, 0);
	vd_kernel_metrics(&m);
	assert_int_equal(m.average_context_switch_latency_ns, 40);
	assert_true(m.context_switches >= 2 * VD_METRICS_SWITCH_SAMPLE);
	/* an end without a sampled begin records nothing */
	vd_metrics_switch_end(2);
	assert_int_equal(
		vd_metrics_percpu[2].latency_samples[VD_LATENCY_CONTEXT_SWITCH],
		2);
}

/* ---- IPC: call -> reply ---- */

static vd_err_t serve_slowly(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message req, resp;
	struct vd_ipc_header h;
	(void)w;
	(void)dl;

	host_advance_time_ns(2500);
	assert_int_equal(recv_now(&B, eb, &req, &h), VD_OK);
	resp = word_msg(req.words[0] + 1);
	assert_int_equal(vd_ipc_reply(&B.a, h.reply_token, &resp), VD_OK);
	return VD_OK;
}

static void test_ipc_latency(void **state)
{
	struct vd_ipc_message req = word_msg(1), resp;
	struct vd_kernel_metrics m0, m1;
	(void)state;

	vd_kernel_metrics(&m0);
	assert_int_equal(m0.average_ipc_latency_ns, 0); /* no sample yet */
	ipc_world = serve_slowly;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_OK);
	vd_kernel_metrics(&m1);
	assert_int_equal(m1.average_ipc_latency_ns, 2500);
	assert_true(m1.ipc_messages_sent >= m0.ipc_messages_sent + 2);
	/* a call that fails is not a latency */
	assert_int_equal(vd_ipc_call(&A.a, ch, &req, 0, 0, &resp),
			 VD_ERR_TIMEOUT);
	vd_kernel_metrics(&m1);
	assert_int_equal(m1.average_ipc_latency_ns, 2500);
}

/* ---- memory ---- */

static void test_memory_allocations(void **state)
{
	struct vd_kernel_metrics m0, m1;
	struct vd_frame f;
	void *p;
	(void)state;

	vd_kernel_metrics(&m0);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	host_set_cpu(1); /* another CPU's frame cache counts as well */
	assert_int_equal(vd_frame_alloc(4, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(vd_frame_free(f, 4), VD_OK);
	host_set_cpu(0);
	vd_kernel_metrics(&m1);
	assert_int_equal(m1.memory_allocations, m0.memory_allocations + 2);
	/* a heap block counts once, plus the frames the heap takes for it
	 * (here: maybe a new slab page) */
	struct vd_allocator_stats h0, h1;
	vd_heap_stats(&h0);
	p = vd_kzalloc(48);
	assert_non_null(p);
	vd_kfree(p);
	vd_heap_stats(&h1);
	assert_int_equal(h1.allocation_count, h0.allocation_count + 1);
	vd_kernel_metrics(&m0);
	assert_true(m0.memory_allocations == m1.memory_allocations + 1 ||
		    m0.memory_allocations == m1.memory_allocations + 2);
	m1 = m0;
	/* failures are not allocations */
	assert_int_equal(vd_frame_alloc(0, VD_ZONE_NORMAL, &f),
			 VD_ERR_INVALID_PARAMETER);
	vd_kernel_metrics(&m0);
	assert_int_equal(m0.memory_allocations, m1.memory_allocations);
}

/* ---- sums over CPUs, the callback ---- */

static void test_counters_sum_over_cpus(void **state)
{
	struct vd_kernel_metrics m;
	(void)state;

	host_set_cpu(0);
	vd_metrics_count(VD_METRIC_PAGE_FAULTS);
	host_set_cpu(3);
	vd_metrics_count(VD_METRIC_PAGE_FAULTS);
	vd_metrics_count(VD_METRIC_INTERRUPTS);
	vd_kernel_metrics(&m);
	assert_int_equal(m.page_faults, 2);
	assert_int_equal(m.interrupts_handled, 1);
	vd_metrics_reset();
	vd_kernel_metrics(&m);
	assert_int_equal(m.page_faults, 0);
}

static int callback_calls;
static uint64_t callback_faults;

static void perf_cb(const struct vd_kernel_metrics *m)
{
	callback_calls++;
	callback_faults = m->page_faults;
}

static void test_perf_callback_period(void **state)
{
	(void)state;
	callback_calls = 0;
	vd_metrics_tick(); /* no callback set: nothing happens */
	assert_int_equal(callback_calls, 0);

	vd_set_perf_callback(perf_cb, 3);
	vd_metrics_count(VD_METRIC_PAGE_FAULTS);
	vd_metrics_tick();
	vd_metrics_tick();
	assert_int_equal(callback_calls, 0);
	vd_metrics_tick();
	assert_int_equal(callback_calls, 1);
	assert_int_equal(callback_faults, 1);
	for (int i = 0; i < 6; i++)
		vd_metrics_tick();
	assert_int_equal(callback_calls, 3);
	vd_set_perf_callback(NULL, 1);
	vd_metrics_tick();
	assert_int_equal(callback_calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syscall_latency_sampled,
						reset, done),
		cmocka_unit_test_setup_teardown(test_switch_latency_sampled,
						reset, done),
		cmocka_unit_test_setup_teardown(test_ipc_latency, reset, done),
		cmocka_unit_test_setup_teardown(test_memory_allocations, reset,
						done),
		cmocka_unit_test_setup_teardown(test_counters_sum_over_cpus,
						reset, done),
		cmocka_unit_test_setup_teardown(test_perf_callback_period,
						reset, done),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
