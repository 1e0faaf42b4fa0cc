/*
 * vd_kmain: where the HAL hands over the boot CPU.
 *
 * Order matters: console output works from the start (the HAL set it up),
 * memory comes next because everything else allocates, then the timer
 * and interrupts.  The test image (VD_KTEST_MODE) runs the ktest suite and
 * the benchmarks and powers off with the result; the normal image starts
 * the user-space demo.
 */
#include <veridian/boot.h>
#include <veridian/cap.h>
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/printf.h>
#include <veridian/sched.h>
#include <veridian/trace.h>

static volatile unsigned cpus_online = 1;
/* Bit n: logical CPU n has checked in (the boot CPU from the start), so
 * that vd_smp_init waits for the CPU it started, not for any CPU (one
 * that checks in late must not count for the next). */
static volatile uint32_t cpus_checked_in = 1;
_Static_assert(VD_MAX_CPUS <= 32, "cpus_checked_in has one bit per CPU");

void vd_kmain(const struct vd_boot_info *bi)
{
	vd_boot_info = bi;
	vd_print_banner(bi);
	vd_mm_init(bi);
	vd_sched_init();
	vd_ipc_init(); /* registers the IPC state dump */
	vd_timer_init();
	vd_cap_init(); /* the capabilities' MAC key, with the clock running */
	vd_smp_init(bi);
	hal_irq_local_enable();
	vd_trace_boot(bi->cmdline); /* with every CPU and the scheduler up */

#ifdef VD_KTEST_MODE
	unsigned failed = vd_ktest_run_all();
	vd_kbench_run_all();
	kprintf("%s: %s\n", bi->board, failed ? "FAILED" : "all tests passed");
	hal_poweroff(failed ? 1 : 0);
#else
	vd_start_userspace();
	/* "main" has nothing left to do: it sleeps for good and leaves
	 * this CPU to its idle thread and to whatever init left running */
	for (;;)
		vd_sleep_ns(VD_TIMEOUT_INFINITE);
#endif
}

void vd_kmain_secondary(unsigned cpu)
{
	__atomic_fetch_or(&cpus_checked_in, 1u << cpu, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_SEQ_CST);
	kprintf("cpu %u online\n", cpu);
	vd_timer_init_cpu();
	vd_sched_run_secondary(cpu); /* becomes this CPU's idle thread */
}

unsigned vd_cpus_online(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_SEQ_CST);
}

bool vd_cpu_checked_in(unsigned cpu)
{
	return cpu < VD_MAX_CPUS &&
	       (__atomic_load_n(&cpus_checked_in, __ATOMIC_SEQ_CST) &
		(1u << cpu));
}
