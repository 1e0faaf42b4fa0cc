/*
 * cmocka suite for the driver registry and probing, hal/common/driver.c,
 * with fake VD_DRIVER descriptors declared here (the host linker gathers
 * them into section vd_drivers as the kernel's linker scripts do) and the
 * tree tests/host/data/drivers.dts:
 *   - the highest priority that matches and probes is bound; for the
 *     console the /chosen/stdout-path node is tried first, with every
 *     driver, before any priority counts;
 *   - a probe that fails falls through to the driver's next node, then to
 *     the next driver; disabled nodes are never probed;
 *   - ACPI-table and detect() matches;
 *   - the command line: vd.<role>=name, name@addr, none, an unknown name,
 *     a bad address, a forced probe that fails;
 *   - vd_driver_fdt_irq through a fake interrupt controller's xlate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dtb_fixture.h"
#include <hal/driver.h>
#include <host/fake.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *blob;
static struct fdt tree;

/* ---- what the fakes saw and what they are told to do ---- */

#define MAX_CALLS 16
static struct call {
	const char *driver;
	paddr_t base;
	int node;
} calls[MAX_CALLS];
static unsigned ncalls;

static paddr_t refused[4]; /* probes at these bases fail */
static bool detect_console, detect_rng, acpi_has_vdrn;

static vd_err_t record(const char *driver, const struct vd_device *dev)
{
	assert_true(ncalls < MAX_CALLS);
	calls[ncalls++] = (struct call){driver, dev->base, dev->node};
	for (unsigned i = 0; i < 4; i++)
		if (refused[i] && refused[i] == dev->base)
			return VD_ERR_NOT_FOUND;
	return VD_OK;
}

static void console_putc(char c)
{
	(void)c;
}

static int console_getc(void)
{
	return -1;
}

static const struct vd_console_ops console_ops = {console_putc, console_getc};

/* ---- console: two UART kinds and a detected fallback ---- */

static vd_err_t fake_uart_probe(struct vd_device *dev)
{
	return record("fake-uart", dev);
}
static const char *const fake_uart_compat[] = {"vd,fake-uart",
					       "vd,fake-uart-v2", NULL};
VD_DRIVER(fake_uart) = {
	.name = "fake-uart",
	.role = VD_ROLE_CONSOLE,
	.priority = 10,
	.compatible = fake_uart_compat,
	.probe = fake_uart_probe,
	.ops = &console_ops,
};

static vd_err_t fake_other_probe(struct vd_device *dev)
{
	return record("fake-other-uart", dev);
}
static const char *const fake_other_compat[] = {"vd,fake-other-uart", NULL};
VD_DRIVER(fake_other_uart) = {
	.name = "fake-other-uart",
	.role = VD_ROLE_CONSOLE,
	.priority = 5,
	.compatible = fake_other_compat,
	.probe = fake_other_probe,
	.ops = &console_ops,
};

static bool fake_detect_console(const struct vd_probe_env *env)
{
	(void)env;
	return detect_console;
}
static vd_err_t fake_firmware_console_probe(struct vd_device *dev)
{
	return record("fake-firmware-console", dev);
}
VD_DRIVER(fake_firmware_console) = {
	.name = "fake-firmware-console",
	.role = VD_ROLE_CONSOLE,
	.priority = 1,
	.detect = fake_detect_console,
	.probe = fake_firmware_console_probe,
	.ops = &console_ops,
};

/* ---- entropy: by ACPI table, by detect, by a transport slot ---- */

static bool rng_read(uint64_t *out)
{
	*out = 4;
	return true;
}
static const struct vd_entropy_ops rng_ops = {rng_read};

static vd_err_t fake_acpi_rng_probe(struct vd_device *dev)
{
	return record("fake-acpi-rng", dev);
}
VD_DRIVER(fake_acpi_rng) = {
	.name = "fake-acpi-rng",
	.role = VD_ROLE_ENTROPY,
	.priority = 30,
	.acpi = "VDRN",
	.probe = fake_acpi_rng_probe,
	.ops = &rng_ops,
};

static bool fake_detect_rng(const struct vd_probe_env *env)
{
	(void)env;
	return detect_rng;
}
static vd_err_t fake_cpu_rng_probe(struct vd_device *dev)
{
	return record("fake-cpu-rng", dev);
}
VD_DRIVER(fake_cpu_rng) = {
	.name = "fake-cpu-rng",
	.role = VD_ROLE_ENTROPY,
	.priority = 20,
	.detect = fake_detect_rng,
	.probe = fake_cpu_rng_probe,
	.ops = &rng_ops,
};

