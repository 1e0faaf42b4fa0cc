/*
 * cmocka suite for the ELF64 validator (core/proc/elf.c): a builder makes
 * well-formed executables, each test breaks one field -- truncation,
 * overlap, huge sizes, wrong machine, overflow tricks -- and expects
 * VD_ERR_INVALID_PARAMETER.  A mutation fuzzer checks that no input makes
 * the parser crash (ASan/UBSan) or accept a segment outside the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <veridian/elf.h>

#define BASE   0x400000ull
#define MAXIMG (64ull << 20)
#define TOP    (1ull << 47)

static const struct vd_elf_limits lim = {
	.machine = VD_EM_X86_64,
	.user_base = 0x10000,
	.user_top = TOP,
	.max_image = MAXIMG,
};

/* A file under construction: header, up to 20 program headers, data. */
static uint8_t file[0x4000];
static size_t file_size;
static unsigned nph;

static void put16(size_t off, uint16_t v)
{
	file[off] = (uint8_t)v;
	file[off + 1] = (uint8_t)(v >> 8);
}

static void put32(size_t off, uint32_t v)
{
	put16(off, (uint16_t)v);
	put16(off + 2, (uint16_t)(v >> 16));
}

static void put64(size_t off, uint64_t v)
{
	put32(off, (uint32_t)v);
	put32(off + 4, (uint32_t)(v >> 32));
}

#define PHOFF 64
static size_t ph(unsigned i)
{
	return PHOFF + 56 * i;
}

static void add_ph(uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
		   uint64_t filesz, uint64_t memsz, uint64_t align)
{
	size_t p = ph(nph++);

	put32(p, type);
	put32(p + 4, flags);
	put64(p + 8, off);
	put64(p + 16, va);
	put64(p + 24, va);
	put64(p + 32, filesz);
	put64(p + 40, memsz);
	put64(p + 48, align);
	put16(56, (uint16_t)nph);
}

/* Header only, no program headers yet. */
static void make_header(uint16_t machine)
{
	memset(file, 0, sizeof(file));
	nph = 0;
	file[0] = 0x7f;
	file[1] = 'E';
	file[2] = 'L';
	file[3] = 'F';
	file[4] = 2;
	file[5] = 1;
	file[6] = 1;
	put16(16, 2); /* ET_EXEC */
	put16(18, machine);
	put32(20, 1);
	put64(24, BASE + 0x1000); /* entry */
	put64(32, PHOFF);
	put16(52, 64);
	put16(54, 56);
	file_size = 0x3000;
}

/*
 * The standard test executable: text RX at BASE+0x1000 (file 0x1000,
 * 0x100 bytes), data RW at BASE+0x2000 (file 0x2000, 0x80 bytes of file,
 * 0x3000 in memory: bss), a GNU_STACK header.
 */
static void make_good(void)
{
	make_header(VD_EM_X86_64);
	add_ph(1, VD_PF_R | VD_PF_X, 0x1000, BASE + 0x1000, 0x100, 0x100,
	       0x1000);
	add_ph(1, VD_PF_R | VD_PF_W, 0x2000, BASE + 0x2000, 0x80, 0x3000,
	       0x1000);
	add_ph(0x6474e551, VD_PF_R | VD_PF_W, 0, 0, 0, 0, 16);
	for (size_t i = 0x1000; i < 0x1100; i++)
		file[i] = (uint8_t)i;
}

static vd_err_t parse(struct vd_elf_image *img)
{
	struct vd_elf_source src;

	vd_elf_source_buffer(&src, file, file_size);
	return vd_elf_parse(&src, &lim, img);
}

#define BAD() assert_int_equal(parse(&img), VD_ERR_INVALID_PARAMETER)

static int setup(void **state)
{
	(void)state;
	make_good();
	return 0;
}

static void test_good_executable(void **state)
{
	struct vd_elf_image img;
	(void)state;

	assert_int_equal(parse(&img), VD_OK);
	assert_int_equal(img.entry, BASE + 0x1000);
	assert_int_equal(img.nsegs, 2);
	assert_int_equal(img.seg[0].vaddr, BASE + 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x100);
	assert_int_equal(img.seg[0].flags, VD_PF_R | VD_PF_X);
	assert_int_equal(img.seg[1].memsz, 0x3000);
	assert_int_equal(img.seg[1].offset, 0x2000);
	assert_int_equal(img.image_bytes, 0x4000);
}

