/*
 * cmocka suite for the buddy frame allocator (core/mm/frame.c): alignment,
 * exact counts, partial frees, bad frees, exhaustion, fragmentation and
 * coalescing, the order-0 cache, statistics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "mm_fixture.h"

#define KERNEL_FRAMES (MM_KERNEL_BYTES >> VD_PAGE_SHIFT)
#define USABLE_FRAMES (MM_RAM_FRAMES - KERNEL_FRAMES - MM_META_FRAMES)

static struct vd_frame frame_n(size_t n)
{
	return (struct vd_frame){n};
}

static void check_totals(const struct vd_memory_stats *ms)
{
	assert_int_equal(ms->total_frames, ms->free_frames +
						   ms->allocated_frames +
						   ms->reserved_frames);
	for (int z = 0; z < VD_ZONE_COUNT; z++) {
		const struct vd_zone_stats *zs = &ms->zone_stats[z];
		size_t blocks = zs->cached_frames;
		assert_int_equal(zs->total_frames,
				 zs->free_frames + zs->allocated_frames +
					 zs->reserved_frames);
		for (int k = 0; k <= VD_FRAME_MAX_ORDER; k++)
			blocks += zs->free_blocks[k] << k;
		assert_int_equal(blocks, zs->free_frames);
	}
}

static void check_now(void)
{
	struct vd_memory_stats ms = mm_stats();
	check_totals(&ms);
}

static void test_init_stats(void **state)
{
	struct vd_memory_stats ms = mm_stats();
	(void)state;

	assert_int_equal(ms.total_frames, MM_RAM_FRAMES);
	assert_int_equal(ms.reserved_frames, KERNEL_FRAMES + MM_META_FRAMES);
	assert_int_equal(ms.free_frames, USABLE_FRAMES);
	assert_int_equal(ms.allocated_frames, 0);
	/* 64 MiB at 1 GiB: all Normal; High is empty on 64-bit. */
	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].total_frames, 0);
	assert_int_equal(ms.zone_stats[VD_ZONE_HIGH].total_frames, 0);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].total_frames,
			 MM_RAM_FRAMES);
	check_totals(&ms);
}

static void test_single_frame(void **state)
{
	struct vd_frame f;
	(void)state;

	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	assert_true(f.number >= MM_FIRST_FRAME + KERNEL_FRAMES);
	assert_true(f.number < MM_FIRST_FRAME + MM_RAM_FRAMES - MM_META_FRAMES);
	/* The frame is usable memory. */
	memset(mm_frame_ptr(f), 0xa5, VD_PAGE_SIZE);
	struct vd_memory_stats ms = mm_stats();
	assert_int_equal(ms.allocated_frames, 1);
	assert_int_equal(ms.free_frames, USABLE_FRAMES - 1);
	check_totals(&ms);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	ms = mm_stats();
	assert_int_equal(ms.allocated_frames, 0);
	assert_int_equal(ms.free_frames, USABLE_FRAMES);
	check_totals(&ms);
}

static void test_natural_alignment(void **state)
{
	(void)state;
	for (size_t count = 1; count <= VD_FRAME_MAX_COUNT; count++) {
		struct vd_frame f;
		size_t block = 1;
		while (block < count)
			block <<= 1;
		assert_int_equal(vd_frame_alloc(count, VD_ZONE_NORMAL, &f),
				 VD_OK);
		assert_int_equal(f.number % block, 0);
		assert_int_equal(mm_stats().allocated_frames, count);
		assert_int_equal(vd_frame_free(f, count), VD_OK);
	}
	assert_int_equal(mm_stats().free_frames, USABLE_FRAMES);
}

static void test_blocks_do_not_overlap(void **state)
{
	static struct vd_frame f[64];
	static size_t cnt[64];
	(void)state;

	for (int i = 0; i < 64; i++) {
		cnt[i] = 1 + (size_t)(i * 37 % 100);
		assert_int_equal(vd_frame_alloc(cnt[i], VD_ZONE_NORMAL, &f[i]),
				 VD_OK);
		for (int j = 0; j < i; j++)
			assert_true(f[i].number + cnt[i] <= f[j].number ||
				    f[j].number + cnt[j] <= f[i].number);
	}
	for (int i = 0; i < 64; i++)
		assert_int_equal(vd_frame_free(f[i], cnt[i]), VD_OK);
	check_now();
	assert_int_equal(mm_stats().allocated_frames, 0);
}

