/*
 * cmocka suite for the one syscall table (core/syscall/table.c, built
 * from include/veridian/syscalls.def).
 *
 * The table must hold exactly the listed handlers at their numbers, the
 * IPC numbers included without vd_ipc_init (they used to be registered at
 * run time), and every other number must answer NotFound without being
 * counted as a syscall of the caller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>

#include "../../core/syscall/syscall_internal.h"

static struct vd_process proc;
static struct vd_thread thread;

static int setup(void **state)
{
	(void)state;
	memset(&proc, 0, sizeof(proc));
	memset(&thread, 0, sizeof(thread));
	thread.proc = &proc;
	return 0;
}

/* Whether `nr` is one of the list's numbers. */
static bool listed(uint64_t nr)
{
#define VD_SYSCALL(n, name, handler, nargs)                                    \
	if (nr == (n))                                                         \
		return true;
#include <veridian/syscalls.def>
	return false;
}

static void test_table_holds_the_list(void **state)
{
	unsigned in_list = 0, in_table = 0;

	(void)state;
#define VD_SYSCALL(nr, name, handler, nargs)                                   \
	assert_ptr_equal(vd_syscall_table[nr], handler);                       \
	assert_int_equal(VD_SYS_##name, nr);                                   \
	in_list++;
#include <veridian/syscalls.def>
	for (unsigned nr = 0; nr < VD_SYS_MAX; nr++) {
		if (vd_syscall_table[nr] != NULL) {
			in_table++;
			assert_true(listed(nr));
		}
	}
	/* nothing beyond the list, and no two entries on one number */
	assert_int_equal(in_table, in_list);
	/* the IPC fast path's two numbers, which the HAL entries test in
	 * assembly, are those of the list */
	assert_ptr_equal(vd_syscall_table[VD_SYS_IPC_CALL], sys_ipc_call);
	assert_ptr_equal(vd_syscall_table[VD_SYS_IPC_REPLY], sys_ipc_reply);
}

static void test_unlisted_numbers_are_not_found(void **state)
{
	const uint64_t args[6] = {0};
	uint64_t ret = 0xdead;
	unsigned tried = 0;

	(void)state;
	for (uint64_t nr = 0; nr < VD_SYS_MAX + 2; nr++) {
		if (listed(nr))
			continue;
		assert_int_equal(
			syscall_dispatch(&thread, nr, args, NULL, &ret),
			VD_ERR_NOT_FOUND);
		tried++;
	}
	assert_int_equal(
		syscall_dispatch(&thread, UINT64_MAX, args, NULL, &ret),
		VD_ERR_NOT_FOUND);
	assert_true(tried > 2);
	assert_int_equal(ret, 0xdead);
	assert_int_equal(proc.usage.syscalls, 0);
}

static void test_listed_numbers_dispatch(void **state)
{
	uint64_t args[6] = {0};
	uint64_t ret = 0xdead;

	(void)state;
	assert_int_equal(
		syscall_dispatch(&thread, VD_SYS_NULL, args, NULL, &ret),
		VD_OK);
	assert_int_equal(ret, 0);
	assert_int_equal(proc.usage.syscalls, 1);

	/* an IPC number reaches its handler with no vd_ipc_init: an
	 * unknown IPC_DEBUG op is the handler's InvalidParameter, not the
	 * table's NotFound */
	args[0] = 0x7777;
	assert_int_equal(
		syscall_dispatch(&thread, VD_SYS_IPC_DEBUG, args, NULL, &ret),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(proc.usage.syscalls, 2);
}

/* SYS_PROCESS_CREATE with no token out is refused before anything is
 * read or made (the child's capability would have no name the caller
 * knows: user/bin/proc-hostile.c checks the thread create too, on every
 * board).  Without the check, the null args pointer is a bad address. */
static void test_process_create_needs_a_token_out(void **state)
{
	uint64_t args[6] = {0};
	uint64_t ret = 0xdead;

	(void)state;
	assert_int_equal(syscall_dispatch(&thread, VD_SYS_PROCESS_CREATE, args,
					  NULL, &ret),
			 VD_ERR_INVALID_PARAMETER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table_holds_the_list, setup),
		cmocka_unit_test_setup(test_unlisted_numbers_are_not_found,
				       setup),
		cmocka_unit_test_setup(test_listed_numbers_dispatch, setup),
		cmocka_unit_test_setup(test_process_create_needs_a_token_out,
				       setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
