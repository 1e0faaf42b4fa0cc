/*
 * x86_64 HAL: other CPUs: the trampoline they start in (trampoline.S,
 * copied below 1 MiB), starting them through the cpu driver
 * (hal/drivers/cpu/init_sipi.c), the count online, and IPIs through the
 * irq driver.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

_Static_assert(VD_MAX_CPUS == VD_MAX_CPUS_ASM, "VD_MAX_CPUS_ASM");

extern char x86_trampoline_start[], x86_trampoline_end[];
extern char x86_trampoline_cr3[], x86_trampoline_efer[], x86_trampoline_entry[];
extern char x86_ap_entry[];

/* APIC id -> logical CPU (0xff: not ours); read by x86_ap_entry */
uint8_t x86_apic_to_cpu[256];
uint8_t x86_ap_stacks[VD_MAX_CPUS][1 << X86_AP_STACK_SHIFT]
	__attribute__((aligned(16)));

static const struct vd_boot_info *boot_info;
static bool trampoline_ready;

VD_NORETURN void x86_ap_main(unsigned cpu);

static void patch32(char *sym, uint32_t v)
{
	char *dst = vd_phys_to_virt(X86_TRAMPOLINE_PA) +
		    (sym - x86_trampoline_start);
	vd_memcpy(dst, &v, sizeof(v));
}

/* Whether the firmware's memory map calls [base, base+size) RAM: the
 * trampoline overwrites its page, which a BIOS or UEFI could otherwise
 * still use (EBDA, runtime services data). */
static bool firmware_ram(paddr_t base, uint64_t size)
{
	for (unsigned i = 0; i < x86_platform.e820_count; i++) {
		const struct x86_e820 *r = &x86_platform.e820[i];
		if (r->type == X86_E820_RAM && r->base <= base &&
		    base + size <= r->base + r->size)
			return true;
	}
	return false;
}

void x86_smp_prepare(const struct vd_boot_info *bi)
{
	boot_info = bi;
	vd_memset(x86_apic_to_cpu, 0xff, sizeof(x86_apic_to_cpu));
	for (unsigned i = 0; i < bi->cpu_count; i++) {
		x86_percpu[i].apic_id = (uint32_t)bi->cpu_hwid[i];
		if (bi->cpu_hwid[i] < 256)
			x86_apic_to_cpu[bi->cpu_hwid[i]] = (uint8_t)i;
	}
	if (bi->cpu_count < 2)
		return;
	if (!firmware_ram(X86_TRAMPOLINE_PA, VD_PAGE_SIZE)) {
		kprintf("x86: AP trampoline page 0x%x is not RAM in the "
			"firmware's memory map: other CPUs stay off\n",
			X86_TRAMPOLINE_PA);
		return;
	}

	/* Trampoline page tables: the kernel half of the kernel's root,
	 * plus the first 2 MiB identity-mapped and executable for the code
	 * that turns paging on. */
	paddr_t root = x86_boot_frame_alloc();
	uint64_t *t = vd_phys_to_virt(root);
	const uint64_t *k = vd_phys_to_virt(hal_pt_kernel_root());
	for (int i = 256; i < 512; i++)
		t[i] = k[i];
	if (x86_pt_map_with(root, 0, 0,
			    VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_HUGE,
			    x86_boot_frame_alloc) != VD_OK ||
	    root >= ((paddr_t)4 << 30))
		vd_panic("x86: cannot build the AP trampoline page table");

	size_t len = (size_t)(x86_trampoline_end - x86_trampoline_start);
	vd_memcpy(vd_phys_to_virt(X86_TRAMPOLINE_PA), x86_trampoline_start,
		  len);
	patch32(x86_trampoline_cr3, (uint32_t)root);
	patch32(x86_trampoline_efer,
		(uint32_t)x86_rdmsr(X86_MSR_EFER) &
			(X86_EFER_LME | X86_EFER_NXE | X86_EFER_SCE));
	uint64_t entry = (uint64_t)x86_ap_entry;
	patch32(x86_trampoline_entry, (uint32_t)entry);
	patch32(x86_trampoline_entry + 4, (uint32_t)(entry >> 32));
	trampoline_ready = true;
}

/* Errors: as hal_cpu_start lists; VD_ERR_NOT_FOUND if no cpu driver is
 * bound (nothing describes how to start the others) or the trampoline
 * could not be placed. */
vd_err_t hal_cpu_start(unsigned cpu)
{
	const struct vd_cpu_ops *ops = vd_driver_ops(VD_ROLE_CPU);

	if (!boot_info || cpu == 0 || cpu >= boot_info->cpu_count)
		return VD_ERR_INVALID_PARAMETER;
	if (x86_percpu[cpu].online)
		return VD_ERR_BUSY;
	if (!ops || !trampoline_ready)
		return VD_ERR_NOT_FOUND;
	return ops->start(x86_percpu[cpu].apic_id, X86_TRAMPOLINE_PA, 0);
}

VD_NORETURN void x86_ap_main(unsigned cpu)
{
	x86_cpu_init(cpu, x86_percpu[cpu].apic_id);
	x86_lapic_init();
	x86_timer_init_cpu();
	x86_percpu[cpu].online = true;
	__atomic_fetch_add(&x86_cpus_online, 1, __ATOMIC_SEQ_CST);
	vd_kmain_secondary(cpu);
}

unsigned hal_cpu_count(void)
{
	return x86_cpus_online;
}

void hal_ipi_send(unsigned cpu)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);

	if (ops && ops->ipi_send)
		ops->ipi_send(cpu);
}