/* Like virtio-mmio: every slot matches, only the one at 0x6000 holds an
 * RNG. */
static vd_err_t fake_slot_rng_probe(struct vd_device *dev)
{
	vd_err_t e = record("fake-slot-rng", dev);
	return e == VD_OK && dev->base != 0x6000 ? VD_ERR_NOT_FOUND : e;
}
static const char *const fake_slot_compat[] = {"vd,fake-transport", NULL};
VD_DRIVER(fake_slot_rng) = {
	.name = "fake-slot-rng",
	.role = VD_ROLE_ENTROPY,
	.priority = 10,
	.compatible = fake_slot_compat,
	.probe = fake_slot_rng_probe,
	.ops = &rng_ops,
};

/* ---- cpu: a driver nothing matches (only vd.cpu= binds it) ---- */

static vd_err_t fake_cpu_start(uint64_t hwid, paddr_t entry, uint64_t arg)
{
	(void)hwid, (void)entry, (void)arg;
	return VD_OK;
}
static const struct vd_cpu_ops cpu_ops = {fake_cpu_start};
static vd_err_t fake_cpu_probe(struct vd_device *dev)
{
	return record("fake-cpu", dev);
}
VD_DRIVER(fake_cpu) = {
	.name = "fake-cpu",
	.role = VD_ROLE_CPU,
	.priority = 0,
	.probe = fake_cpu_probe,
	.ops = &cpu_ops,
};

/* ---- irq: <number flags> specifiers, number + 32, level (1) only ---- */

static int intc_node;
static bool fake_xlate(int ctrl, const uint32_t *cells, unsigned ncells,
		       unsigned *irq)
{
	if (ctrl != intc_node || ncells != 2 || cells[1] != 1)
		return false;
	*irq = cells[0] + 32;
	return true;
}
static const struct vd_irq_ops irq_ops = {.xlate = fake_xlate};
static vd_err_t fake_intc_probe(struct vd_device *dev)
{
	return record("fake-intc", dev);
}
static const char *const fake_intc_compat[] = {"vd,fake-intc", NULL};
VD_DRIVER(fake_intc) = {
	.name = "fake-intc",
	.role = VD_ROLE_IRQ,
	.priority = 10,
	.compatible = fake_intc_compat,
	.probe = fake_intc_probe,
	.ops = &irq_ops,
};

/* (no power driver: that role finds none) */

/* ---- fixtures ---- */

static const void *fake_acpi_find(const char signature[4])
{
	static const char table[] = "VDRN table";
	return acpi_has_vdrn && memcmp(signature, "VDRN", 4) == 0 ? table
								  : NULL;
}

static struct vd_probe_env env(const char *cmdline)
{
	return (struct vd_probe_env){
		.fdt = &tree, .acpi_find = fake_acpi_find, .cmdline = cmdline};
}

static int load_blob(void **state)
{
	(void)state;
	blob = dtb_load(VD_TEST_DATA_DIR "/drivers.dtb", NULL);
	if (!blob || !fdt_init(&tree, blob))
		return -1;
	intc_node = fdt_path(&tree, "/intc@100");
	return intc_node >= 0 ? 0 : -1;
}

static int free_blob(void **state)
{
	(void)state;
	free(blob);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	ncalls = 0;
	memset(refused, 0, sizeof(refused));
	detect_console = detect_rng = acpi_has_vdrn = false;
	host_console_clear();
	return 0;
}

static int node(const char *path)
{
	int n = fdt_path(&tree, path);
	if (n < 0)
		fail_msg("no node %s in drivers.dts", path);
	return n;
}

static void assert_call(unsigned i, const char *driver, paddr_t base)
{
	assert_true(i < ncalls);
	assert_string_equal(calls[i].driver, driver);
	assert_int_equal(calls[i].base, base);
}

/* The console output holds `line` (the console's \r before \n aside). */
static void assert_logged(const char *line)
{
	static char log[4096];
	size_t n = 0;

	for (const char *p = host_console_output(); *p && n + 1 < sizeof(log);
	     p++)
		if (*p != '\r')
			log[n++] = *p;
	log[n] = '\0';
	if (!strstr(log, line))
		fail_msg("log lacks \"%s\"; it is:\n%s", line, log);
}

