/* cmocka suite for core/debug: prints, trace switch, dumps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <host/fake.h>
#include <string.h>
#include <veridian/debug.h>
#include <veridian/mm.h>

static int setup(void **state)
{
	struct vd_boot_info bi;
	(void)state;
	host_fake_reset();
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	host_console_clear();
	return 0;
}

static void test_debug_print(void **state)
{
	(void)state;
	host_console_clear();
	vd_debug_print("hello\n");
	vd_debug_print(NULL); /* ignored, no crash */
	assert_string_equal(host_console_output(), "hello\r\n");
}

static void test_trace_switch(void **state)
{
	(void)state;
	host_console_clear();
	VD_TRACE("invisible %d", 1);
	assert_string_equal(host_console_output(), "");
	vd_set_trace_enabled(true);
	assert_true(vd_trace_enabled());
	VD_TRACE("visible %d", 2);
	assert_non_null(strstr(host_console_output(), "trace: visible 2"));
	vd_set_trace_enabled(false);
	assert_false(vd_trace_enabled());
}

static uint64_t dumped_pid;
static void fake_process_dump(uint64_t pid)
{
	dumped_pid = pid;
}

static void test_dumps(void **state)
{
	(void)state;
	host_console_clear();
	vd_debug_register_dump(VD_DUMP_IPC, NULL);
	vd_dump_ipc_state();
	assert_non_null(strstr(host_console_output(), "not available"));

	vd_debug_register_dump(VD_DUMP_PROCESS, fake_process_dump);
	vd_dump_process(42);
	assert_int_equal(dumped_pid, 42);
	vd_debug_register_dump((enum vd_dump_kind)99, fake_process_dump);

	host_console_clear();
	void *p = vd_kzalloc(100);
	assert_non_null(p);
	vd_dump_memory_stats();
	const char *out = host_console_output();
	assert_non_null(strstr(out, "frames total"));
	assert_non_null(strstr(out, "zone"));
	assert_non_null(strstr(out, "heap: "));
	vd_kfree(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug_print),
		cmocka_unit_test(test_trace_switch),
		cmocka_unit_test(test_dumps),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
