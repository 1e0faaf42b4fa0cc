/*
 * x86_64 HAL: what boot learns about the machine (PVH start info, ACPI
 * MADT) and the interrupt-controller / timer / SMP internals.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <veridian/hal.h>

#define X86_MAX_IOAPICS 4

/* ISA IRQ -> GSI routing from the MADT's interrupt source overrides. */
struct x86_isa_route {
	uint32_t gsi;
	bool active_low;
	bool level;
};

struct x86_ioapic_desc {
	paddr_t base;
	uint32_t gsi_base;
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
	paddr_t rsdp;
	paddr_t lapic_base;
	bool has_8259; /* MADT flags.PCAT_COMPAT */
	unsigned ioapic_count;
	struct x86_ioapic_desc ioapic[X86_MAX_IOAPICS];
	struct x86_isa_route isa[16];
};
extern struct x86_platform x86_platform;

/* Fill bi (memory map, cmdline, initrd) from the PVH start info at
 * physical address start_info (identity-mapped at this point). */
void x86_pvh_parse(uint32_t start_info, struct vd_boot_info *bi);
/* Parse the MADT: CPUs (into bi), IOAPICs and ISA overrides (into
 * x86_platform).  Falls back to one CPU if there is no ACPI. */
void x86_acpi_parse(struct vd_boot_info *bi);

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

/* I/O APIC */
void x86_ioapic_init(void);

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

/* Console */
void x86_console_init(void);

/* Trap entry (vectors.S) */
extern char x86_vectors[]; /* 256 stubs, 16 bytes apart */

#endif /* ARCH_PLATFORM_H */
