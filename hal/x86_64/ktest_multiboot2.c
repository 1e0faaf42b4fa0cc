/*
 * x86_64 HAL ktests: the Multiboot2 information parser (multiboot2.c) on
 * information built here, so every board checks it, not only the GRUB
 * ones: the tags it reads, the EFI memory map preferred over the E820 one
 * and its types merged into E820 ranges, and clear errors for bad input.
 * The parser writes x86_platform (memory map, RSDP), which is saved and
 * restored around each run.
 */
#include <arch/platform.h>
#include <hal/ktest.h>
#include <veridian/ktest.h>
#include <veridian/string.h>

#define MB2_MAGIC 0x36d76289

static uint64_t mbi[256]; /* 8-byte aligned, as the format requires */
static size_t mbi_len;
static struct vd_boot_info mb2_bi;
static struct x86_platform saved_platform;

static void mbi_start(void)
{
	vd_memset(mbi, 0, sizeof(mbi));
	mbi_len = 8; /* total_size, reserved */
}

/* Append a tag {type, size, data}; tags are padded to 8 bytes. */
static void mbi_tag(uint32_t type, const void *data, uint32_t len)
{
	uint8_t *p = (uint8_t *)mbi + mbi_len;
	uint32_t size = 8 + len;

	vd_memcpy(p, &type, 4);
	vd_memcpy(p + 4, &size, 4);
	if (len)
		vd_memcpy(p + 8, data, len);
	mbi_len += VD_ALIGN_UP(size, 8);
}

static uint32_t mbi_end(void)
{
	mbi_tag(0, NULL, 0);
	uint32_t total = (uint32_t)mbi_len;
	vd_memcpy(mbi, &total, 4);
	return (uint32_t)X86_PA((uintptr_t)mbi);
}

static const char *parse(uint32_t magic, uint32_t info)
{
	vd_memset(&mb2_bi, 0, sizeof(mb2_bi));
	saved_platform = x86_platform;
	x86_platform.e820_count = 0;
	const char *err = x86_mb2_parse(magic, info, &mb2_bi);
	x86_platform = saved_platform;
	return err;
}

struct efi_desc {
	uint32_t type, pad;
	uint64_t phys, virt, pages, attr;
	uint64_t extra; /* OVMF's descriptors are 48 bytes: size is given */
};

VD_KTEST(x86_mb2_reads_tags_and_prefers_the_efi_map)
{
	static const struct {
		uint64_t base, len;
		uint32_t type, reserved;
	} e820[] = {{0, 0x9f000, 1, 0}, {0x100000, 0x1000000, 1, 0}};
	static const struct efi_desc efi[] = {
		{7, 0, 0, 0, 0xa0, 0, 0},	  /* conventional */
		{2, 0, 0x100000, 0, 0x100, 0, 0}, /* loader data */
		{4, 0, 0x200000, 0, 0x100, 0, 0}, /* boot services data */
		{9, 0, 0x300000, 0, 1, 0, 0},	  /* ACPI reclaim */
		{6, 0, 0x301000, 0, 1, 0, 0},	  /* runtime services data */
		{10, 0, 0x302000, 0, 1, 0, 0},	  /* ACPI NVS */
	};
	uint32_t hdr[2];
	uint8_t buf[8 + sizeof(efi)];

	mbi_start();
	mbi_tag(1, "vd.test=1", 10);
	mbi_tag(2, "TestLoader 1.0", 15);
	hdr[0] = sizeof(e820[0]);
	hdr[1] = 0;
	vd_memcpy(buf, hdr, 8);
	vd_memcpy(buf + 8, e820, sizeof(e820));
	mbi_tag(6, buf, 8 + sizeof(e820));
	uint64_t systab = 0x7f000000;
	mbi_tag(12, &systab, 8); /* EFI 64-bit system table: UEFI */
	hdr[0] = sizeof(efi[0]);
	hdr[1] = 1;
	vd_memcpy(buf, hdr, 8);
	vd_memcpy(buf + 8, efi, sizeof(efi));
	mbi_tag(17, buf, 8 + sizeof(efi));
	uint32_t info = mbi_end();

	const char *err = parse(MB2_MAGIC, info);
	KT_ASSERT(err == NULL);
	KT_ASSERT(vd_strcmp(mb2_bi.cmdline, "vd.test=1") == 0);
	KT_ASSERT(vd_strcmp(mb2_bi.firmware,
			    "TestLoader 1.0 (Multiboot2, UEFI)") == 0);
	/* EFI map: RAM [0, 0xa0000), RAM [0x100000, 0x300000) merged from
	 * loader and boot-services data, ACPI, runtime data, NVS */
	KT_ASSERT_EQ(mb2_bi.mem_count, 5);
	KT_ASSERT_EQ(mb2_bi.mem[0].size, 0xa0000);
	KT_ASSERT_EQ(mb2_bi.mem[0].type, VD_MEM_USABLE);
	KT_ASSERT_EQ(mb2_bi.mem[1].base, 0x100000);
	KT_ASSERT_EQ(mb2_bi.mem[1].size, 0x200000);
	KT_ASSERT_EQ(mb2_bi.mem[1].type, VD_MEM_USABLE);
	for (unsigned i = 2; i < 5; i++)
		KT_ASSERT_EQ(mb2_bi.mem[i].type, VD_MEM_RESERVED);
}

