/*
 * The hal_pt_* contract (include/veridian/hal.h), test bodies shared by
 * the in-kernel suite (tests/ktest/hal_pt.c, on each arch's real page
 * tables) and the host suite (tests/host/test_hal_pt.c, on the fake page
 * tables of hal/host/pt_fake.c), so the fake cannot drift from what the
 * arches do.  Every VD_PTE_* flag combination comes back from
 * hal_pt_query and hal_pt_unmap as it was mapped; the error codes; 2 MiB
 * pages; tables freed when their last page goes.
 *
 * The includer provides VD_KTEST, KT_ASSERT, KT_ASSERT_EQ, KT_ASSERT_OK
 * (include/veridian/ktest.h, or cmocka wrappers), and
 *   bool some_huge_pa(paddr_t *pa)  a 2 MiB-aligned physical address in
 *                                RAM (never accessed); false if none (0 is
 *                                a fine answer: RAM starts there on some
 *                                boards, e.g. raspi3b)
 *   size_t free_frames(void)     free frames of the frame allocator
 * Frames mapped here are never touched through the test mappings.
 */
#ifndef TESTS_KTEST_HAL_PT_CONTRACT_H
#define TESTS_KTEST_HAL_PT_CONTRACT_H

#include <veridian/hal.h>
#include <veridian/mm.h>

#define P    VD_PTE_PRESENT
#define W    VD_PTE_WRITABLE
#define U    VD_PTE_USER
#define A    VD_PTE_ACCESSED
#define D    VD_PTE_DIRTY
#define G    VD_PTE_GLOBAL
#define NX   VD_PTE_NO_EXECUTE
#define WT   VD_PTE_WRITE_THROUGH
#define CD   VD_PTE_CACHE_DISABLE
#define HUGE VD_PTE_HUGE

#define TEST_VA ((vaddr_t)0x400000)
#define HUGE_VA ((vaddr_t)0x40000000)

static const uint32_t flag_cases[] = {
	P,
	P | W,
	P | W | D,
	P | D, /* dirty, read-only */
	P | U,
	P | U | W | NX,
	P | U | NX | A,
	P | A | G,
	P | NX,
	P | WT,
	P | CD,
	P | CD | WT,
	W | U, /* not present: kept for query and unmap */
	P | W | U | A | D | G | NX | WT,
};

VD_KTEST(hal_pt_flags_round_trip)
{
	paddr_t root, pa, frame;
	uint32_t f;
	KT_ASSERT(some_huge_pa(&frame));
	size_t before = free_frames();
	KT_ASSERT_OK(hal_pt_create(&root));
	for (unsigned i = 0; i < VD_ARRAY_SIZE(flag_cases); i++) {
		vaddr_t va = TEST_VA + i * VD_PAGE_SIZE;
		paddr_t fr = frame + i * VD_PAGE_SIZE;
		KT_ASSERT_OK(hal_pt_map(root, va, fr, flag_cases[i]));
		KT_ASSERT_OK(hal_pt_query(root, va, &pa, &f));
		KT_ASSERT_EQ(pa, fr);
		KT_ASSERT_EQ(f, flag_cases[i]);
		KT_ASSERT_EQ(hal_pt_map(root, va, fr, flag_cases[i]),
			     VD_ERR_MEM_ALREADY_MAPPED);
		KT_ASSERT_OK(hal_pt_query(root, va, NULL, NULL));
	}
	/* protect rewrites the flags, frame kept */
	KT_ASSERT_OK(hal_pt_protect(root, TEST_VA, P | U | NX));
	KT_ASSERT_OK(hal_pt_query(root, TEST_VA, &pa, &f));
	KT_ASSERT_EQ(pa, frame);
	KT_ASSERT_EQ(f, P | U | NX);
	KT_ASSERT_OK(hal_pt_protect(root, TEST_VA, flag_cases[0]));
	for (unsigned i = 0; i < VD_ARRAY_SIZE(flag_cases); i++) {
		vaddr_t va = TEST_VA + i * VD_PAGE_SIZE;
		KT_ASSERT_OK(hal_pt_unmap(root, va, &pa, &f));
		KT_ASSERT_EQ(pa, frame + i * VD_PAGE_SIZE);
		KT_ASSERT_EQ(f, flag_cases[i]);
		KT_ASSERT_EQ(hal_pt_query(root, va, &pa, &f),
			     VD_ERR_MEM_NOT_MAPPED);
	}
	/* every intermediate table went back with the last page */
	KT_ASSERT_EQ(free_frames(), before - 1);
	hal_pt_destroy(root);
	KT_ASSERT_EQ(free_frames(), before);
}

