/*
 * x86_64 HAL: the little of ACPI the kernel needs itself.  x86_acpi_init
 * finds the RSDP and remembers every table the root table lists, so that
 * drivers can look tables up by signature (x86_acpi_find, the probe
 * environment's acpi_find); x86_acpi_parse_cpus reads which CPUs exist
 * and where the local APIC is from the MADT ("APIC" table).  The I/O
 * APICs and ISA routing in the same table are the irq driver's
 * (hal/drivers/irq/x86_apic.c).
 *
 * Tables are read through vd_phys_to_virt: the boot identity map before
 * x86_kmap_init, the physmap afterwards (kmap.c maps every table listed
 * here, wherever the firmware's memory map puts it).
 */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/platform.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

struct x86_platform x86_platform;

/*
 * RSDP (5.2.5): "RSD PTR " at a 16-byte boundary in the BIOS area
 * 0xe0000-0xfffff (or the EBDA), unless the boot loader hands it over
 * (PVH rsdp_paddr, Multiboot2 ACPI tags); the first 20 bytes sum to 0.
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

#define RSDP_V1_LEN 20

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
	for (paddr_t p = start; p + RSDP_V1_LEN <= end; p += 16) {
		const struct acpi_rsdp *r = vd_phys_to_virt(p);
		if (vd_memcmp(r->signature, "RSD PTR ", 8) == 0 &&
		    checksum_ok(r, RSDP_V1_LEN))
			return r;
	}
	return NULL;
}

/* A boot loader's RSDP is used as given (its checksum still checked);
 * without one, the BIOS areas are searched: UEFI has none there. */
static const struct acpi_rsdp *find_rsdp(void)
{
	if (x86_platform.rsdp) {
		const struct acpi_rsdp *r = vd_phys_to_virt(x86_platform.rsdp);
		return vd_memcmp(r->signature, "RSD PTR ", 8) == 0 &&
				       checksum_ok(r, RSDP_V1_LEN)
			       ? r
			       : NULL;
	}
	/* the EBDA segment is at 0x40e in the BIOS data area */
	paddr_t ebda = (paddr_t)(*(const uint16_t *)vd_phys_to_virt(0x40e))
		       << 4;
	const struct acpi_rsdp *r = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan_rsdp(ebda, ebda + 1024);
	if (!r)
		r = scan_rsdp(0xe0000, 0x100000);
	return r;
}

/* Tables must lie in the 4 GiB the boot identity map covers. */
static bool table_reachable(uint64_t pa)
{
	return pa && pa < ((uint64_t)4 << 30);
}

void x86_acpi_init(void)
{
	const struct acpi_rsdp *rsdp = find_rsdp();
	if (!rsdp)
		return;
	bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_address;
	uint64_t root_pa = xsdt ? rsdp->xsdt_address : rsdp->rsdt_address;
	if (!table_reachable(root_pa))
		return;
	const struct acpi_sdt *root = vd_phys_to_virt(root_pa);
	if (root->length < sizeof(*root) || !checksum_ok(root, root->length))
		return;
	x86_platform.rsdp = (paddr_t)((uintptr_t)rsdp - hal_physmap_base);
	size_t esize = xsdt ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esize;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		vd_memcpy(&pa, ents + i * esize, esize);
		if (!table_reachable(pa))
			continue;
		const struct acpi_sdt *t = vd_phys_to_virt(pa);
		if (t->length < sizeof(*t) || !checksum_ok(t, t->length) ||
		    x86_platform.acpi_count == X86_MAX_ACPI_TABLES)
			continue;
		struct x86_acpi_table *e =
			&x86_platform.acpi[x86_platform.acpi_count++];
		vd_memcpy(e->signature, t->signature, 4);
		e->pa = pa;
		e->length = t->length;
	}
}

const void *x86_acpi_find(const char sig[4])
{
	for (unsigned i = 0; i < x86_platform.acpi_count; i++)
		if (vd_memcmp(x86_platform.acpi[i].signature, sig, 4) == 0)
			return vd_phys_to_virt(x86_platform.acpi[i].pa);
	return NULL;
}

static void add_cpu(struct vd_boot_info *bi, uint32_t apic_id, uint32_t flags)
{
	/* enabled, or online-capable (may be hot-added: not now) */
	if (!(flags & ACPI_MADT_CPU_ENABLED))
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
	uint32_t u32;
	uint16_t u16;
	uint64_t u64;

	x86_platform.lapic_base = madt->lapic_address;
	x86_platform.has_8259 = madt->flags & ACPI_MADT_PCAT_COMPAT;
	ACPI_MADT_FOR_EACH(madt, p)
	{
		switch (p[0]) {
		case ACPI_MADT_LAPIC:
			add_cpu(bi, p[3], p[4]);
			break;
		case ACPI_MADT_LAPIC_OVERRIDE:
			vd_memcpy(&u64, p + 4, 8);
			x86_platform.lapic_base = u64;
			break;
		case ACPI_MADT_X2APIC:
			vd_memcpy(&u32, p + 4, 4);
			vd_memcpy(&u16, p + 8, 2);
			add_cpu(bi, u32, u16);
			break;
		}
	}
}

void x86_acpi_parse_cpus(struct vd_boot_info *bi)
{
	/* defaults: LAPIC at its reset address, 8259s present, one CPU
	 * (ourselves) */
	x86_platform.lapic_base = 0xfee00000;
	x86_platform.has_8259 = true;

	const struct acpi_madt *madt = x86_acpi_find("APIC");
	if (madt)
		parse_madt(madt, bi);
	else if (x86_platform.acpi_count)
		kprintf("x86: ACPI has no MADT, assuming one CPU\n");
	else
		kprintf("x86: no ACPI tables found, assuming one CPU\n");

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
