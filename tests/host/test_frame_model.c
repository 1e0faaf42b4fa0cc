/*
 * Randomized test of the frame allocator against a reference model.
 *
 * The model is one flag per frame (allocated or not) plus the list of
 * live allocations.  Random allocations (mostly single frames, some large,
 * any zone), frees of whole allocations or of pieces of them, and bad
 * frees are applied to both; after each step the allocator must agree:
 *   - an allocation is naturally aligned, inside usable RAM of an
 *     acceptable zone, and overlaps nothing live;
 *   - OutOfMemory only when the model has no fully free, aligned block of
 *     the needed order in any acceptable zone (the buddy allocator with
 *     eager coalescing must find every such block);
 *   - a bad free returns the right error and changes nothing;
 *   - the statistics match the model exactly.
 * The machine is the fake RAM at physical 0 (Dma and Normal) with a few
 * reserved holes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "mm_fixture.h"

#define DMA_FRAMES ((size_t)(VD_ZONE_DMA_LIMIT >> VD_PAGE_SHIFT))
#define MAX_LIVE   20000

static const struct {
	paddr_t base;
	uint64_t size;
} holes[] = {
	{(3 << 20) + 0x123, (2 << 20) - 0x123},
	{20 << 20, 0x1000},
	{(40 << 20) - 0x2000, 0x5000},
};

struct live {
	size_t first, count;
};

static bool usable[MM_RAM_FRAMES];
static bool allocated[MM_RAM_FRAMES];
static struct live live[MAX_LIVE];
static size_t live_count, model_allocated, usable_count;

static int model_setup(void **state)
{
	struct vd_boot_info bi;
	(void)state;

	mm_use_low_physmap();
	mm_boot_info_low(&bi);
	bi.mem_count = 1;
	bi.mem[0] = (struct vd_mem_region){0, HOST_RAM_SIZE, VD_MEM_USABLE};
	bi.reserved_count = VD_ARRAY_SIZE(holes);
	for (size_t i = 0; i < VD_ARRAY_SIZE(holes); i++)
		bi.reserved[i] = (struct vd_mem_region){
			holes[i].base, holes[i].size, VD_MEM_RESERVED};
	mm_boot(&bi);

	/* Usable: not frame 0, not a hole, not the metadata at the top. */
	usable_count = 0;
	for (size_t n = 0; n < MM_RAM_FRAMES; n++) {
		paddr_t lo = (paddr_t)n << VD_PAGE_SHIFT;
		bool ok = n != 0 && n < MM_RAM_FRAMES - MM_META_FRAMES;
		for (size_t i = 0; i < VD_ARRAY_SIZE(holes); i++)
			if (lo < holes[i].base + holes[i].size &&
			    lo + VD_PAGE_SIZE > holes[i].base)
				ok = false;
		usable[n] = ok;
		allocated[n] = false;
		usable_count += ok;
	}
	live_count = model_allocated = 0;
	return 0;
}

static unsigned order_of(size_t count)
{
	unsigned k = 0;
	while (((size_t)1 << k) < count)
		k++;
	return k;
}

static bool zone_acceptable(size_t n, enum vd_mem_zone zone)
{
	return zone != VD_ZONE_DMA || n < DMA_FRAMES;
}

/* Does the model have a free aligned block of 2^k frames in [lo, hi)? */
static bool model_has_block(unsigned k, size_t lo, size_t hi)
{
	size_t size = (size_t)1 << k;

	for (size_t b = VD_ALIGN_UP(lo, size); b + size <= hi; b += size) {
		size_t i;
		for (i = 0; i < size; i++)
			if (!usable[b + i] || allocated[b + i])
				break;
		if (i == size)
			return true;
	}
	return false;
}

static void check_stats(void)
{
	struct vd_memory_stats ms = mm_stats();
	size_t dma_alloc = 0;

	for (size_t n = 0; n < DMA_FRAMES; n++)
		dma_alloc += allocated[n];
	assert_int_equal(ms.allocated_frames, model_allocated);
	assert_int_equal(ms.free_frames, usable_count - model_allocated);
	assert_int_equal(ms.total_frames, MM_RAM_FRAMES);
	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].allocated_frames,
			 dma_alloc);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].allocated_frames,
			 model_allocated - dma_alloc);
}

static size_t random_count(void)
{
	int r = rand() % 100;

	if (r < 70)
		return 1;
	if (r < 92)
		return 2 + (size_t)rand() % 15;
	if (r < 99)
		return 17 + (size_t)rand() % 112;
	return 129 + (size_t)rand() % (VD_FRAME_MAX_COUNT - 128);
}