static void test_truncated_everywhere(void **state)
{
	struct vd_elf_image img;
	size_t full;
	(void)state;

	/* the data segment's file bytes end at 0x2080: any shorter file
	 * lacks something the headers promise */
	full = 0x2080;
	for (size_t n = 0; n < full; n++) {
		file_size = n;
		assert_int_equal(parse(&img), VD_ERR_INVALID_PARAMETER);
	}
	file_size = full;
	assert_int_equal(parse(&img), VD_OK);
}

static void test_bad_ident(void **state)
{
	struct vd_elf_image img;
	static const struct {
		size_t off;
		uint8_t val;
	} cases[] = {
		{0, 0x7e}, {1, 'e'}, {3, 'G'},	 {4, 1}, /* ELF32 */
		{4, 3},	   {5, 2},			 /* big-endian */
		{6, 0},	   {7, 9},			 /* OS ABI */
		{8, 1},	   {9, 1},   {15, 0xff},
	};
	(void)state;

	for (unsigned i = 0; i < VD_ARRAY_SIZE(cases); i++) {
		make_good();
		file[cases[i].off] = cases[i].val;
		BAD();
	}
	make_good();
	file[7] = 3; /* GNU/Linux OS ABI is fine */
	assert_int_equal(parse(&img), VD_OK);
}

static void test_wrong_type_version_sizes(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put16(16, 3); /* ET_DYN: PIE / shared object */
	BAD();
	make_good();
	put16(16, 1); /* ET_REL */
	BAD();
	make_good();
	put32(20, 2);
	BAD();
	make_good();
	put16(52, 52); /* ELF32 header size */
	BAD();
	make_good();
	put16(54, 32); /* ELF32 phdr size */
	BAD();
	make_good();
	put16(54, 64);
	BAD();
}

static void test_wrong_machine(void **state)
{
	struct vd_elf_image img;
	static const uint16_t machines[] = {
		VD_EM_AARCH64, VD_EM_RISCV, 3, 40, 0, 0xffff};
	(void)state;

	for (unsigned i = 0; i < VD_ARRAY_SIZE(machines); i++) {
		make_good();
		put16(18, machines[i]);
		BAD();
	}
}

static void test_riscv_float_abi(void **state)
{
	struct vd_elf_image img;
	struct vd_elf_source src;
	struct vd_elf_limits rv = lim;
	(void)state;

	rv.machine = VD_EM_RISCV;
	put16(18, VD_EM_RISCV);
	vd_elf_source_buffer(&src, file, file_size);
	put32(48, 0x1); /* RVC: fine */
	assert_int_equal(vd_elf_parse(&src, &rv, &img), VD_OK);
	put32(48, 0x5); /* RVC + double-float ABI: the kernel keeps F/D */
	assert_int_equal(vd_elf_parse(&src, &rv, &img), VD_OK);
	put32(48, 0x3); /* RVC + single-float ABI: likewise */
	assert_int_equal(vd_elf_parse(&src, &rv, &img), VD_OK);
	put32(48, 0x7); /* RVC + quad-float ABI: no Q state kept */
	assert_int_equal(vd_elf_parse(&src, &rv, &img),
			 VD_ERR_INVALID_PARAMETER);
	put32(48, 0x8); /* RVE */
	assert_int_equal(vd_elf_parse(&src, &rv, &img),
			 VD_ERR_INVALID_PARAMETER);
}

static void test_program_header_table(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put16(56, 0);
	BAD();
	make_good();
	put16(56, 0xffff); /* PN_XNUM */
	BAD();
	make_good();
	put16(56, VD_ELF_MAX_PHDRS + 1);
	BAD();
	make_good();
	put64(32, file_size); /* beyond the file */
	BAD();
	make_good();
	put64(32, UINT64_MAX - 10); /* offset + size overflows */
	BAD();
	make_good();
	put64(32, 0); /* overlaps the file header */
	BAD();
	make_good();
	put64(32, 65); /* misaligned */
	BAD();
}

static void test_segment_file_ranges(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put64(ph(0) + 32, 0x200); /* filesz > memsz */
	BAD();
	make_good();
	put64(ph(0) + 8, file_size - 0x80); /* runs past the end */
	put64(ph(0) + 48, 0);
	BAD();
	make_good();
	put64(ph(0) + 8, UINT64_MAX - 0x80); /* offset + filesz wraps */
	put64(ph(0) + 48, 0);
	BAD();
	make_good();
	put64(ph(1) + 32, UINT64_MAX); /* huge filesz */
	put64(ph(1) + 40, UINT64_MAX);
	BAD();
}

