/*
 * cmocka suite for map_page / unmap_page (core/mm/vm.c) over the fake
 * page tables of hal/host/pt_fake.c: every flag kept, intermediate tables
 * allocated and freed (no leaks), double map, unmap returning the frame,
 * TLB flush on unmap, huge pages, bad input, out-of-memory, faults for
 * non-present and read-only pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "mm_fixture.h"

#define UVA ((vaddr_t)0x400000)		     /* a user address */
#define KVA ((vaddr_t)0xffff900000000000ull) /* a kernel-half address */

static struct vd_page_table pt;
static size_t frames_at_start;

static int vm_setup(void **state)
{
	mm_boot_default(state);
	/* The kernel root is created on first use; count it in the base. */
	assert_int_not_equal(vd_kernel_page_table().root_frame, 0);
	frames_at_start = mm_stats().allocated_frames;
	assert_int_equal(vd_page_table_create(&pt), VD_OK);
	return 0;
}

static int vm_teardown(void **state)
{
	vd_page_table_destroy(&pt);
	/* Nothing of the address space may be left behind. */
	assert_int_equal(mm_stats().allocated_frames, frames_at_start);
	return mm_teardown(state);
}

static struct vd_frame new_frame(void)
{
	struct vd_frame f;
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	return f;
}

static void test_map_query_unmap(void **state)
{
	struct vd_frame f = new_frame(), got;
	uint32_t flags;
	(void)state;

	size_t before = mm_stats().allocated_frames;
	assert_int_equal(
		vd_map_page(&pt, UVA, f,
			    VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_USER),
		VD_OK);
	/* Three intermediate tables below the root. */
	assert_int_equal(mm_stats().allocated_frames, before + 3);
	assert_int_equal(vd_query_page(&pt, UVA + 123, &got, &flags), VD_OK);
	assert_int_equal(got.number, f.number);
	assert_int_equal(flags, VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_USER);
	/* A second page next to it needs no new table. */
	struct vd_frame g = new_frame();
	assert_int_equal(
		vd_map_page(&pt, UVA + VD_PAGE_SIZE, g, VD_PTE_PRESENT), VD_OK);
	assert_int_equal(mm_stats().allocated_frames, before + 4);

	unsigned long flushes = host_tlb_flush_count();
	assert_int_equal(vd_unmap_page(&pt, UVA, &got), VD_OK);
	assert_int_equal(got.number, f.number);
	assert_int_equal(host_tlb_flush_count(), flushes + 1);
	assert_int_equal(host_tlb_last_flush(), UVA);
	assert_int_equal(vd_query_page(&pt, UVA, &got, &flags),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(mm_stats().allocated_frames, before + 4);
	/* Last page out: the tables go too. */
	assert_int_equal(vd_unmap_page(&pt, UVA + VD_PAGE_SIZE, &got), VD_OK);
	assert_int_equal(got.number, g.number);
	assert_int_equal(mm_stats().allocated_frames, before + 1);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	assert_int_equal(vd_frame_free(g, 1), VD_OK);
}

static void test_every_flag_kept(void **state)
{
	struct vd_frame f = new_frame(), got;
	(void)state;

	for (uint32_t bit = 0; bit < 10; bit++) {
		uint32_t flags = VD_PTE_PRESENT | (1u << bit), q;
		if (flags & VD_PTE_HUGE)
			continue; /* needs 2 MiB alignment: own test */
		assert_int_equal(vd_map_page(&pt, UVA, f, flags), VD_OK);
		assert_int_equal(vd_query_page(&pt, UVA, &got, &q), VD_OK);
		assert_int_equal(q, flags);
		assert_int_equal(vd_unmap_page(&pt, UVA, &got), VD_OK);
		assert_int_equal(got.number, f.number);
	}
	uint32_t all = VD_PTE_ALL_FLAGS & ~VD_PTE_HUGE, q;
	assert_int_equal(vd_map_page(&pt, UVA, f, all), VD_OK);
	assert_int_equal(vd_query_page(&pt, UVA, NULL, &q), VD_OK);
	assert_int_equal(q, all);
	assert_int_equal(vd_unmap_page(&pt, UVA, NULL), VD_OK);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
}

static void test_double_map_and_unmap(void **state)
{
	struct vd_frame f = new_frame(), g = new_frame(), got;
	(void)state;

	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_PRESENT), VD_OK);
	assert_int_equal(vd_map_page(&pt, UVA, g, VD_PTE_PRESENT),
			 VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_PRESENT),
			 VD_ERR_MEM_ALREADY_MAPPED);
	/* A non-present mapping still occupies the slot. */
	assert_int_equal(vd_map_page(&pt, UVA + VD_PAGE_SIZE, g, 0), VD_OK);
	assert_int_equal(
		vd_map_page(&pt, UVA + VD_PAGE_SIZE, f, VD_PTE_PRESENT),
		VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_unmap_page(&pt, UVA + VD_PAGE_SIZE, &got), VD_OK);
	assert_int_equal(got.number, g.number);
	assert_int_equal(vd_unmap_page(&pt, UVA, &got), VD_OK);
	assert_int_equal(vd_unmap_page(&pt, UVA, &got), VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_unmap_page(&pt, 0x7000000000, &got),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	assert_int_equal(vd_frame_free(g, 1), VD_OK);
}

