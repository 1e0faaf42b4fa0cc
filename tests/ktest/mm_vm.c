/*
 * In-kernel tests of map_page / unmap_page on the real MMU.
 *
 * Each test builds a fresh address space, switches to it, maps frames at
 * TEST_VA in its user half (as kernel pages unless the test is about
 * VD_PTE_USER), reads and writes through the mapping, and compares with
 * what the physmap sees.  Faults are caught by the page-fault test hook:
 * it records the fault and then repairs the mapping (adds the missing
 * permission, or maps a frame), so the faulting instruction is retried and
 * completes -- this works the same on every architecture.  An access after
 * unmap must fault too, which shows the TLB entry was flushed.
 */
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/string.h>
#include <veridian/syscall.h>

/* Below every HAL's hal_user_top (Sv39 has 256 GiB) and 2 MiB aligned. */
#define TEST_VA ((vaddr_t)0x40000000)
#define FAR_VA	((vaddr_t)0x2000000000) /* 128 GiB: other top-level slot */

static struct vd_page_table pt;
static size_t frames_before;

/* What the fault hook saw and how it repairs the fault. */
static struct {
	unsigned count;
	vaddr_t addr;
	unsigned access;
	bool remap; /* map repair_frame (else: change flags) */
	struct vd_frame repair_frame;
	uint32_t repair_flags;
} fault;

static bool mm_fault_hook(struct vd_cpu_context *ctx, vaddr_t addr,
			  unsigned access, bool from_user)
{
	(void)ctx;
	if (from_user || addr < TEST_VA ||
	    addr >= TEST_VA + VD_HUGE_PAGE_SIZE || fault.count >= 3)
		return false; /* not ours, or looping: let it panic */
	fault.count++;
	fault.addr = addr;
	fault.access = access;
	vaddr_t page = VD_ALIGN_DOWN(addr, VD_PAGE_SIZE);
	if (fault.remap)
		return vd_map_page(&pt, page, fault.repair_frame,
				   fault.repair_flags) == VD_OK;
	return vd_protect_page(&pt, page, fault.repair_flags) == VD_OK;
}

static struct vd_memory_stats stats_now(void)
{
	struct vd_memory_stats ms;
	vd_memory_stats(&ms);
	return ms;
}

static bool space_begin(void)
{
	frames_before = stats_now().allocated_frames;
	vd_memset(&fault, 0, sizeof(fault));
	if (vd_page_table_create(&pt) != VD_OK)
		return false;
	hal_pt_activate(pt.root_frame);
	vd_page_fault_test_hook = mm_fault_hook;
	return true;
}

/* Back to the kernel's address space; true if no frame leaked. */
static bool space_end(void)
{
	vd_page_fault_test_hook = NULL;
	hal_pt_activate(hal_pt_kernel_root());
	vd_page_table_destroy(&pt);
	return stats_now().allocated_frames == frames_before;
}

/*
 * Accesses that may fault.  The compiler barriers matter: the fault hook
 * runs "inside" the access, so `fault` must be written before it and
 * re-read after it, which a volatile access alone does not force.
 */
static inline uint64_t rd(vaddr_t va)
{
	__asm__ volatile("" ::: "memory");
	uint64_t v = *(volatile uint64_t *)va;
	__asm__ volatile("" ::: "memory");
	return v;
}

static inline void wr(vaddr_t va, uint64_t v)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)va = v;
	__asm__ volatile("" ::: "memory");
}

static inline uint64_t *phys(struct vd_frame f)
{
	return vd_phys_to_virt(vd_frame_addr(f));
}

static struct vd_frame new_frame(uint64_t fill)
{
	struct vd_frame f = {0};

	if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) == VD_OK)
		for (size_t i = 0; i < VD_PAGE_SIZE / 8; i++)
			phys(f)[i] = fill + i;
	return f;
}

VD_KTEST(mm_vm_map_read_write_unmap)
{
	struct vd_frame f = new_frame(0x1000), other = new_frame(0x2000), got;
	uint32_t flags;

	KT_ASSERT(f.number && other.number && space_begin());
	KT_ASSERT_OK(vd_map_page(&pt, TEST_VA, f,
				 VD_PTE_PRESENT | VD_PTE_WRITABLE |
					 VD_PTE_NO_EXECUTE));
	/* Reads see the frame; writes land in it. */
	KT_ASSERT_EQ(rd(TEST_VA), 0x1000);
	KT_ASSERT_EQ(rd(TEST_VA + 8 * 100), 0x1000 + 100);
	wr(TEST_VA + 8, 0xfeedface);
	KT_ASSERT_EQ(phys(f)[1], 0xfeedface);
	phys(f)[2] = 0x12345678;
	KT_ASSERT_EQ(rd(TEST_VA + 16), 0x12345678);
	KT_ASSERT_EQ(fault.count, 0);
	/* The hardware (or the HAL for it) recorded the accesses. */
	KT_ASSERT_OK(vd_query_page(&pt, TEST_VA, &got, &flags));
	KT_ASSERT_EQ(got.number, f.number);
	KT_ASSERT(flags & VD_PTE_ACCESSED);
	KT_ASSERT(flags & VD_PTE_DIRTY);
	KT_ASSERT(flags & VD_PTE_NO_EXECUTE);
	/* Unmap returns the frame; the next access faults (so the TLB
	 * entry is gone) and the hook maps the other frame there. */
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA, &got));
	KT_ASSERT_EQ(got.number, f.number);
	fault.remap = true;
	fault.repair_frame = other;
	fault.repair_flags = VD_PTE_PRESENT;
	KT_ASSERT_EQ(rd(TEST_VA + 24), 0x2000 + 3);
	KT_ASSERT_EQ(fault.count, 1);
	KT_ASSERT_EQ(fault.addr, TEST_VA + 24);
	KT_ASSERT(fault.access & VD_FAULT_READ);
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA, &got));
	KT_ASSERT_EQ(got.number, other.number);
	KT_ASSERT(space_end());
	KT_ASSERT_OK(vd_frame_free(f, 1));
	KT_ASSERT_OK(vd_frame_free(other, 1));
}