VD_KTEST(x86_mb2_reads_the_e820_map_on_bios)
{
	static const struct {
		uint64_t base, len;
		uint32_t type, reserved;
	} e820[] = {{0, 0x9fc00, 1, 0},
		    {0x9fc00, 0x400, 2, 0},
		    {0x100000, 0x1000000, 1, 0}};
	uint8_t buf[8 + sizeof(e820)];
	uint32_t hdr[2] = {sizeof(e820[0]), 0};

	mbi_start();
	mbi_tag(2, "TestLoader", 11);
	vd_memcpy(buf, hdr, 8);
	vd_memcpy(buf + 8, e820, sizeof(e820));
	mbi_tag(6, buf, sizeof(buf));
	uint32_t info = mbi_end();

	KT_ASSERT(parse(MB2_MAGIC, info) == NULL);
	KT_ASSERT(vd_strcmp(mb2_bi.cmdline, "") == 0);
	KT_ASSERT(vd_strcmp(mb2_bi.firmware, "TestLoader (Multiboot2, BIOS)") ==
		  0);
	KT_ASSERT_EQ(mb2_bi.mem_count, 3);
	KT_ASSERT_EQ(mb2_bi.mem[1].type, VD_MEM_RESERVED);
	KT_ASSERT_EQ(mb2_bi.mem[2].base, 0x100000);
}

VD_KTEST(x86_mb2_rejects_bad_information)
{
	uint32_t info;

	mbi_start();
	mbi_tag(1, "x", 2);
	info = mbi_end();
	KT_ASSERT(parse(0x2badb002, info) != NULL);    /* Multiboot v1 magic */
	KT_ASSERT(parse(MB2_MAGIC, info) != NULL);     /* no memory map */
	KT_ASSERT(parse(MB2_MAGIC, info + 4) != NULL); /* misaligned */

	/* a tag whose size is below its own header */
	mbi_start();
	mbi_tag(1, "x", 2);
	uint32_t tiny = 4;
	vd_memcpy((uint8_t *)mbi + 12, &tiny, 4);
	info = mbi_end();
	KT_ASSERT(parse(MB2_MAGIC, info) != NULL);

	/* an E820 entry size below an entry */
	uint32_t hdr[2] = {8, 0};
	mbi_start();
	mbi_tag(6, hdr, 8);
	info = mbi_end();
	KT_ASSERT(parse(MB2_MAGIC, info) != NULL);
}

/* Lengths a loader could get wrong that would wrap past 2^64: refused,
 * not turned into a short or wrapped RAM range. */
VD_KTEST(x86_mb2_rejects_ranges_past_2_64)
{
	static const struct efi_desc efi[] = {
		{7, 0, 0x100000, 0, 0x10000000000000ull, 0, 0},
	};
	static const struct {
		uint64_t base, len;
		uint32_t type, reserved;
	} e820[] = {{0xfffffffffff00000ull, 0x200000, 1, 0}};
	uint8_t buf[8 + sizeof(efi)];
	uint32_t hdr[2] = {sizeof(efi[0]), 1};

	mbi_start();
	vd_memcpy(buf, hdr, 8);
	vd_memcpy(buf + 8, efi, sizeof(efi));
	mbi_tag(17, buf, 8 + sizeof(efi));
	KT_ASSERT(parse(MB2_MAGIC, mbi_end()) != NULL);

	hdr[0] = sizeof(e820[0]);
	hdr[1] = 0;
	mbi_start();
	vd_memcpy(buf, hdr, 8);
	vd_memcpy(buf + 8, e820, sizeof(e820));
	mbi_tag(6, buf, 8 + sizeof(e820));
	KT_ASSERT(parse(MB2_MAGIC, mbi_end()) != NULL);
}

/* A command line that does not fit is refused, not cut. */
VD_KTEST(x86_mb2_rejects_a_command_line_too_long)
{
	static char line[1100];
	static const struct {
		uint64_t base, len;
		uint32_t type, reserved;
	} e820[] = {{0x100000, 0x1000000, 1, 0}};
	uint8_t buf[8 + sizeof(e820)];
	uint32_t hdr[2] = {sizeof(e820[0]), 0};

	vd_memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	vd_memcpy(buf, hdr, 8);
	vd_memcpy(buf + 8, e820, sizeof(e820));
	mbi_start();
	mbi_tag(1, line, sizeof(line));
	mbi_tag(6, buf, sizeof(buf));
	KT_ASSERT(parse(MB2_MAGIC, mbi_end()) != NULL);

	line[1023] = '\0'; /* 1023 bytes and the NUL: fits */
	mbi_start();
	mbi_tag(1, line, 1024);
	mbi_tag(6, buf, sizeof(buf));
	KT_ASSERT(parse(MB2_MAGIC, mbi_end()) == NULL);
	KT_ASSERT_EQ(vd_strlen(mb2_bi.cmdline), 1023);
}
