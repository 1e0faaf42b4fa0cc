/*
 * In-kernel tests of the frame allocator and the kernel heap on the
 * board's real memory map: frames are real RAM outside every reserved
 * range, zones follow the 16 MiB boundary, bad frees are refused, and the
 * heap's blocks are usable and accounted.
 */
#include <veridian/boot.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/string.h>

static bool overlaps_reserved(paddr_t pa, size_t len)
{
	const struct vd_boot_info *bi = vd_boot_info;

	for (unsigned i = 0; i < bi->reserved_count; i++) {
		const struct vd_mem_region *r = &bi->reserved[i];
		if (pa < r->base + r->size && pa + len > r->base)
			return true;
	}
	return bi->initrd_size && pa < bi->initrd_base + bi->initrd_size &&
	       pa + len > bi->initrd_base;
}

static bool inside_usable_ram(paddr_t pa, size_t len)
{
	const struct vd_boot_info *bi = vd_boot_info;

	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type == VD_MEM_USABLE && pa >= r->base &&
		    pa + len <= r->base + r->size)
			return true;
	}
	return false;
}

VD_KTEST(mm_stats_match_memory_map)
{
	const struct vd_boot_info *bi = vd_boot_info;
	struct vd_memory_stats ms;
	uint64_t ram = 0;

	vd_memory_stats(&ms);
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == VD_MEM_USABLE)
			ram += bi->mem[i].size;
	KT_ASSERT(ms.total_frames <= ram / VD_PAGE_SIZE);
	KT_ASSERT(ms.total_frames + bi->mem_count >= ram / VD_PAGE_SIZE);
	KT_ASSERT_EQ(ms.total_frames,
		     ms.free_frames + ms.allocated_frames + ms.reserved_frames);
	KT_ASSERT(ms.free_frames > ms.total_frames / 2);
	KT_ASSERT(ms.reserved_frames > 0); /* at least the kernel image */
	KT_ASSERT_EQ(ms.zone_stats[VD_ZONE_HIGH].total_frames, 0);
	for (int z = 0; z < VD_ZONE_COUNT; z++) {
		struct vd_zone_stats *zs = &ms.zone_stats[z];
		KT_ASSERT_EQ(zs->total_frames, zs->free_frames +
						       zs->allocated_frames +
						       zs->reserved_frames);
	}
}

/* Many frames: all in usable RAM, none in a reserved range, all
 * writable through the physmap, no two the same. */
VD_KTEST(mm_frames_are_real_free_ram)
{
	enum { N = 256 };
	static struct vd_frame f[N];
	struct vd_memory_stats before, after;

	vd_memory_stats(&before);
	for (int i = 0; i < N; i++) {
		KT_ASSERT_OK(vd_frame_alloc(1 + i % 5, VD_ZONE_NORMAL, &f[i]));
		paddr_t pa = vd_frame_addr(f[i]);
		size_t len = (size_t)(1 + i % 5) * VD_PAGE_SIZE;
		KT_ASSERT(inside_usable_ram(pa, len));
		KT_ASSERT(!overlaps_reserved(pa, len));
		vd_memset(vd_phys_to_virt(pa), i & 0xff, len);
	}
	for (int i = 0; i < N; i++) {
		const uint8_t *p = vd_phys_to_virt(vd_frame_addr(f[i]));
		size_t len = (size_t)(1 + i % 5) * VD_PAGE_SIZE;
		for (size_t j = 0; j < len; j += 512)
			KT_ASSERT_EQ(p[j], i & 0xff); /* no overlaps */
	}
	for (int i = 0; i < N; i++)
		KT_ASSERT_OK(vd_frame_free(f[i], 1 + i % 5));
	vd_memory_stats(&after);
	KT_ASSERT_EQ(after.allocated_frames, before.allocated_frames);
	KT_ASSERT_EQ(after.free_frames, before.free_frames);
}

VD_KTEST(mm_frames_naturally_aligned)
{
	static const size_t counts[] = {1, 2, 3, 4, 7, 16, 100, 512, 1024};

	for (unsigned i = 0; i < VD_ARRAY_SIZE(counts); i++) {
		struct vd_frame f;
		size_t block = 1;
		while (block < counts[i])
			block <<= 1;
		KT_ASSERT_OK(vd_frame_alloc(counts[i], VD_ZONE_NORMAL, &f));
		KT_ASSERT_EQ(f.number % block, 0);
		KT_ASSERT_OK(vd_frame_free(f, counts[i]));
	}
}

VD_KTEST(mm_zones)
{
	struct vd_memory_stats ms;
	struct vd_frame f;

	vd_memory_stats(&ms);
	if (ms.zone_stats[VD_ZONE_DMA].free_frames) {
		KT_ASSERT_OK(vd_frame_alloc(4, VD_ZONE_DMA, &f));
		KT_ASSERT(vd_frame_addr(f) + 4 * VD_PAGE_SIZE <=
			  VD_ZONE_DMA_LIMIT);
		KT_ASSERT_OK(vd_frame_free(f, 4));
	} else {
		KT_ASSERT_EQ(vd_frame_alloc(1, VD_ZONE_DMA, &f),
			     VD_ERR_OUT_OF_MEMORY);
	}
	if (ms.zone_stats[VD_ZONE_NORMAL].free_frames) {
		KT_ASSERT_OK(vd_frame_alloc(1, VD_ZONE_NORMAL, &f));
		KT_ASSERT(vd_frame_addr(f) >= VD_ZONE_DMA_LIMIT);
		KT_ASSERT_OK(vd_frame_free(f, 1));
	}
	/* High is empty on 64-bit: served by the zones below. */
	KT_ASSERT_OK(vd_frame_alloc(1, VD_ZONE_HIGH, &f));
	KT_ASSERT_OK(vd_frame_free(f, 1));
}

