/*
 * cmocka suite for the device-tree bus logic of hal/common/fdt_bus.c:
 * "reg" translated through bus "ranges" (one and two levels, empty
 * ranges, missing ranges, an address in no window), interrupt specifiers
 * ("interrupts" with the controller from the nearest interrupt-parent up
 * the tree, "interrupts-extended" with controllers of different
 * #interrupt-cells), phandles and node status.  The tree is
 * tests/host/data/bus.dts, compiled by dtc at build time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dtb_fixture.h"
#include <hal/fdt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static uint8_t *blob;
static struct fdt f;

static int load_blob(void **state)
{
	(void)state;
	blob = dtb_load(VD_TEST_DATA_DIR "/bus.dtb", NULL);
	return blob && fdt_init(&f, blob) ? 0 : -1;
}

static int free_blob(void **state)
{
	(void)state;
	free(blob);
	return 0;
}

static int node(const char *path)
{
	int n = fdt_path(&f, path);
	if (n < 0)
		fail_msg("no node %s in bus.dts", path);
	return n;
}

static uint32_t phandle_of(const char *path)
{
	uint32_t ph = 0;
	assert_true(fdt_prop_u32(&f, node(path), "phandle", &ph));
	return ph;
}

/* ---- reg through ranges ---- */

static void test_reg_on_the_root_bus_is_physical(void **state)
{
	uint64_t base, size;
	(void)state;

	assert_true(fdt_reg_phys(&f, node("/intc@8000000"), 0, &base, &size));
	assert_int_equal(base, 0x8000000);
	assert_int_equal(size, 0x10000);
}

static void test_one_level_translates(void **state)
{
	uint64_t base, size;
	(void)state;

	/* bus 0x7e201000 in the window 0x7e000000 -> 0x3f000000 */
	assert_true(
		fdt_reg_phys(&f, node("/soc/uart@7e201000"), 0, &base, &size));
	assert_int_equal(base, 0x3f201000);
	assert_int_equal(size, 0x1000);
	/* the untranslated reader still sees the bus address */
	assert_true(fdt_reg(&f, node("/soc/uart@7e201000"), 0, &base, &size));
	assert_int_equal(base, 0x7e201000);
	/* the second window of the same ranges: identity */
	assert_true(
		fdt_reg_phys(&f, node("/soc/local@40000000"), 0, &base, &size));
	assert_int_equal(base, 0x40000000);
}

static void test_two_levels_translate(void **state)
{
	uint64_t base, size;
	int dev = node("/soc/sub-bus@7e800000/dev@100");
	(void)state;

	/* 0x100 -> sub-bus 0x7e800100 -> soc 0x3f800100 */
	assert_true(fdt_reg_phys(&f, dev, 0, &base, &size));
	assert_int_equal(base, 0x3f800100);
	assert_int_equal(size, 0x10);
	/* the second reg entry takes the same way */
	assert_true(fdt_reg_phys(&f, dev, 1, &base, &size));
	assert_int_equal(base, 0x3f800200);
	/* no third entry */
	assert_false(fdt_reg_phys(&f, dev, 2, &base, &size));
	assert_false(fdt_reg_phys(&f, dev, UINT_MAX, &base, &size));
}

static void test_empty_ranges_is_identity(void **state)
{
	uint64_t base, size;
	(void)state;

	/* identity through ident-bus, then soc's window */
	assert_true(fdt_reg_phys(&f, node("/soc/ident-bus/dev@7e002000"), 0,
				 &base, &size));
	assert_int_equal(base, 0x3f002000);
	assert_int_equal(size, 0x20);
}

static void test_missing_ranges_fails(void **state)
{
	uint64_t base = 0x1234, size = 0x5678;
	(void)state;

	/* i2c-bus has no ranges: its children have no CPU address */
	assert_false(fdt_reg_phys(&f, node("/soc/i2c-bus/eeprom@50"), 0, &base,
				  &size));
	/* the raw reg is still there (address 0x50, no size cells) */
	assert_true(
		fdt_reg(&f, node("/soc/i2c-bus/eeprom@50"), 0, &base, &size));
	assert_int_equal(base, 0x50);
	assert_int_equal(size, 0);
}

static void test_address_outside_every_window_fails(void **state)
{
	uint64_t base, size;
	(void)state;

	assert_false(fdt_reg_phys(&f, node("/soc/outside@80000000"), 0, &base,
				  &size));
}

static void test_node_without_reg_fails(void **state)
{
	uint64_t base, size;
	(void)state;

	assert_false(fdt_reg_phys(&f, node("/timer"), 0, &base, &size));
}

/* ---- interrupts ---- */

static void test_interrupt_parent_from_the_root(void **state)
{
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n;
	int ctrl;
	(void)state;

	/* /timer has no interrupt-parent: the root's, the GIC, 3 cells */
	assert_true(fdt_irq_spec(&f, node("/timer"), 0, &ctrl, cells, &n));
	assert_int_equal(ctrl, node("/intc@8000000"));
	assert_int_equal(n, 3);
	assert_int_equal(cells[0], 1);
	assert_int_equal(cells[1], 13);
	assert_int_equal(cells[2], 4);
	assert_true(fdt_irq_spec(&f, node("/timer"), 1, &ctrl, cells, &n));
	assert_int_equal(cells[1], 14);
	assert_false(fdt_irq_spec(&f, node("/timer"), 2, &ctrl, cells, &n));
	/* an index whose byte offset wraps 32 bits is no entry either */
	assert_false(
		fdt_irq_spec(&f, node("/timer"), UINT_MAX, &ctrl, cells, &n));
	assert_false(fdt_irq_spec(&f, node("/timer"), 0x55555556u, &ctrl, cells,
				  &n));
}