/* Exactly count frames are taken: the tail of the block stays free. */
static void test_exact_count_and_tail(void **state)
{
	struct vd_frame a, b;
	(void)state;

	assert_int_equal(vd_frame_alloc(5, VD_ZONE_NORMAL, &a), VD_OK);
	assert_int_equal(a.number % 8, 0);
	assert_int_equal(mm_stats().allocated_frames, 5);
	/* The three tail frames are free: freeing one is a double free. */
	assert_int_equal(vd_frame_free(frame_n(a.number + 5), 1),
			 VD_ERR_MEM_DOUBLE_FREE);
	/* A 2-frame request fits the tail [6, 8) exactly. */
	assert_int_equal(vd_frame_alloc(2, VD_ZONE_NORMAL, &b), VD_OK);
	assert_int_equal(b.number, a.number + 6);
	assert_int_equal(vd_frame_free(b, 2), VD_OK);
	assert_int_equal(vd_frame_free(a, 5), VD_OK);
	check_now();
}

static void test_partial_free(void **state)
{
	struct vd_frame f;
	(void)state;

	assert_int_equal(vd_frame_alloc(8, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(vd_frame_free(frame_n(f.number + 2), 3), VD_OK);
	assert_int_equal(mm_stats().allocated_frames, 5);
	assert_int_equal(vd_frame_free(frame_n(f.number + 3), 1),
			 VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(vd_frame_free(f, 2), VD_OK);
	assert_int_equal(vd_frame_free(frame_n(f.number + 5), 3), VD_OK);
	struct vd_memory_stats ms = mm_stats();
	assert_int_equal(ms.allocated_frames, 0);
	check_totals(&ms);
}

static void test_double_free_detected(void **state)
{
	struct vd_frame f;
	(void)state;

	assert_int_equal(vd_frame_alloc(4, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(vd_frame_free(f, 4), VD_OK);
	struct vd_memory_stats before = mm_stats();
	host_console_clear();
	assert_int_equal(vd_frame_free(f, 4), VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(vd_frame_free(frame_n(f.number + 3), 1),
			 VD_ERR_MEM_DOUBLE_FREE);
	assert_non_null(strstr(host_console_output(), "already free"));
	struct vd_memory_stats after = mm_stats();
	assert_memory_equal(&before, &after, sizeof(before));
}

/* A range with one bad frame in the middle changes nothing. */
static void test_bad_range_is_atomic(void **state)
{
	struct vd_frame f;
	(void)state;

	assert_int_equal(vd_frame_alloc(4, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(vd_frame_free(frame_n(f.number + 2), 1), VD_OK);
	assert_int_equal(vd_frame_free(f, 4), VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(mm_stats().allocated_frames, 3);
	assert_int_equal(vd_frame_free(f, 2), VD_OK);
	assert_int_equal(vd_frame_free(frame_n(f.number + 3), 1), VD_OK);
	assert_int_equal(mm_stats().allocated_frames, 0);
}

static void test_never_allocatable_frees(void **state)
{
	struct vd_frame f;
	(void)state;

	host_console_clear();
	/* The kernel image. */
	assert_int_equal(vd_frame_free(frame_n(MM_FIRST_FRAME), 1),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_free(frame_n(MM_FIRST_FRAME + 10), 3),
			 VD_ERR_INVALID_PARAMETER);
	/* The allocator's own metadata at the top of RAM. */
	assert_int_equal(
		vd_frame_free(frame_n(MM_FIRST_FRAME + MM_RAM_FRAMES - 1), 1),
		VD_ERR_INVALID_PARAMETER);
	/* Outside RAM, frame 0, far away. */
	assert_int_equal(vd_frame_free(frame_n(0), 1),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_free(frame_n(MM_FIRST_FRAME - 1), 1),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_free(frame_n(SIZE_MAX), 1),
			 VD_ERR_INVALID_PARAMETER);
	/* Empty ranges, and ranges running past the end of RAM. */
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(vd_frame_free(f, 0), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_free(f, SIZE_MAX), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_free(f, MM_RAM_FRAMES),
			 VD_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(host_console_output(), "never allocatable"));
	/* A free frame that was never handed out counts as already free. */
	assert_int_equal(vd_frame_free(frame_n(f.number ^ 1), 1),
			 VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	check_now();
	assert_int_equal(mm_stats().allocated_frames, 0);
}

static void test_invalid_alloc_parameters(void **state)
{
	struct vd_frame f;
	(void)state;

	assert_int_equal(vd_frame_alloc(0, VD_ZONE_NORMAL, &f),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(
		vd_frame_alloc(VD_FRAME_MAX_COUNT + 1, VD_ZONE_NORMAL, &f),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_alloc(SIZE_MAX, VD_ZONE_NORMAL, &f),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_alloc(1, (enum vd_mem_zone)3, &f),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_alloc(1, (enum vd_mem_zone) - 1, &f),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, NULL),
			 VD_ERR_INVALID_PARAMETER);
	/* No Dma memory on this machine. */
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_DMA, &f),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(mm_stats().allocated_frames, 0);
}

/* Allocate every frame one by one, then hit OutOfMemory. */
static size_t alloc_all_singles(size_t *frames)
{
	size_t n = 0;
	struct vd_frame f;

	while (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) == VD_OK)
		frames[n++] = f.number;
	return n;
}

static void shuffle(size_t *a, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i, t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void test_exhaustion_and_coalescing(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	struct vd_memory_stats initial = mm_stats();
	struct vd_frame f;
	(void)state;

	size_t n = alloc_all_singles(frames);
	assert_int_equal(n, USABLE_FRAMES);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_HIGH, &f),
			 VD_ERR_OUT_OF_MEMORY);
	struct vd_memory_stats ms = mm_stats();
	assert_int_equal(ms.free_frames, 0);
	assert_int_equal(ms.allocated_frames, USABLE_FRAMES);
	check_totals(&ms);

	/* Free in random order: everything must merge back. */
	shuffle(frames, n, 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vd_frame_free(frame_n(frames[i]), 1), VD_OK);
	vd_frame_drain_caches();
	ms = mm_stats();
	assert_memory_equal(&ms, &initial, sizeof(ms));

	/* All the 4 MiB blocks are whole again. */
	size_t big = initial.zone_stats[VD_ZONE_NORMAL]
			     .free_blocks[VD_FRAME_MAX_ORDER];
	assert_true(big >= 10);
	for (size_t i = 0; i < big; i++) {
		assert_int_equal(
			vd_frame_alloc(VD_FRAME_MAX_COUNT, VD_ZONE_NORMAL, &f),
			VD_OK);
		frames[i] = f.number;
	}
	assert_int_equal(vd_frame_alloc(VD_FRAME_MAX_COUNT, VD_ZONE_NORMAL, &f),
			 VD_ERR_OUT_OF_MEMORY);
	for (size_t i = 0; i < big; i++)
		assert_int_equal(
			vd_frame_free(frame_n(frames[i]), VD_FRAME_MAX_COUNT),
			VD_OK);
	free(frames);
}

/* Every other frame free: plenty of memory, but no two contiguous. */
static void test_fragmentation(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	struct vd_frame f;
	size_t freed = 0;
	(void)state;

	size_t n = alloc_all_singles(frames);
	for (size_t i = 0; i < n; i++) {
		if (frames[i] % 2 == 0) {
			assert_int_equal(vd_frame_free(frame_n(frames[i]), 1),
					 VD_OK);
			freed++;
		}
	}
	assert_true(freed > 1000);
	assert_int_equal(mm_stats().free_frames, freed);
	assert_int_equal(vd_frame_alloc(2, VD_ZONE_NORMAL, &f),
			 VD_ERR_OUT_OF_MEMORY);
	/* The failed request drained the cache into the buddy lists. */
	assert_int_equal(mm_stats().zone_stats[VD_ZONE_NORMAL].cached_frames,
			 0);
	assert_int_equal(mm_stats().zone_stats[VD_ZONE_NORMAL].free_blocks[0],
			 freed);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(f.number % 2, 0);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	/* Free the odd ones: now large blocks exist again. */
	for (size_t i = 0; i < n; i++)
		if (frames[i] % 2)
			assert_int_equal(vd_frame_free(frame_n(frames[i]), 1),
					 VD_OK);
	assert_int_equal(vd_frame_alloc(VD_FRAME_MAX_COUNT, VD_ZONE_NORMAL, &f),
			 VD_OK);
	assert_int_equal(vd_frame_free(f, VD_FRAME_MAX_COUNT), VD_OK);
	free(frames);
}

/* Cached single frames are merged when a larger request needs them. */
static void test_cache_drained_on_demand(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	struct vd_frame f;
	(void)state;

	size_t n = alloc_all_singles(frames);
	/* Free one aligned pair of buddies: both land in the cache. */
	size_t pair = 0;
	for (size_t i = 0; i < n && !pair; i++)
		if (frames[i] % 2 == 0)
			pair = frames[i];
	assert_int_equal(vd_frame_free(frame_n(pair), 1), VD_OK);
	assert_int_equal(vd_frame_free(frame_n(pair + 1), 1), VD_OK);
	assert_int_equal(mm_stats().zone_stats[VD_ZONE_NORMAL].cached_frames,
			 2);
	assert_int_equal(vd_frame_alloc(2, VD_ZONE_NORMAL, &f), VD_OK);
	assert_int_equal(f.number, pair);
	assert_int_equal(vd_frame_free(f, 2), VD_OK);
	for (size_t i = 0; i < n; i++)
		if (frames[i] != pair && frames[i] != pair + 1)
			assert_int_equal(vd_frame_free(frame_n(frames[i]), 1),
					 VD_OK);
	assert_int_equal(mm_stats().allocated_frames, 0);
	free(frames);
}

/* The cache hands back the most recently freed frame (cache-warm). */
static void test_cache_is_lifo(void **state)
{
	struct vd_frame a, b, c;
	(void)state;

	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &a), VD_OK);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &b), VD_OK);
	assert_int_equal(vd_frame_free(a, 1), VD_OK);
	assert_int_equal(vd_frame_free(b, 1), VD_OK);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &c), VD_OK);
	assert_int_equal(c.number, b.number);
	assert_int_equal(vd_frame_free(c, 1), VD_OK);
	/* The cache is bounded: many frees overflow into the buddy lists. */
	struct vd_frame f[200];
	for (int i = 0; i < 200; i++)
		assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f[i]),
				 VD_OK);
	for (int i = 0; i < 200; i++)
		assert_int_equal(vd_frame_free(f[i], 1), VD_OK);
	struct vd_memory_stats ms = mm_stats();
	assert_true(ms.zone_stats[VD_ZONE_NORMAL].cached_frames <= 64);
	check_totals(&ms);
}

