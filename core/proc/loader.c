/*
 * Loading an executable into a new process: the PT_LOAD segments of a
 * validated ELF image, and the initial stack with arguments, environment
 * and capabilities.
 *
 * Segment pages get the permissions the ELF asks for and nothing more:
 * writable only with PF_W, executable only with PF_X (never both; the
 * validator refuses W+X).  File bytes are copied in through the physmap;
 * the rest of each page stays zero (bss).  Executable pages are then made
 * visible to instruction fetch (hal_icache_sync).
 */
#include <veridian/string.h>

#include "proc_internal.h"

vd_err_t proc_load_elf(struct vd_process *p, const struct vd_elf_source *src,
		       vaddr_t *entry)
{
	struct vd_elf_limits lim = {
		.machine = VD_EM_NATIVE,
		.user_base = VD_USER_BASE,
		/* not up to hal_user_top(): the stack and its guard pages
		 * are there (proc_internal.h), and an image reaching into
		 * them is a bad executable, not a mapping conflict */
		.user_top = proc_image_top(),
		.max_image = VD_PROC_MAX_IMAGE,
	};
	struct vd_elf_image *img = vd_kzalloc(sizeof(*img));
	vd_err_t err;

	if (!img)
		return VD_ERR_OUT_OF_MEMORY;
	err = vd_elf_parse(src, &lim, img);
	for (unsigned i = 0; !err && i < img->nsegs; i++) {
		const struct vd_elf_segment *s = &img->seg[i];
		vaddr_t start = VD_ALIGN_DOWN(s->vaddr, VD_PAGE_SIZE);
		vaddr_t end = VD_ALIGN_UP(s->vaddr + s->memsz, VD_PAGE_SIZE);
		uint32_t flags = 0;

		if (s->flags & VD_PF_W)
			flags |= VD_PTE_WRITABLE;
		if (!(s->flags & VD_PF_X))
			flags |= VD_PTE_NO_EXECUTE;
		err = vd_uvm_map_anon(p, start, end - start, flags);
		/* Fill page by page through the physmap.  No lock: nobody
		 * else can see the process yet, and the source may be user
		 * memory whose copy can fault. */
		for (vaddr_t va = start; !err && va < end; va += VD_PAGE_SIZE) {
			struct vd_frame f;
			uint8_t *page;
			uint64_t lo = VD_MAX(va, s->vaddr);
			uint64_t hi =
				VD_MIN(va + VD_PAGE_SIZE, s->vaddr + s->filesz);

			err = vd_query_page(&p->pt, va, &f, NULL);
			if (err)
				break;
			page = vd_phys_to_virt(vd_frame_addr(f));
			if (lo < hi)
				err = src->read(src->ctx,
						s->offset + (lo - s->vaddr),
						page + (lo - va), hi - lo);
			if (!err && (s->flags & VD_PF_X))
				hal_icache_sync(page, VD_PAGE_SIZE);
		}
	}
	if (!err)
		*entry = img->entry;
	vd_kfree(img);
	return err;
}
