/*
 * x86_64 HAL: the little of ACPI the kernel needs, the MADT ("APIC"
 * table): which CPUs exist (local APIC ids), where the I/O APICs are, and
 * how ISA IRQs are wired to global system interrupts.
 *
 * Runs on the boot page tables (tables below 4 GiB are identity-mapped).
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

struct x86_platform x86_platform;

/*
 * RSDP (ACPI 6.x, 5.2.5): "RSD PTR " at a 16-byte boundary in the BIOS
 * area 0xe0000-0xfffff (or the EBDA); the first 20 bytes sum to 0.
 *   0 signature[8]  8 checksum  9 oem_id[6]  15 revision
 *  16 rsdt_address (32-bit)
 *  revision >= 2: 20 length  24 xsdt_address (64-bit)  32 ext checksum
 */
struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} VD_PACKED;

/* Common header of every system description table (36 bytes) */
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
 * MADT: header, 32-bit local APIC address, 32-bit flags (bit 0
 * PCAT_COMPAT: legacy 8259s present), then variable entries
 * { u8 type, u8 length, ... }:
 *   0 processor local APIC: acpi_id, apic_id, flags (bit 0 enabled,
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

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_rsdp *scan_rsdp(paddr_t start, paddr_t end)
{
	for (paddr_t p = start; p + 20 <= end; p += 16) {
		const struct acpi_rsdp *r = (const void *)(uintptr_t)p;
		if (vd_memcmp(r->signature, "RSD PTR ", 8) == 0 &&
		    checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct acpi_rsdp *find_rsdp(void)
{
	if (x86_platform.rsdp)
		return (const void *)(uintptr_t)x86_platform.rsdp;
	/* the EBDA segment is at 0x40e in the BIOS data area */
	paddr_t ebda = (paddr_t)(*(const uint16_t *)(uintptr_t)0x40e) << 4;
	const struct acpi_rsdp *r = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan_rsdp(ebda, ebda + 1024);
	if (!r)
		r = scan_rsdp(0xe0000, 0x100000);
	return r;
}

static const struct acpi_sdt *find_table(const struct acpi_rsdp *rsdp,
					 const char sig[4])
{
	bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_address;
	const struct acpi_sdt *root =
		(const void *)(uintptr_t)(xsdt ? rsdp->xsdt_address
					       : rsdp->rsdt_address);
	size_t esize = xsdt ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esize;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		vd_memcpy(&pa, ents + i * esize, esize);
		const struct acpi_sdt *t = (const void *)(uintptr_t)pa;
		if (pa && pa < ((uint64_t)4 << 30) &&
		    vd_memcmp(t->signature, sig, 4) == 0 &&
		    checksum_ok(t, t->length))
			return t;
	}
	return NULL;
}

static void add_cpu(struct vd_boot_info *bi, uint32_t apic_id, uint32_t flags)
{
	/* enabled, or online-capable (may be hot-added: not now) */
	if (!(flags & 1))
		return;
	for (unsigned i = 0; i < bi->cpu_count; i++)
		if (bi->cpu_hwid[i] == apic_id)
			return;
	if (bi->cpu_count >= VD_MAX_CPUS) {
		kprintf("x86: ignoring CPU with APIC id %u (max %u CPUs)\n",
			apic_id, VD_MAX_CPUS);
		return;
	}
	bi->cpu_hwid[bi->cpu_count++] = apic_id;
}

static void parse_madt(const struct acpi_madt *madt, struct vd_boot_info *bi)
{
	x86_platform.lapic_base = madt->lapic_address;
	x86_platform.has_8259 = madt->flags & 1;
	const uint8_t *p = madt->entries;
	const uint8_t *end = (const uint8_t *)madt + madt->hdr.length;
	uint32_t u32;
	uint16_t u16;
	uint64_t u64;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		switch (p[0]) {
		case 0:
			add_cpu(bi, p[3], p[4]);
			break;
		case 1:
			if (x86_platform.ioapic_count < X86_MAX_IOAPICS) {
				struct x86_ioapic_desc *io =
					&x86_platform.ioapic
						 [x86_platform.ioapic_count++];
				vd_memcpy(&u32, p + 4, 4);
				io->base = u32;
				vd_memcpy(&io->gsi_base, p + 8, 4);
			}
			break;
		case 2:
			if (p[2] == 0 && p[3] < 16) {
				struct x86_isa_route *r =
					&x86_platform.isa[p[3]];
				vd_memcpy(&r->gsi, p + 4, 4);
				vd_memcpy(&u16, p + 8, 2);
				r->active_low = (u16 & 3) == 3;
				r->level = ((u16 >> 2) & 3) == 3;
			}
			break;
		case 5:
			vd_memcpy(&u64, p + 4, 8);
			x86_platform.lapic_base = u64;
			break;
		case 9:
			vd_memcpy(&u32, p + 4, 4);
			vd_memcpy(&u16, p + 8, 2);
			add_cpu(bi, u32, u16);
			break;
		}
		p += p[1];
	}
}

void x86_acpi_parse(struct vd_boot_info *bi)
{
	/* defaults: identity ISA routing, edge/high, LAPIC at its reset
	 * address, one CPU (ourselves) */
	for (unsigned i = 0; i < 16; i++)
		x86_platform.isa[i] = (struct x86_isa_route){i, false, false};
	x86_platform.lapic_base = 0xfee00000;
	x86_platform.has_8259 = true;

	const struct acpi_rsdp *rsdp = find_rsdp();
	const struct acpi_sdt *madt = rsdp ? find_table(rsdp, "APIC") : NULL;
	if (madt) {
		x86_platform.rsdp = (paddr_t)(uintptr_t)rsdp;
		parse_madt((const struct acpi_madt *)madt, bi);
	} else {
		kprintf("x86: no ACPI MADT, assuming one CPU\n");
	}
	if (x86_platform.ioapic_count == 0) {
		x86_platform.ioapic[0] =
			(struct x86_ioapic_desc){0xfec00000, 0};
		x86_platform.ioapic_count = 1;
	}

	/* Put the boot CPU first: logical CPU 0 is the one running now. */
	uint32_t self = X86_CPUID_1_EBX_APIC_ID(x86_cpuid(1, 0).ebx);
	bi->boot_cpu_hwid = self;
	unsigned i;
	for (i = 0; i < bi->cpu_count && bi->cpu_hwid[i] != self; i++)
		;
	if (i == bi->cpu_count) {
		if (bi->cpu_count == VD_MAX_CPUS)
			bi->cpu_count--;
		i = bi->cpu_count++;
		bi->cpu_hwid[i] = self;
	}
	bi->cpu_hwid[i] = bi->cpu_hwid[0];
	bi->cpu_hwid[0] = self;
}
