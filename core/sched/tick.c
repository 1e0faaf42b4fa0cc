/*
 * The periodic scheduler tick, built on the HAL's one-shot per-CPU timer.
 *
 * Each tick re-arms the next deadline from the previous deadline (not from
 * "now"), so tick time does not drift when interrupt handling is slow.
 *
 * Timeouts do not wait for the tick: the timer is armed for the earlier of
 * the next tick and the CPU's earliest timeout, and an interrupt that
 * comes before the tick only expires timeouts.  So a 1 ms sleep takes
 * about 1 ms, not up to a tick.
 *
 * An idle secondary CPU stops its tick (vd_timer_idle_enter): it has no
 * thread to account or preempt, and its timer then fires only for its
 * timeouts.  Every tick takes the global scheduler lock; idle CPUs
 * ticking for nothing add contention that, on an overcommitted host
 * (QEMU -smp 4 on fewer host cores), can grow until each tick is due
 * again before the CPUs get out of the last one.  The boot CPU keeps
 * ticking: it drives the metrics callback.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/metrics.h>
#include <veridian/sched.h>
#include <veridian/trace.h>

static uint64_t next_deadline[VD_MAX_CPUS];
static volatile uint64_t tick_count[VD_MAX_CPUS];
static bool tick_stopped[VD_MAX_CPUS]; /* idle, see vd_timer_idle_enter */

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

/* Arm the timer for the next tick (unless stopped) or the earliest
 * timeout of this CPU, whichever comes first. */
static void arm(unsigned cpu)
{
	uint64_t timeout = vd_sched_next_timeout();
	uint64_t tick = tick_stopped[cpu] ? UINT64_MAX : next_deadline[cpu];

	hal_timer_set_deadline(timeout < tick ? timeout : tick);
}

void vd_timer_irq(void)
{
	unsigned cpu = hal_cpu_id();
	uint64_t now = hal_timer_now_ns();

	vd_metrics_count(VD_METRIC_INTERRUPTS);
	VD_TRACE_EVENT(VD_TRACE_INTERRUPT, VD_TRACE_IRQ_TIMER, 0);
	if (!tick_stopped[cpu] && now >= next_deadline[cpu]) {
		tick_count[cpu]++;
		do {
			next_deadline[cpu] += VD_TICK_NS;
		} while (next_deadline[cpu] <= now);
		vd_sched_tick(now);
	} else {
		vd_sched_expire_timeouts(now); /* early: a timeout is due */
	}
	arm(cpu);
}

void vd_timer_timeout_added(uint64_t deadline_ns)
{
	unsigned cpu = hal_cpu_id();

	/* interrupts are off (scheduler lock), and deadline_ns is now the
	 * CPU's earliest timeout: the timer must fire at the earlier of it
	 * and the next tick */
	if (deadline_ns < next_deadline[cpu])
		hal_timer_set_deadline(deadline_ns);
}

void vd_timer_idle_enter(void)
{
	unsigned cpu = hal_cpu_id();

	if (cpu == 0 || tick_stopped[cpu])
		return;
	tick_stopped[cpu] = true;
	arm(cpu); /* the earliest timeout only */
}

void vd_timer_idle_exit(void)
{
	unsigned cpu = hal_cpu_id();
	uint64_t now;

	if (!tick_stopped[cpu])
		return;
	tick_stopped[cpu] = false;
	now = hal_timer_now_ns();
	if (next_deadline[cpu] <= now)
		next_deadline[cpu] = now + VD_TICK_NS;
	arm(cpu);
}
