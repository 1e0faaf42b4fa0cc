/*
 * cmocka suite for the kernel heap (core/mm/heap.c, slab.c): size classes
 * and alignment, page-backed large blocks, AllocatorStats, bad frees,
 * exhaustion, vd_kzalloc / vd_kfree, and a randomized run that checks no
 * two live blocks overlap and no block is corrupted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "mm_fixture.h"

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

static void test_small_sizes_and_alignment(void **state)
{
	(void)state;
	for (size_t size = 1; size <= VD_HEAP_SLAB_MAX; size++) {
		void *p;
		size_t cls = pow2_at_least(size);
		assert_int_equal(vd_heap_alloc(size, 1, &p), VD_OK);
		assert_true(VD_IS_ALIGNED((uintptr_t)p, cls));
		assert_false(VD_IS_ALIGNED((uintptr_t)p, VD_PAGE_SIZE));
		memset(p, 0xcc, size);
		assert_int_equal(vd_heap_free(p, size, 1), VD_OK);
	}
	for (size_t align = 1; align <= VD_HEAP_SLAB_MAX; align <<= 1) {
		void *p;
		assert_int_equal(vd_heap_alloc(24, align, &p), VD_OK);
		assert_true(VD_IS_ALIGNED((uintptr_t)p, align));
		assert_int_equal(vd_heap_free(p, 24, align), VD_OK);
	}
	struct vd_allocator_stats hs = mm_heap_stats();
	assert_int_equal(hs.current_allocated, 0);
	assert_int_equal(hs.allocation_count, hs.free_count);
	assert_int_equal(hs.bad_free_count, 0);
}

static void test_large_blocks(void **state)
{
	static const struct {
		size_t size, align;
	} cases[] = {
		{1025, 8},	 {2048, 16},	     {4096, 4096},
		{5000, 64},	 {8192, 8192},	     {100, 4096},
		{64 << 10, 1},	 {3 << 20, 1 << 20}, {4096, 2 << 20},
		{4 << 20, 4096},
	};
	(void)state;

	for (size_t i = 0; i < VD_ARRAY_SIZE(cases); i++) {
		size_t before = mm_stats().allocated_frames;
		void *p;
		assert_int_equal(
			vd_heap_alloc(cases[i].size, cases[i].align, &p),
			VD_OK);
		assert_true(VD_IS_ALIGNED((uintptr_t)p, cases[i].align));
		assert_true(VD_IS_ALIGNED((uintptr_t)p, VD_PAGE_SIZE));
		memset(p, 0x11, cases[i].size);
		assert_true(mm_stats().allocated_frames - before >=
			    (cases[i].size + VD_PAGE_SIZE - 1) / VD_PAGE_SIZE);
		assert_int_equal(vd_heap_free(p, cases[i].size, cases[i].align),
				 VD_OK);
	}
	assert_int_equal(mm_heap_stats().current_allocated, 0);
}

static void test_stats(void **state)
{
	void *a, *b, *c;
	(void)state;

	assert_int_equal(vd_heap_alloc(64, 8, &a), VD_OK);
	assert_int_equal(vd_heap_alloc(100, 8, &b), VD_OK);  /* 128 class */
	assert_int_equal(vd_heap_alloc(5000, 8, &c), VD_OK); /* 2 pages */
	struct vd_allocator_stats hs = mm_heap_stats();
	assert_int_equal(hs.allocation_count, 3);
	assert_int_equal(hs.free_count, 0);
	assert_int_equal(hs.total_allocated, 64 + 128 + 8192);
	assert_int_equal(hs.current_allocated, 64 + 128 + 8192);
	assert_int_equal(hs.peak_allocated, 64 + 128 + 8192);
	assert_int_equal(vd_heap_free(c, 5000, 8), VD_OK);
	assert_int_equal(vd_heap_free(a, 64, 8), VD_OK);
	hs = mm_heap_stats();
	assert_int_equal(hs.current_allocated, 128);
	assert_int_equal(hs.peak_allocated, 64 + 128 + 8192);
	assert_int_equal(hs.total_freed, 64 + 8192);
	assert_int_equal(hs.free_count, 2);
	assert_int_equal(vd_heap_alloc(16, 16, &a), VD_OK);
	hs = mm_heap_stats();
	assert_int_equal(hs.total_allocated, 64 + 128 + 8192 + 16);
	assert_int_equal(hs.peak_allocated, 64 + 128 + 8192);
	assert_int_equal(hs.total_allocated - hs.total_freed,
			 hs.current_allocated);
	vd_kfree(a);
	vd_kfree(b);
	hs = mm_heap_stats();
	assert_int_equal(hs.current_allocated, 0);
	assert_int_equal(hs.allocation_count, 4);
	assert_int_equal(hs.free_count, 4);
}

