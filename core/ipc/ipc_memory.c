/*
 * Memory objects: a shared region mapped through its Memory capability.
 *
 * A region is the kernel's memory object (Zircon's VMO is the model):
 * SYS_MMAP given a VD_OBJ_MEMORY capability instead of a Process one maps
 * the whole object (core/syscall/sys_io_mem.c).  The region code
 * (ipc_region.c) does the mapping; what is here is how a process that
 * was only passed the capability -- in a message, or at process_create --
 * becomes a holder, with its access tied to that capability
 * (ipc_region_cap.c: revoking it drops the holder).  docs/ipc.md,
 * "Memory objects".
 */
#include <veridian/cap.h>

#include "ipc_internal.h"

/*
 * mmap of a Memory capability (a region's): p gets a holder of the
 * region if it has none -- its access through a capability derived from
 * `token`, so that revoking the token takes it -- on the view of the
 * region's first holder, read-only unless the capability has WRITE and
 * `writable` asks for it; then the region is mapped as by
 * vd_ipc_map_shared_region.
 */
vd_err_t vd_ipc_map_memory(const struct vd_ipc_actor *p, vd_cap_token_t token,
			   size_t len, bool writable, vaddr_t address,
			   vaddr_t *out)
{
	struct vd_capability c;
	struct ipc_region *r;
	struct ipc_holder *h;
	vd_err_t err;

	if (p == NULL || p->caps == NULL || out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	err = vd_cap_validate_type(p->caps, token, VD_OBJ_MEMORY,
				   VD_RIGHT_MAP | VD_RIGHT_READ, &c);
	if (err != VD_OK)
		return err;
	if (writable && !(c.rights & VD_RIGHT_WRITE))
		return VD_ERR_PERMISSION_DENIED;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	r = ipc_table_lookup(&ipc_regions, c.object_id);
	if (r == NULL) {
		err = VD_ERR_NOT_FOUND;
		goto out;
	}
	if (VD_ALIGN_UP(len, VD_PAGE_SIZE) != ipc_region_bytes(r)) {
		err = VD_ERR_INVALID_PARAMETER; /* the whole object, or none */
		goto out;
	}
	h = ipc_region_holder(r, p->pid);
	if (h != NULL && (h->provisional || (writable && h->read_only))) {
		err = VD_ERR_PERMISSION_DENIED;
		goto out;
	}
	if (h == NULL) {
		/* the region's shared view: not a copy-on-write receiver's,
		 * whose copied pages are that receiver's private data */
		struct ipc_holder *first = NULL;
		struct vd_list *it;
		struct vd_capability d;

		vd_list_for_each(it, &r->holders)
		{
			struct ipc_holder *o =
				VD_LIST_ENTRY(it, struct ipc_holder, link);
			if (!o->view->cow) {
				first = o;
				break;
			}
		}
		if (first == NULL) {
			err = VD_ERR_NOT_FOUND; /* only private copies left */
			goto out;
		}
		h = ipc_holder_new_locked(r, p, first->view);
		if (h == NULL) {
			err = VD_ERR_OUT_OF_MEMORY;
			goto out;
		}
		first->view->refs++;
		h->read_only = !writable || !(r->perms & VD_RIGHT_WRITE);
		h->no_grant = true;
		err = vd_cap_derive_into(p->caps, p->caps, token,
					 c.rights & ~VD_RIGHT_GRANT, &d);
		if (err == VD_OK) {
			h->cap = d.token;
		} else {
			/* no GRANT to derive with, or no slot: not mapped */
			ipc_holder_drop_locked(h);
			goto out;
		}
	}
	ipc_unlock(st);
	return vd_ipc_map_shared_region(p, r->id, address, out);
out:
	ipc_unlock(st);
	return err;
}
