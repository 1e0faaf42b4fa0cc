/*
 * The hal_pt_* contract on the host's fake page tables
 * (hal/host/pt_fake.c): the same test bodies the kernel runs on each
 * arch's real tables (tests/ktest/hal_pt_contract.h), so that what the
 * host suites learn from the fake holds on the hardware and the other
 * way round.  The ktest vocabulary is mapped onto cmocka here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <host/fake.h>
#include <host/pt_fake.h>
#include <veridian/kernel.h>
#include <veridian/mm.h>

#define VD_KTEST(tname)	   static void tname(void **state)
#define KT_ASSERT(cond)	   assert_true(cond)
#define KT_ASSERT_EQ(a, b) assert_int_equal((uint64_t)(a), (uint64_t)(b))
#define KT_ASSERT_OK(expr) KT_ASSERT_EQ((expr), VD_OK)

static size_t free_frames(void)
{
	struct vd_memory_stats st;

	vd_memory_stats(&st);
	return st.free_frames;
}

/* A 2 MiB-aligned frame in the middle of the fake RAM (never accessed:
 * the fake tables only record it). */
static bool some_huge_pa(paddr_t *pa)
{
	*pa = HOST_RAM_PHYS_BASE + HOST_RAM_SIZE / 2;
	return true;
}

#include "../ktest/hal_pt_contract.h"

static int setup(void **state)
{
	struct vd_boot_info bi;

	(void)state;
	host_fake_reset();
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	host_pt_reset();
	/* The kernel root is made on first use: not inside a count. */
	(void)vd_kernel_page_table();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(hal_pt_flags_round_trip, setup),
		cmocka_unit_test_setup(hal_pt_errors, setup),
		cmocka_unit_test_setup(hal_pt_huge_pages, setup),
		cmocka_unit_test_setup(hal_pt_destroy_frees_tables, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