VD_KTEST(hal_pt_errors)
{
	paddr_t root, pa, frame;
	uint32_t f;
	/* the first aligned address above the user half (non-canonical or
	 * beyond the user table on every arch) */
	vaddr_t past_user = VD_ALIGN_UP(hal_user_top(), (vaddr_t)1 << 30);
	KT_ASSERT(some_huge_pa(&frame));
	KT_ASSERT(hal_user_top() > TEST_VA && hal_user_top() <= past_user);
	KT_ASSERT_OK(hal_pt_create(&root));
	size_t before = free_frames();
	KT_ASSERT_EQ(hal_pt_map(root, TEST_VA + 8, frame, P),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_map(root, TEST_VA, frame + 8, P),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_map(root, HUGE_VA + VD_PAGE_SIZE, frame, P | HUGE),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_map(root, HUGE_VA, frame + VD_PAGE_SIZE, P | HUGE),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_map(root, past_user, frame, P),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_query(root, past_user, &pa, &f),
		     VD_ERR_MEM_NOT_MAPPED);
	KT_ASSERT_EQ(hal_pt_query(root, TEST_VA, &pa, &f),
		     VD_ERR_MEM_NOT_MAPPED);
	KT_ASSERT_EQ(hal_pt_unmap(root, TEST_VA, &pa, &f),
		     VD_ERR_MEM_NOT_MAPPED);
	KT_ASSERT_EQ(hal_pt_protect(root, TEST_VA, P), VD_ERR_MEM_NOT_MAPPED);
	/* failed calls built no tables */
	KT_ASSERT_EQ(free_frames(), before);
	hal_pt_destroy(root);
}

VD_KTEST(hal_pt_huge_pages)
{
	const uint32_t hf = P | W | U | NX | HUGE;
	paddr_t root, pa, frame;
	uint32_t f;
	KT_ASSERT(some_huge_pa(&frame));
	size_t before = free_frames();
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(hal_pt_map(root, HUGE_VA, frame, hf));
	/* query names the 4 KiB frame inside the 2 MiB page */
	KT_ASSERT_OK(hal_pt_query(root, HUGE_VA + 0x12345, &pa, &f));
	KT_ASSERT_EQ(pa, frame + 0x12000);
	KT_ASSERT_EQ(f, hf);
	KT_ASSERT_EQ(hal_pt_map(root, HUGE_VA, frame, hf),
		     VD_ERR_MEM_ALREADY_MAPPED);
	/* no 4 KiB page inside a huge one */
	KT_ASSERT_EQ(hal_pt_map(root, HUGE_VA + 0x3000, frame, P | U),
		     VD_ERR_MEM_ALREADY_MAPPED);
	/* protect keeps the size, whatever the flags say */
	KT_ASSERT_OK(hal_pt_protect(root, HUGE_VA, P | U));
	KT_ASSERT_OK(hal_pt_query(root, HUGE_VA, &pa, &f));
	KT_ASSERT_EQ(f, P | U | HUGE);
	KT_ASSERT_OK(hal_pt_unmap(root, HUGE_VA, &pa, &f));
	KT_ASSERT_EQ(pa, frame);
	KT_ASSERT_EQ(f, P | U | HUGE);
	KT_ASSERT_EQ(hal_pt_query(root, HUGE_VA, &pa, &f),
		     VD_ERR_MEM_NOT_MAPPED);

	/* no huge page over a table of 4 KiB pages */
	KT_ASSERT_OK(hal_pt_map(root, HUGE_VA + 0x3000, frame, P | U));
	KT_ASSERT_EQ(hal_pt_map(root, HUGE_VA, frame, hf),
		     VD_ERR_MEM_ALREADY_MAPPED);
	KT_ASSERT_OK(hal_pt_unmap(root, HUGE_VA + 0x3000, NULL, NULL));
	/* ... but once that table is gone, there is room again */
	KT_ASSERT_OK(hal_pt_map(root, HUGE_VA, frame, hf));
	KT_ASSERT_OK(hal_pt_unmap(root, HUGE_VA, NULL, NULL));
	KT_ASSERT_EQ(free_frames(), before - 1);
	hal_pt_destroy(root);
}

/* hal_pt_destroy frees every table still there, never the leaves. */
VD_KTEST(hal_pt_destroy_frees_tables)
{
	paddr_t root, frame;
	KT_ASSERT(some_huge_pa(&frame));
	size_t before = free_frames();
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(hal_pt_map(root, TEST_VA, frame, P | U));
	KT_ASSERT_OK(hal_pt_map(root, (vaddr_t)0x3000000000, frame, P | U));
	KT_ASSERT_OK(hal_pt_map(root, HUGE_VA, frame, P | U | HUGE));
	KT_ASSERT(free_frames() < before - 1);
	hal_pt_destroy(root);
	KT_ASSERT_EQ(free_frames(), before);
}

#endif /* TESTS_KTEST_HAL_PT_CONTRACT_H */
