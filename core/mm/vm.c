/*
 * Page tables: the portable half of map_page / unmap_page.
 *
 * The HAL owns the entry format (x86-64 4-level, AArch64 VMSAv8 4 KiB
 * granule, RISC-V Sv48/Sv39) and walks it in hal_pt_*; it gets its
 * intermediate tables from vd_pt_frame_alloc below and gives them back
 * through vd_pt_frame_free when a table becomes empty.  This layer checks
 * what is the same on every architecture (flag bits, page and huge-page
 * alignment of both addresses) so a bad request is refused with
 * VD_ERR_INVALID_PARAMETER before any table is touched.
 *
 * TLB: a new mapping needs no flush (no architecture caches a
 * not-present entry in a way that survives the HAL's barriers);
 * hal_pt_unmap and hal_pt_protect flush the entry they change on the
 * calling CPU, and vd_tlb_shootdown (core/sched/tlb.c) on the other CPUs
 * that run the address space.
 */
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/smp.h>
#include <veridian/string.h>

/* Largest frame number whose address fits a paddr_t. */
#define MAX_FRAME_NUMBER ((size_t)(UINT64_MAX >> VD_PAGE_SHIFT))

/*
 * Tables hal_pt_unmap empties while other CPUs may run the address space
 * are freed only after the shootdown: those CPUs' paging-structure caches
 * may point into them until then, and a reused frame would be walked as
 * a table.  hal_pt_unmap frees at most one table per level below the
 * root (three with four levels); any beyond the array are freed at once.
 */
struct pt_deferred {
	unsigned n;
	paddr_t frames[4];
};
static struct pt_deferred *pt_deferring[VD_MAX_CPUS];

paddr_t vd_pt_frame_alloc(void)
{
	struct vd_frame f;

	/* Tables may live anywhere; Normal falls back to Dma by itself. */
	if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK)
		return 0;
	vd_memset(vd_phys_to_virt(vd_frame_addr(f)), 0, VD_PAGE_SIZE);
	return vd_frame_addr(f);
}

void vd_pt_frame_free(paddr_t frame)
{
	if (frame == 0 || !VD_IS_ALIGNED(frame, VD_PAGE_SIZE)) {
		kprintf("mm: vd_pt_frame_free(%#llx): not a table frame\n",
			(unsigned long long)frame);
		return;
	}
	if (VD_UNLIKELY(__atomic_load_n(&vd_smp_cpus, __ATOMIC_RELAXED) > 1)) {
		struct pt_deferred *d = pt_deferring[hal_cpu_id()];

		if (d && d->n < VD_ARRAY_SIZE(d->frames)) {
			d->frames[d->n++] = frame;
			return;
		}
	}
	vd_frame_free(vd_frame_of(frame), 1);
}

vd_err_t vd_page_table_create(struct vd_page_table *pt)
{
	paddr_t root;
	vd_err_t err;

	if (!pt)
		return VD_ERR_INVALID_PARAMETER;
	err = hal_pt_create(&root);
	if (err == VD_OK)
		pt->root_frame = root;
	return err;
}

void vd_page_table_destroy(struct vd_page_table *pt)
{
	if (!pt || !pt->root_frame || pt->root_frame == hal_pt_kernel_root())
		return;
	hal_pt_destroy(pt->root_frame);
	pt->root_frame = 0;
}

struct vd_page_table vd_kernel_page_table(void)
{
	return (struct vd_page_table){hal_pt_kernel_root()};
}

vd_err_t vd_map_page(struct vd_page_table *pt, vaddr_t va, struct vd_frame f,
		     uint32_t flags)
{
	size_t size = (flags & VD_PTE_HUGE) ? VD_HUGE_PAGE_SIZE : VD_PAGE_SIZE;
	paddr_t pa = vd_frame_addr(f);

	if (VD_UNLIKELY(!pt || !pt->root_frame || (flags & ~VD_PTE_ALL_FLAGS) ||
			f.number > MAX_FRAME_NUMBER ||
			!VD_IS_ALIGNED(va, size) || !VD_IS_ALIGNED(pa, size)))
		return VD_ERR_INVALID_PARAMETER;
	return hal_pt_map(pt->root_frame, va, pa, flags);
}

/* vd_unmap_page with other CPUs online: shoot down, then free tables. */
static __attribute__((noinline)) vd_err_t unmap_smp(paddr_t root, vaddr_t va,
						    paddr_t *pa)
{
	struct pt_deferred d = {.n = 0};
	unsigned cpu = hal_cpu_id();
	uint32_t flags;
	vd_err_t err;

	pt_deferring[cpu] = &d;
	err = hal_pt_unmap(root, va, pa, &flags);
	pt_deferring[cpu] = NULL;
	if (err == VD_OK)
		vd_tlb_shootdown_others(root, va);
	for (unsigned i = 0; i < d.n; i++)
		vd_frame_free(vd_frame_of(d.frames[i]), 1);
	return err;
}

vd_err_t vd_unmap_page(struct vd_page_table *pt, vaddr_t va,
		       struct vd_frame *out)
{
	paddr_t pa;
	uint32_t flags;
	vd_err_t err;

	if (VD_UNLIKELY(!pt || !pt->root_frame ||
			!VD_IS_ALIGNED(va, VD_PAGE_SIZE)))
		return VD_ERR_INVALID_PARAMETER;
	if (VD_UNLIKELY(__atomic_load_n(&vd_smp_cpus, __ATOMIC_RELAXED) > 1))
		err = unmap_smp(pt->root_frame, va, &pa);
	else
		err = hal_pt_unmap(pt->root_frame, va, &pa, &flags);
	if (err == VD_OK && out)
		*out = vd_frame_of(pa);
	return err;
}

vd_err_t vd_query_page(const struct vd_page_table *pt, vaddr_t va,
		       struct vd_frame *frame_out, uint32_t *flags_out)
{
	paddr_t pa;
	uint32_t flags;
	vd_err_t err;

	if (!pt || !pt->root_frame)
		return VD_ERR_INVALID_PARAMETER;
	err = hal_pt_query(pt->root_frame, va, &pa, &flags);
	if (err != VD_OK)
		return err;
	/* Inside a huge page, name the 4 KiB frame backing va (HALs may
	 * report either that or the huge page's first frame). */
	if (flags & VD_PTE_HUGE)
		pa = VD_ALIGN_DOWN(pa, VD_HUGE_PAGE_SIZE) +
		     VD_ALIGN_DOWN(va & (VD_HUGE_PAGE_SIZE - 1), VD_PAGE_SIZE);
	if (frame_out)
		*frame_out = vd_frame_of(pa);
	if (flags_out)
		*flags_out = flags;
	return VD_OK;
}

vd_err_t vd_protect_page(struct vd_page_table *pt, vaddr_t va, uint32_t flags)
{
	vd_err_t err;

	if (!pt || !pt->root_frame || (flags & ~VD_PTE_ALL_FLAGS) ||
	    !VD_IS_ALIGNED(va, VD_PAGE_SIZE))
		return VD_ERR_INVALID_PARAMETER;
	err = hal_pt_protect(pt->root_frame, va, flags);
	if (err == VD_OK)
		vd_tlb_shootdown(pt->root_frame, va);
	return err;
}
