/*
 * Other CPUs: starting the secondaries through the bound cpu driver
 * (PSCI CPU_ON, spin-table: hal/drivers/cpu/), the count of CPUs online,
 * and IPIs through the bound irq driver.
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/panic.h>

unsigned a64_cpu_total = 1;
static unsigned cpus_online;

/* Secondary stacks; head.S loads a64_secondary_sp[cpu] into sp. */
static uint8_t secondary_stacks[VD_MAX_CPUS][A64_STACK_SIZE]
	__attribute__((aligned(16)));
uint64_t a64_secondary_sp[VD_MAX_CPUS];

extern char a64_secondary_entry[];

unsigned hal_cpu_count(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

/* Called by the boot CPU before vd_kmain. */
void a64_cpu_mark_online(void)
{
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
}

/* Errors: those of hal_cpu_start; VD_ERR_NOT_FOUND also when no cpu
 * driver is bound (a board that describes no way to start CPUs). */
vd_err_t hal_cpu_start(unsigned cpu)
{
	const struct vd_cpu_ops *ops = vd_driver_ops(VD_ROLE_CPU);

	if (cpu == 0 || cpu >= a64_cpu_total || cpu >= VD_MAX_CPUS)
		return VD_ERR_INVALID_PARAMETER;
	if (!ops)
		return VD_ERR_NOT_FOUND;
	a64_secondary_sp[cpu] =
		(uint64_t)(uintptr_t)&secondary_stacks[cpu][A64_STACK_SIZE];
	/* The new CPU reads the MMU parameters with its MMU and caches off:
	 * push them (and the stack pointer table) out to memory. */
	for (uintptr_t p = (uintptr_t)&a64_mmu_params & ~63ull;
	     p < (uintptr_t)(&a64_mmu_params + 1); p += 64)
		__asm__ volatile("dc cvac, %0" ::"r"(p) : "memory");
	__asm__ volatile("dc cvac, %0" ::"r"(&a64_secondary_sp[cpu])
			 : "memory");
	a64_dsb(sy);
	/* x0 = the logical CPU number, for head.S */
	return ops->start(a64_cpu_hwid[cpu],
			  a64_kimg_to_phys(a64_secondary_entry), cpu);
}

/* Secondary CPU in the upper half, on its own stack (head.S). */
VD_NORETURN void a64_secondary_main(unsigned cpu)
{
	a64_cpu_local_init(cpu);
	/* The ASID width (TCR_EL1.AS) was chosen on the boot CPU
	 * (early_map.c): a CPU with 8-bit ASIDs would alias the wider ones
	 * the allocator hands out (asid.c). */
	if ((a64_read_sysreg(tcr_el1) & A64_TCR_AS) &&
	    a64_id_field(a64_read_sysreg(id_aa64mmfr0_el1),
			 A64_MMFR0_ASIDBITS_SHIFT) != A64_MMFR0_ASIDBITS_16)
		vd_panic("cpu %u has 8-bit ASIDs, the boot CPU 16", cpu);
	/* Leave the identity map for the empty "no process" address space. */
	a64_write_sysreg(ttbr0_el1, a64_empty_user_root);
	a64_isb();
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
	((const struct vd_irq_ops *)vd_driver_ops(VD_ROLE_IRQ))->cpu_init();
	a64_timer_cpu_init();
	a64_cpu_mark_online();
	vd_kmain_secondary(cpu);
}

void hal_ipi_send(unsigned cpu)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);

	if (cpu < a64_cpu_total)
		ops->ipi_send(cpu);
}
