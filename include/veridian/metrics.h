/*
 * Veridian: kernel performance metrics (KernelMetrics of the kernel API).
 *
 * Counters are per CPU and summed on read, so the hot paths (syscall
 * entry, context switch, interrupt) increment a CPU-local word with no
 * atomic read-modify-write and no shared cache line.  Latencies are
 * accumulated as (sum, samples) pairs; hot paths sample (time one event in
 * VD_METRICS_*_SAMPLE) to keep the timer read off the common path.
 * docs/benchmarks.md says what each average spans and what it costs.
 */
#ifndef VERIDIAN_METRICS_H
#define VERIDIAN_METRICS_H

#include <veridian/hal.h>
#include <veridian/types.h>

enum vd_metric {
	VD_METRIC_CONTEXT_SWITCHES,
	VD_METRIC_SYSCALLS,
	VD_METRIC_PAGE_FAULTS,
	VD_METRIC_INTERRUPTS,
	VD_METRIC_IPC_MESSAGES,
	VD_METRIC_MEMORY_ALLOCATIONS,
	VD_METRIC_COUNT
};

enum vd_latency {
	VD_LATENCY_SYSCALL,
	VD_LATENCY_CONTEXT_SWITCH,
	VD_LATENCY_IPC,
	VD_LATENCY_COUNT
};

struct vd_kernel_metrics {
	uint64_t context_switches;
	uint64_t syscalls_processed;
	uint64_t page_faults;
	uint64_t interrupts_handled;
	uint64_t ipc_messages_sent;
	uint64_t memory_allocations;
	uint64_t average_syscall_latency_ns;
	uint64_t average_context_switch_latency_ns;
	uint64_t average_ipc_latency_ns;
};

/* Per-CPU counters, each CPU's on cache lines of its own (no false
 * sharing), 128 bytes: indexing by CPU is a shift, on every syscall. */
struct vd_metrics_cpu {
	uint64_t count[VD_METRIC_COUNT];
	uint64_t latency_sum_ns[VD_LATENCY_COUNT];
	uint64_t latency_samples[VD_LATENCY_COUNT];
	/* a sampled context switch under way on this CPU: when it began
	 * (hal_timer_now_ns), 0 for none (vd_metrics_switch_begin) */
	uint64_t switch_start_ns;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct vd_metrics_cpu) == 128,
	       "vd_metrics_cpu: indexing by CPU must stay a shift");

/*
 * Sampling periods (powers of two).  A syscall is timed when its
 * process's syscall count (usage.syscalls) is a multiple of
 * VD_METRICS_SYSCALL_SAMPLE; a context switch when its CPU's switch
 * count is a multiple of VD_METRICS_SWITCH_SAMPLE.  General-path IPC
 * calls are all timed (their own cost dwarfs two clock reads).
 */
#define VD_METRICS_SYSCALL_SAMPLE 64u
#define VD_METRICS_SWITCH_SAMPLE  8u

extern struct vd_metrics_cpu vd_metrics_percpu[VD_MAX_CPUS];

static inline void vd_metrics_count(enum vd_metric m)
{
	vd_metrics_percpu[hal_cpu_id()].count[m]++;
}

void vd_metrics_record_latency(enum vd_latency l, uint64_t ns);

/*
 * The context switch on this CPU: count it, and every
 * VD_METRICS_SWITCH_SAMPLE-th time note when it began.  The thread
 * switched to calls vd_metrics_switch_end first thing (the scheduler's
 * finish_switch), which records the sample: the average is the time from
 * the scheduler's choice to the next thread running, on one CPU.
 */
static inline void vd_metrics_switch_begin(unsigned cpu)
{
	struct vd_metrics_cpu *m = &vd_metrics_percpu[cpu];

	if (VD_UNLIKELY((++m->count[VD_METRIC_CONTEXT_SWITCHES] &
			 (VD_METRICS_SWITCH_SAMPLE - 1)) == 0))
		m->switch_start_ns = hal_timer_now_ns();
}

void vd_metrics_switch_sample_end(struct vd_metrics_cpu *m);

static inline void vd_metrics_switch_end(unsigned cpu)
{
	struct vd_metrics_cpu *m = &vd_metrics_percpu[cpu];

	if (VD_UNLIKELY(m->switch_start_ns != 0))
		vd_metrics_switch_sample_end(m);
}

/* kernel_metrics(): a consistent-enough snapshot summed over CPUs. */
void vd_kernel_metrics(struct vd_kernel_metrics *out);
/* set_perf_callback(): called with a fresh snapshot every `period_ticks`
 * scheduler ticks on CPU 0 (NULL disables). */
typedef void (*vd_perf_callback_t)(const struct vd_kernel_metrics *m);
void vd_set_perf_callback(vd_perf_callback_t cb, unsigned period_ticks);
/* Called from the tick on CPU 0. */
void vd_metrics_tick(void);
/* Zero every counter (tests). */
void vd_metrics_reset(void);

#endif /* VERIDIAN_METRICS_H */
