/*
 * Portable HAL ktests: page tables through the hal_pt_* contract alone.
 * The contract's tests (flags, errors, 2 MiB pages, tables freed) are in
 * hal_pt_contract.h, which the host suite runs on the fake page tables
 * too; here, besides, the kernel's own map (W^X image, physmap of RAM)
 * and the map/unmap benchmark.
 *
 * The hardware encodings behind the flags are checked per arch in
 * hal/<arch>/ktest_*.c.  Frames mapped here are never touched through
 * the test mappings, so some are made-up addresses.
 */
#include <hal/ktest.h>
#include <veridian/boot.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>

static size_t free_frames(void)
{
	struct vd_memory_stats st;
	vd_memory_stats(&st);
	return st.free_frames;
}

/* A 2 MiB-aligned physical address in RAM (never accessed here); it may
 * be 0, where RAM starts at 0 (raspi3b). */
static bool some_huge_pa(paddr_t *out)
{
	for (unsigned i = 0; i < vd_boot_info->mem_count; i++) {
		const struct vd_mem_region *r = &vd_boot_info->mem[i];
		paddr_t pa = VD_ALIGN_UP(r->base, (paddr_t)VD_HUGE_PAGE_SIZE);
		if (r->type == VD_MEM_USABLE &&
		    pa + VD_HUGE_PAGE_SIZE <= r->base + r->size) {
			*out = pa;
			return true;
		}
	}
	return false;
}

#include "hal_pt_contract.h"

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
	paddr_t root, frame;
	if (!some_huge_pa(&frame) || hal_pt_create(&root) != VD_OK)
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
