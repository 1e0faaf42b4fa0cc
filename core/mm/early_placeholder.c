/*
 * PLACEHOLDER frame source until the buddy allocator lands: a bump
 * allocator over the largest usable RAM region, skipping reserved ranges.
 * Frees are dropped.  Deleted by the core/mm work.
 */
#include <veridian/boot.h>
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/printf.h>
#include <veridian/string.h>

static paddr_t bump_next, bump_end;
static const struct vd_boot_info *bump_bi;

static bool overlaps_reserved(paddr_t pa)
{
	for (unsigned i = 0; i < bump_bi->reserved_count; i++) {
		const struct vd_mem_region *r = &bump_bi->reserved[i];
		if (pa + VD_PAGE_SIZE > r->base && pa < r->base + r->size)
			return true;
	}
	return false;
}

void vd_mm_init(const struct vd_boot_info *bi)
{
	uint64_t best = 0;

	bump_bi = bi;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type == VD_MEM_USABLE && r->size > best) {
			best = r->size;
			bump_next = VD_ALIGN_UP(r->base, VD_PAGE_SIZE);
			bump_end = r->base + r->size;
		}
	}
	kprintf("mm: placeholder bump allocator over [%#llx, %#llx)\n",
		(unsigned long long)bump_next, (unsigned long long)bump_end);
}

paddr_t vd_pt_frame_alloc(void)
{
	while (bump_next + VD_PAGE_SIZE <= bump_end) {
		paddr_t pa = bump_next;
		bump_next += VD_PAGE_SIZE;
		if (overlaps_reserved(pa))
			continue;
		vd_memset(vd_phys_to_virt(pa), 0, VD_PAGE_SIZE);
		return pa;
	}
	return 0;
}

void vd_pt_frame_free(paddr_t frame)
{
	(void)frame;
}