/* ---- priority, compatible, stdout-path ---- */

static void test_highest_priority_stdout_path_first(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	/* fake-uart (10) beats fake-other-uart (5); of its two enabled
	 * nodes, the stdout-path one, though uart@1000 comes first */
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
	assert_int_equal(ncalls, 1);
	assert_call(0, "fake-uart", 0x2000);
	assert_ptr_equal(vd_driver_bound(VD_ROLE_CONSOLE), &fake_uart);
	assert_ptr_equal(vd_driver_ops(VD_ROLE_CONSOLE), &console_ops);
	const struct vd_device *dev = vd_driver_device(VD_ROLE_CONSOLE);
	assert_non_null(dev);
	assert_int_equal(dev->node, node("/soc/uart@2000"));
	assert_int_equal(dev->base, 0x2000);
	assert_int_equal(dev->size, 0x100);
	assert_string_equal(dev->compatible, "vd,fake-uart");
	assert_logged("driver: console fake-uart (vd,fake-uart) @ 0x2000\n");
}

/* The node stdout-path names outranks the drivers' priorities: the
 * firmware chose that UART, though a higher-priority driver matches
 * another one (tests/host/data/drivers-console.dts). */
static void test_stdout_path_outranks_priority(void **state)
{
	uint8_t *other =
		dtb_load(VD_TEST_DATA_DIR "/drivers-console.dtb", NULL);
	struct fdt t;
	struct vd_probe_env e = env("");
	(void)state;

	assert_non_null(other);
	assert_true(fdt_init(&t, other));
	e.fdt = &t;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e),
			 &fake_other_uart);
	assert_int_equal(ncalls, 1);
	assert_call(0, "fake-other-uart", 0x9000);

	/* if it refuses, the priorities decide among the rest */
	ncalls = 0;
	refused[0] = 0x9000;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
	assert_int_equal(ncalls, 2);
	assert_call(0, "fake-other-uart", 0x9000);
	assert_call(1, "fake-uart", 0x8000);

	/* a node carrying two of a driver's strings is probed once */
	ncalls = 0;
	refused[1] = 0x8000;
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_int_equal(ncalls, 2);
	assert_call(0, "fake-other-uart", 0x9000);
	assert_call(1, "fake-uart", 0x8000);
	free(other);
}

static void test_failed_probe_tries_the_next_node(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	refused[0] = 0x2000;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
	assert_int_equal(ncalls, 2);
	assert_call(0, "fake-uart", 0x2000);
	assert_call(1, "fake-uart", 0x1000);
	assert_int_equal(vd_driver_device(VD_ROLE_CONSOLE)->base, 0x1000);
}

static void test_failed_probes_try_the_next_driver(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	/* both enabled fake-uart nodes refuse; uart@3000 is disabled and
	 * never probed; fake-other-uart is next */
	refused[0] = 0x2000;
	refused[1] = 0x1000;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e),
			 &fake_other_uart);
	assert_int_equal(ncalls, 3);
	assert_call(0, "fake-uart", 0x2000);
	assert_call(1, "fake-uart", 0x1000);
	assert_call(2, "fake-other-uart", 0x4000);
}

static void test_detect_is_the_last_resort(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	refused[0] = 0x2000;
	refused[1] = 0x1000;
	refused[2] = 0x4000;
	detect_console = true;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e),
			 &fake_firmware_console);
	assert_int_equal(ncalls, 4);
	assert_call(3, "fake-firmware-console", 0);
	assert_int_equal(calls[3].node, -1);
	assert_null(vd_driver_device(VD_ROLE_CONSOLE)->compatible);
	assert_logged("driver: console fake-firmware-console\n");
}

static void test_nothing_matches(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	/* a console is bound first, so the failed probe below must
	 * unbind it rather than leave the earlier choice */
	assert_non_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	refused[0] = 0x2000;
	refused[1] = 0x1000;
	refused[2] = 0x4000;
	host_console_clear();
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_null(vd_driver_bound(VD_ROLE_CONSOLE));
	assert_null(vd_driver_ops(VD_ROLE_CONSOLE));
	assert_null(vd_driver_device(VD_ROLE_CONSOLE));
	assert_logged("driver: console none matched\n");
	/* a role no driver serves at all */
	assert_null(vd_driver_probe(VD_ROLE_POWER, &e));
	assert_logged("driver: power   none matched\n");
}

