/*
 * Memory-management benchmarks (instructions per operation under
 * -icount): frame alloc+free, map+unmap of one 4 KiB page (no syscall;
 * the intermediate tables already exist, as for any page next to another
 * mapping), heap alloc+free of 64 bytes.  Goal: map of one page <= 300
 * instructions on every architecture.
 */
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>

#define BENCH_VA ((vaddr_t)0x40000000)
#define ROUNDS	 1000

static void bench_frames(void)
{
	struct vd_frame f;
	uint64_t t0;

	/* Warm up: the first allocation may split a large block. */
	if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) == VD_OK)
		vd_frame_free(f, 1);
	t0 = hal_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		vd_frame_alloc(1, VD_ZONE_NORMAL, &f);
		vd_frame_free(f, 1);
	}
	vd_kbench_report("mm: frame alloc+free (1 frame)", hal_cycles() - t0,
			 ROUNDS);

	/* Without the order-0 cache's help: 8 frames (split + merge). */
	t0 = hal_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		vd_frame_alloc(8, VD_ZONE_NORMAL, &f);
		vd_frame_free(f, 8);
	}
	vd_kbench_report("mm: frame alloc+free (8 frames)", hal_cycles() - t0,
			 ROUNDS);
}

static void bench_map(void)
{
	struct vd_page_table pt;
	struct vd_frame keep, f;
	uint64_t map = 0, unmap = 0;

	if (vd_page_table_create(&pt) != VD_OK ||
	    vd_frame_alloc(1, VD_ZONE_NORMAL, &keep) != VD_OK ||
	    vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK)
		return;
	/* A neighbour keeps the intermediate tables alive. */
	vd_map_page(&pt, BENCH_VA, keep, VD_PTE_PRESENT);
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = hal_cycles();
		vd_map_page(&pt, BENCH_VA + VD_PAGE_SIZE, f,
			    VD_PTE_PRESENT | VD_PTE_WRITABLE);
		uint64_t t1 = hal_cycles();
		vd_unmap_page(&pt, BENCH_VA + VD_PAGE_SIZE, NULL);
		uint64_t t2 = hal_cycles();
		map += t1 - t0;
		unmap += t2 - t1;
	}
	vd_kbench_report("mm: map one 4 KiB page", map, ROUNDS);
	vd_kbench_report("mm: unmap one 4 KiB page (+TLB flush)", unmap,
			 ROUNDS);
	vd_kbench_report("mm: map+unmap one 4 KiB page", map + unmap, ROUNDS);
	vd_unmap_page(&pt, BENCH_VA, NULL);
	vd_page_table_destroy(&pt);
	vd_frame_free(keep, 1);
	vd_frame_free(f, 1);
}

static void bench_heap(void)
{
	void *p;
	uint64_t t0;

	if (vd_heap_alloc(64, 8, &p) == VD_OK)
		vd_heap_free(p, 64, 8);
	t0 = hal_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		vd_heap_alloc(64, 8, &p);
		vd_heap_free(p, 64, 8);
	}
	vd_kbench_report("mm: heap alloc+free (64 bytes)", hal_cycles() - t0,
			 ROUNDS);
	t0 = hal_cycles();
	for (int i = 0; i < ROUNDS; i++)
		vd_kfree(vd_kzalloc(64));
	vd_kbench_report("mm: kzalloc+kfree (64 bytes)", hal_cycles() - t0,
			 ROUNDS);
}

VD_KBENCH(mm)
{
	bench_frames();
	bench_map();
	bench_heap();
}