static void test_segment_address_ranges(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put64(ph(0) + 16, 0x1000); /* below the user base */
	put64(24, 0x1000);
	put64(ph(0) + 8, 0x1000);
	BAD();
	make_good();
	put64(ph(1) + 16, TOP - 0x1000); /* crosses the user top */
	BAD();
	make_good();
	put64(ph(1) + 16, 0xffffffff80002000ull); /* kernel half */
	BAD();
	make_good();
	put64(ph(1) + 16, UINT64_MAX - 0xfff); /* vaddr + memsz wraps */
	BAD();
}

static void test_huge_image(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put64(ph(1) + 40, MAXIMG); /* bss alone fills the limit */
	BAD();
	make_good();
	put64(ph(1) + 40, MAXIMG - 0x1000); /* exactly the limit: fine */
	assert_int_equal(parse(&img), VD_OK);
	assert_int_equal(img.image_bytes, MAXIMG);
}

static void test_overlapping_segments(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put64(ph(1) + 16, BASE + 0x1080); /* same page as the text */
	put64(ph(1) + 8, 0x2080);
	BAD();
	make_good();
	put64(ph(1) + 16, BASE); /* covers the text page */
	put64(ph(1) + 8, 0x2000);
	put64(ph(1) + 40, 0x10000);
	BAD();
	make_good();
	/* the same segment twice */
	add_ph(1, VD_PF_R | VD_PF_X, 0x1000, BASE + 0x1000, 0x100, 0x100,
	       0x1000);
	BAD();
}

static void test_flags_and_alignment(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put32(ph(0) + 4, VD_PF_R | VD_PF_W | VD_PF_X); /* W^X */
	BAD();
	make_good();
	put32(ph(0) + 4, VD_PF_R | VD_PF_X | 0x100000); /* unknown bit */
	BAD();
	make_good();
	put64(ph(0) + 48, 0x1800); /* not a power of two */
	BAD();
	make_good();
	put64(ph(0) + 16, BASE + 0x1010); /* vaddr != offset mod align */
	put64(24, BASE + 0x1010);
	BAD();
	make_good();
	put64(ph(0) + 48, 0); /* alignment 0: no constraint */
	put64(ph(0) + 16, BASE + 0x1010);
	put64(24, BASE + 0x1010);
	assert_int_equal(parse(&img), VD_OK);
}

static void test_entry_point(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put64(24, BASE + 0x1100); /* just past the text */
	BAD();
	make_good();
	put64(24, BASE + 0x2000); /* data is not executable */
	BAD();
	make_good();
	put64(24, 0);
	BAD();
	make_good();
	put64(24, BASE + 0x10ff); /* last byte of text */
	assert_int_equal(parse(&img), VD_OK);
}

static void test_unsupported_segment_types(void **state)
{
	struct vd_elf_image img;
	static const uint32_t types[] = {2 /* DYNAMIC */, 3 /* INTERP */,
					 5 /* SHLIB */, 7 /* TLS */};
	(void)state;

	for (unsigned i = 0; i < VD_ARRAY_SIZE(types); i++) {
		make_good();
		add_ph(types[i], VD_PF_R, 0x1000, BASE + 0x1000, 0x10, 0x10, 1);
		BAD();
	}
	make_good();
	add_ph(4, VD_PF_R, 0x1000, 0, 0x20, 0x20, 4); /* NOTE: ignored */
	assert_int_equal(parse(&img), VD_OK);
	make_good();
	add_ph(4, VD_PF_R, file_size, 0, 0x20, 0x20, 4); /* outside */
	BAD();
	make_good();
	add_ph(0, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0, 0); /* PT_NULL */
	assert_int_equal(parse(&img), VD_OK);
}

static void test_no_loadable_segment(void **state)
{
	struct vd_elf_image img;
	(void)state;

	make_header(VD_EM_X86_64);
	add_ph(0x6474e551, VD_PF_R | VD_PF_W, 0, 0, 0, 0, 16);
	BAD();
	make_header(VD_EM_X86_64);
	add_ph(1, VD_PF_R | VD_PF_X, 0x1000, BASE + 0x1000, 0, 0, 0x1000);
	BAD(); /* empty PT_LOAD is skipped: none left, entry nowhere */
}