static void test_no_device_tree(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	e.fdt = NULL;
	detect_console = true;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e),
			 &fake_firmware_console);
	assert_int_equal(ncalls, 1);
}

/* ---- ACPI and detect ---- */

static void test_acpi_table_matches(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	acpi_has_vdrn = true;
	detect_rng = true;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_ENTROPY, &e), &fake_acpi_rng);
	assert_int_equal(ncalls, 1);
	assert_call(0, "fake-acpi-rng", 0);
	assert_logged("driver: entropy fake-acpi-rng\n");
}

static void test_detect_matches(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	/* no VDRN table (and a machine without ACPI at all) */
	detect_rng = true;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_ENTROPY, &e), &fake_cpu_rng);
	e.acpi_find = NULL;
	assert_ptr_equal(vd_driver_probe(VD_ROLE_ENTROPY, &e), &fake_cpu_rng);
	assert_int_equal(ncalls, 2);
}

static void test_transport_slot_falls_through(void **state)
{
	struct vd_probe_env e = env("");
	(void)state;

	/* neither ACPI nor detect: the slots, 0x5000 refuses */
	assert_ptr_equal(vd_driver_probe(VD_ROLE_ENTROPY, &e), &fake_slot_rng);
	assert_int_equal(ncalls, 2);
	assert_call(0, "fake-slot-rng", 0x5000);
	assert_call(1, "fake-slot-rng", 0x6000);
	assert_ptr_equal(vd_driver_ops(VD_ROLE_ENTROPY), &rng_ops);
}

/* ---- vd.<role>= on the command line ---- */

static void test_forced_name(void **state)
{
	struct vd_probe_env e = env("quiet vd.console=fake-other-uart x=1");
	(void)state;

	/* a lower priority forced; its own node still supplies reg */
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e),
			 &fake_other_uart);
	assert_int_equal(ncalls, 1);
	assert_call(0, "fake-other-uart", 0x4000);
	assert_int_equal(calls[0].node, node("/soc/uart@4000"));
	/* only its role is forced */
	assert_ptr_equal(vd_driver_probe(VD_ROLE_ENTROPY, &e), &fake_slot_rng);
}

static void test_forced_name_and_address(void **state)
{
	struct vd_probe_env e = env("vd.console=fake-uart@0x9000");
	(void)state;

	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
	assert_int_equal(ncalls, 1);
	assert_call(0, "fake-uart", 0x9000);
	assert_int_equal(calls[0].node, -1);
	assert_logged("driver: console fake-uart @ 0x9000\n");
	/* hex without 0x, upper case */
	e = env("vd.console=fake-uart@AB00");
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
	assert_call(1, "fake-uart", 0xab00);
}

static void test_forced_match_not_required(void **state)
{
	struct vd_probe_env e = env("vd.cpu=fake-cpu");
	(void)state;

	/* nothing matches fake-cpu: unforced, the role finds none */
	struct vd_probe_env plain = env("");
	assert_null(vd_driver_probe(VD_ROLE_CPU, &plain));
	assert_int_equal(ncalls, 0);
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CPU, &e), &fake_cpu);
	assert_call(0, "fake-cpu", 0);
	assert_ptr_equal(vd_driver_ops(VD_ROLE_CPU), &cpu_ops);
}

static void test_forced_none(void **state)
{
	struct vd_probe_env e = env("vd.console=none");
	(void)state;

	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_int_equal(ncalls, 0);
	assert_null(vd_driver_bound(VD_ROLE_CONSOLE));
	assert_logged("driver: console none (vd.console=none)\n");
}

static void test_forced_last_wins_and_overlong_refused(void **state)
{
	/* the last option of a role counts (a boot loader appends) */
	struct vd_probe_env e =
		env("vd.console=none vd.console=fake-other-uart");
	(void)state;

	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e),
			 &fake_other_uart);
	/* a value too long to hold is refused, not cut: probing then runs
	 * as without it */
	e = env("vd.console=fake-uart@0x00000000000000000000000000000000000"
		"00000000000000000000009000");
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
	assert_logged("driver: vd.console= value longer than 63 characters, "
		      "ignored\n");
	assert_int_not_equal(calls[ncalls - 1].base, 0x9000);
}

