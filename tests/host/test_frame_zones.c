/*
 * cmocka suite for zones and for building the frame allocator from odd
 * memory maps (core/mm/frame_init.c): Dma below 16 MiB, fallback order,
 * several RAM regions with unaligned bounds and holes, overlapping
 * regions and reservations, initrd, empty maps.
 *
 * The fake RAM is moved to physical address 0 (mm_use_low_physmap), so
 * every map lies inside [0, 64 MiB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "mm_fixture.h"

#define MIB	   ((uint64_t)1 << 20)
#define DMA_FRAMES ((size_t)(VD_ZONE_DMA_LIMIT >> VD_PAGE_SHIFT))

static void check_totals(void)
{
	struct vd_memory_stats ms = mm_stats();

	assert_int_equal(ms.total_frames, ms.free_frames + ms.allocated_frames +
						  ms.reserved_frames);
	for (int z = 0; z < VD_ZONE_COUNT; z++) {
		const struct vd_zone_stats *zs = &ms.zone_stats[z];
		assert_int_equal(zs->total_frames,
				 zs->free_frames + zs->allocated_frames +
					 zs->reserved_frames);
	}
}

static void test_zone_split(void **state)
{
	struct vd_memory_stats ms = mm_stats();
	(void)state;

	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].total_frames, DMA_FRAMES);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].total_frames,
			 MM_RAM_FRAMES - DMA_FRAMES);
	assert_int_equal(ms.zone_stats[VD_ZONE_HIGH].total_frames, 0);
	/* Frame 0 is reserved; the metadata goes high, into Normal. */
	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].reserved_frames, 1);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].reserved_frames,
			 MM_META_FRAMES);
	check_totals();
}

static void test_zone_of_allocations(void **state)
{
	struct vd_frame f;
	(void)state;

	for (int i = 0; i < 100; i++) {
		assert_int_equal(vd_frame_alloc(1 + i, VD_ZONE_DMA, &f), VD_OK);
		assert_true(f.number + 1 + i <= DMA_FRAMES);
		assert_true(f.number != 0);
		assert_int_equal(vd_frame_free(f, 1 + i), VD_OK);
		assert_int_equal(vd_frame_alloc(1 + i, VD_ZONE_NORMAL, &f),
				 VD_OK);
		assert_true(f.number >= DMA_FRAMES);
		assert_int_equal(vd_frame_free(f, 1 + i), VD_OK);
		/* High is empty on 64-bit: served from Normal. */
		assert_int_equal(vd_frame_alloc(1 + i, VD_ZONE_HIGH, &f),
				 VD_OK);
		assert_true(f.number >= DMA_FRAMES);
		assert_int_equal(vd_frame_free(f, 1 + i), VD_OK);
	}
	struct vd_memory_stats ms = mm_stats();
	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].allocated_frames, 0);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].allocated_frames, 0);
}

static void test_per_zone_stats(void **state)
{
	struct vd_frame d, n;
	(void)state;

	assert_int_equal(vd_frame_alloc(3, VD_ZONE_DMA, &d), VD_OK);
	assert_int_equal(vd_frame_alloc(7, VD_ZONE_NORMAL, &n), VD_OK);
	struct vd_memory_stats ms = mm_stats();
	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].allocated_frames, 3);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].allocated_frames, 7);
	assert_int_equal(ms.allocated_frames, 10);
	check_totals();
	assert_int_equal(vd_frame_free(d, 3), VD_OK);
	assert_int_equal(vd_frame_free(n, 7), VD_OK);
}

/* Normal falls back to Dma; Dma never takes Normal memory. */
static void test_fallback_and_exhaustion(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	size_t n = 0, dma = 0;
	struct vd_frame f;
	(void)state;

	while (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) == VD_OK) {
		frames[n++] = f.number;
		if (f.number < DMA_FRAMES)
			dma++;
		/* Dma frames only once Normal is gone. */
		if (f.number < DMA_FRAMES)
			assert_int_equal(mm_stats()
						 .zone_stats[VD_ZONE_NORMAL]
						 .free_frames,
					 0);
	}
	assert_int_equal(dma, DMA_FRAMES - 1);
	assert_int_equal(mm_stats().free_frames, 0);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_DMA, &f),
			 VD_ERR_OUT_OF_MEMORY);
	/* Give back only Normal frames: Dma requests still fail. */
	for (size_t i = 0; i < n; i++)
		if (frames[i] >= DMA_FRAMES)
			assert_int_equal(
				vd_frame_free((struct vd_frame){frames[i]}, 1),
				VD_OK);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_DMA, &f),
			 VD_ERR_OUT_OF_MEMORY);
	for (size_t i = 0; i < n; i++)
		if (frames[i] < DMA_FRAMES)
			assert_int_equal(
				vd_frame_free((struct vd_frame){frames[i]}, 1),
				VD_OK);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_DMA, &f), VD_OK);
	assert_int_equal(vd_frame_free(f, 1), VD_OK);
	assert_int_equal(mm_stats().allocated_frames, 0);
	free(frames);
}

