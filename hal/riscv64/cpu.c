/*
 * The calling CPU's own state: its identity, counters, the local
 * interrupt mask (sstatus.SIE) and idling.  Other CPUs (start, count,
 * IPIs) are in smp.c; backtraces in hal/common/kernel/unwind.c; entropy,
 * console, power and the interrupt controller are drivers
 * (hal/common/kernel/driver_hal.c, bound in boot.c).
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <veridian/hal.h>

/* Retired instructions.  OpenSBI opens the counter to S-mode (mcounteren);
 * under QEMU -icount shift=0 it equals rdcycle and counts exactly. */
uint64_t hal_cycles(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

void hal_cpu_idle(void)
{
	/* WFI wakes on an interrupt that is pending and enabled in sie,
	 * whatever sstatus.SIE says, so with SIE clear (the contract) no
	 * wake-up is lost between the caller's check and the wait.  Then
	 * set SIE for a moment to take it: QEMU and hardware recognise the
	 * interrupt right after the CSR write.  (Entered with SIE set it is
	 * a plain wfi.) */
	if (csr_read(sstatus) & SSTATUS_SIE) {
		rv_wfi();
		return;
	}
	rv_wfi();
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
}

/* No stack frames for these two: every scheduler lock takes them. */
__attribute__((naked)) hal_irqstate_t hal_irq_save(void)
{
	__asm__("csrrci a0, sstatus, %0\n\t"
		"andi a0, a0, %0\n\t"
		"ret" ::"i"(SSTATUS_SIE));
}

/* SIE off, then on again if the state had it. */
__attribute__((naked)) void hal_irq_restore(hal_irqstate_t state)
{
	__asm__("andi a0, a0, %0\n\t"
		"csrci sstatus, %0\n\t"
		"csrs sstatus, a0\n\t"
		"ret" ::"i"(SSTATUS_SIE));
}

/* No frame: the syscall path calls it on every general syscall. */
__attribute__((naked)) void hal_irq_local_enable(void)
{
	__asm__("csrsi sstatus, %0\n\t"
		"ret" ::"i"(SSTATUS_SIE));
}

bool hal_irq_local_enabled(void)
{
	return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

/* No stack frame: core asks on every syscall and interrupt. */
__attribute__((naked)) unsigned hal_cpu_id(void)
{
	__asm__("lwu a0, %0(tp)\n\tret" ::"i"(PCPU_CPU_ID));
}
