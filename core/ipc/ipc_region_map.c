/*
 * Shared regions in an address space: where a region is mapped (the
 * window and its anchor, the address picked for "anywhere") and the map
 * and unmap calls.  Split from ipc_region.c, which keeps the regions,
 * views and holders themselves.
 */
#include <veridian/mm.h>
#include <veridian/proc.h>
#include <veridian/string.h>

#include "ipc_internal.h"

/*
 * The window for regions mapped "anywhere" starts at the middle of user
 * space.  Its first page holds an anchor: a read-only mapping of one
 * shared zero frame, put there the first time and left for the page
 * table's teardown.  It keeps the intermediate page tables of the window
 * alive, so mapping and unmapping a region does not allocate, zero and
 * free three levels of tables every time (the HAL frees a table as soon
 * as it becomes empty) -- that churn cost more than the IPC itself.
 */
paddr_t ipc_anchor_frame;

static vaddr_t window_base(void)
{
	return VD_ALIGN_DOWN(hal_user_top() / 2, VD_HUGE_PAGE_SIZE);
}

static void place_anchor(const struct vd_ipc_actor *p)
{
	vaddr_t base = window_base();
	struct vd_frame f;

	if (vd_query_page(p->pt, base, NULL, NULL) == VD_OK)
		return; /* anchored (or something else holds the tables) */
	if (ipc_anchor_frame == 0) {
		if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK)
			return; /* only an optimisation */
		vd_memset(vd_phys_to_virt(vd_frame_addr(f)), 0, VD_PAGE_SIZE);
		ipc_anchor_frame = vd_frame_addr(f);
	}
	/* claimed for good (teardown leaves it to the page table's end),
	 * unless the process has memory of its own there */
	if (p->proc && vd_uvm_claim(p->proc, base, VD_PAGE_SIZE, false, NULL,
				    NULL) != VD_OK)
		return;
	if (vd_map_page(p->pt, base, vd_frame_of(ipc_anchor_frame),
			IPC_MAP_FLAGS_BASE) != VD_OK &&
	    p->proc)
		vd_uvm_unclaim(p->proc, base, VD_PAGE_SIZE);
}

/* Lowest free, page-aligned address range of `bytes` for p in the
 * window, claimed from the process (vd_uvm_claim, in claim) if p has
 * one, else above every region p has mapped. */
static vd_err_t pick_address(const struct vd_ipc_actor *p, size_t bytes,
			     vaddr_t *out, struct vd_uvm_region *claim)
{
	vaddr_t top = hal_user_top();
	vaddr_t va = window_base() + VD_PAGE_SIZE;
	struct vd_list *hi, *it;

	place_anchor(p);
	if (p->proc)
		return vd_uvm_claim(p->proc, va, bytes, true, out, claim);
	vd_list_for_each(hi, &ipc_holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(hi, struct ipc_holder, all_link);

		if (h->who.pid != p->pid)
			continue;
		vd_list_for_each(it, &h->mappings)
		{
			struct ipc_mapping *m =
				VD_LIST_ENTRY(it, struct ipc_mapping, link);
			vaddr_t end = m->va + ipc_region_bytes(h->region);
			if (end > va)
				va = end;
		}
	}
	/* Skip whatever else lives there (a page at a time). */
	for (size_t done = 0; done < bytes;) {
		if (va + bytes < va || va + bytes > top)
			return VD_ERR_OUT_OF_MEMORY;
		if (vd_query_page(p->pt, va + done, NULL, NULL) == VD_OK) {
			va += done + VD_PAGE_SIZE;
			done = 0;
		} else {
			done += VD_PAGE_SIZE;
		}
	}
	*out = va;
	return VD_OK;
}

/* Map h's view at va, recorded in m (h->first or allocated). */
static vd_err_t map_locked(struct ipc_holder *h, struct ipc_mapping *m,
			   vaddr_t va)
{
	VD_ASSERT_SCHED_LOCKED();
	struct ipc_region *r = h->region;

	for (uint32_t i = 0; i < r->npages; i++) {
		vd_err_t err = vd_map_page(h->who.pt,
					   va + ((vaddr_t)i << VD_PAGE_SHIFT),
					   vd_frame_of(h->view->pages[i]->pa),
					   ipc_view_pte_flags(r, h->view, i));
		if (err != VD_OK) {
			while (i-- > 0)
				vd_unmap_page(
					h->who.pt,
					va + ((vaddr_t)i << VD_PAGE_SHIFT),
					NULL);
			return err;
		}
	}
	m->va = va;
	if (m == &h->first)
		h->first_used = true;
	vd_list_add_tail(&h->mappings, &m->link);
	return VD_OK;
}

vd_err_t vd_ipc_map_shared_region(const struct vd_ipc_actor *p,
				  vd_region_id_t region, vaddr_t address,
				  vaddr_t *out)
{
	struct ipc_mapping *m = NULL;
	struct ipc_holder *h;
	vd_err_t err;

	if (p == NULL || p->pt == NULL || out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_lock_state_t st = ipc_lock();
	err = ipc_region_find_holder(p, region, &h);
	if (err == VD_OK) {
		m = h->first_used ? vd_kzalloc(sizeof(*m)) : &h->first;
		if (m == NULL)
			err = VD_ERR_OUT_OF_MEMORY;
	}
	if (err == VD_OK) {
		size_t bytes = ipc_region_bytes(h->region);

		if (address == 0)
			err = pick_address(p, bytes, &address, &m->claim);
		else if (!VD_IS_ALIGNED(address, VD_PAGE_SIZE) ||
			 address < VD_USER_BASE || address + bytes < address ||
			 address + bytes > hal_user_top())
			err = VD_ERR_MEM_BAD_ADDRESS;
		else if (p->proc) /* not over memory of the process's own */
			err = vd_uvm_claim(p->proc, address, bytes, false, NULL,
					   &m->claim);
		if (err == VD_OK) {
			err = map_locked(h, m, address);
			if (err != VD_OK && p->proc)
				vd_uvm_unclaim(p->proc, address, bytes);
		}
	}
	if (err != VD_OK && m != NULL && m != &h->first)
		vd_kfree(m);
	if (err == VD_OK)
		*out = address;
	ipc_unlock(st);
	return err;
}

vd_err_t vd_ipc_unmap_shared_region(const struct vd_ipc_actor *p,
				    vd_region_id_t region, vaddr_t address)
{
	struct ipc_holder *h;
	struct vd_list *it;
	vd_err_t err;

	ipc_lock_state_t st = ipc_lock();
	err = ipc_region_find_holder(p, region, &h);
	if (err == VD_OK) {
		err = VD_ERR_MEM_NOT_MAPPED;
		vd_list_for_each(it, &h->mappings)
		{
			struct ipc_mapping *m =
				VD_LIST_ENTRY(it, struct ipc_mapping, link);
			if (m->va == address) {
				ipc_mapping_remove(h, m);
				err = VD_OK;
				break;
			}
		}
	}
	ipc_unlock(st);
	return err;
}
