/*
 * cmocka suite for the fault-safe user copies (core/syscall/uaccess.c).
 *
 * On the host every address below 2^47 counts as "user" (the fake HAL's
 * hal_user_top), so ordinary buffers play user memory.  Faults are real:
 * pages mapped PROT_NONE or read-only raise SIGSEGV, and the handler does
 * what a HAL trap handler does -- it calls vd_page_fault() as a kernel-mode
 * fault -- which must jump back to the copy's recovery point so that the
 * copy returns VD_ERR_MEM_FAULT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sanitizer/asan_interface.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <veridian/hal.h>
#include <veridian/sched.h>
#include <veridian/thread.h>
#include <veridian/uaccess.h>

#include "mm_fixture.h"

static uint8_t *page_ro;   /* PROT_READ, followed by */
static uint8_t *page_none; /* PROT_NONE */
static size_t pagesz;
static unsigned faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	faults++;
	/* we leave the handler by longjmp: tell ASan the stack unwinds */
	__asan_handle_no_return();
	if (!vd_page_fault(NULL, (vaddr_t)si->si_addr, VD_FAULT_READ, false))
		abort(); /* a kernel fault nobody expected */
}

/* cmocka installs its own crash handlers around each test: take
 * SIGSEGV back inside the test itself. */
static void arm_fault_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static int group_setup(void **state)
{

	mm_boot_default(state);
	assert_int_equal(vd_sched_init(), VD_OK);
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	page_ro = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page_ro != MAP_FAILED);
	/* [page_ro: read-only]['r' ... ][page_none: no access] */
	page_none = page_ro + pagesz;
	memset(page_ro, 'r', pagesz);
	assert_int_equal(mprotect(page_none, pagesz, PROT_NONE), 0);
	assert_int_equal(mprotect(page_ro, pagesz, PROT_READ), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	munmap(page_ro, 2 * pagesz);
	return 0;
}

static void test_range_checks(void **state)
{
	vaddr_t top = hal_user_top();
	(void)state;

	assert_true(vd_user_range_ok(0, 0)); /* empty is fine anywhere */
	assert_true(vd_user_range_ok(VD_USER_BASE, 1));
	assert_false(vd_user_range_ok(VD_USER_BASE - 1, 1));
	assert_false(vd_user_range_ok(0, 1));
	assert_true(vd_user_range_ok(top - 16, 16));
	assert_false(vd_user_range_ok(top - 16, 17));
	assert_false(vd_user_range_ok(top, 1));
	assert_false(vd_user_range_ok(UINTPTR_MAX - 3, 8)); /* wraps */
	assert_false(vd_user_range_ok(VD_USER_BASE, SIZE_MAX));
}

static void test_copies_that_work(void **state)
{
	char src[32] = "hello, user", dst[32];
	size_t len;
	(void)state;
	arm_fault_handler();

	memset(dst, 0, sizeof(dst));
	assert_int_equal(vd_copy_from_user(dst, src, sizeof(src)), VD_OK);
	assert_string_equal(dst, "hello, user");
	assert_int_equal(vd_copy_to_user(src, "kernel", 7), VD_OK);
	assert_string_equal(src, "kernel");
	assert_int_equal(vd_strncpy_from_user(dst, "abc", sizeof(dst), &len),
			 VD_OK);
	assert_string_equal(dst, "abc");
	assert_int_equal(len, 3);
	assert_int_equal(vd_copy_from_user(dst, NULL, 0), VD_OK);
	assert_int_equal(vd_copy_from_user(dst, page_ro, 16), VD_OK);
	assert_int_equal(dst[15], 'r');
	assert_int_equal(faults, 0);
	assert_null(vd_current_fault_jmp());
}

static void test_bad_addresses_are_refused_untouched(void **state)
{
	char buf[8];
	const void *kernel = (const void *)(uintptr_t)0xffff800000001000ull;
	(void)state;
	arm_fault_handler();

	assert_int_equal(vd_copy_from_user(buf, kernel, 8),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_copy_to_user((void *)kernel, buf, 8),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_copy_from_user(buf, NULL, 8),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_copy_from_user(buf, (void *)(uintptr_t)-4, 8),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_strncpy_from_user(buf, kernel, sizeof(buf), NULL),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_strncpy_from_user(buf, "x", 0, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(faults, 0); /* refused before any access */
}

static void test_faults_become_errors(void **state)
{
	char buf[64];
	unsigned before = faults;
	(void)state;
	arm_fault_handler();

	assert_int_equal(vd_copy_from_user(buf, page_none, 8),
			 VD_ERR_MEM_FAULT);
	/* a copy that runs into the unreadable page half-way */
	assert_int_equal(vd_copy_from_user(buf, page_none - 4, 8),
			 VD_ERR_MEM_FAULT);
	assert_int_equal(vd_copy_from_user(buf, page_none - 8, 8), VD_OK);
	/* writes to a read-only page */
	assert_int_equal(vd_copy_to_user(page_ro, "x", 1), VD_ERR_MEM_FAULT);
	assert_int_equal(vd_copy_to_user(page_none - 4, buf, 8),
			 VD_ERR_MEM_FAULT);
	assert_true(faults > before);
	/* the recovery point is gone afterwards: a stray fault is a bug */
	assert_null(vd_current_fault_jmp());
	/* and copies still work */
	assert_int_equal(vd_copy_from_user(buf, page_ro, 8), VD_OK);
}

static void test_string_copies(void **state)
{
	char buf[16];
	size_t len = 99;
	(void)state;
	arm_fault_handler();

	/* no NUL in the first 15: too long */
	assert_int_equal(
		vd_strncpy_from_user(buf, (char *)page_ro, sizeof(buf), &len),
		VD_ERR_INVALID_PARAMETER);
	/* unterminated and running into the unreadable page: a fault */
	assert_int_equal(vd_strncpy_from_user(buf, (char *)page_none - 4,
					      sizeof(buf), &len),
			 VD_ERR_MEM_FAULT);
	assert_string_equal(buf, "");
	assert_int_equal(
		vd_strncpy_from_user(buf, (char *)page_none, sizeof(buf), &len),
		VD_ERR_MEM_FAULT);
	assert_string_equal(buf, "");
	assert_int_equal(
		vd_strncpy_from_user(buf, "exactly15chars!", sizeof(buf), &len),
		VD_OK);
	assert_int_equal(len, 15);
	assert_int_equal(vd_strncpy_from_user(buf, "sixteen chars!!!",
					      sizeof(buf), &len),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(buf[15], '\0'); /* always terminated */
	assert_null(vd_current_fault_jmp());
}

static void test_unexpected_kernel_fault_is_not_swallowed(void **state)
{
	(void)state;
	/* no copy in progress: vd_page_fault declines, the HAL would panic */
	assert_false(
		vd_page_fault(NULL, (vaddr_t)page_none, VD_FAULT_READ, false));
	/* a fault on a kernel address during a copy is not the copy's */
	assert_false(vd_page_fault(NULL, (vaddr_t)0xffff800000001000ull,
				   VD_FAULT_READ, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_checks),
		cmocka_unit_test(test_copies_that_work),
		cmocka_unit_test(test_bad_addresses_are_refused_untouched),
		cmocka_unit_test(test_faults_become_errors),
		cmocka_unit_test(test_string_copies),
		cmocka_unit_test(test_unexpected_kernel_fault_is_not_swallowed),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
