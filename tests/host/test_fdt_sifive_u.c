/*
 * cmocka suite: hal/common/fdt.c on the device tree of QEMU sifive_u (the
 * FU540) as OpenSBI 1.1 passes it (tests/host/data/sifive-u.dts), the
 * facts the riscv64 HAL and its drivers build on for that board:
 *   - the E51 (hart 0), disabled, is not a CPU of the boot info, and the
 *     boot hart, not 0, comes first;
 *   - the console is the SiFive UART /chosen/stdout-path names;
 *   - the PLIC's interrupts-extended gives, per context, the hart's
 *     cpu-intc and a one-cell cause: 9 for the S-mode contexts the PLIC
 *     driver (hal/drivers/irq/plic.c) uses, 0xffffffff where OpenSBI hid
 *     an M-mode one; the intc's parent is the cpu node with the hart id;
 *   - a UART's interrupt is one cell, its PLIC source.
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
#include <veridian/boot.h>

#define SIFIVE_U_DTB VD_TEST_DATA_DIR "/sifive-u.dtb"
#define CAUSE_S_EXT  9u
#define CAUSE_HIDDEN 0xffffffffu

static struct fdt f;
static uint8_t *blob;

static int load(void **state)
{
	(void)state;
	blob = dtb_load(SIFIVE_U_DTB, NULL);
	return blob && fdt_init(&f, blob) ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	free(blob);
	return 0;
}

static void test_harts(void **state)
{
	struct vd_boot_info bi;
	(void)state;

	memset(&bi, 0, sizeof(bi));
	assert_true(fdt_fill_boot_info(&f, &bi, 0x9fe00000, 2));
	assert_int_equal(bi.cpu_count, 2);
	assert_int_equal(bi.boot_cpu_hwid, 2);
	assert_int_equal(bi.cpu_hwid[0], 2);
	assert_int_equal(bi.cpu_hwid[1], 1);
	assert_string_equal(bi.board, "SiFive HiFive Unleashed A00");
}

static void test_console(void **state)
{
	uint64_t base, size;
	int out = fdt_stdout_node(&f);
	(void)state;

	assert_true(out >= 0);
	assert_true(fdt_is_compatible(&f, out, "sifive,uart0"));
	assert_true(fdt_reg_phys(&f, out, 0, &base, &size));
	assert_int_equal(base, 0x10010000);
	assert_int_equal(size, 0x1000);
}

/* Hart id of the cpu node around interrupt controller intc. */
static uint64_t hart_of(int intc)
{
	uint64_t hartid;
	int cpu = fdt_parent(&f, intc);

	assert_true(cpu >= 0);
	assert_true(fdt_reg(&f, cpu, 0, &hartid, NULL));
	return hartid;
}

static void test_plic_contexts(void **state)
{
	static const struct {
		uint64_t hart;
		uint32_t cause;
	} want[] = {
		{0, CAUSE_HIDDEN}, {1, CAUSE_HIDDEN}, {1, CAUSE_S_EXT},
		{2, CAUSE_HIDDEN}, {2, CAUSE_S_EXT},
	};
	uint32_t cells[FDT_MAX_IRQ_CELLS], ndev;
	unsigned n;
	int intc;
	int plic = fdt_find_compatible(&f, -1, "riscv,plic0");
	(void)state;

	assert_true(plic >= 0);
	assert_true(fdt_is_compatible(&f, plic, "sifive,plic-1.0.0"));
	assert_true(fdt_prop_u32(&f, plic, "riscv,ndev", &ndev));
	assert_int_equal(ndev, 53);
	for (unsigned ctx = 0; ctx < sizeof(want) / sizeof(want[0]); ctx++) {
		assert_true(fdt_irq_spec(&f, plic, ctx, &intc, cells, &n));
		assert_true(fdt_is_compatible(&f, intc, "riscv,cpu-intc"));
		assert_int_equal(n, 1);
		assert_int_equal(cells[0], want[ctx].cause);
		assert_int_equal(hart_of(intc), want[ctx].hart);
	}
	assert_false(fdt_irq_spec(&f, plic, 5, &intc, cells, &n));
}

static void test_uart_interrupts(void **state)
{
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n, src = 4;
	int ctrl;
	int plic = fdt_find_compatible(&f, -1, "riscv,plic0");
	(void)state;

	for (int u = fdt_find_compatible(&f, -1, "sifive,uart0"); u >= 0;
	     u = fdt_find_compatible(&f, u, "sifive,uart0"), src++) {
		assert_true(fdt_irq_spec(&f, u, 0, &ctrl, cells, &n));
		assert_int_equal(ctrl, plic);
		assert_int_equal(n, 1);
		assert_int_equal(cells[0], src);
		assert_false(fdt_irq_spec(&f, u, 1, &ctrl, cells, &n));
	}
	assert_int_equal(src, 6); /* both UARTs seen */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harts),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_plic_contexts),
		cmocka_unit_test(test_uart_interrupts),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