VD_KTEST(mm_vm_readonly_write_faults)
{
	struct vd_frame f = new_frame(0x3000);

	KT_ASSERT(f.number && space_begin());
	KT_ASSERT_OK(vd_map_page(&pt, TEST_VA, f, VD_PTE_PRESENT));
	KT_ASSERT_EQ(rd(TEST_VA), 0x3000);
	KT_ASSERT_EQ(fault.count, 0);
	fault.repair_flags = VD_PTE_PRESENT | VD_PTE_WRITABLE;
	wr(TEST_VA + 8, 77);
	KT_ASSERT_EQ(fault.count, 1);
	KT_ASSERT_EQ(fault.addr, TEST_VA + 8);
	KT_ASSERT(fault.access & VD_FAULT_WRITE);
	KT_ASSERT_EQ(phys(f)[1], 77);
	/* Now writable: no more faults. */
	wr(TEST_VA + 16, 78);
	KT_ASSERT_EQ(fault.count, 1);
	KT_ASSERT_EQ(phys(f)[2], 78);
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA, NULL));
	KT_ASSERT(space_end());
	KT_ASSERT_OK(vd_frame_free(f, 1));
}

VD_KTEST(mm_vm_not_present_faults)
{
	struct vd_frame f = new_frame(0x4000), got;
	uint32_t flags;

	KT_ASSERT(f.number && space_begin());
	/* Mapped, but not present: owns the slot, faults on access. */
	KT_ASSERT_OK(vd_map_page(&pt, TEST_VA, f, VD_PTE_WRITABLE));
	KT_ASSERT_OK(vd_query_page(&pt, TEST_VA, &got, &flags));
	KT_ASSERT_EQ(got.number, f.number);
	KT_ASSERT(!(flags & VD_PTE_PRESENT));
	KT_ASSERT_EQ(vd_map_page(&pt, TEST_VA, f, VD_PTE_PRESENT),
		     VD_ERR_MEM_ALREADY_MAPPED);
	fault.repair_flags = VD_PTE_PRESENT | VD_PTE_WRITABLE;
	KT_ASSERT_EQ(rd(TEST_VA + 32), 0x4000 + 4);
	KT_ASSERT_EQ(fault.count, 1);
	KT_ASSERT(fault.access & VD_FAULT_READ);
	/* Nothing mapped at all in the next page: faults as well. */
	fault.remap = true;
	fault.repair_frame = f;
	fault.repair_flags = VD_PTE_PRESENT;
	KT_ASSERT_EQ(rd(TEST_VA + VD_PAGE_SIZE), 0x4000);
	KT_ASSERT_EQ(fault.count, 2);
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA + VD_PAGE_SIZE, NULL));
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA, NULL));
	KT_ASSERT(space_end());
	KT_ASSERT_OK(vd_frame_free(f, 1));
}