static void test_forced_unknown_or_malformed(void **state)
{
	struct vd_probe_env e = env("vd.console=nosuch");
	(void)state;

	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_logged("driver: vd.console: no console driver 'nosuch'\n");
	/* a driver of another role is no console driver */
	e = env("vd.console=fake-slot-rng");
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_logged("no console driver 'fake-slot-rng'\n");
	/* addresses that are not hex, or empty, or too wide */
	e = env("vd.console=fake-uart@0x9g00");
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_logged("driver: vd.console: bad address '0x9g00'\n");
	e = env("vd.console=fake-uart@");
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	e = env("vd.console=fake-uart@0x");
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	e = env("vd.console=fake-uart@10000000000000000");
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_null(vd_driver_bound(VD_ROLE_CONSOLE));
	assert_int_equal(ncalls, 0);
	/* an option for a longer role name is not this role's */
	e = env("vd.consoles=none");
	assert_ptr_equal(vd_driver_probe(VD_ROLE_CONSOLE, &e), &fake_uart);
}

static void test_forced_probe_fails(void **state)
{
	struct vd_probe_env e = env("vd.console=fake-uart");
	(void)state;

	/* forced, a refusing probe is final: no other node or driver */
	refused[0] = 0x2000;
	assert_null(vd_driver_probe(VD_ROLE_CONSOLE, &e));
	assert_int_equal(ncalls, 1);
	assert_call(0, "fake-uart", 0x2000);
	assert_null(vd_driver_bound(VD_ROLE_CONSOLE));
	assert_logged("driver: console fake-uart: probe failed\n");
}

/* ---- interrupt numbers through the bound controller ---- */

static void test_fdt_irq_through_xlate(void **state)
{
	struct vd_probe_env none = env("vd.irq=none");
	struct vd_probe_env e = env("");
	unsigned irq = 0;
	(void)state;

	/* no controller bound: no number */
	assert_null(vd_driver_probe(VD_ROLE_IRQ, &none));
	assert_false(vd_driver_fdt_irq(&tree, node("/soc/uart@1000"), 0, &irq));

	assert_ptr_equal(vd_driver_probe(VD_ROLE_IRQ, &e), &fake_intc);
	assert_true(vd_driver_fdt_irq(&tree, node("/soc/uart@1000"), 0, &irq));
	assert_int_equal(irq, 3 + 32);
	assert_true(vd_driver_fdt_irq(&tree, node("/soc/uart@2000"), 0, &irq));
	assert_int_equal(irq, 4 + 32);
	/* no second entry; a node without interrupts */
	assert_false(vd_driver_fdt_irq(&tree, node("/soc/uart@1000"), 1, &irq));
	assert_false(vd_driver_fdt_irq(&tree, node("/soc/slot@5000"), 0, &irq));
	/* a specifier the controller refuses (flags 2) */
	assert_false(vd_driver_fdt_irq(&tree, node("/soc/uart@4000"), 0, &irq));
}

static void test_role_names(void **state)
{
	(void)state;
	assert_string_equal(vd_driver_role_name(VD_ROLE_CONSOLE), "console");
	assert_string_equal(vd_driver_role_name(VD_ROLE_ENTROPY), "entropy");
	assert_string_equal(vd_driver_role_name(VD_ROLE_COUNT), "?");
	assert_null(vd_driver_bound(VD_ROLE_COUNT));
	assert_null(vd_driver_ops(VD_ROLE_COUNT));
}

#define T(fn) cmocka_unit_test_setup(fn, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_highest_priority_stdout_path_first),
		T(test_stdout_path_outranks_priority),
		T(test_failed_probe_tries_the_next_node),
		T(test_failed_probes_try_the_next_driver),
		T(test_detect_is_the_last_resort),
		T(test_nothing_matches),
		T(test_no_device_tree),
		T(test_acpi_table_matches),
		T(test_detect_matches),
		T(test_transport_slot_falls_through),
		T(test_forced_name),
		T(test_forced_name_and_address),
		T(test_forced_match_not_required),
		T(test_forced_none),
		T(test_forced_last_wins_and_overlong_refused),
		T(test_forced_unknown_or_malformed),
		T(test_forced_probe_fails),
		T(test_fdt_irq_through_xlate),
		T(test_role_names),
	};
	return cmocka_run_group_tests(tests, load_blob, free_blob);
}
