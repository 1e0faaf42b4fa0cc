/*
 * cmocka suite for hal/common/fdt.c against a DTB compiled by dtc from
 * tests/host/data/board.dts (path in VD_TEST_DTB), plus corrupt blobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dtb_fixture.h"
#include <hal/fdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *blob;
static size_t blob_len;

static int load_blob(void **state)
{
	(void)state;
	blob = dtb_load(VD_TEST_DTB, &blob_len);
	return blob ? 0 : -1;
}

static int free_blob(void **state)
{
	(void)state;
	free(blob);
	return 0;
}

static void test_header_and_paths(void **state)
{
	struct fdt f;
	(void)state;

	assert_true(fdt_init(&f, blob));
	assert_int_equal(fdt_blob_size(blob), blob_len);
	assert_true(fdt_root(&f) >= 0);
	assert_true(fdt_path(&f, "/chosen") >= 0);
	assert_true(fdt_path(&f, "/memory") >= 0); /* matches memory@... */
	assert_true(fdt_path(&f, "/memory@40000000") >= 0);
	assert_int_equal(fdt_path(&f, "/memory@50000000"), -1);
	assert_true(fdt_path(&f, "/cpus/cpu@5") >= 0);
	assert_int_equal(fdt_path(&f, "/nonexistent"), -1);
	assert_int_equal(fdt_path(&f, "relative"), -1);
	assert_string_equal(fdt_node_name(&f, fdt_path(&f, "/soc/serial")),
			    "serial@10000000");
}

static void test_props_and_reg(void **state)
{
	struct fdt f;
	uint64_t base, size;
	uint32_t v;
	(void)state;

	assert_true(fdt_init(&f, blob));
	int serial = fdt_find_compatible(&f, -1, "ns16550a");
	assert_true(serial >= 0);
	assert_true(fdt_reg(&f, serial, 0, &base, &size));
	assert_int_equal(base, 0x10000000);
	assert_int_equal(size, 0x100);
	assert_false(fdt_reg(&f, serial, 1, &base, &size));
	assert_true(fdt_prop_u32(&f, serial, "interrupts", &v));
	assert_int_equal(v, 10);
	assert_false(fdt_prop_u32(&f, serial, "no-such-prop", &v));

	/* a later entry in a compatible list also matches */
	int test = fdt_find_compatible(&f, -1, "sifive,test0");
	assert_true(test >= 0);
	assert_true(fdt_is_compatible(&f, test, "syscon"));
	assert_false(fdt_is_compatible(&f, test, "sifive"));
	assert_int_equal(fdt_find_compatible(&f, test, "sifive,test0"), -1);

	/* cpus use #address-cells = 1, #size-cells = 0 */
	int cpu5 = fdt_path(&f, "/cpus/cpu@5");
	assert_true(fdt_reg(&f, cpu5, 0, &base, NULL));
	assert_int_equal(base, 5);
	assert_int_equal(fdt_parent(&f, cpu5), fdt_path(&f, "/cpus"));
	assert_int_equal(fdt_parent(&f, fdt_root(&f)), -1);
}

static bool has_region(const struct vd_mem_region *r, unsigned n, paddr_t base,
		       uint64_t size, enum vd_mem_type t)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].base == base && r[i].size == size && r[i].type == t)
			return true;
	return false;
}

static void test_fill_boot_info(void **state)
{
	struct fdt f;
	struct vd_boot_info bi;
	(void)state;

	memset(&bi, 0, sizeof(bi));
	assert_true(fdt_init(&f, blob));
	assert_true(fdt_fill_boot_info(&f, &bi, 0x5f000100, 1));

	assert_int_equal(bi.mem_count, 2);
	assert_true(has_region(bi.mem, bi.mem_count, 0x40000000, 0x20000000,
			       VD_MEM_USABLE));
	assert_true(has_region(bi.mem, bi.mem_count, 0x100000000ull, 0x10000000,
			       VD_MEM_USABLE));
	/* memreserve, reserved-memory, the blob itself, the initrd */
	assert_true(has_region(bi.reserved, bi.reserved_count, 0x48000000,
			       0x1000, VD_MEM_RESERVED));
	assert_true(has_region(bi.reserved, bi.reserved_count, 0x80000000,
			       0x40000, VD_MEM_RESERVED));
	assert_true(has_region(bi.reserved, bi.reserved_count, 0x5f000000,
			       (blob_len + 0x100 + 4095) & ~4095ul,
			       VD_MEM_BOOT_DATA));
	assert_true(has_region(bi.reserved, bi.reserved_count, 0x48100000,
			       0x81000, VD_MEM_BOOT_DATA));
	assert_int_equal(bi.initrd_base, 0x48100000);
	assert_int_equal(bi.initrd_size, 0x80800);
	assert_string_equal(bi.cmdline, "console=ttyS0 verbose");

	/* boot hart 1 first, disabled cpu@3 skipped */
	assert_int_equal(bi.cpu_count, 3);
	assert_int_equal(bi.boot_cpu_hwid, 1);
	assert_int_equal(bi.cpu_hwid[0], 1);
	assert_int_equal(bi.cpu_hwid[1], 0);
	assert_int_equal(bi.cpu_hwid[2], 5);
}

