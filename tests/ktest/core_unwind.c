/*
 * Backtraces work on every arch: hal_frame_pointer gives the caller's
 * frame and hal_unwind_frame steps to return addresses that lie inside
 * the functions that made the calls.
 */
#include <veridian/hal.h>
#include <veridian/ktest.h>

static __attribute__((noinline)) void unwind_two(uintptr_t pcs[2])
{
	uintptr_t fp = hal_frame_pointer();

	pcs[0] = pcs[1] = 0;
	/* first step: our return address into the caller */
	if (hal_unwind_frame(&fp, &pcs[0]))
		hal_unwind_frame(&fp, &pcs[1]);
	__asm__ volatile("" ::: "memory"); /* keep this a real call */
}

static __attribute__((noinline)) void unwind_caller(uintptr_t pcs[2])
{
	unwind_two(pcs);
	__asm__ volatile("" ::: "memory");
}

VD_KTEST(unwind_reaches_callers)
{
	uintptr_t pcs[2];

	unwind_caller(pcs);
	/* return addresses land a few instructions into each caller */
	KT_ASSERT(pcs[0] > (uintptr_t)unwind_caller);
	KT_ASSERT(pcs[0] < (uintptr_t)unwind_caller + 256);
	KT_ASSERT(pcs[1] > (uintptr_t)ktest_fn_unwind_reaches_callers);
	KT_ASSERT(pcs[1] < (uintptr_t)ktest_fn_unwind_reaches_callers + 512);
}
