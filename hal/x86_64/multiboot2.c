/*
 * x86_64 HAL: the Multiboot2 boot information (the Multiboot2
 * specification, 3.6), as GRUB 2 hands it over on BIOS and on UEFI.
 *
 * Runs on the boot page tables before the console exists (see
 * x86_mb2_parse in arch/platform.h): the information lies below 4 GiB,
 * identity-mapped, wherever the loader put it (GRUB often puts it right
 * after the kernel image, where the boot allocator will put page tables),
 * so everything needed later is copied out here.
 *
 * Layout: u32 total_size, u32 reserved, then tags, each 8-byte aligned:
 *   u32 type, u32 size (of this tag, without the padding), data
 * ending with a tag of type 0.  The tags read:
 *    1 command line       char string[] (NUL-terminated)
 *    2 boot loader name   char string[]
 *    6 memory map         u32 entry_size, u32 entry_version (0), entries
 *                         {u64 base, u64 length, u32 type, u32 reserved}
 *                         with E820 types (1 RAM, 3 ACPI, 4 NVS,
 *                         5 defective, others reserved)
 *   14 ACPI old RSDP      a copy of the ACPI 1.0 RSDP (20 bytes)
 *   15 ACPI new RSDP      a copy of the ACPI 2.0+ RSDP (36 bytes)
 *   17 EFI memory map     u32 descriptor_size, u32 descriptor_version,
 *                         then UEFI EFI_MEMORY_DESCRIPTORs, each
 *                         descriptor_size bytes (at least the 40 below)
 *   11/12 EFI system table (32/64-bit): present only on UEFI
 * The EFI memory map is the firmware's own and is preferred when present
 * (GRUB's tag 6 is derived from it on UEFI).  Modules (tag 3) are not
 * used: the kernel image carries its boot files.
 */
#include <arch/platform.h>
#include <veridian/hal.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#define MB2_BOOT_MAGIC 0x36d76289 /* in EAX at entry */

#define MB2_TAG_END	      0
#define MB2_TAG_CMDLINE	      1
#define MB2_TAG_LOADER_NAME   2
#define MB2_TAG_MMAP	      6
#define MB2_TAG_EFI32	      11
#define MB2_TAG_EFI64	      12
#define MB2_TAG_ACPI_OLD      14
#define MB2_TAG_ACPI_NEW      15
#define MB2_TAG_EFI_MMAP      17
#define MB2_TAG_ALIGN	      8
#define MB2_INFO_MAX	      (1u << 20) /* a sanity bound, not a rule */
#define RSDP_V1_LEN	      20
#define RSDP_V2_LEN	      36
#define EFI_PAGE_SIZE	      4096
#define EFI_DESCRIPTOR_MIN_SZ 40

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};

/*
 * EFI_MEMORY_DESCRIPTOR (UEFI 2.x, GetMemoryMap): u32 Type, u32 padding,
 * u64 PhysicalStart, u64 VirtualStart, u64 NumberOfPages (4 KiB pages),
 * u64 Attribute.
 */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t pages;
	uint64_t attribute;
};

/* EFI memory types */
enum {
	EFI_RESERVED = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL = 7,
	EFI_UNUSABLE = 8,
	EFI_ACPI_RECLAIM = 9,
	EFI_ACPI_NVS = 10,
	EFI_PERSISTENT = 14,
};

static char cmdline_copy[1024];
static char firmware_name[96];
static char error_text[96];
static uint8_t rsdp_copy[RSDP_V2_LEN] __attribute__((aligned(16)));

/* Copy the tag's string into dst (len bytes with the NUL); false if it
 * had to be cut. */
static bool copy_string(char *dst, size_t len, const struct mb2_tag *t)
{
	const char *s = (const char *)(t + 1);
	size_t max = t->size - sizeof(*t), n = 0;

	while (n < max && s[n]) {
		if (n == len - 1) {
			dst[n] = '\0';
			return false;
		}
		dst[n] = s[n];
		n++;
	}
	dst[n] = '\0';
	return true;
}

/*
 * After ExitBootServices (which GRUB calls before entering us), loader
 * and boot-services memory is free like conventional memory; runtime
 * services memory stays the firmware's.
 */
static uint32_t efi_to_e820(uint32_t type)
{
	switch (type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL:
		return X86_E820_RAM;
	case EFI_ACPI_RECLAIM:
		return X86_E820_ACPI;
	case EFI_ACPI_NVS:
		return X86_E820_NVS;
	case EFI_UNUSABLE:
		return X86_E820_UNUSABLE;
	case EFI_PERSISTENT:
		return X86_E820_PMEM;
	default:
		return X86_E820_RESERVED;
	}
}

/* A range that does not fit in the lists is an error only if it is RAM
 * (reserved ranges matter to no allocator; ACPI tables are mapped from
 * the table list, kmap.c). */
static bool add_range(struct vd_boot_info *bi, uint64_t base, uint64_t len,
		      uint32_t type)
{
	return x86_boot_add_memory(bi, base, len, type) || type != X86_E820_RAM;
}

static const char *parse_efi_mmap(const struct mb2_tag *t,
				  struct vd_boot_info *bi)
{
	const uint32_t *hdr = (const uint32_t *)(t + 1);
	const uint8_t *p = (const uint8_t *)(hdr + 2);
	const uint8_t *end = (const uint8_t *)t + t->size;