/* Each CPU has its own cache; a frame freed on one CPU is not handed out
 * by another until it drains. */
static void test_cpu_caches(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	struct vd_frame a, b, c;
	(void)state;

	host_set_cpu_count(2);
	host_set_cpu(0);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &a), VD_OK);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &b), VD_OK);
	assert_int_equal(vd_frame_free(a, 1), VD_OK); /* CPU 0's cache */
	host_set_cpu(1);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &c), VD_OK);
	assert_int_not_equal(c.number, a.number);
	/* Freed on CPU 1, freed again on CPU 0: the second one loses. */
	assert_int_equal(vd_frame_free(b, 1), VD_OK);
	host_set_cpu(0);
	assert_int_equal(vd_frame_free(b, 1), VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(vd_frame_free(a, 1), VD_ERR_MEM_DOUBLE_FREE);
	assert_int_equal(vd_frame_free(c, 1), VD_OK); /* allocated on 1 */
	check_now();
	assert_int_equal(mm_stats().allocated_frames, 0);
	assert_int_equal(mm_stats().zone_stats[VD_ZONE_NORMAL].cached_frames,
			 3);

	/* CPU 1 takes everything else; CPU 0's cached frames are out of
	 * its reach until CPU 0 drains, which CPU 1's failure requests. */
	host_set_cpu(1);
	size_t n = 0;
	while (vd_frame_alloc(1, VD_ZONE_NORMAL, &c) == VD_OK)
		frames[n++] = c.number;
	struct vd_memory_stats ms = mm_stats();
	check_totals(&ms);
	assert_int_equal(ms.free_frames, 2); /* a and c, on CPU 0 */
	assert_int_equal(n, USABLE_FRAMES - 2);
	/* CPU 0's next call drains first: one frame for it, one for 1. */
	host_set_cpu(0);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &c), VD_OK);
	assert_int_equal(mm_stats().zone_stats[VD_ZONE_NORMAL].cached_frames,
			 0);
	host_set_cpu(1);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &b), VD_OK);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &a),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_frame_free(b, 1), VD_OK);
	assert_int_equal(vd_frame_free(c, 1), VD_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vd_frame_free(frame_n(frames[i]), 1), VD_OK);
	/* vd_frame_drain_caches drains here and asks the others. */
	vd_frame_drain_caches();
	host_set_cpu(0);
	assert_int_equal(vd_frame_alloc(VD_FRAME_MAX_COUNT, VD_ZONE_NORMAL, &c),
			 VD_OK);
	assert_int_equal(vd_frame_free(c, VD_FRAME_MAX_COUNT), VD_OK);
	ms = mm_stats();
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].cached_frames, 0);
	check_totals(&ms);
	free(frames);
}

