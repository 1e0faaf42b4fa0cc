/* cmocka suite for core/metrics: per-CPU counters, averages, callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <host/fake.h>
#include <veridian/metrics.h>

static int reset(void **state)
{
	(void)state;
	host_fake_reset();
	vd_metrics_reset();
	vd_set_perf_callback(NULL, 0);
	return 0;
}

static void test_counters_sum_over_cpus(void **state)
{
	struct vd_kernel_metrics m;
	(void)state;

	host_set_cpu(0);
	vd_metrics_count(VD_METRIC_SYSCALLS);
	vd_metrics_count(VD_METRIC_SYSCALLS);
	vd_metrics_count(VD_METRIC_PAGE_FAULTS);
	host_set_cpu(3);
	vd_metrics_count(VD_METRIC_SYSCALLS);
	vd_metrics_count(VD_METRIC_CONTEXT_SWITCHES);
	vd_metrics_count(VD_METRIC_IPC_MESSAGES);
	vd_metrics_count(VD_METRIC_MEMORY_ALLOCATIONS);
	vd_metrics_count(VD_METRIC_INTERRUPTS);
	vd_kernel_metrics(&m);
	assert_int_equal(m.syscalls_processed, 3);
	assert_int_equal(m.page_faults, 1);
	assert_int_equal(m.context_switches, 1);
	assert_int_equal(m.ipc_messages_sent, 1);
	assert_int_equal(m.memory_allocations, 1);
	assert_int_equal(m.interrupts_handled, 1);
	vd_metrics_reset();
	vd_kernel_metrics(&m);
	assert_int_equal(m.syscalls_processed, 0);
}

static void test_latency_averages(void **state)
{
	struct vd_kernel_metrics m;
	(void)state;

	vd_kernel_metrics(&m);
	assert_int_equal(m.average_syscall_latency_ns, 0); /* no samples */
	host_set_cpu(0);
	vd_metrics_record_latency(VD_LATENCY_SYSCALL, 100);
	host_set_cpu(1);
	vd_metrics_record_latency(VD_LATENCY_SYSCALL, 300);
	vd_metrics_record_latency(VD_LATENCY_IPC, 50);
	vd_metrics_record_latency(VD_LATENCY_CONTEXT_SWITCH, 7);
	vd_kernel_metrics(&m);
	assert_int_equal(m.average_syscall_latency_ns, 200);
	assert_int_equal(m.average_ipc_latency_ns, 50);
	assert_int_equal(m.average_context_switch_latency_ns, 7);
}

static int callback_calls;
static uint64_t callback_syscalls;

static void perf_cb(const struct vd_kernel_metrics *m)
{
	callback_calls++;
	callback_syscalls = m->syscalls_processed;
}

static void test_perf_callback_period(void **state)
{
	(void)state;
	callback_calls = 0;
	vd_metrics_tick(); /* no callback set: nothing happens */
	assert_int_equal(callback_calls, 0);

	vd_set_perf_callback(perf_cb, 3);
	vd_metrics_count(VD_METRIC_SYSCALLS);
	vd_metrics_tick();
	vd_metrics_tick();
	assert_int_equal(callback_calls, 0);
	vd_metrics_tick();
	assert_int_equal(callback_calls, 1);
	assert_int_equal(callback_syscalls, 1);
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
		cmocka_unit_test_setup(test_counters_sum_over_cpus, reset),
		cmocka_unit_test_setup(test_latency_averages, reset),
		cmocka_unit_test_setup(test_perf_callback_period, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
