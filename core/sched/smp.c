/*
 * SMP bring-up: start every CPU the firmware reported and wait, bounded,
 * for each to check in.  Under -icount QEMU runs vCPUs one after another,
 * so a secondary may need many million instructions to appear: wait in
 * WFI/HLT-based slices measured against the monotonic timer, not a spin
 * count.
 */
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/printf.h>
#include <veridian/types.h>

#define SMP_START_TIMEOUT_NS 2000000000ull /* 2 s per CPU */

void vd_smp_init(const struct vd_boot_info *bi)
{
	unsigned want =
		bi->cpu_count < VD_MAX_CPUS ? bi->cpu_count : VD_MAX_CPUS;

	for (unsigned cpu = 1; cpu < want; cpu++) {
		vd_err_t err = hal_cpu_start(cpu);
		if (err != VD_OK) {
			kprintf("smp: cpu %u not started: %s\n", cpu,
				vd_strerror(err));
			continue;
		}
		uint64_t deadline = hal_timer_now_ns() + SMP_START_TIMEOUT_NS;
		/* checked with interrupts masked; the tick ends each wait */
		hal_irqstate_t st = hal_irq_save();
		while (!vd_cpu_checked_in(cpu) && hal_timer_now_ns() < deadline)
			hal_cpu_idle();
		hal_irq_restore(st);
		if (!vd_cpu_checked_in(cpu))
			kprintf("smp: cpu %u did not come up\n", cpu);
	}
	kprintf("smp: %u of %u cpus online\n", vd_cpus_online(), bi->cpu_count);
}
