/*
 * cmocka suite for the console's choice between drivers
 * (hal/common/driver.c): the /chosen/stdout-path node goes first even
 * when a higher-priority driver matches another node (raspi3b's
 * mini-UART against its PL011), priority decides without one, and a
 * refused stdout node leaves the rest to the usual order.  The general
 * rules (priority, nodes, ACPI, detect, vd.<role>=) are test_driver.c's.
 * The two drivers are fakes; each case is a small DTS compiled by dtc
 * into a temporary file, as in test_fdt_stdout.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "dtb_fixture.h"
#include <cmocka.h>
#include <hal/driver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Two UARTs: "test,uart-hi" (the higher-priority driver's) at 0x1000 and
 * "test,uart-lo" at 0x2000; `chosen` is the body of /chosen. */
static const char dts_fmt[] = "/dts-v1/;\n"
			      "/ {\n"
			      "	#address-cells = <1>;\n"
			      "	#size-cells = <1>;\n"
			      "	chosen { %s };\n"
			      "	uart@1000 { compatible = \"test,uart-hi\"; reg "
			      "= <0x1000 0x100>; };\n"
			      "	uart@2000 { compatible = \"test,uart-lo\"; reg "
			      "= <0x2000 0x100>; };\n"
			      "};\n";

static uint8_t blob[4096];
static struct fdt tree;
static bool hi_refuses; /* the high-priority driver's probe fails */

static bool build(const char *chosen)
{
	return dtb_compile(dts_fmt, chosen, blob, sizeof(blob)) &&
	       fdt_init(&tree, blob);
}

static vd_err_t hi_probe(struct vd_device *dev)
{
	(void)dev;
	return hi_refuses ? VD_ERR_NOT_FOUND : VD_OK;
}

static vd_err_t lo_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

static void no_putc(char c)
{
	(void)c;
}

static const struct vd_console_ops fake_ops = {.putc = no_putc};
static const char *const hi_match[] = {"test,uart-hi", NULL};
static const char *const lo_match[] = {"test,uart-lo", NULL};

VD_DRIVER(hi_driver) = {
	.name = "uart-hi",
	.role = VD_ROLE_CONSOLE,
	.priority = 20,
	.compatible = hi_match,
	.probe = hi_probe,
	.ops = &fake_ops,
};

VD_DRIVER(lo_driver) = {
	.name = "uart-lo",
	.role = VD_ROLE_CONSOLE,
	.priority = 10,
	.compatible = lo_match,
	.probe = lo_probe,
	.ops = &fake_ops,
};

/* Build the tree, probe the console with `cmdline`: the bound driver's
 * name and its device's base, or NULL. */
static const char *console_for(const char *chosen, const char *cmdline,
			       paddr_t *base)
{
	if (!build(chosen))
		fail_msg("dtc could not compile the test tree");
	const struct vd_probe_env env = {.fdt = &tree, .cmdline = cmdline};
	const struct vd_driver *d = vd_driver_probe(VD_ROLE_CONSOLE, &env);
	if (!d)
		return NULL;
	*base = vd_driver_device(VD_ROLE_CONSOLE)->base;
	return d->name;
}

/* stdout-path beats priority: raspi3b's mini-UART against its PL011 */
static void test_stdout_path_wins(void **state)
{
	paddr_t base;
	(void)state;
	hi_refuses = false;
	assert_string_equal(
		console_for("stdout-path = \"/uart@2000\";", "", &base),
		"uart-lo");
	assert_int_equal(base, 0x2000);
}

static void test_priority_without_stdout_path(void **state)
{
	paddr_t base;
	(void)state;
	hi_refuses = false;
	assert_string_equal(console_for("", "", &base), "uart-hi");
	assert_int_equal(base, 0x1000);
	/* a stdout-path naming no node is the same as none */
	assert_string_equal(
		console_for("stdout-path = \"/nowhere\";", "", &base),
		"uart-hi");
}

/* the stdout node's driver refuses it: the other nodes get their turn */
static void test_stdout_probe_refused(void **state)
{
	paddr_t base;
	(void)state;
	hi_refuses = true;
	assert_string_equal(
		console_for("stdout-path = \"/uart@1000\";", "", &base),
		"uart-lo");
	assert_int_equal(base, 0x2000);
	hi_refuses = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdout_path_wins),
		cmocka_unit_test(test_priority_without_stdout_path),
		cmocka_unit_test(test_stdout_probe_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
