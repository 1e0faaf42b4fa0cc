/*
 * x86_64 HAL: the ACPI table formats the HAL and the x86 drivers read
 * (ACPI 6.x, chapter 5.2).  Tables are found by signature through
 * x86_acpi_find, which the driver probe environment hands out as
 * acpi_find (hal/common/include/hal/driver.h).
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <veridian/types.h>

/*
 * Common header of every system description table (36 bytes, 5.2.6):
 *   0 signature[4]  4 length (whole table)  8 revision  9 checksum (all
 *   bytes of the table sum to 0)  10 oem_id[6]  16 oem_table_id[8]
 *   24 oem_revision  28 creator_id  32 creator_revision
 */
struct acpi_sdt {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} VD_PACKED;

/*
 * Generic Address Structure (12 bytes, 5.2.3.2): where a register is.
 *   0 address space (0 system memory, 1 system I/O)  1 register bit
 *   width  2 bit offset  3 access size (1 byte .. 4 qword; 0 undefined)
 *   4 address (64-bit)
 */
struct acpi_gas {
	uint8_t space;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} VD_PACKED;

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO	1

/*
 * MADT, signature "APIC" (5.2.12): header, 32-bit local APIC address,
 * 32-bit flags, then variable entries { u8 type, u8 length, ... }:
 *   0 processor local APIC: acpi_id, apic_id, u32 flags (bit 0 enabled,
 *     bit 1 online-capable)
 *   1 I/O APIC: id, reserved, u32 address, u32 GSI base
 *   2 interrupt source override: bus (0 = ISA), source IRQ, u32 GSI,
 *     u16 flags (bits 0-1 polarity: 1 high, 3 low; bits 2-3 trigger:
 *     1 edge, 3 level; 0 = bus default, for ISA high/edge)
 *   5 local APIC address override: u16 reserved, u64 address
 *   9 processor local x2APIC: u16 reserved, u32 x2apic_id, u32 flags,
 *     u32 acpi_uid
 */
struct acpi_madt {
	struct acpi_sdt hdr;
	uint32_t lapic_address;
	uint32_t flags;
	uint8_t entries[];
} VD_PACKED;

#define ACPI_MADT_PCAT_COMPAT	  (1u << 0) /* legacy 8259s present */
#define ACPI_MADT_LAPIC		  0
#define ACPI_MADT_IOAPIC	  1
#define ACPI_MADT_ISO		  2
#define ACPI_MADT_LAPIC_OVERRIDE  5
#define ACPI_MADT_X2APIC	  9
#define ACPI_MADT_CPU_ENABLED	  (1u << 0)
#define ACPI_MADT_ISO_POLARITY(f) ((f)&3u)
#define ACPI_MADT_ISO_TRIGGER(f)  (((f) >> 2) & 3u)
#define ACPI_MADT_ISO_ACTIVE_LOW  3u
#define ACPI_MADT_ISO_LEVEL	  3u

/* The length an entry of each type read here needs (the layouts above);
 * 2 (type and length) for the others. */
static inline uint8_t acpi_madt_entry_min(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_LAPIC:
		return 8;
	case ACPI_MADT_IOAPIC:
		return 12;
	case ACPI_MADT_ISO:
		return 10;
	case ACPI_MADT_LAPIC_OVERRIDE:
		return 12;
	case ACPI_MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

/* Walk the MADT's entries: e points at { type, length, ... }, at least as
 * long as its type's fields.  The walk stops at the first entry that is
 * shorter or runs past the table: the rest cannot be trusted. */
#define ACPI_MADT_FOR_EACH(madt, e)                                            \
	for (const uint8_t *                                                   \
		     e = (madt)->entries,                                      \
		    *e##_end = (const uint8_t *)(madt) + (madt)->hdr.length;   \
	     e + 2 <= e##_end && e[1] >= acpi_madt_entry_min(e[0]) &&          \
	     e + e[1] <= e##_end;                                              \
	     e += e[1])

/* The table with signature sig, checksum verified, or NULL (no ACPI, or
 * no such table).  Valid through the boot identity map and, after
 * x86_kmap_init, through the physmap (which covers every listed table). */
const void *x86_acpi_find(const char sig[4]);

#endif /* ARCH_ACPI_H */