	if (t->size < sizeof(*t) + 8 || hdr[0] < EFI_DESCRIPTOR_MIN_SZ)
		return "malformed Multiboot2 EFI memory map tag";
	uint32_t dsize = hdr[0];
	for (; p + dsize <= end; p += dsize) {
		const struct efi_memory_descriptor *d = (const void *)p;
		/* NumberOfPages is a u64: a wrong one must not wrap the
		 * byte length or the range's end past 2^64 */
		if (d->pages > (UINT64_MAX - d->phys_start) / EFI_PAGE_SIZE)
			return "an EFI memory descriptor ends beyond 2^64";
		if (!add_range(bi, d->phys_start, d->pages * EFI_PAGE_SIZE,
			       efi_to_e820(d->type)))
			return "the EFI memory map has too many ranges";
	}
	return NULL;
}

static const char *parse_mmap(const struct mb2_tag *t, struct vd_boot_info *bi)
{
	const uint32_t *hdr = (const uint32_t *)(t + 1);
	const uint8_t *p = (const uint8_t *)(hdr + 2);
	const uint8_t *end = (const uint8_t *)t + t->size;

	if (t->size < sizeof(*t) + 8 || hdr[0] < sizeof(struct mb2_mmap_entry))
		return "malformed Multiboot2 memory map tag";
	uint32_t esize = hdr[0];
	for (; p + esize <= end; p += esize) {
		const struct mb2_mmap_entry *e = (const void *)p;
		if (e->length > UINT64_MAX - e->base)
			return "a Multiboot2 memory map entry ends beyond 2^64";
		if (!add_range(bi, e->base, e->length, e->type))
			return "the memory map has too many ranges";
	}
	return NULL;
}

/* Copy the RSDP the tag carries; the ACPI code then reads it from here. */
static void take_rsdp(const struct mb2_tag *t, size_t len)
{
	if (t->size < sizeof(*t) + len)
		return; /* truncated: the BIOS areas are searched instead */
	vd_memcpy(rsdp_copy, t + 1, len);
	x86_platform.rsdp = X86_PA((uintptr_t)rsdp_copy);
}

const char *x86_mb2_parse(uint32_t magic, uint32_t info,
			  struct vd_boot_info *bi)
{
	const struct mb2_tag *efi_mmap = NULL, *mmap = NULL;
	const struct mb2_tag *acpi_old = NULL, *acpi_new = NULL;
	char loader[64] = "a Multiboot2 loader";
	bool uefi = false;

	if (magic != MB2_BOOT_MAGIC) {
		vd_snprintf(error_text, sizeof(error_text),
			    "entered at the Multiboot2 entry with EAX 0x%x, "
			    "not 0x%x",
			    magic, MB2_BOOT_MAGIC);
		return error_text;
	}
	const uint32_t *mbi = vd_phys_to_virt(info);
	if (info % MB2_TAG_ALIGN || mbi[0] < 16 || mbi[0] > MB2_INFO_MAX)
		return "malformed Multiboot2 information";
	const uint8_t *end = (const uint8_t *)mbi + mbi[0];

	bi->cmdline = "";
	for (const uint8_t *p = (const uint8_t *)(mbi + 2);
	     p + sizeof(struct mb2_tag) <= end;) {
		const struct mb2_tag *t = (const void *)p;
		if (t->size < sizeof(*t) || p + t->size > end)
			return "malformed Multiboot2 tag";
		if (t->type == MB2_TAG_END)
			break;
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			/* a cut option (vd.power=isa-debug-exit@0xf4 cut to
			 * @0xf) would bind the wrong thing: refuse */
			if (!copy_string(cmdline_copy, sizeof(cmdline_copy), t))
				return "the Multiboot2 command line is longer "
				       "than 1023 bytes";
			bi->cmdline = cmdline_copy;
			break;
		case MB2_TAG_LOADER_NAME:
			/* only printed: cutting it is harmless */
			(void)copy_string(loader, sizeof(loader), t);
			break;
		case MB2_TAG_MMAP:
			mmap = t;
			break;
		case MB2_TAG_EFI_MMAP:
			efi_mmap = t;
			break;
		case MB2_TAG_EFI32:
		case MB2_TAG_EFI64:
			uefi = true;
			break;
		case MB2_TAG_ACPI_OLD:
			acpi_old = t;
			break;
		case MB2_TAG_ACPI_NEW:
			acpi_new = t;
			break;
		}
		p += VD_ALIGN_UP(t->size, MB2_TAG_ALIGN);
	}

	const char *err = NULL;
	if (efi_mmap)
		err = parse_efi_mmap(efi_mmap, bi);
	else if (mmap)
		err = parse_mmap(mmap, bi);
	else
		err = "the Multiboot2 information has no memory map";
	if (err)
		return err;
	if (acpi_new)
		take_rsdp(acpi_new, RSDP_V2_LEN);
	else if (acpi_old)
		take_rsdp(acpi_old, RSDP_V1_LEN);

	vd_snprintf(firmware_name, sizeof(firmware_name), "%s (Multiboot2, %s)",
		    loader, uefi ? "UEFI" : "BIOS");
	bi->firmware = firmware_name;
	return NULL;
}
