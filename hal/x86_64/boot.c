/*
 * x86_64 HAL: boot, from the 64-bit entry (head.S) to vd_kmain.
 *
 *   1. CPU features, IDT, this CPU's GDT/TSS/GS base: from here on a
 *      fault has a handler (it prints once a console is bound)
 *   2. the boot protocol's structure (PVH start info or Multiboot2
 *      information) -> memory map, command line, RSDP; the ACPI tables
 *      listed (all read through the boot identity map)
 *   3. console driver (SPCR, COM1 or vd.console=), power driver; then
 *      any error of step 2 is reported; the MADT -> CPUs
 *   4. kernel page table (W^X image, physmap, MMIO) replaces the boot one
 *   5. the other drivers: irq (I/O APIC), cpu (INIT-SIPI), entropy;
 *      timer calibration, AP trampoline
 *   6. reserved ranges (first MiB, image + boot page tables, initrd)
 *   7. vd_kmain
 */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/boot_info.h>
#include <hal/driver.h>
#include <hal/unwind.h>
#include <veridian/boot.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

extern char __kernel_start[];

/* Which protocol entered, and its register values (head.S stores them
 * before it clears .bss, so they live in .data). */
extern uint32_t x86_boot_protocol, x86_boot_magic, x86_boot_info;

VD_NORETURN void x86_boot_main(void);

static struct vd_boot_info boot_info;

bool x86_boot_add_memory(struct vd_boot_info *bi, uint64_t base, uint64_t size,
			 uint32_t type)
{
	struct x86_platform *p = &x86_platform;
	enum vd_mem_type t =
		type == X86_E820_RAM ? VD_MEM_USABLE : VD_MEM_RESERVED;

	if (size == 0)
		return true;
	if (p->e820_count && bi->mem_count) {
		struct x86_e820 *last = &p->e820[p->e820_count - 1];
		struct vd_mem_region *m = &bi->mem[bi->mem_count - 1];
		if (last->type == type && last->base + last->size == base &&
		    m->type == t && m->base + m->size == base) {
			last->size += size;
			m->size += size;
			return true;
		}
	}
	if (p->e820_count == VD_MAX_MEM_REGIONS)
		return false;
	p->e820[p->e820_count++] = (struct x86_e820){base, size, type};
	return vd_boot_add_region(bi->mem, &bi->mem_count, base, size, t);
}

static const struct vd_probe_env probe_env_template = {
	.fdt = NULL,
	.acpi_find = x86_acpi_find,
};

VD_NORETURN void x86_boot_main(void)
{
	struct vd_boot_info *bi = &boot_info;
	struct vd_probe_env env = probe_env_template;
	const char *err;

	x86_cpu_detect_features();
	x86_idt_init();
	x86_cpu_init(0, X86_CPUID_1_EBX_APIC_ID(x86_cpuid(1, 0).ebx));

	if (x86_boot_protocol == X86_BOOT_MULTIBOOT2)
		err = x86_mb2_parse(x86_boot_magic, x86_boot_info, bi);
	else
		err = x86_pvh_parse(x86_boot_info, bi);
	x86_acpi_init();

	env.cmdline = bi->cmdline ? bi->cmdline : "";
	vd_driver_probe(VD_ROLE_CONSOLE, &env);
	/* power next (port I/O, no mapping needed), so that a boot error
	 * below still ends the run */
	vd_driver_probe(VD_ROLE_POWER, &env);
	if (err)
		vd_panic("x86: %s (boot information at 0x%x)", err,
			 x86_boot_info);
	x86_acpi_parse_cpus(bi);

	x86_kmap_init(bi);
	hal_unwind_init(bi);
	x86_lapic_init_mapping();
	vd_driver_probe(VD_ROLE_IRQ, &env);
	vd_driver_probe(VD_ROLE_CPU, &env);
	vd_driver_probe(VD_ROLE_ENTROPY, &env);
	x86_smp_prepare(bi);

	/* BIOS data area, EBDA, option ROMs and the AP trampoline */
	hal_boot_reserve(bi, 0, 0x100000, VD_MEM_RESERVED);
	/* image, then the page tables the boot allocator placed after it */
	paddr_t kstart = X86_PA((uintptr_t)__kernel_start);
	bi->board = "PC";
	hal_boot_info_finish(bi, "unknown", kstart,
			     x86_boot_alloc_end() - kstart);
	hal_boot_reserve(bi, bi->initrd_base, bi->initrd_size,
			 VD_MEM_BOOT_DATA);

	/* whatever the firmware or boot loader left in the 8259s (BIOS:
	 * vectors 0x08.., overlapping exceptions) is remapped and masked */
	x86_pic_disable();
	x86_lapic_init();
	x86_timer_init();
	x86_timer_init_cpu();
	x86_percpu[0].online = true;
	x86_cpus_online = 1;
	kprintf("x86: TSC %llu kHz, LAPIC timer %llu kHz;%s%s%s%s\n",
		(unsigned long long)(x86_tsc_hz / 1000),
		(unsigned long long)(x86_lapic_hz / 1000),
		x86_features.nx ? " NX" : "", x86_features.smep ? " SMEP" : "",
		x86_features.smap ? " SMAP" : "",
		x86_features.umip ? " UMIP" : "");
	x86_fpu_report();

	vd_kmain(bi);
}
