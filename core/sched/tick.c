/*
 * The periodic scheduler tick, built on the HAL's one-shot per-CPU timer.
 *
 * Each tick re-arms the next deadline from the previous deadline (not from
 * "now"), so tick time does not drift when interrupt handling is slow.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/metrics.h>
#include <veridian/sched.h>

static uint64_t next_deadline[VD_MAX_CPUS];
static volatile uint64_t tick_count[VD_MAX_CPUS];

uint64_t vd_ticks(unsigned cpu)
{
	return cpu < VD_MAX_CPUS ? tick_count[cpu] : 0;
}

void vd_timer_init_cpu(void)
{
	unsigned cpu = hal_cpu_id();

	next_deadline[cpu] = hal_timer_now_ns() + VD_TICK_NS;
	hal_timer_set_deadline(next_deadline[cpu]);
}

void vd_timer_init(void)
{
	vd_timer_init_cpu();
}

void vd_timer_irq(void)
{
	unsigned cpu = hal_cpu_id();
	uint64_t now = hal_timer_now_ns();

	vd_metrics_count(VD_METRIC_INTERRUPTS);
	tick_count[cpu]++;
	do {
		next_deadline[cpu] += VD_TICK_NS;
	} while (next_deadline[cpu] <= now);
	hal_timer_set_deadline(next_deadline[cpu]);
	vd_sched_tick(now);
}
