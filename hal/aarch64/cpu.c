/*
 * The calling CPU's own state: identity (TPIDR_EL1 -> struct a64_percpu),
 * local set-up (PMU, PAN, FP trap), the cycle counter, the interrupt
 * mask and idling.  Other CPUs (start, count, IPIs) are in
 * smp.c; backtraces in hal/common/kernel/unwind.c.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>

struct a64_percpu a64_percpu[VD_MAX_CPUS];
uint64_t a64_cpu_hwid[VD_MAX_CPUS];

/*
 * PMU (ARMv8 PMUv3): PMCR_EL0 bit 0 E (enable), bit 1 P (reset event
 * counters), bit 2 C (reset cycle counter), bit 6 LC (64-bit cycle counter
 * overflow); PMCNTENSET_EL0 bit 31 enables PMCCNTR_EL0; PMCCFILTR_EL0 = 0
 * counts at EL0 and EL1.  Under QEMU -icount the cycle counter advances one
 * per instruction.
 */
static void pmu_init(void)
{
	a64_write_sysreg(pmccfiltr_el0, 0);
	a64_write_sysreg(pmcr_el0, a64_read_sysreg(pmcr_el0) | A64_PMCR_E |
					   A64_PMCR_P | A64_PMCR_C |
					   A64_PMCR_LC);
	a64_write_sysreg(pmcntenset_el0, A64_PMCNTENSET_C);
	a64_isb();
}

void a64_cpu_local_init(unsigned cpu)
{
	struct a64_percpu *pc = &a64_percpu[cpu];
	pc->cpu = cpu;
	pc->mpidr = a64_mpidr_aff();
	a64_write_sysreg(tpidr_el1, pc);
	/* CPACR_EL1.FPEN = 0: FP/SIMD traps at EL0 and EL1 until a user
	 * thread's state is loaded (fpu.c).  The kernel is built
	 * -mgeneral-regs-only. */
	a64_write_sysreg(cpacr_el1, 0);
	if (a64_has_pan)
		__asm__ volatile(".inst 0xd500419f" ::: "memory"); /* pan, #1 */
	pmu_init();
	a64_isb();
}

unsigned hal_cpu_id(void)
{
	return a64_this_cpu()->cpu;
}

uint64_t hal_cycles(void)
{
	return a64_read_sysreg(pmccntr_el0);
}

void hal_cpu_idle(void)
{
	/* WFI wakes on a pending interrupt even with PSTATE.I set, so
	 * with IRQs masked (the contract) no wake-up is lost between the
	 * caller's check and the wait.  Then open the mask for a moment
	 * to take it: the ISB makes the unmask take effect before the
	 * mask comes back.  (Entered unmasked it is a plain wfi.) */
	if (hal_irq_local_enabled()) {
		__asm__ volatile("dsb sy\n\twfi" ::: "memory");
		return;
	}
	__asm__ volatile("dsb sy\n\t"
			 "wfi\n\t"
			 "msr daifclr, #2\n\t"
			 "isb\n\t"
			 "msr daifset, #2" ::
				 : "memory");
}

/* No stack frames for these two: every scheduler lock takes them. */
__attribute__((naked)) hal_irqstate_t hal_irq_save(void)
{
	__asm__("mrs x0, daif\n\t"
		"msr daifset, #2\n\t"
		"ret");
}

__attribute__((naked)) void hal_irq_restore(hal_irqstate_t state)
{
	__asm__("msr daif, x0\n\t"
		"ret");
}

/* No frame: the syscall path calls it on every general syscall. */
__attribute__((naked)) void hal_irq_local_enable(void)
{
	__asm__("msr daifclr, #2\n\t"
		"ret");
}

bool hal_irq_local_enabled(void)
{
	return !(a64_read_sysreg(daif) & A64_DAIF_I);
}
