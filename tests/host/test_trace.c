/*
 * cmocka suite for core/debug/trace.c: the per-CPU trace rings (records
 * land in the writing CPU's ring, in order; the ring wraps; a reader that
 * fell behind skips what was overwritten and can tell how much), the
 * trace switch, the console dump, and the trace points of IPC and
 * capabilities driven through their real paths (the IPC pair fixture).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <veridian/trace.h>

#include "test_ipc_pair.h"

#define N VD_TRACE_RING_RECORDS

static struct vd_trace_record out[N];

static int setup(void **state)
{
	host_set_cpu(0);
	vd_trace_reset();
	vd_set_trace_enabled(false);
	return pair_setup(state);
}

static int teardown(void **state)
{
	vd_set_trace_enabled(false);
	host_set_cpu(0);
	return pair_teardown(state);
}

static void test_per_cpu_rings(void **state)
{
	uint64_t cur = 0;
	(void)state;

	host_set_cpu(0);
	host_set_time_ns(100);
	vd_trace_write(VD_TRACE_SYSCALL_ENTRY, 5, 6);
	host_set_cpu(3);
	host_set_time_ns(200);
	vd_trace_write(VD_TRACE_PAGE_FAULT, 0x1000, 2);
	host_set_cpu(0);
	host_set_time_ns(300);
	vd_trace_write(VD_TRACE_SYSCALL_EXIT, 5, 0);

	assert_int_equal(vd_trace_written(0), 2);
	assert_int_equal(vd_trace_written(3), 1);
	assert_int_equal(vd_trace_written(1), 0);
	assert_int_equal(vd_trace_read(0, &cur, out, N), 2);
	assert_int_equal(cur, 2);
	assert_int_equal(out[0].event, VD_TRACE_SYSCALL_ENTRY);
	assert_int_equal(out[0].ts_ns, 100);
	assert_int_equal(out[0].cpu, 0);
	assert_int_equal(out[0].a, 5);
	assert_int_equal(out[0].b, 6);
	assert_int_equal(out[1].event, VD_TRACE_SYSCALL_EXIT);
	assert_int_equal(out[1].ts_ns, 300);
	/* nothing new: nothing read, the cursor stays */
	assert_int_equal(vd_trace_read(0, &cur, out, N), 0);
	assert_int_equal(cur, 2);

	cur = 0;
	assert_int_equal(vd_trace_read(3, &cur, out, N), 1);
	assert_int_equal(out[0].event, VD_TRACE_PAGE_FAULT);
	assert_int_equal(out[0].cpu, 3);
	assert_int_equal(out[0].a, 0x1000);
	cur = 0;
	assert_int_equal(vd_trace_read(1, &cur, out, N), 0);
	assert_int_equal(vd_trace_read(VD_MAX_CPUS, &cur, out, N), 0);
	/* a cursor from the future (e.g. before a reset) is pulled back */
	cur = 1000;
	assert_int_equal(vd_trace_read(0, &cur, out, N), 0);
	assert_int_equal(cur, 2);
}

static void test_wrap_around(void **state)
{
	uint64_t cur = 0;
	(void)state;

	for (uint64_t i = 0; i < 3 * N; i++)
		vd_trace_write(VD_TRACE_INTERRUPT, i, 0);
	assert_int_equal(vd_trace_written(0), 3 * N);
	/* the newest N - 1 are left (one slot is the one being written) */
	assert_int_equal(vd_trace_read(0, &cur, out, N), N - 1);
	assert_int_equal(cur, 3 * N);
	for (unsigned i = 0; i < N - 1; i++)
		assert_int_equal(out[i].a, 2 * N + 1 + i);
}