/* Every portable flag: map, write and read through, query, unmap. */
VD_KTEST(mm_vm_each_flag)
{
	static const uint32_t extra[] = {
		0,
		VD_PTE_USER,
		VD_PTE_WRITE_THROUGH,
		VD_PTE_CACHE_DISABLE,
		VD_PTE_WRITE_THROUGH | VD_PTE_CACHE_DISABLE,
		VD_PTE_ACCESSED,
		VD_PTE_DIRTY,
		VD_PTE_ACCESSED | VD_PTE_DIRTY,
		VD_PTE_GLOBAL,
		VD_PTE_NO_EXECUTE,
		VD_PTE_USER | VD_PTE_NO_EXECUTE,
	};
	struct vd_frame f = new_frame(0x5000), got;

	KT_ASSERT(f.number && space_begin());
	for (unsigned i = 0; i < VD_ARRAY_SIZE(extra); i++) {
		uint32_t want = VD_PTE_PRESENT | VD_PTE_WRITABLE | extra[i];
		uint32_t flags;
		vaddr_t va = TEST_VA + i * VD_PAGE_SIZE;
		bool user = extra[i] & VD_PTE_USER;

		KT_ASSERT_OK(vd_map_page(&pt, va, f, want));
		if (user)
			hal_user_access_begin();
		uint64_t v = rd(va + 8 * i);
		wr(va + 8 * 511, 0xabc0 + i);
		uint64_t back = rd(va + 8 * 511);
		if (user)
			hal_user_access_end();
		KT_ASSERT_EQ(v, 0x5000 + i);
		KT_ASSERT_EQ(back, 0xabc0 + i);
		KT_ASSERT_EQ(fault.count, 0);
		KT_ASSERT_OK(vd_query_page(&pt, va, &got, &flags));
		KT_ASSERT_EQ(got.number, f.number);
		/* Every flag asked for is reported; the access set A/D. */
		KT_ASSERT_EQ(flags & want, want);
		KT_ASSERT(flags & VD_PTE_ACCESSED);
		KT_ASSERT(flags & VD_PTE_DIRTY);
		KT_ASSERT_OK(vd_unmap_page(&pt, va, &got));
		KT_ASSERT_EQ(got.number, f.number);
	}
	KT_ASSERT(space_end());
	/* The last pass used a normal cacheable mapping: the physmap alias
	 * sees its write. */
	KT_ASSERT_EQ(phys(f)[511], 0xabc0 + VD_ARRAY_SIZE(extra) - 1);
	KT_ASSERT_OK(vd_frame_free(f, 1));
}

VD_KTEST(mm_vm_huge_page)
{
	struct vd_frame f, got;
	uint32_t flags;

	KT_ASSERT_OK(vd_frame_alloc(512, VD_ZONE_NORMAL, &f));
	KT_ASSERT(space_begin());
	KT_ASSERT_EQ(vd_map_page(&pt, TEST_VA + VD_PAGE_SIZE, f,
				 VD_PTE_PRESENT | VD_PTE_HUGE),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_OK(
		vd_map_page(&pt, TEST_VA, f,
			    VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_HUGE));
	for (size_t off = 0; off < VD_HUGE_PAGE_SIZE; off += 0x41000)
		wr(TEST_VA + off, off ^ 0x5a5a);
	for (size_t off = 0; off < VD_HUGE_PAGE_SIZE; off += 0x41000)
		KT_ASSERT_EQ(
			*(uint64_t *)vd_phys_to_virt(vd_frame_addr(f) + off),
			off ^ 0x5a5a);
	KT_ASSERT_EQ(fault.count, 0);
	KT_ASSERT_OK(vd_query_page(&pt, TEST_VA + 0x1ff000, &got, &flags));
	KT_ASSERT_EQ(got.number, f.number + 0x1ff); /* the 4 KiB inside */
	KT_ASSERT(flags & VD_PTE_HUGE);
	KT_ASSERT_EQ(
		vd_map_page(&pt, TEST_VA + VD_PAGE_SIZE, f, VD_PTE_PRESENT),
		VD_ERR_MEM_ALREADY_MAPPED);
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA, &got));
	KT_ASSERT_EQ(got.number, f.number);
	/* Gone from the TLB: the next access faults. */
	fault.remap = true;
	fault.repair_frame = f;
	fault.repair_flags = VD_PTE_PRESENT;
	KT_ASSERT_EQ(rd(TEST_VA + 0x41000), 0 ^ 0x5a5a); /* f's offset 0 */
	KT_ASSERT_EQ(fault.count, 1);
	KT_ASSERT_OK(vd_unmap_page(&pt, TEST_VA + 0x41000, NULL));
	KT_ASSERT(space_end());
	KT_ASSERT_OK(vd_frame_free(f, 512));
}

VD_KTEST(mm_vm_errors_and_table_lifetime)
{
	struct vd_frame f = new_frame(0), got;

	KT_ASSERT(f.number && space_begin());
	size_t base = stats_now().allocated_frames;
	KT_ASSERT_OK(vd_map_page(&pt, FAR_VA, f, VD_PTE_PRESENT));
	KT_ASSERT(stats_now().allocated_frames > base); /* tables */
	KT_ASSERT_EQ(vd_map_page(&pt, FAR_VA, f, VD_PTE_PRESENT),
		     VD_ERR_MEM_ALREADY_MAPPED);
	KT_ASSERT_EQ(vd_map_page(&pt, FAR_VA + 4, f, VD_PTE_PRESENT),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_map_page(&pt, FAR_VA + VD_PAGE_SIZE, f, 1u << 15),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_map_page(&pt, (vaddr_t)1 << 62, f, VD_PTE_PRESENT),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_unmap_page(&pt, FAR_VA + VD_PAGE_SIZE, &got),
		     VD_ERR_MEM_NOT_MAPPED);
	KT_ASSERT_OK(vd_unmap_page(&pt, FAR_VA, &got));
	KT_ASSERT_EQ(got.number, f.number);
	/* The intermediate tables went back with the last page. */
	KT_ASSERT_EQ(stats_now().allocated_frames, base);
	KT_ASSERT_EQ(vd_unmap_page(&pt, FAR_VA, &got), VD_ERR_MEM_NOT_MAPPED);
	KT_ASSERT(space_end());
	KT_ASSERT_OK(vd_frame_free(f, 1));
}
