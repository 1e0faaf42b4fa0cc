/* PLACEHOLDER until the scheduler lands: the tick only feeds metrics. */
#include <veridian/hal.h>
#include <veridian/metrics.h>
#include <veridian/sched.h>

void vd_sched_tick(uint64_t now)
{
	(void)now;
	if (hal_cpu_id() == 0)
		vd_metrics_tick();
}

void vd_ipi(void)
{
	vd_metrics_count(VD_METRIC_INTERRUPTS);
}