static void test_bad_input(void **state)
{
	struct vd_frame f = new_frame();
	struct vd_page_table none = {0};
	(void)state;

	assert_int_equal(vd_map_page(NULL, UVA, f, VD_PTE_PRESENT),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_map_page(&none, UVA, f, VD_PTE_PRESENT),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_map_page(&pt, UVA + 1, f, VD_PTE_PRESENT),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_PRESENT | 0x400),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_map_page(&pt, UVA, (struct vd_frame){SIZE_MAX},
				     VD_PTE_PRESENT),
			 VD_ERR_INVALID_PARAMETER);
	/* Non-canonical: the HAL refuses it. */
	assert_int_equal(vd_map_page(&pt, (vaddr_t)1 << 50, f, VD_PTE_PRESENT),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_unmap_page(NULL, UVA, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_unmap_page(&pt, UVA + 8, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_query_page(NULL, UVA, NULL, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_protect_page(&pt, UVA, 1u << 12),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_protect_page(&pt, UVA, VD_PTE_PRESENT),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_page_table_create(NULL), VD_ERR_INVALID_PARAMETER);
	/* Nothing was built by the failed calls. */
	assert_int_equal(mm_stats().allocated_frames, frames_at_start + 2);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
}

static void test_huge_pages(void **state)
{
	struct vd_frame f, got, small = new_frame();
	uint32_t flags;
	const vaddr_t hva = (vaddr_t)0x40000000;
	(void)state;

	assert_int_equal(vd_frame_alloc(512, VD_ZONE_NORMAL, &f), VD_OK);
	/* Misaligned va or frame. */
	assert_int_equal(vd_map_page(&pt, hva + VD_PAGE_SIZE, f,
				     VD_PTE_PRESENT | VD_PTE_HUGE),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_map_page(&pt, hva, (struct vd_frame){f.number + 1},
				     VD_PTE_PRESENT | VD_PTE_HUGE),
			 VD_ERR_INVALID_PARAMETER);
	size_t before = mm_stats().allocated_frames;
	assert_int_equal(
		vd_map_page(&pt, hva, f,
			    VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_HUGE),
		VD_OK);
	assert_int_equal(mm_stats().allocated_frames, before + 2);
	/* Anywhere inside it resolves into the 2 MiB frame. */
	assert_int_equal(vd_query_page(&pt, hva + 0x1ff000, &got, &flags),
			 VD_OK);
	assert_int_equal(got.number, f.number + 0x1ff);
	assert_int_equal(vd_query_page(&pt, hva, &got, NULL), VD_OK);
	assert_int_equal(got.number, f.number);
	assert_true(flags & VD_PTE_HUGE);
	paddr_t pa;
	assert_int_equal(host_pt_access(pt.root_frame, hva + 0x12345,
					VD_FAULT_WRITE, false, &pa),
			 VD_OK);
	assert_int_equal(pa, vd_frame_addr(f) + 0x12345);
	/* 4 KiB inside the huge page, or a huge page over it: refused. */
	assert_int_equal(
		vd_map_page(&pt, hva + VD_PAGE_SIZE, small, VD_PTE_PRESENT),
		VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_map_page(&pt, hva, f, VD_PTE_PRESENT | VD_PTE_HUGE),
			 VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_unmap_page(&pt, hva, &got), VD_OK);
	assert_int_equal(got.number, f.number);
	assert_int_equal(mm_stats().allocated_frames, before);
	/* A huge page where a 4 KiB table already exists: refused. */
	assert_int_equal(
		vd_map_page(&pt, hva + VD_PAGE_SIZE, small, VD_PTE_PRESENT),
		VD_OK);
	assert_int_equal(vd_map_page(&pt, hva, f, VD_PTE_PRESENT | VD_PTE_HUGE),
			 VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_unmap_page(&pt, hva + VD_PAGE_SIZE, NULL), VD_OK);
	assert_int_equal(vd_frame_free(f, 512), VD_OK);
	assert_int_equal(vd_frame_free(small, 1), VD_OK);
}

static void test_faults_and_accessed_dirty(void **state)
{
	struct vd_frame f = new_frame(), g = new_frame();
	uint32_t flags;
	paddr_t pa;
	(void)state;

	/* Not present: every access faults. */
	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_WRITABLE), VD_OK);
	assert_int_equal(
		host_pt_access(pt.root_frame, UVA, VD_FAULT_READ, false, &pa),
		VD_ERR_MEM_NOT_MAPPED);
	/* Read-only: reads work, writes fault. */
	assert_int_equal(vd_map_page(&pt, UVA + VD_PAGE_SIZE, g,
				     VD_PTE_PRESENT | VD_PTE_USER),
			 VD_OK);
	assert_int_equal(host_pt_access(pt.root_frame, UVA + VD_PAGE_SIZE,
					VD_FAULT_READ, true, &pa),
			 VD_OK);
	assert_int_equal(pa, vd_frame_addr(g));
	assert_int_equal(host_pt_access(pt.root_frame, UVA + VD_PAGE_SIZE,
					VD_FAULT_WRITE, true, &pa),
			 VD_ERR_MEM_FAULT);
	assert_int_equal(vd_query_page(&pt, UVA + VD_PAGE_SIZE, NULL, &flags),
			 VD_OK);
	assert_true(flags & VD_PTE_ACCESSED);
	assert_false(flags & VD_PTE_DIRTY);
	/* Make it writable: the write goes through and sets dirty. */
	unsigned long flushes = host_tlb_flush_count();
	assert_int_equal(
		vd_protect_page(&pt, UVA + VD_PAGE_SIZE,
				VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_WRITABLE),
		VD_OK);
	assert_int_equal(host_tlb_flush_count(), flushes + 1);
	assert_int_equal(host_pt_access(pt.root_frame, UVA + VD_PAGE_SIZE,
					VD_FAULT_WRITE, true, &pa),
			 VD_OK);
	assert_int_equal(vd_query_page(&pt, UVA + VD_PAGE_SIZE, NULL, &flags),
			 VD_OK);
	assert_true(flags & VD_PTE_DIRTY);
	/* Kernel-only page from user mode; no-execute fetch. */
	assert_int_equal(vd_protect_page(&pt, UVA + VD_PAGE_SIZE,
					 VD_PTE_PRESENT | VD_PTE_NO_EXECUTE),
			 VD_OK);
	assert_int_equal(host_pt_access(pt.root_frame, UVA + VD_PAGE_SIZE,
					VD_FAULT_READ, true, &pa),
			 VD_ERR_MEM_FAULT);
	assert_int_equal(host_pt_access(pt.root_frame, UVA + VD_PAGE_SIZE,
					VD_FAULT_EXEC, false, &pa),
			 VD_ERR_MEM_FAULT);
	assert_int_equal(vd_unmap_page(&pt, UVA, NULL), VD_OK);
	assert_int_equal(vd_unmap_page(&pt, UVA + VD_PAGE_SIZE, NULL), VD_OK);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	assert_int_equal(vd_frame_free(g, 1), VD_OK);
}

