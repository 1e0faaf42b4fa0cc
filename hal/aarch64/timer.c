/*
 * Generic timer: the virtual counter CNTVCT_EL0 (== physical counter, since
 * CNTVOFF_EL2 is 0) counting at CNTFRQ_EL0 (62.5 MHz on QEMU virt), and the
 * per-CPU virtual timer used one-shot:
 *
 *   CNTV_CVAL_EL0   compare value: fires when CNTVCT >= CVAL
 *   CNTV_CTL_EL0    bit 0 ENABLE, bit 1 IMASK, bit 2 ISTATUS (read-only)
 *
 * Its interrupt is level-triggered and per CPU (a GIC PPI); the
 * "arm,armv8-timer" node's "interrupts" lists four (secure physical,
 * non-secure physical, virtual, hypervisor) in the interrupt
 * controller's own format, which the bound irq driver translates
 * (vd_driver_fdt_irq).  The handler disables the timer before the
 * controller ends the interrupt, so the line drops (trap.c).
 *
 * ns <-> ticks use 32.32 fixed-point factors (hal/q32.h), so no division
 * happens on the hot path.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <hal/q32.h>
#include <veridian/panic.h>

#define NSEC_PER_SEC 1000000000ull

static uint64_t timer_freq;
static uint64_t boot_count;
static uint64_t ns_per_tick_32;	 /* ns per tick, 32.32 */
static uint64_t ticks_per_ns_32; /* ticks per ns, 32.32, rounded up */
static unsigned timer_intid;
#define TIMER_IRQ_VIRT 2 /* the virtual timer's entry in "interrupts" */

void a64_timer_init(const struct fdt *f)
{
	timer_freq = a64_read_sysreg(cntfrq_el0);
	if (!timer_freq)
		timer_freq = 62500000; /* firmware forgot CNTFRQ */
	ns_per_tick_32 = hal_q32_div(NSEC_PER_SEC, timer_freq);
	ticks_per_ns_32 = hal_q32_div_up(timer_freq, NSEC_PER_SEC);
	boot_count = a64_read_sysreg(cntvct_el0);

	int node = fdt_find_compatible(f, -1, "arm,armv8-timer");
	if (node < 0)
		vd_panic("aarch64: no \"arm,armv8-timer\" node in the DTB");
	if (!vd_driver_fdt_irq(f, node, TIMER_IRQ_VIRT, &timer_intid))
		vd_panic("aarch64: the timer's virtual interrupt (entry %d of "
			 "its interrupts) is not one the %s driver knows",
			 TIMER_IRQ_VIRT, vd_driver_bound(VD_ROLE_IRQ)->name);
}

void a64_timer_cpu_init(void)
{
	a64_write_sysreg(cntv_ctl_el0, 0);
	/* EL0 may read the virtual counter (CNTKCTL_EL1.EL0VCTEN). */
	a64_write_sysreg(cntkctl_el1, A64_CNTKCTL_EL0VCTEN);
	hal_irq_unmask(timer_intid); /* a PPI: this CPU's own */
}

unsigned a64_timer_intid(void)
{
	return timer_intid;
}

uint64_t hal_timer_now_ns(void)
{
	uint64_t ticks = a64_read_sysreg(cntvct_el0) - boot_count;
	return hal_q32_mul(ticks, ns_per_tick_32);
}

void hal_timer_set_deadline(uint64_t deadline_ns)
{
	if (deadline_ns == UINT64_MAX) {
		a64_write_sysreg(cntv_ctl_el0, 0);
		return;
	}
	uint64_t ticks = hal_q32_mul_up(deadline_ns, ticks_per_ns_32);
	a64_write_sysreg(cntv_cval_el0, boot_count + ticks);
	a64_write_sysreg(cntv_ctl_el0, 1);
	a64_isb();
}

void a64_timer_irq(void)
{
	a64_write_sysreg(cntv_ctl_el0, 0);
	a64_isb();
}