static void test_too_many_segments(void **state)
{
	struct vd_elf_image img;
	(void)state;

	make_header(VD_EM_X86_64);
	for (unsigned i = 0; i < VD_ELF_MAX_SEGMENTS + 1; i++)
		add_ph(1, VD_PF_R | VD_PF_X, 0x1000, BASE + 0x1000 * (i + 1),
		       0x10, 0x10, 0x1000);
	BAD();
	make_header(VD_EM_X86_64);
	for (unsigned i = 0; i < VD_ELF_MAX_SEGMENTS; i++)
		add_ph(1, VD_PF_R | VD_PF_X, 0x1000, BASE + 0x1000 * (i + 1),
		       0x10, 0x10, 0x1000);
	assert_int_equal(parse(&img), VD_OK);
	assert_int_equal(img.nsegs, VD_ELF_MAX_SEGMENTS);
}

static void test_section_headers(void **state)
{
	struct vd_elf_image img;
	(void)state;

	put64(40, 0x2800); /* 4 sections at 0x2800 */
	put16(58, 64);
	put16(60, 4);
	put16(62, 3);
	assert_int_equal(parse(&img), VD_OK);
	put16(62, 4); /* string table index out of range */
	BAD();
	put16(62, 3);
	put16(58, 40); /* ELF32 section header size */
	BAD();
	put16(58, 64);
	put16(60, 100); /* runs past the end */
	BAD();
	put16(60, 0); /* extended numbering: section 0 must exist */
	put64(40, file_size);
	BAD();
}

static vd_err_t faulting_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)off;
	return VD_ERR_MEM_FAULT;
}

static vd_err_t header_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (uint8_t *)ctx + off, len);
	return off < 64 ? VD_OK : VD_ERR_MEM_FAULT;
}

static void test_reader_errors_propagate(void **state)
{
	struct vd_elf_image img;
	struct vd_elf_source src = {header_read, file, 0x3000};
	(void)state;

	assert_int_equal(vd_elf_parse(&src, &lim, &img), VD_ERR_MEM_FAULT);
	src.read = faulting_read; /* the very first read faults */
	assert_int_equal(vd_elf_parse(&src, &lim, &img), VD_ERR_MEM_FAULT);
	assert_int_equal(vd_elf_parse(NULL, &lim, &img),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_elf_parse(&src, NULL, &img),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_elf_parse(&src, &lim, NULL),
			 VD_ERR_INVALID_PARAMETER);
}

/* Random single- and multi-byte mutations of the headers: whatever the
 * verdict, no crash, and an accepted image stays inside the limits. */
static void test_mutation_fuzz(void **state)
{
	struct vd_elf_image img;
	unsigned accepted = 0;
	(void)state;

	srand(12345);
	for (int iter = 0; iter < 20000; iter++) {
		make_good();
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++) {
			size_t off = (size_t)rand() % ph(nph);
			file[off] = (uint8_t)rand();
		}
		if (rand() % 8 == 0)
			file_size = (size_t)rand() % 0x3000;
		if (parse(&img) != VD_OK)
			continue;
		accepted++;
		assert_true(img.nsegs >= 1 && img.nsegs <= VD_ELF_MAX_SEGMENTS);
		assert_true(img.image_bytes <= MAXIMG);
		for (unsigned i = 0; i < img.nsegs; i++) {
			const struct vd_elf_segment *s = &img.seg[i];
			assert_true(s->vaddr >= lim.user_base);
			assert_true(s->vaddr + s->memsz <= TOP);
			assert_true(s->filesz <= s->memsz);
			assert_true(s->offset + s->filesz <= file_size);
			assert_false((s->flags & VD_PF_W) &&
				     (s->flags & VD_PF_X));
		}
	}
	assert_true(accepted > 0); /* harmless mutations do pass */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_good_executable),
		T(test_truncated_everywhere),
		T(test_bad_ident),
		T(test_wrong_type_version_sizes),
		T(test_wrong_machine),
		T(test_riscv_float_abi),
		T(test_program_header_table),
		T(test_segment_file_ranges),
		T(test_segment_address_ranges),
		T(test_huge_image),
		T(test_overlapping_segments),
		T(test_flags_and_alignment),
		T(test_entry_point),
		T(test_unsupported_segment_types),
		T(test_no_loadable_segment),
		T(test_too_many_segments),
		T(test_section_headers),
		T(test_reader_errors_propagate),
		T(test_mutation_fuzz),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