/* A free block never spans the 16 MiB boundary. */
static void test_no_block_crosses_zone_boundary(void **state)
{
	struct vd_mem_region *r;
	struct vd_boot_info bi;
	struct vd_frame f;
	(void)state;

	/* One region from 12 MiB to 20 MiB. */
	mm_use_low_physmap();
	mm_boot_info_low(&bi);
	bi.mem_count = 1;
	r = &bi.mem[0];
	*r = (struct vd_mem_region){12 * MIB, 8 * MIB, VD_MEM_USABLE};
	mm_boot(&bi);
	struct vd_memory_stats ms = mm_stats();
	assert_int_equal(ms.zone_stats[VD_ZONE_DMA].total_frames, 1024);
	assert_int_equal(ms.zone_stats[VD_ZONE_NORMAL].total_frames, 1024);
	assert_int_equal(vd_frame_alloc(VD_FRAME_MAX_COUNT, VD_ZONE_DMA, &f),
			 VD_OK);
	assert_int_equal(vd_frame_addr(f), 12 * MIB);
	assert_int_equal(vd_frame_free(f, VD_FRAME_MAX_COUNT), VD_OK);
	check_totals();
}

/* Ground truth for the odd map below, frame by frame. */
static bool expect_usable(size_t n)
{
	paddr_t lo = (paddr_t)n << VD_PAGE_SHIFT, hi = lo + VD_PAGE_SIZE;
	static const struct {
		paddr_t base, end;
	} ram[] = {
		{0x1801, 0x9000},      /* starts mid-frame: frames 2..8 */
		{0x100123, 0x200ff0},  /* both ends mid-frame */
		{0xffa000, 0x1006000}, /* spans 16 MiB */
		{0x2000000, 0x3000000},
		{0x2800000, 0x3400000}, /* overlaps the previous one */
	};
	static const struct {
		paddr_t base, end;
	} rsv[] = {
		{0x150000, 0x150001},	/* one byte: the whole frame */
		{0x1fff800, 0x2000800}, /* straddles a region start */
		{0x2100000, 0x2200000},
		{0x2180000, 0x2300000}, /* overlaps the previous one */
		{0x3300000, 0x3500000}, /* runs past the end of RAM */
		{0x3800000, 0x3900000}, /* outside RAM: ignored */
		{0x2400000, 0x2410000}, /* initrd */
	};
	bool in_ram = false;

	for (size_t i = 0; i < VD_ARRAY_SIZE(ram); i++)
		if (lo >= ram[i].base && hi <= ram[i].end)
			in_ram = true;
	if (!in_ram || n == 0)
		return false;
	for (size_t i = 0; i < VD_ARRAY_SIZE(rsv); i++)
		if (lo < rsv[i].end && hi > rsv[i].base)
			return false;
	return true;
}

static void boot_odd_map(void)
{
	struct vd_boot_info bi;

	mm_use_low_physmap();
	mm_boot_info_low(&bi);
	bi.mem_count = 7;
	bi.mem[0] = (struct vd_mem_region){0x2000000, 0x1000000, VD_MEM_USABLE};
	bi.mem[1] =
		(struct vd_mem_region){0x1801, 0x9000 - 0x1801, VD_MEM_USABLE};
	bi.mem[2] = (struct vd_mem_region){0x100123, 0x200ff0 - 0x100123,
					   VD_MEM_USABLE};
	bi.mem[3] = (struct vd_mem_region){0xfff000 - 0x5000, 0xc000,
					   VD_MEM_USABLE};
	bi.mem[4] = (struct vd_mem_region){0x2800000, 0xc00000, VD_MEM_USABLE};
	/* Not RAM: must be ignored. */
	bi.mem[5] =
		(struct vd_mem_region){0x3a00000, 0x100000, VD_MEM_RESERVED};
	bi.mem[6] = (struct vd_mem_region){0x3b00000, 0, VD_MEM_USABLE};
	bi.reserved_count = 6;
	bi.reserved[0] = (struct vd_mem_region){0x150000, 1, VD_MEM_KERNEL};
	bi.reserved[1] =
		(struct vd_mem_region){0x1fff800, 0x1000, VD_MEM_RESERVED};
	bi.reserved[2] =
		(struct vd_mem_region){0x2100000, 0x100000, VD_MEM_BOOT_DATA};
	bi.reserved[3] =
		(struct vd_mem_region){0x2180000, 0x180000, VD_MEM_RESERVED};
	bi.reserved[4] =
		(struct vd_mem_region){0x3300000, 0x200000, VD_MEM_RESERVED};
	bi.reserved[5] =
		(struct vd_mem_region){0x3800000, 0x100000, VD_MEM_RESERVED};
	bi.initrd_base = 0x2400000;
	bi.initrd_size = 0x10000;
	mm_boot(&bi);
}