static void test_pt_frame_upcalls(void **state)
{
	struct vd_frame f;
	(void)state;

	/* Dirty a frame, free it: the table allocator must clear it. */
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f), VD_OK);
	memset(mm_frame_ptr(f), 0xff, VD_PAGE_SIZE);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	paddr_t pa = vd_pt_frame_alloc();
	assert_int_equal(pa, vd_frame_addr(f)); /* cache: same frame back */
	const uint8_t *p = vd_phys_to_virt(pa);
	for (size_t i = 0; i < VD_PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(mm_stats().allocated_frames, 1);
	vd_pt_frame_free(pa);
	assert_int_equal(mm_stats().allocated_frames, 0);
	/* Bad table frees are refused, not crashes. */
	host_console_clear();
	vd_pt_frame_free(0);
	vd_pt_frame_free(pa + 8);
	vd_pt_frame_free(pa);
	assert_int_equal(mm_stats().allocated_frames, 0);
	assert_non_null(strstr(host_console_output(), "not a table frame"));
	assert_non_null(strstr(host_console_output(), "already free"));
}

static void test_pt_frame_alloc_exhausted(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	(void)state;

	size_t n = alloc_all_singles(frames);
	assert_int_equal(vd_pt_frame_alloc(), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vd_frame_free(frame_n(frames[i]), 1), VD_OK);
	free(frames);
}

/* A second vd_mm_init starts from scratch. */
static void test_reinit(void **state)
{
	struct vd_frame f;
	struct vd_boot_info bi;
	(void)state;

	assert_int_equal(vd_frame_alloc(100, VD_ZONE_NORMAL, &f), VD_OK);
	host_make_boot_info(&bi, MM_KERNEL_BYTES);
	mm_boot(&bi);
	assert_int_equal(mm_stats().allocated_frames, 0);
	assert_int_equal(mm_stats().free_frames, USABLE_FRAMES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, mm_boot_default, mm_teardown)
		T(test_init_stats),
		T(test_single_frame),
		T(test_natural_alignment),
		T(test_blocks_do_not_overlap),
		T(test_exact_count_and_tail),
		T(test_partial_free),
		T(test_double_free_detected),
		T(test_bad_range_is_atomic),
		T(test_never_allocatable_frees),
		T(test_invalid_alloc_parameters),
		T(test_exhaustion_and_coalescing),
		T(test_fragmentation),
		T(test_cache_drained_on_demand),
		T(test_cache_is_lifo),
		T(test_cpu_caches),
		T(test_pt_frame_upcalls),
		T(test_pt_frame_alloc_exhausted),
		T(test_reinit),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