VD_KTEST(mm_bad_frame_frees_refused)
{
	const struct vd_boot_info *bi = vd_boot_info;
	struct vd_memory_stats before, after;
	struct vd_frame f;
	paddr_t kernel = 0;

	for (unsigned i = 0; i < bi->reserved_count; i++)
		if (bi->reserved[i].type == VD_MEM_KERNEL)
			kernel = bi->reserved[i].base;
	KT_ASSERT_OK(vd_frame_alloc(2, VD_ZONE_NORMAL, &f));
	KT_ASSERT_OK(vd_frame_free(f, 2));
	vd_memory_stats(&before);
	KT_ASSERT_EQ(vd_frame_free(f, 2), VD_ERR_MEM_DOUBLE_FREE);
	KT_ASSERT_EQ(vd_frame_free(f, 0), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_frame_free(vd_frame_of(kernel), 1),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_frame_free((struct vd_frame){0}, 1),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_frame_alloc(0, VD_ZONE_NORMAL, &f),
		     VD_ERR_INVALID_PARAMETER);
	vd_memory_stats(&after);
	KT_ASSERT_EQ(after.free_frames, before.free_frames);
	KT_ASSERT_EQ(after.allocated_frames, before.allocated_frames);
}

VD_KTEST(mm_pt_frames_zeroed)
{
	struct vd_frame f;

	KT_ASSERT_OK(vd_frame_alloc(1, VD_ZONE_NORMAL, &f));
	vd_memset(vd_phys_to_virt(vd_frame_addr(f)), 0xff, VD_PAGE_SIZE);
	KT_ASSERT_OK(vd_frame_free(f, 1));
	paddr_t pa = vd_pt_frame_alloc();
	KT_ASSERT(pa != 0);
	const uint64_t *p = vd_phys_to_virt(pa);
	for (size_t i = 0; i < VD_PAGE_SIZE / 8; i++)
		KT_ASSERT_EQ(p[i], 0);
	vd_pt_frame_free(pa);
}

VD_KTEST(mm_heap_sizes_and_stats)
{
	static const size_t sizes[] = {1,    16,   24,	 64,	200,   1000,
				       1024, 1025, 4096, 10000, 100000};
	void *p[VD_ARRAY_SIZE(sizes)];
	struct vd_allocator_stats s0, s1, s2;

	vd_heap_stats(&s0);
	for (unsigned i = 0; i < VD_ARRAY_SIZE(sizes); i++) {
		KT_ASSERT_OK(vd_heap_alloc(sizes[i], 16, &p[i]));
		KT_ASSERT(VD_IS_ALIGNED((uintptr_t)p[i], 16));
		vd_memset(p[i], (int)i + 1, sizes[i]);
	}
	vd_heap_stats(&s1);
	KT_ASSERT_EQ(s1.allocation_count - s0.allocation_count,
		     VD_ARRAY_SIZE(sizes));
	KT_ASSERT(s1.current_allocated - s0.current_allocated >= 100000);
	KT_ASSERT(s1.peak_allocated >= s1.current_allocated);
	for (unsigned i = 0; i < VD_ARRAY_SIZE(sizes); i++) {
		const uint8_t *b = p[i];
		KT_ASSERT_EQ(b[0], i + 1);
		KT_ASSERT_EQ(b[sizes[i] - 1], i + 1);
		KT_ASSERT_OK(vd_heap_free(p[i], sizes[i], 16));
	}
	vd_heap_stats(&s2);
	KT_ASSERT_EQ(s2.current_allocated, s0.current_allocated);
	KT_ASSERT_EQ(s2.free_count - s0.free_count, VD_ARRAY_SIZE(sizes));
	KT_ASSERT_EQ(s2.total_allocated - s2.total_freed, s2.current_allocated);
}

VD_KTEST(mm_heap_kzalloc_and_bad_frees)
{
	struct vd_allocator_stats s0, s1;
	uint8_t *p = vd_kzalloc(300), *big = vd_kzalloc(3 * VD_PAGE_SIZE);

	KT_ASSERT(p && big);
	for (int i = 0; i < 300; i++)
		KT_ASSERT_EQ(p[i], 0);
	for (size_t i = 0; i < 3 * VD_PAGE_SIZE; i += 64)
		KT_ASSERT_EQ(big[i], 0);
	vd_kfree(p);
	vd_kfree(big);
	vd_heap_stats(&s0);
	KT_ASSERT_EQ(vd_heap_free(p, 300, 1), VD_ERR_MEM_DOUBLE_FREE);
	KT_ASSERT_EQ(vd_heap_free(big, 3 * VD_PAGE_SIZE, 1),
		     VD_ERR_MEM_DOUBLE_FREE);
	KT_ASSERT_EQ(vd_heap_free(&s0, sizeof(s0), 8),
		     VD_ERR_INVALID_PARAMETER);
	vd_heap_stats(&s1);
	KT_ASSERT_EQ(s1.bad_free_count - s0.bad_free_count, 3);
	KT_ASSERT_EQ(s1.free_count, s0.free_count);
}
