/* Kernel metrics: per-CPU counters summed on demand; see metrics.h. */
#include <veridian/metrics.h>
#include <veridian/mm.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/string.h>

struct vd_metrics_cpu vd_metrics_percpu[VD_MAX_CPUS];

static vd_perf_callback_t perf_cb;
static unsigned perf_period, perf_countdown;

void vd_metrics_record_latency(enum vd_latency l, uint64_t ns)
{
	struct vd_metrics_cpu *m = &vd_metrics_percpu[hal_cpu_id()];

	m->latency_sum_ns[l] += ns;
	m->latency_samples[l]++;
}

void vd_metrics_switch_sample_end(struct vd_metrics_cpu *m)
{
	uint64_t t0 = m->switch_start_ns;

	m->switch_start_ns = 0;
	m->latency_sum_ns[VD_LATENCY_CONTEXT_SWITCH] += hal_timer_now_ns() - t0;
	m->latency_samples[VD_LATENCY_CONTEXT_SWITCH]++;
}

static uint64_t average(const uint64_t sum, const uint64_t samples)
{
	return samples ? sum / samples : 0;
}

void vd_kernel_metrics(struct vd_kernel_metrics *out)
{
	uint64_t c[VD_METRIC_COUNT] = {0};
	uint64_t sum[VD_LATENCY_COUNT] = {0}, n[VD_LATENCY_COUNT] = {0};

	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++) {
		const struct vd_metrics_cpu *m = &vd_metrics_percpu[cpu];
		for (unsigned i = 0; i < VD_METRIC_COUNT; i++)
			c[i] += __atomic_load_n(&m->count[i], __ATOMIC_RELAXED);
		for (unsigned i = 0; i < VD_LATENCY_COUNT; i++) {
			sum[i] += m->latency_sum_ns[i];
			n[i] += m->latency_samples[i];
		}
	}
	/* the IPC fast path's messages are counted once, by the scheduler,
	 * and the direct hand-overs among them are context switches too */
	uint64_t direct, handoffs = vd_sched_fast_handoffs(&direct);
	out->context_switches = c[VD_METRIC_CONTEXT_SWITCHES] + direct;
	/* per process (proc.h), plus the few counted here: HAL ktests' */
	out->syscalls_processed =
		c[VD_METRIC_SYSCALLS] + vd_proc_syscalls_total();
	out->page_faults = c[VD_METRIC_PAGE_FAULTS];
	out->interrupts_handled = c[VD_METRIC_INTERRUPTS];
	out->ipc_messages_sent = c[VD_METRIC_IPC_MESSAGES] + handoffs;
	/* counted where they happen, at no cost here: every successful
	 * vd_frame_alloc (per CPU, in its frame cache) and vd_heap_alloc
	 * (the heap's own statistics; a large block also takes frames, so
	 * it counts twice) */
	struct vd_allocator_stats hs;
	vd_heap_stats(&hs);
	out->memory_allocations = c[VD_METRIC_MEMORY_ALLOCATIONS] +
				  vd_frame_alloc_calls() + hs.allocation_count;
	out->average_syscall_latency_ns =
		average(sum[VD_LATENCY_SYSCALL], n[VD_LATENCY_SYSCALL]);
	out->average_context_switch_latency_ns = average(
		sum[VD_LATENCY_CONTEXT_SWITCH], n[VD_LATENCY_CONTEXT_SWITCH]);
	out->average_ipc_latency_ns =
		average(sum[VD_LATENCY_IPC], n[VD_LATENCY_IPC]);
}

void vd_set_perf_callback(vd_perf_callback_t cb, unsigned period_ticks)
{
	perf_period = period_ticks ? period_ticks : 1;
	perf_countdown = perf_period;
	perf_cb = cb;
}

void vd_metrics_tick(void)
{
	struct vd_kernel_metrics snap;
	vd_perf_callback_t cb = perf_cb;

	if (!cb || --perf_countdown)
		return;
	perf_countdown = perf_period;
	vd_kernel_metrics(&snap);
	cb(&snap);
}

void vd_metrics_reset(void)
{
	vd_memset(vd_metrics_percpu, 0, sizeof(vd_metrics_percpu));
}