static void test_reader_behind_writer(void **state)
{
	uint64_t cur = 0, next;
	size_t got;
	(void)state;

	for (uint64_t i = 0; i < 10; i++)
		vd_trace_write(VD_TRACE_INTERRUPT, i, 0);
	/* a reader in small steps sees every record once, in order */
	assert_int_equal(vd_trace_read(0, &cur, out, 4), 4);
	assert_int_equal(out[3].a, 3);
	assert_int_equal(cur, 4);
	/* the writer laps it */
	for (uint64_t i = 10; i < 10 + N + 20; i++)
		vd_trace_write(VD_TRACE_INTERRUPT, i, 0);
	next = cur;
	got = vd_trace_read(0, &next, out, 8);
	assert_int_equal(got, 8);
	/* the first record it gets is numbered above its cursor: the
	 * difference was lost */
	uint64_t first = next - got;
	assert_true(first > cur);
	assert_int_equal(out[0].a, first);
	assert_int_equal(first, 10 + N + 20 - (N - 1));
	for (unsigned i = 1; i < got; i++)
		assert_int_equal(out[i].a, out[i - 1].a + 1);
	/* and it catches up from there */
	got = vd_trace_read(0, &next, out, N);
	assert_int_equal(got, N - 1 - 8);
	assert_int_equal(next, 10 + N + 20);
}

static void test_switch_and_dump(void **state)
{
	uint64_t cur = 0;
	(void)state;

	VD_TRACE_EVENT(VD_TRACE_CAP_CREATE, 1, 2); /* off: nothing */
	assert_int_equal(vd_trace_written(0), 0);
	vd_set_trace_enabled(true);
	VD_TRACE_EVENT(VD_TRACE_CAP_CREATE, 1, 2);
	vd_set_trace_enabled(false);
	assert_int_equal(vd_trace_read(0, &cur, out, N), 1);
	assert_int_equal(out[0].event, VD_TRACE_CAP_CREATE);

	host_console_clear();
	vd_dump_trace();
	assert_non_null(strstr(host_console_output(), "cap-create"));
	assert_non_null(strstr(host_console_output(), "cpu 0, 1 records"));
	assert_string_equal(vd_trace_event_name(VD_TRACE_IPC_REPLY),
			    "ipc-reply");
	assert_string_equal(vd_trace_event_name(999), "?");
}

/* ---- trace points on the real paths ---- */

static vd_err_t serve(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message req, resp;
	struct vd_ipc_header h;
	(void)w;
	(void)dl;

	assert_int_equal(recv_now(&B, eb, &req, &h), VD_OK);
	resp = word_msg(req.words[0]);
	assert_int_equal(vd_ipc_reply(&B.a, h.reply_token, &resp), VD_OK);
	return VD_OK;
}

static void test_ipc_and_cap_trace_points(void **state)
{
	struct vd_ipc_message req = word_msg(9), resp;
	struct vd_capability c;
	uint64_t cur = 0;
	(void)state;

	vd_set_trace_enabled(true);
	ipc_world = serve;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_OK);
	assert_int_equal(
		vd_cap_create(C.a.caps, VD_OBJ_DEVICE, 7, VD_RIGHT_READ, &c),
		VD_OK);
	assert_int_equal(vd_cap_revoke(C.a.caps, c.token), VD_OK);
	vd_set_trace_enabled(false);

	size_t n = vd_trace_read(0, &cur, out, N);
	assert_int_equal(n, 5);
	assert_int_equal(out[0].event, VD_TRACE_IPC_SEND);
	assert_int_equal(out[0].a, ch);
	assert_int_equal(out[0].b, 1); /* a call */
	assert_int_equal(out[1].event, VD_TRACE_IPC_RECEIVE);
	assert_int_equal(out[1].a, eb);
	assert_int_equal(out[1].b, A.a.pid);
	assert_int_equal(out[2].event, VD_TRACE_IPC_REPLY);
	assert_int_equal(out[2].b, A.a.pid);
	assert_int_equal(out[3].event, VD_TRACE_CAP_CREATE);
	assert_int_equal(out[3].a, VD_OBJ_DEVICE);
	assert_int_equal(out[3].b, 7);
	assert_int_equal(out[4].event, VD_TRACE_CAP_REVOKE);
	assert_int_equal(out[4].a, c.token);
	assert_int_equal(out[4].b, VD_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_cpu_rings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrap_around, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader_behind_writer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_and_dump, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipc_and_cap_trace_points,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