static void step_alloc(void)
{
	size_t count = random_count();
	enum vd_mem_zone zone = (enum vd_mem_zone)(rand() % VD_ZONE_COUNT);
	unsigned k = order_of(count);
	struct vd_frame f;
	vd_err_t err = vd_frame_alloc(count, zone, &f);

	if (err == VD_ERR_OUT_OF_MEMORY) {
		assert_false(model_has_block(k, 0, DMA_FRAMES));
		if (zone != VD_ZONE_DMA)
			assert_false(
				model_has_block(k, DMA_FRAMES, MM_RAM_FRAMES));
		return;
	}
	assert_int_equal(err, VD_OK);
	assert_int_equal(f.number % ((size_t)1 << k), 0);
	assert_true(f.number + count <= MM_RAM_FRAMES);
	for (size_t i = 0; i < count; i++) {
		assert_true(usable[f.number + i]);
		assert_false(allocated[f.number + i]);
		assert_true(zone_acceptable(f.number + i, zone));
		allocated[f.number + i] = true;
	}
	/* Dma only when Normal had nothing suitable. */
	if (zone != VD_ZONE_DMA && f.number < DMA_FRAMES)
		assert_false(model_has_block(k, DMA_FRAMES, MM_RAM_FRAMES));
	model_allocated += count;
	if (live_count < MAX_LIVE)
		live[live_count++] = (struct live){f.number, count};
	else
		assert_int_equal(vd_frame_free(f, count), VD_OK);
}

static void model_free(size_t first, size_t count)
{
	assert_int_equal(vd_frame_free((struct vd_frame){first}, count), VD_OK);
	for (size_t i = 0; i < count; i++) {
		assert_true(allocated[first + i]);
		allocated[first + i] = false;
	}
	model_allocated -= count;
}

static void step_free(void)
{
	size_t i = (size_t)rand() % live_count;
	struct live l = live[i];

	if (l.count > 1 && rand() % 3 == 0 && live_count < MAX_LIVE) {
		/* Free a piece from the middle; the ends stay live. */
		size_t start = (size_t)rand() % l.count;
		size_t len = 1 + (size_t)rand() % (l.count - start);
		model_free(l.first + start, len);
		live[i] = (struct live){l.first, start};
		live[live_count++] = (struct live){l.first + start + len,
						   l.count - start - len};
	} else {
		model_free(l.first, l.count);
		live[i] = (struct live){0, 0};
	}
	/* Drop empty entries. */
	for (size_t j = 0; j < live_count;) {
		if (live[j].count == 0)
			live[j] = live[--live_count];
		else
			j++;
	}
}

static void step_bad_free(void)
{
	size_t n = (size_t)rand() % MM_RAM_FRAMES;
	size_t count = 1 + (size_t)rand() % 8;
	vd_err_t expect = VD_OK;

	if (n + count > MM_RAM_FRAMES)
		return;
	for (size_t i = 0; i < count && expect == VD_OK; i++) {
		if (!usable[n + i])
			expect = VD_ERR_INVALID_PARAMETER;
		else if (!allocated[n + i])
			expect = VD_ERR_MEM_DOUBLE_FREE;
	}
	if (expect == VD_OK)
		return; /* a legal free: not what this step is about */
	struct vd_memory_stats before = mm_stats();
	assert_int_equal(vd_frame_free((struct vd_frame){n}, count), expect);
	struct vd_memory_stats after = mm_stats();
	assert_int_equal(before.allocated_frames, after.allocated_frames);
	assert_int_equal(before.free_frames, after.free_frames);
}

static void run_model(unsigned seed, int steps)
{
	struct vd_memory_stats initial = mm_stats();

	srand(seed);
	for (int s = 0; s < steps; s++) {
		int r = rand() % 100;
		if (r < 55)
			step_alloc();
		else if (r < 95 && live_count)
			step_free();
		else
			step_bad_free();
		if (s % 256 == 0)
			check_stats();
	}
	check_stats();
	while (live_count) {
		live_count--;
		model_free(live[live_count].first, live[live_count].count);
	}
	vd_frame_drain_caches();
	struct vd_memory_stats final = mm_stats();
	assert_memory_equal(&initial, &final, sizeof(initial));
}

static void test_model_seed1(void **state)
{
	(void)state;
	run_model(1, 60000);
}

static void test_model_seed2(void **state)
{
	(void)state;
	run_model(0xbadc0de, 60000);
}

static void test_model_seed3(void **state)
{
	(void)state;
	run_model(42, 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, model_setup, mm_teardown)
		T(test_model_seed1),
		T(test_model_seed2),
		T(test_model_seed3),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
