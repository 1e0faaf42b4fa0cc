/*
 * cmocka suite for fdt_stdout_node (hal/common/fdt.c), which the aarch64
 * and riscv64 consoles use to find their UART: /chosen/stdout-path as a
 * path or an alias, with or without ":options", and the ways it can be
 * missing.  Each case is a small DTS compiled by dtc (the build needs it
 * for test_fdt.c too) into a temporary file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "dtb_fixture.h"
#include <cmocka.h>
#include <hal/fdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A tree with two UARTs and an alias for the second; `chosen` is the
 * body of /chosen. */
static const char dts_fmt[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	#address-cells = <2>;\n"
	"	#size-cells = <2>;\n"
	"	aliases { serial1 = \"/soc/uart@2000\"; };\n"
	"	chosen { %s };\n"
	"	soc {\n"
	"		#address-cells = <2>;\n"
	"		#size-cells = <2>;\n"
	"		uart@1000 { reg = <0 0x1000 0 0x100>; };\n"
	"		uart@2000 { reg = <0 0x2000 0 0x100>; };\n"
	"	};\n"
	"};\n";

static uint8_t blob[4096];

/* Compile the tree with `chosen` as /chosen's body into blob; false if
 * dtc did not run. */
static bool build(const char *chosen)
{
	return dtb_compile(dts_fmt, chosen, blob, sizeof(blob));
}

/* The node fdt_stdout_node finds for this /chosen, as its unit address
 * (0x1000, 0x2000), or -1 for none. */
static long stdout_uart(const char *chosen)
{
	struct fdt f;
	if (!build(chosen))
		fail_msg("dtc could not compile the test tree");
	assert_true(fdt_init(&f, blob));
	int node = fdt_stdout_node(&f);
	if (node < 0)
		return -1;
	uint64_t base, size;
	assert_true(fdt_reg(&f, node, 0, &base, &size));
	return (long)base;
}

static void test_path(void **state)
{
	(void)state;
	assert_int_equal(stdout_uart("stdout-path = \"/soc/uart@1000\";"),
			 0x1000);
	assert_int_equal(
		stdout_uart("stdout-path = \"/soc/uart@2000:115200n8\";"),
		0x2000);
}

static void test_alias(void **state)
{
	(void)state;
	assert_int_equal(stdout_uart("stdout-path = \"serial1\";"), 0x2000);
	assert_int_equal(stdout_uart("stdout-path = \"serial1:115200\";"),
			 0x2000);
}

static void test_missing(void **state)
{
	(void)state;
	assert_int_equal(stdout_uart(""), -1); /* no property */
	assert_int_equal(stdout_uart("stdout-path = \"serial9\";"), -1);
	assert_int_equal(stdout_uart("stdout-path = \"/soc/uart@3000\";"), -1);
	assert_int_equal(stdout_uart("stdout-path = \"\";"), -1);
}

/* A path longer than the reader's buffer names no node, not the node its
 * cut prefix happens to name (here uart@1000, before 120 slashes). */
static void test_too_long(void **state)
{
	char chosen[300];
	char slashes[121];

	(void)state;
	memset(slashes, '/', 120);
	slashes[120] = '\0';
	snprintf(chosen, sizeof(chosen),
		 "stdout-path = \"/soc/uart@1000%snone\";", slashes);
	assert_int_equal(stdout_uart(chosen), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
