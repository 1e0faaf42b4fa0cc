/*
 * Copy-on-write faults on shared regions.
 *
 * After a CopyOnWrite transfer every page of the two views is used by two
 * views (refs == 2) and mapped read-only everywhere.  A write faults
 * (the per-arch trap code reports it through vd_page_fault in core/proc,
 * which asks us first).  We find the mapping that covers the address and
 * the writer's view, then:
 *
 *   refs > 1   copy the frame into a new one that only this view uses,
 *              and remap that page writable in every mapping of the view
 *              (processes that Share this view see the copy too);
 *   refs == 1  the other view already took its copy: this view is now the
 *              only user, so just make the page writable.
 *
 * Either way the faulting instruction is retried and succeeds.  The old
 * frame stays with the other view; when its refs drops to 1 that view
 * upgrades on its own next write fault.
 */
#include <veridian/mm.h>
#include <veridian/string.h>

#include "ipc_internal.h"

/* The holder of pid whose mapping covers addr, and the page index. */
static struct ipc_holder *find_mapping(vd_pid_t pid, vaddr_t addr,
				       uint32_t *index)
{
	struct vd_list *hi, *it;

	vd_list_for_each(hi, &ipc_holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(hi, struct ipc_holder, all_link);
		struct ipc_region *r = h->region;

		if (h->who.pid != pid)
			continue;
		vd_list_for_each(it, &h->mappings)
		{
			struct ipc_mapping *m =
				VD_LIST_ENTRY(it, struct ipc_mapping, link);
			if (addr >= m->va &&
			    addr - m->va <
				    ((size_t)r->npages << VD_PAGE_SHIFT)) {
				*index = (uint32_t)((addr - m->va) >>
						    VD_PAGE_SHIFT);
				return h;
			}
		}
	}
	return NULL;
}

bool vd_ipc_handle_page_fault(const struct vd_ipc_actor *p, vaddr_t addr,
			      unsigned access)
{
	struct ipc_holder *h;
	uint32_t i;
	bool handled = false;

	if (p == NULL || !(access & VD_FAULT_WRITE))
		return false;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	h = find_mapping(p->pid, addr, &i);
	if (h == NULL || !(h->region->perms & VD_RIGHT_WRITE) || h->read_only)
		goto out;

	struct ipc_region *r = h->region;
	struct ipc_view *v = h->view;
	struct ipc_page *old = v->pages[i];
	if (old->refs > 1) {
		struct ipc_page *copy = vd_kzalloc(sizeof(*copy));
		struct vd_frame f;

		if (copy == NULL)
			goto out;
		if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK) {
			vd_kfree(copy);
			goto out;
		}
		copy->pa = vd_frame_addr(f);
		copy->refs = 1;
		vd_memcpy(vd_phys_to_virt(copy->pa), vd_phys_to_virt(old->pa),
			  VD_PAGE_SIZE);
		old->refs--;
		v->pages[i] = copy;
		__atomic_fetch_add(&ipc_region_frames, 1, __ATOMIC_RELAXED);
		ipc_cow_copies++;
	}
	/* Remap in every mapping of this view (new frame or just writable). */
	handled = ipc_view_remap_page(r, v, i) == VD_OK;
out:
	ipc_unlock(st);
	return handled;
}
