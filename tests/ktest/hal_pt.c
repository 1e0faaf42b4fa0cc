/*
 * Portable HAL ktests: page tables through the hal_pt_* contract alone.
 * Every VD_PTE_* flag combination comes back from hal_pt_query and
 * hal_pt_unmap as it was mapped; the error codes; 2 MiB pages; tables
 * freed when their last page goes; the kernel's own map (W^X image,
 * physmap of RAM).  Plus the map/unmap benchmark.
 *
 * The hardware encodings behind the flags are checked per arch in
 * hal/<arch>/ktest_*.c.  Frames mapped here are never touched through
 * the test mappings, so some are made-up addresses.
 */
#include <hal/ktest.h>
#include <veridian/boot.h>
#include <veridian/ktest.h>
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

static size_t free_frames(void)
{
	struct vd_memory_stats st;
	vd_memory_stats(&st);
	return st.free_frames;
}

/* A 2 MiB-aligned physical address in RAM (never accessed here). */
static paddr_t some_huge_pa(void)
{
	for (unsigned i = 0; i < vd_boot_info->mem_count; i++) {
		const struct vd_mem_region *r = &vd_boot_info->mem[i];
		paddr_t pa = VD_ALIGN_UP(r->base, (paddr_t)VD_HUGE_PAGE_SIZE);
		if (r->type == VD_MEM_USABLE &&
		    pa + VD_HUGE_PAGE_SIZE <= r->base + r->size)
			return pa;
	}
	return 0;
}

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
	paddr_t root, pa, frame = some_huge_pa();
	uint32_t f;
	KT_ASSERT(frame);
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
	paddr_t root, pa, frame = some_huge_pa();
	uint32_t f;
	/* the first aligned address above the user half (non-canonical or
	 * beyond the user table on every arch) */
	vaddr_t past_user = VD_ALIGN_UP(hal_user_top(), (vaddr_t)1 << 30);
	KT_ASSERT(frame);
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
	paddr_t root, pa, frame = some_huge_pa();
	uint32_t f;
	KT_ASSERT(frame);
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
	paddr_t root, frame = some_huge_pa();
	KT_ASSERT(frame);
	size_t before = free_frames();
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(hal_pt_map(root, TEST_VA, frame, P | U));
	KT_ASSERT_OK(hal_pt_map(root, (vaddr_t)0x3000000000, frame, P | U));
	KT_ASSERT_OK(hal_pt_map(root, HUGE_VA, frame, P | U | HUGE));
	KT_ASSERT(free_frames() < before - 1);
	hal_pt_destroy(root);
	KT_ASSERT_EQ(free_frames(), before);
}

/* ---- the kernel's own map ---- */

static const uint64_t kernel_rodata[2] = {0x1122334455667788ull, 2};
static uint64_t kernel_data = 1;

/* Kernel page at va: its flags, and its frame holds the same bytes. */
static bool kernel_page(vaddr_t va, uint32_t *flags)
{
	paddr_t pa;
	if (hal_pt_query(hal_pt_kernel_root(), va, &pa, flags) != VD_OK)
		return false;
	const uint8_t *alias = vd_phys_to_virt(pa + (va & (VD_PAGE_SIZE - 1)));
	return *alias == *(const uint8_t *)va;
}

VD_KTEST(hal_pt_kernel_image_is_wx)
{
	const uint32_t perm = W | NX | U | G;
	vaddr_t text = (vaddr_t)hal_pt_map, ro = (vaddr_t)kernel_rodata,
		data = (vaddr_t)&kernel_data;
	uint32_t f;
	KT_ASSERT(kernel_page(text, &f));
	KT_ASSERT_EQ(f & perm, G);
	KT_ASSERT(kernel_page(ro, &f));
	KT_ASSERT_EQ(f & perm, NX | G);
	KT_ASSERT(kernel_page(data, &f));
	KT_ASSERT_EQ(f & perm, W | NX | G);
	/* and the hardware agrees */
	KT_ASSERT(hal_kt_catch_fault(hal_kt_rewrite, text));
	KT_ASSERT_EQ(hal_kt_fault.addr, text);
	KT_ASSERT_EQ(hal_kt_fault.access, VD_FAULT_WRITE);
	KT_ASSERT(!hal_kt_fault.from_user);
	KT_ASSERT(hal_kt_catch_fault(hal_kt_rewrite, ro));
	KT_ASSERT_EQ(hal_kt_fault.access, VD_FAULT_WRITE);
	KT_ASSERT(!hal_kt_catch_fault(hal_kt_rewrite, data));
	KT_ASSERT(hal_kt_catch_fault(hal_kt_call, data));
	KT_ASSERT_EQ(hal_kt_fault.access, VD_FAULT_EXEC);
	KT_ASSERT_EQ(hal_kt_fault.addr, data);
}

static bool in_kernel_image(paddr_t pa)
{
	const struct vd_boot_info *bi = vd_boot_info;
	for (unsigned i = 0; i < bi->reserved_count; i++) {
		const struct vd_mem_region *r = &bi->reserved[i];
		if (r->type == VD_MEM_KERNEL && pa >= r->base &&
		    pa < r->base + r->size)
			return true;
	}
	return false;
}

/* First and last page of every RAM region: in the physmap at
 * hal_physmap_base + pa, kernel-only, never executable, and writable
 * (the kernel image's own frames may be read-only there). */
VD_KTEST(hal_pt_physmap_covers_ram)
{
	const struct vd_boot_info *bi = vd_boot_info;
	paddr_t root = hal_pt_kernel_root(), pa;
	uint32_t f;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type != VD_MEM_USABLE)
			continue;
		paddr_t ends[2] = {
			VD_ALIGN_UP(r->base, (paddr_t)VD_PAGE_SIZE),
			VD_ALIGN_DOWN(r->base + r->size - 1,
				      (paddr_t)VD_PAGE_SIZE),
		};
		for (unsigned e = 0; e < 2; e++) {
			vaddr_t va = (vaddr_t)vd_phys_to_virt(ends[e]);
			KT_ASSERT_OK(hal_pt_query(root, va, &pa, &f));
			KT_ASSERT_EQ(pa, ends[e]);
			KT_ASSERT_EQ(f & (P | U | NX), P | NX);
			if (!in_kernel_image(pa))
				KT_ASSERT(f & W);
		}
	}
}

/* ---- benchmark ---- */

VD_KBENCH(hal_pt_map_unmap)
{
	enum { N = 256 };
	const uint32_t f = P | U | W | NX;
	paddr_t root, frame = some_huge_pa();
	if (!frame || hal_pt_create(&root) != VD_OK)
		return;
	/* page 0 builds the intermediate tables and keeps them */
	hal_pt_map(root, TEST_VA, frame, f);
	uint64_t t0 = hal_cycles();
	for (unsigned i = 1; i <= N; i++)
		hal_pt_map(root, TEST_VA + i * VD_PAGE_SIZE, frame, f);
	uint64_t t1 = hal_cycles();
	for (unsigned i = 1; i <= N; i++)
		hal_pt_unmap(root, TEST_VA + i * VD_PAGE_SIZE, NULL, NULL);
	uint64_t t2 = hal_cycles();
	vd_kbench_report("hal_pt_map 4 KiB (tables exist)", t1 - t0, N);
	vd_kbench_report("hal_pt_unmap 4 KiB (+TLB flush)", t2 - t1, N);
	hal_pt_destroy(root);
}