static void test_interrupt_parent_inherited_from_the_bus(void **state)
{
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n;
	int ctrl;
	(void)state;

	/* the uart inherits soc's interrupt-parent: the PLIC, 1 cell */
	assert_true(fdt_irq_spec(&f, node("/soc/uart@7e201000"), 0, &ctrl,
				 cells, &n));
	assert_int_equal(ctrl, node("/intc@c000000"));
	assert_int_equal(n, 1);
	assert_int_equal(cells[0], 5);
	assert_false(fdt_irq_spec(&f, node("/soc/uart@7e201000"), 1, &ctrl,
				  cells, &n));
}

static void test_interrupts_extended(void **state)
{
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n;
	int ctrl;
	int dev = node("/soc/sub-bus@7e800000/dev@100");
	(void)state;

	/* entry 0: <&gic 0 33 4>, three cells */
	assert_true(fdt_irq_spec(&f, dev, 0, &ctrl, cells, &n));
	assert_int_equal(ctrl, node("/intc@8000000"));
	assert_int_equal(n, 3);
	assert_int_equal(cells[0], 0);
	assert_int_equal(cells[1], 33);
	assert_int_equal(cells[2], 4);
	/* entry 1: <&plic 7>, one cell: found only by skipping entry 0 by
	 * the GIC's own length; extended wins over soc's interrupt-parent */
	assert_true(fdt_irq_spec(&f, dev, 1, &ctrl, cells, &n));
	assert_int_equal(ctrl, node("/intc@c000000"));
	assert_int_equal(n, 1);
	assert_int_equal(cells[0], 7);
	assert_false(fdt_irq_spec(&f, dev, 2, &ctrl, cells, &n));
}

static void test_bad_controllers_fail(void **state)
{
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n;
	int ctrl;
	(void)state;

	/* a controller without #interrupt-cells */
	assert_false(
		fdt_irq_spec(&f, node("/uses-broken"), 0, &ctrl, cells, &n));
	/* interrupts-extended naming a phandle no node has */
	assert_false(fdt_irq_spec(&f, node("/dangling"), 0, &ctrl, cells, &n));
	/* #interrupt-cells 0x3fffffff / 0x40000000: refused, not wrapped
	 * into a tiny or zero length (no endless walk, no division by 0) */
	assert_false(
		fdt_irq_spec(&f, node("/huge-extended"), 1, &ctrl, cells, &n));
	assert_false(fdt_irq_spec(&f, node("/huge-extended"), 100000, &ctrl,
				  cells, &n));
	assert_false(
		fdt_irq_spec(&f, node("/huge-parent"), 0, &ctrl, cells, &n));
	/* a node without interrupts */
	assert_false(fdt_irq_spec(&f, node("/soc/local@40000000"), 0, &ctrl,
				  cells, &n));
}

/* ---- phandles and status ---- */

static void test_phandle_lookup(void **state)
{
	(void)state;

	assert_int_equal(fdt_node_by_phandle(&f, phandle_of("/intc@8000000")),
			 node("/intc@8000000"));
	assert_int_equal(fdt_node_by_phandle(&f, phandle_of("/intc@c000000")),
			 node("/intc@c000000"));
	/* the legacy property name */
	assert_int_equal(fdt_node_by_phandle(&f, 0x77), node("/legacy"));
	/* 0 and ~0 are never phandles; an unknown one finds nothing */
	assert_int_equal(fdt_node_by_phandle(&f, 0), -1);
	assert_int_equal(fdt_node_by_phandle(&f, 0xffffffffu), -1);
	assert_int_equal(fdt_node_by_phandle(&f, 0x4242), -1);
}

static void test_status(void **state)
{
	(void)state;

	assert_true(fdt_node_enabled(&f, node("/timer"))); /* no status */
	assert_true(fdt_node_enabled(&f, node("/enabled-okay")));
	assert_true(fdt_node_enabled(&f, node("/enabled-ok")));
	assert_false(fdt_node_enabled(&f, node("/disabled-node")));
	assert_false(fdt_node_enabled(&f, node("/failed-node")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reg_on_the_root_bus_is_physical),
		cmocka_unit_test(test_one_level_translates),
		cmocka_unit_test(test_two_levels_translate),
		cmocka_unit_test(test_empty_ranges_is_identity),
		cmocka_unit_test(test_missing_ranges_fails),
		cmocka_unit_test(test_address_outside_every_window_fails),
		cmocka_unit_test(test_node_without_reg_fails),
		cmocka_unit_test(test_interrupt_parent_from_the_root),
		cmocka_unit_test(test_interrupt_parent_inherited_from_the_bus),
		cmocka_unit_test(test_interrupts_extended),
		cmocka_unit_test(test_bad_controllers_fail),
		cmocka_unit_test(test_phandle_lookup),
		cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, load_blob, free_blob);
}