static void test_invalid_parameters(void **state)
{
	void *p = NULL;
	(void)state;

	assert_int_equal(vd_heap_alloc(0, 8, &p), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(8, 0, &p), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(8, 3, &p), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(8, 48, &p), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(SIZE_MAX, 8, &p),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(SIZE_MAX - 100, 8, &p),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(8, (size_t)1 << 40, &p),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc((4 << 20) + 1, 8, &p),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_alloc(8, 8, NULL), VD_ERR_INVALID_PARAMETER);
	assert_null(p);
	assert_null(vd_kzalloc(0));
	assert_null(vd_kzalloc(SIZE_MAX));
	assert_int_equal(vd_heap_free(NULL, 8, 8), VD_OK);
	vd_kfree(NULL);
	struct vd_allocator_stats hs = mm_heap_stats();
	assert_int_equal(hs.allocation_count, 0);
	assert_int_equal(hs.bad_free_count, 0);
}

static void test_bad_frees(void **state)
{
	void *p, *big;
	int local;
	(void)state;

	assert_int_equal(vd_heap_alloc(64, 8, &p), VD_OK);
	assert_int_equal(vd_heap_alloc(20000, 8, &big), VD_OK);
	host_console_clear();
	/* Wrong size class, interior pointer, not a heap pointer. */
	assert_int_equal(vd_heap_free(p, 200, 8), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_free((char *)p + 8, 64, 8),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_free(&local, 4, 4), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_free(big, 4096, 8), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_free((char *)big + 4096, 16384, 8),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_free(p, 0, 8), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_heap_free(p, 64, 3), VD_ERR_INVALID_PARAMETER);
	/* A frame that is not a slab (a bare allocated frame). */
	struct vd_frame f;
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	memset(mm_frame_ptr(f), 0, VD_PAGE_SIZE);
	assert_int_equal(vd_heap_free((char *)mm_frame_ptr(f) + 128, 64, 8),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	/* Nothing was freed by those. */
	struct vd_allocator_stats hs = mm_heap_stats();
	assert_int_equal(hs.free_count, 0);
	assert_int_equal(hs.bad_free_count, 8);
	/* Real frees, then double frees. */
	assert_int_equal(vd_heap_free(p, 64, 8), VD_OK);
	assert_int_equal(vd_heap_free(p, 64, 8), VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(vd_heap_free(big, 20000, 8), VD_OK);
	assert_int_equal(vd_heap_free(big, 20000, 8), VD_ERR_MEM_DOUBLE_FREE);
	vd_kfree(p);
	vd_kfree(big);
	hs = mm_heap_stats();
	assert_int_equal(hs.free_count, 2);
	assert_int_equal(hs.bad_free_count, 12);
	assert_int_equal(hs.current_allocated, 0);
	assert_non_null(strstr(host_console_output(), "bad heap free"));
	assert_non_null(strstr(host_console_output(), "already free"));
}

/* A double free inside a slab that still has other live objects. */
static void test_double_free_in_busy_slab(void **state)
{
	void *p[10];
	(void)state;

	for (int i = 0; i < 10; i++)
		assert_int_equal(vd_heap_alloc(32, 32, &p[i]), VD_OK);
	assert_int_equal(vd_heap_free(p[4], 32, 32), VD_OK);
	assert_int_equal(vd_heap_free(p[4], 32, 32), VD_ERR_MEM_DOUBLE_FREE);
	/* The free list was not corrupted: the next two allocations are
	 * distinct and one of them reuses p[4]. */
	void *a, *b;
	assert_int_equal(vd_heap_alloc(32, 32, &a), VD_OK);
	assert_int_equal(vd_heap_alloc(32, 32, &b), VD_OK);
	assert_ptr_not_equal(a, b);
	assert_true(a == p[4] || b == p[4]);
	for (int i = 0; i < 10; i++)
		if (i != 4)
			assert_int_equal(vd_heap_free(p[i], 32, 32), VD_OK);
	assert_int_equal(vd_heap_free(a, 32, 32), VD_OK);
	assert_int_equal(vd_heap_free(b, 32, 32), VD_OK);
	assert_int_equal(mm_heap_stats().current_allocated, 0);
}

static void test_kzalloc_kfree(void **state)
{
	static const size_t sizes[] = {1,    7,	   16,	 100,  1000, 1024,
				       1025, 4095, 4096, 4097, 9000, 65536};
	void *p[VD_ARRAY_SIZE(sizes)];
	(void)state;

	for (size_t i = 0; i < VD_ARRAY_SIZE(sizes); i++) {
		/* Dirty memory first so zeroing is really tested. */
		void *d;
		assert_int_equal(vd_heap_alloc(sizes[i], 1, &d), VD_OK);
		memset(d, 0xee, sizes[i]);
		assert_int_equal(vd_heap_free(d, sizes[i], 1), VD_OK);
		p[i] = vd_kzalloc(sizes[i]);
		assert_non_null(p[i]);
		assert_true(VD_IS_ALIGNED((uintptr_t)p[i], 16));
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(((uint8_t *)p[i])[j], 0);
	}
	for (size_t i = 0; i < VD_ARRAY_SIZE(sizes); i++)
		vd_kfree(p[i]);
	struct vd_allocator_stats hs = mm_heap_stats();
	assert_int_equal(hs.current_allocated, 0);
	assert_int_equal(hs.bad_free_count, 0);
}

/* Empty slabs go back to the frame allocator (one spare per class). */
static void test_slabs_release_frames(void **state)
{
	enum { N = 2000 };
	static void *p[N];
	size_t base = mm_stats().allocated_frames;
	(void)state;

	for (int i = 0; i < N; i++)
		assert_int_equal(vd_heap_alloc(256, 8, &p[i]), VD_OK);
	/* 15 objects of 256 bytes per 4 KiB slab. */
	assert_int_equal(mm_stats().allocated_frames - base, (N + 14) / 15);
	for (int i = 0; i < N; i++)
		assert_int_equal(vd_heap_free(p[i], 256, 8), VD_OK);
	/* At most the CPU's magazine and one spare slab stay... */
	assert_true(mm_stats().allocated_frames - base <= 3);
	/* ...until the caches are drained. */
	vd_heap_drain_caches();
	assert_int_equal(mm_stats().allocated_frames - base, 0);
}

/* Objects move between CPUs: freed on one, reused there, double frees
 * caught whichever CPU's magazine holds the object. */
static void test_magazines_per_cpu(void **state)
{
	enum { N = 40 };
	void *p[N], *q;
	size_t base = mm_stats().allocated_frames;
	(void)state;

	host_set_cpu_count(2);
	host_set_cpu(0);
	for (int i = 0; i < N; i++)
		assert_int_equal(vd_heap_alloc(64, 8, &p[i]), VD_OK);
	host_set_cpu(1);
	for (int i = 0; i < N; i++)
		assert_int_equal(vd_heap_free(p[i], 64, 8), VD_OK);
	host_set_cpu(0);
	for (int i = 0; i < N; i++)
		assert_int_equal(vd_heap_free(p[i], 64, 8),
				 VD_ERR_MEM_DOUBLE_FREE);
	vd_kfree(p[N - 1]);
	assert_int_equal(mm_heap_stats().bad_free_count, N + 1);
	/* CPU 1 gets its most recently freed object back. */
	host_set_cpu(1);
	assert_int_equal(vd_heap_alloc(64, 8, &q), VD_OK);
	assert_ptr_equal(q, p[N - 1]);
	host_set_cpu(0);
	assert_int_equal(vd_heap_free(q, 64, 8), VD_OK); /* into CPU 0's */
	assert_int_equal(mm_heap_stats().current_allocated, 0);
	vd_heap_drain_caches();
	host_set_cpu(1);
	vd_heap_drain_caches();
	host_set_cpu(0);
	assert_int_equal(mm_stats().allocated_frames, base);
}

static void test_exhaustion(void **state)
{
	static void *p[70000];
	size_t n = 0;
	void *q;
	vd_err_t err;
	(void)state;

	while ((err = vd_heap_alloc(1024, 8, &p[n])) == VD_OK)
		n++;
	assert_int_equal(err, VD_ERR_OUT_OF_MEMORY);
	assert_true(n > 40000);
	assert_int_equal(mm_stats().free_frames, 0);
	assert_int_equal(vd_heap_alloc(8192, 8, &q), VD_ERR_OUT_OF_MEMORY);
	assert_null(vd_kzalloc(100000));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vd_heap_free(p[i], 1024, 8), VD_OK);
	assert_int_equal(mm_heap_stats().current_allocated, 0);
	assert_int_equal(vd_heap_alloc(1 << 20, 8, &q), VD_OK);
	assert_int_equal(vd_heap_free(q, 1 << 20, 8), VD_OK);
}

/* Large allocation whose frames are unavailable must not leak its
 * bookkeeping record. */
static void test_large_failure_leaks_nothing(void **state)
{
	struct vd_frame f[16];
	void *q;
	size_t n = 0;
	(void)state;

	/* Take all 4 MiB blocks, then most memory, leaving fragments. */
	while (n < 16 && vd_frame_alloc(VD_FRAME_MAX_COUNT, VD_ZONE_NORMAL,
					&f[n]) == VD_OK)
		n++;
	struct vd_allocator_stats before = mm_heap_stats();
	size_t frames_before = mm_stats().allocated_frames;
	assert_int_equal(vd_heap_alloc(4 << 20, 4096, &q),
			 VD_ERR_OUT_OF_MEMORY);
	struct vd_allocator_stats after = mm_heap_stats();
	assert_int_equal(after.allocation_count, before.allocation_count);
	/* The record's slab may remain as the class's spare, nothing more. */
	assert_true(mm_stats().allocated_frames - frames_before <= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vd_frame_free(f[i], VD_FRAME_MAX_COUNT),
				 VD_OK);
}

/* Random sizes; each block is filled with a tag and checked on free. */
static void test_random_no_overlap(void **state)
{
	enum { SLOTS = 512, STEPS = 40000 };
	static struct {
		uint8_t *p;
		size_t size, align;
		uint8_t tag;
	} s[SLOTS];
	(void)state;

	memset(s, 0, sizeof(s));
	srand(7);
	for (int step = 0; step < STEPS; step++) {
		int i = rand() % SLOTS;
		if (s[i].p) {
			for (size_t j = 0; j < s[i].size; j++)
				assert_int_equal(s[i].p[j], s[i].tag);
			if (rand() % 2)
				assert_int_equal(vd_heap_free(s[i].p, s[i].size,
							      s[i].align),
						 VD_OK);
			else
				vd_kfree(s[i].p);
			s[i].p = NULL;
			continue;
		}
		int r = rand() % 100;
		s[i].size = r < 80   ? 1 + (size_t)rand() % 256
			    : r < 95 ? 1 + (size_t)rand() % 4096
				     : 1 + (size_t)rand() % 40000;
		s[i].align = (size_t)1 << (rand() % 8);
		s[i].tag = (uint8_t)(1 + rand() % 255);
		assert_int_equal(
			vd_heap_alloc(s[i].size, s[i].align, (void **)&s[i].p),
			VD_OK);
		assert_true(VD_IS_ALIGNED((uintptr_t)s[i].p, s[i].align));
		memset(s[i].p, s[i].tag, s[i].size);
	}
	for (int i = 0; i < SLOTS; i++) {
		if (!s[i].p)
			continue;
		for (size_t j = 0; j < s[i].size; j++)
			assert_int_equal(s[i].p[j], s[i].tag);
		vd_kfree(s[i].p);
	}
	struct vd_allocator_stats hs = mm_heap_stats();
	assert_int_equal(hs.current_allocated, 0);
	assert_int_equal(hs.allocation_count, hs.free_count);
	assert_int_equal(hs.total_allocated, hs.total_freed);
	assert_int_equal(hs.bad_free_count, 0);
	assert_true(hs.peak_allocated > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, mm_boot_default, mm_teardown)
		T(test_small_sizes_and_alignment),
		T(test_large_blocks),
		T(test_stats),
		T(test_invalid_parameters),
		T(test_bad_frees),
		T(test_double_free_in_busy_slab),
		T(test_kzalloc_kfree),
		T(test_slabs_release_frames),
		T(test_magazines_per_cpu),
		T(test_exhaustion),
		T(test_large_failure_leaks_nothing),
		T(test_random_no_overlap),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