static void test_rejects_corrupt_blobs(void **state)
{
	struct fdt f;
	uint8_t *copy = malloc(blob_len);
	(void)state;

	assert_false(fdt_init(&f, NULL));
	memcpy(copy, blob, blob_len);
	copy[0] ^= 0xff; /* magic */
	assert_false(fdt_init(&f, copy));
	assert_int_equal(fdt_blob_size(copy), 0);

	memcpy(copy, blob, blob_len);
	copy[8] = 0x7f; /* off_dt_struct far past totalsize */
	assert_false(fdt_init(&f, copy));

	/* a property length running past the structure block makes
	 * lookups fail instead of reading out of bounds (ASan checks) */
	memcpy(copy, blob, blob_len);
	assert_true(fdt_init(&f, copy));
	int root = fdt_root(&f);
	uint32_t off =
		(uint32_t)root + 4 + 4; /* "\0" name padded: first prop */
	assert_int_equal(fdt_be32(f.structs + off), 3); /* FDT_PROP */
	uint8_t *len = (uint8_t *)f.structs + off + 4;
	len[0] = 0x7f;
	assert_int_equal(fdt_path(&f, "/chosen"), -1);
	assert_int_equal(fdt_find_compatible(&f, -1, "ns16550a"), -1);
	free(copy);
}

/* Regressions found by the FDT fuzzer (tests/fuzz/fdt.c): whatever the
 * reader hands out lies inside the structure block, strings are compared
 * within their bounds. */
static void test_prop_value_stays_in_the_block(void **state)
{
	struct fdt f;
	uint8_t *copy = malloc(blob_len);
	uint32_t len;
	(void)state;

	memcpy(copy, blob, blob_len);
	assert_true(fdt_init(&f, copy));
	int serial = fdt_find_compatible(&f, -1, "ns16550a");
	assert_true(serial >= 0);
	uint8_t *val = (uint8_t *)fdt_prop(&f, serial, "compatible", &len);
	assert_non_null(val);
	/* a length that runs past the structure block, though not past the
	 * blob (the strings block follows): was returned as is, and every
	 * user read the strings block and beyond as the value */
	uint32_t past = f.structs_size - (uint32_t)(val - f.structs) + 4;
	assert_true(past < f.size);
	val[-8] = (uint8_t)(past >> 24);
	val[-7] = (uint8_t)(past >> 16);
	val[-6] = (uint8_t)(past >> 8);
	val[-5] = (uint8_t)past;
	assert_null(fdt_prop(&f, serial, "compatible", &len));
	assert_false(fdt_is_compatible(&f, serial, "ns16550a"));
	free(copy);
}

static void test_unterminated_strings(void **state)
{
	struct fdt f;
	struct vd_boot_info bi;
	uint8_t *copy = malloc(blob_len);
	uint32_t len;
	(void)state;

	/* "ns16550a" without its NUL: matches nothing, read within len */
	memcpy(copy, blob, blob_len);
	assert_true(fdt_init(&f, copy));
	int serial = fdt_find_compatible(&f, -1, "ns16550a");
	uint8_t *val = (uint8_t *)fdt_prop(&f, serial, "compatible", &len);
	assert_int_equal(len, 9);
	val[-5] = 8;
	assert_false(fdt_is_compatible(&f, serial, "ns16550a"));
	assert_false(fdt_is_compatible(&f, serial, "ns16550a-and-more"));

	/* device_type "memory" cut before its NUL: not a memory node */
	memcpy(copy, blob, blob_len);
	assert_true(fdt_init(&f, copy));
	int mem = fdt_path(&f, "/memory");
	val = (uint8_t *)fdt_prop(&f, mem, "device_type", &len);
	assert_int_equal(len, 7);
	val[-5] = 6;
	memset(&bi, 0, sizeof(bi));
	assert_true(fdt_fill_boot_info(&f, &bi, 0x5f000000, 0));
	assert_int_equal(bi.mem_count, 0);

	/* a node name with no NUL before the end of the block: no name */
	memcpy(copy, blob, blob_len);
	assert_true(fdt_init(&f, copy));
	int chosen = fdt_path(&f, "/chosen");
	f.structs_size = (uint32_t)chosen + 4 + 3; /* "cho" */
	assert_string_equal(fdt_node_name(&f, chosen), "");
	assert_int_equal(fdt_path(&f, "/chosen"), -1);
	free(copy);
}

static void test_header_offsets_checked(void **state)
{
	struct fdt f;
	uint8_t *copy = malloc(blob_len);
	(void)state;

	/* off_mem_rsvmap past totalsize: add_reserved walked from there */
	memcpy(copy, blob, blob_len);
	copy[16] = 0x7f;
	assert_false(fdt_init(&f, copy));
	/* totalsize of 2 GiB or more: node offsets are ints */
	memcpy(copy, blob, blob_len);
	copy[4] = 0x80;
	assert_false(fdt_init(&f, copy));
	free(copy);
}

static void test_too_many_regions_is_reported(void **state)
{
	struct fdt f;
	struct vd_boot_info bi;
	size_t len;
	uint8_t *many = dtb_load(VD_TEST_DATA_DIR "/many-regions.dtb", &len);
	(void)state;

	assert_non_null(many);
	memset(&bi, 0, sizeof(bi));
	assert_true(fdt_init(&f, many));
	assert_false(fdt_fill_boot_info(&f, &bi, 0x5f000000, 0));
	assert_int_equal(bi.reserved_count, VD_MAX_MEM_REGIONS);
	assert_int_equal(bi.mem_count, 1);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_paths),
		cmocka_unit_test(test_props_and_reg),
		cmocka_unit_test(test_fill_boot_info),
		cmocka_unit_test(test_rejects_corrupt_blobs),
		cmocka_unit_test(test_prop_value_stays_in_the_block),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_header_offsets_checked),
		cmocka_unit_test(test_too_many_regions_is_reported),
	};
	return cmocka_run_group_tests(tests, load_blob, free_blob);
}
