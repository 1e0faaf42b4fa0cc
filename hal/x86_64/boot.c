/*
 * x86_64 HAL: boot, from the 64-bit entry (head.S) to vd_kmain.
 *
 *   1. console (port I/O needs no mapping), CPU features, IDT, this CPU's
 *      GDT/TSS/GS base: from here on a fault prints a register dump
 *   2. PVH start info -> memory map, command line, initrd;
 *      ACPI MADT -> CPUs, I/O APICs, ISA routing
 *      (both read through the boot identity map)
 *   3. kernel page table (W^X image, physmap, MMIO) replaces the boot one
 *   4. interrupt controllers, timer calibration, AP trampoline
 *   5. reserved ranges (first MiB, image + boot page tables, initrd)
 *   6. vd_kmain
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/boot_info.h>
#include <hal/unwind.h>
#include <veridian/boot.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

extern char __kernel_start[];

VD_NORETURN void x86_boot_main(uint32_t start_info);

static struct vd_boot_info boot_info;

VD_NORETURN void x86_boot_main(uint32_t start_info)
{
	struct vd_boot_info *bi = &boot_info;

	x86_console_init();
	x86_cpu_detect_features();
	x86_idt_init();
	x86_cpu_init(0, X86_CPUID_1_EBX_APIC_ID(x86_cpuid(1, 0).ebx));

	x86_pvh_parse(start_info, bi);
	x86_acpi_parse(bi);

	x86_kmap_init(bi);
	hal_unwind_init(bi);
	x86_lapic_init_mapping();
	x86_ioapic_init();
	x86_smp_prepare(bi);

	/* BIOS data area, EBDA, option ROMs and the AP trampoline */
	hal_boot_reserve(bi, 0, 0x100000, VD_MEM_RESERVED);
	/* image, then the page tables the boot allocator placed after it */
	paddr_t kstart = X86_PA((uintptr_t)__kernel_start);
	bi->board = "PC";
	hal_boot_info_finish(bi, "PVH", kstart, x86_boot_alloc_end() - kstart);
	hal_boot_reserve(bi, bi->initrd_base, bi->initrd_size,
			 VD_MEM_BOOT_DATA);

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

	vd_kmain(bi);
}