static void test_odd_memory_map(void **state)
{
	size_t *frames = calloc(MM_RAM_FRAMES, sizeof(size_t));
	static bool seen[MM_RAM_FRAMES];
	size_t expected = 0, n = 0;
	struct vd_frame f;
	(void)state;

	boot_odd_map();
	for (size_t i = 0; i < MM_RAM_FRAMES; i++)
		expected += expect_usable(i);
	struct vd_memory_stats ms = mm_stats();
	/* The metadata took the frames it needed from the top. */
	size_t meta = (ms.total_frames + VD_PAGE_SIZE - 1) / VD_PAGE_SIZE;
	assert_int_equal(ms.free_frames, expected - meta);
	check_totals();

	memset(seen, 0, sizeof(seen));
	while (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) == VD_OK) {
		assert_true(f.number < MM_RAM_FRAMES);
		assert_true(expect_usable(f.number));
		assert_false(seen[f.number]);
		seen[f.number] = true;
		memset(mm_frame_ptr(f), 0x5a, VD_PAGE_SIZE);
		frames[n++] = f.number;
	}
	assert_int_equal(n, expected - meta);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vd_frame_free((struct vd_frame){frames[i]}, 1),
				 VD_OK);
	/* Multi-frame blocks stay inside one region. */
	while (vd_frame_alloc(16, VD_ZONE_NORMAL, &f) == VD_OK) {
		for (size_t i = 0; i < 16; i++)
			assert_true(expect_usable(f.number + i));
		frames[n++] = f.number;
	}
	free(frames);
	check_totals();
}

static void test_empty_and_useless_maps(void **state)
{
	struct vd_boot_info bi;
	struct vd_frame f;
	(void)state;

	/* No RAM at all. */
	mm_use_low_physmap();
	mm_boot_info_low(&bi);
	mm_boot(&bi);
	assert_int_equal(mm_stats().total_frames, 0);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_frame_free((struct vd_frame){5}, 1),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_pt_frame_alloc(), 0);

	/* RAM smaller than one frame, and RAM that is all reserved. */
	bi.mem_count = 2;
	bi.mem[0] = (struct vd_mem_region){0x10100, 0xf00, VD_MEM_USABLE};
	bi.mem[1] = (struct vd_mem_region){0x20000, 0x10000, VD_MEM_USABLE};
	bi.reserved_count = 1;
	bi.reserved[0] =
		(struct vd_mem_region){0x20000, 0x10000, VD_MEM_KERNEL};
	mm_boot(&bi);
	assert_int_equal(mm_stats().free_frames, 0);
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_NORMAL, &f),
			 VD_ERR_OUT_OF_MEMORY);

	/* Regions at the very top of the physical address space must not
	 * wrap around (nothing there is inside the fake RAM). */
	bi.mem_count = 1;
	bi.mem[0] = (struct vd_mem_region){UINT64_MAX - 0x1800, 0x1801,
					   VD_MEM_USABLE};
	bi.reserved_count = 1;
	bi.reserved[0] = (struct vd_mem_region){UINT64_MAX - 0x800, 0x1000,
						VD_MEM_RESERVED};
	mm_boot(&bi);
	assert_int_equal(mm_stats().free_frames, 0);
}

/* The metadata does not fit anywhere: allocator stays empty. */
static void test_no_room_for_metadata(void **state)
{
	struct vd_boot_info bi;
	struct vd_frame f;
	(void)state;

	mm_use_low_physmap();
	mm_boot_info_low(&bi);
	bi.mem_count = 1;
	bi.mem[0] = (struct vd_mem_region){0, 2 * VD_PAGE_SIZE, VD_MEM_USABLE};
	bi.reserved_count = 1;
	bi.reserved[0] = (struct vd_mem_region){VD_PAGE_SIZE, VD_PAGE_SIZE,
						VD_MEM_KERNEL};
	vd_mm_init(&bi);
	assert_non_null(strstr(host_console_output(), "no room"));
	assert_int_equal(vd_frame_alloc(1, VD_ZONE_DMA, &f),
			 VD_ERR_OUT_OF_MEMORY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, mm_boot_low, mm_teardown)
		T(test_zone_split),
		T(test_zone_of_allocations),
		T(test_per_zone_stats),
		T(test_fallback_and_exhaustion),
		T(test_no_block_crosses_zone_boundary),
		T(test_odd_memory_map),
		T(test_empty_and_useless_maps),
		T(test_no_room_for_metadata),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