/* Running out of frames for tables: an error, and nothing leaks. */
static void test_out_of_memory_for_tables(void **state)
{
	struct vd_frame f = new_frame();
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t)), n = 0;
	struct vd_frame x;
	(void)state;

	while (vd_frame_alloc(1, VD_ZONE_NORMAL, &x) == VD_OK)
		frames[n++] = x.number;
	/* Two frames free: not enough for the three tables. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			vd_frame_free((struct vd_frame){frames[--n]}, 1),
			VD_OK);
	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_PRESENT),
			 VD_ERR_OUT_OF_MEMORY);
	/* The partial walk's tables stay (reused by the next map) or are
	 * freed on destroy: the teardown checks no frame is lost. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			vd_frame_free((struct vd_frame){frames[--n]}, 1),
			VD_OK);
	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_PRESENT), VD_OK);
	assert_int_equal(vd_unmap_page(&pt, UVA, NULL), VD_OK);
	while (n)
		assert_int_equal(
			vd_frame_free((struct vd_frame){frames[--n]}, 1),
			VD_OK);
	free(frames);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
}

/* Address spaces share the kernel half; user halves are private. */
static void test_address_spaces(void **state)
{
	struct vd_page_table kpt = vd_kernel_page_table(), other;
	struct vd_frame f = new_frame(), k = new_frame(), got;
	(void)state;

	assert_int_equal(
		vd_map_page(&kpt, KVA, k, VD_PTE_PRESENT | VD_PTE_GLOBAL),
		VD_OK);
	assert_int_equal(vd_page_table_create(&other), VD_OK);
	assert_int_equal(vd_query_page(&other, KVA, &got, NULL), VD_OK);
	assert_int_equal(got.number, k.number);
	assert_int_equal(vd_map_page(&pt, UVA, f, VD_PTE_PRESENT), VD_OK);
	assert_int_equal(vd_query_page(&other, UVA, &got, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	/* Destroying an address space frees its tables, not its frames,
	 * and never the kernel's. */
	vd_page_table_destroy(&other);
	assert_int_equal(other.root_frame, 0);
	vd_page_table_destroy(&kpt);
	assert_int_equal(vd_query_page(&kpt, KVA, &got, NULL), VD_OK);
	assert_int_equal(vd_unmap_page(&kpt, KVA, &got), VD_OK);
	assert_int_equal(got.number, k.number);
	vd_page_table_destroy(&pt);
	assert_int_equal(vd_page_table_create(&pt), VD_OK);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	assert_int_equal(vd_frame_free(k, 1), VD_OK);
	/* The kernel half keeps its (now empty) tables: count them in. */
	frames_at_start = mm_stats().allocated_frames - 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, vm_setup, vm_teardown)
		T(test_map_query_unmap),
		T(test_every_flag_kept),
		T(test_double_map_and_unmap),
		T(test_bad_input),
		T(test_huge_pages),
		T(test_faults_and_accessed_dirty),
		T(test_out_of_memory_for_tables),
		T(test_address_spaces),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
