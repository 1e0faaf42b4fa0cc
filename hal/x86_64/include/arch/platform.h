/*
 * x86_64 HAL: what boot learns about the machine (PVH start info or
 * Multiboot2 information, ACPI tables) and the local APIC / timer / SMP
 * internals.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <arch/defs.h>
#include <veridian/hal.h>

#define X86_MAX_ACPI_TABLES 32

/* An ACPI table the root table (RSDT/XSDT) lists, checksum verified. */
struct x86_acpi_table {
	char signature[4];
	uint32_t length;
	paddr_t pa;
};

/* Firmware memory map entry (E820 types, as in the PVH memmap) */
#define X86_E820_RAM	  1
#define X86_E820_RESERVED 2
#define X86_E820_ACPI	  3 /* ACPI tables, reclaimable once parsed */
#define X86_E820_NVS	  4 /* ACPI non-volatile storage */
#define X86_E820_UNUSABLE 5
#define X86_E820_PMEM	  7

struct x86_e820 {
	uint64_t base;
	uint64_t size;
	uint32_t type;
};

struct x86_platform {
	unsigned e820_count;
	struct x86_e820 e820[VD_MAX_MEM_REGIONS];
	paddr_t rsdp; /* from the boot loader, or found by x86_acpi_init */
	unsigned acpi_count;
	struct x86_acpi_table acpi[X86_MAX_ACPI_TABLES];
	paddr_t lapic_base;
	bool has_8259; /* MADT flags.PCAT_COMPAT */
};
extern struct x86_platform x86_platform;

/*
 * The boot protocols (head.S stores which one entered, X86_BOOT_PVH or
 * X86_BOOT_MULTIBOOT2, and boot.c picks the parser).  Each fills bi (memory
 * map, command line, initrd) and x86_platform.e820 / .rsdp from the loader's
 * structure at physical address `info` (identity-mapped at this point) and
 * copies out what is needed later, before anything can overwrite it.  They run
 * before the console exists: they return an error message instead of panicking
 * (NULL on success), which boot.c reports once the console is bound.
 */
const char *x86_pvh_parse(uint32_t info, struct vd_boot_info *bi);
/* Also names the firmware in bi->firmware ("GRUB 2.06 (Multiboot2,
 * UEFI)"). */
const char *x86_mb2_parse(uint32_t magic, uint32_t info,
			  struct vd_boot_info *bi);
/* Append a firmware memory map range (E820 type) to x86_platform.e820
 * and bi->mem, merging it with the previous one when they touch and
 * agree.  False when the lists are full. */
bool x86_boot_add_memory(struct vd_boot_info *bi, uint64_t base, uint64_t size,
			 uint32_t type);

/* ACPI: find the RSDP (x86_platform.rsdp if a loader gave it) and list
 * the tables (silent: runs before the console); then, once the console
 * is up, the CPUs (into bi) and the local APIC address from the MADT.
 * Without ACPI: one CPU.  Tables: x86_acpi_find (arch/acpi.h). */
void x86_acpi_init(void);
void x86_acpi_parse_cpus(struct vd_boot_info *bi);

/* Local APIC */
void x86_lapic_init_mapping(void); /* once, boot CPU: map the registers */
void x86_lapic_init(void);	   /* every CPU */
uint32_t x86_lapic_id(void);
void x86_lapic_eoi(void);
/* ICR low word (SDM vol. 3, 10.6.1): vector [7:0], delivery mode
 * [10:8], level [14], destination shorthand [19:18]. */
#define X86_ICR_FIXED	(0u << 8)
#define X86_ICR_INIT	(5u << 8)
#define X86_ICR_STARTUP (6u << 8)
#define X86_ICR_ASSERT	(1u << 14)
#define X86_ICR_SELF	(1u << 18)
void x86_lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/* Raw one-shot timer: `count` ticks of the divided bus clock, 0 stops. */
void x86_lapic_timer_oneshot(uint32_t count);
uint32_t x86_lapic_timer_current(void);
/* Highest vector in service on this CPU (the interrupt being handled),
 * -1 if none: the xAPIC's acknowledge. */
int x86_lapic_in_service(void);

/* Legacy 8259 PICs: remap away from the exception vectors and mask. */
void x86_pic_disable(void);

/* Time: TSC clock and LAPIC one-shot deadline (calibrated on the PIT). */
void x86_timer_init(void);     /* boot CPU: calibrate */
void x86_timer_init_cpu(void); /* every CPU: arm nothing */
void x86_timer_interrupt(void);
extern uint64_t x86_tsc_hz, x86_lapic_hz;

/* SMP */
void x86_smp_prepare(const struct vd_boot_info *bi);
extern volatile unsigned x86_cpus_online;

/* Device interrupts delivered per irq (a statistic, and for ktests);
 * counted by the irq driver's handle. */
extern volatile uint64_t x86_irq_counts[X86_NR_IRQS];

/* Trap entry (vectors.S) */
extern char x86_vectors[]; /* 256 stubs, 16 bytes apart */

#endif /* ARCH_PLATFORM_H */
