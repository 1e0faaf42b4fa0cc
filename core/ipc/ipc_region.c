/*
 * Shared memory regions: zero-copy transfer of whole pages.
 *
 * Three layers of sharing, so that Share and CopyOnWrite can coexist:
 *
 *   ipc_page    one physical frame, with the number of views using it
 *   ipc_view    the page array one group of processes sees
 *   ipc_holder  one process's access to the region: its view and its
 *               mappings (a region may be mapped more than once)
 *
 * Share puts the receiver on the sender's view: one set of frames, a
 * write by either is read by the other.  CopyOnWrite gives the receiver a
 * new view pointing at the same pages (each page's refs goes up) and
 * write-protects every mapping of both views; the first write to a page
 * then faults, and ipc_cow.c gives the writer's view a private copy of
 * that page.  Move hands the sender's holder to the receiver after
 * unmapping it from the sender.
 *
 * A mapping is writable only if the region allows writing and its page is
 * used by a single view (refs == 1): that one rule, applied whenever a
 * page is (re)mapped, is all the write protection COW needs.
 *
 * Access is a capability (ipc_region_cap.c): each holder's comes through
 * a VD_OBJ_MEMORY capability to the region, the creator's original or
 * one derived from its giver's; revoking a capability drops every holder
 * whose access came through it, with its mappings.  The holder list is
 * the region's access list: map, transfer and large messages check it,
 * so a SharedRegionId on its own grants nothing, and the syscalls take a
 * capability token to the region as well as its id.
 */
#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/proc.h>
#include <veridian/string.h>

#include "ipc_internal.h"

uint64_t ipc_region_frames, ipc_cow_copies;
struct vd_list ipc_holders = VD_LIST_INIT(ipc_holders);

/* Pages are mapped eagerly, so they are marked accessed (and dirty when
 * writable) from the start: architectures that track A/D in software
 * (AArch64 without FEAT_HAFDBS) would otherwise take a fault on the first
 * access and the first write of every mapping. */
#define MAP_FLAGS_BASE                                                         \
	(VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_NO_EXECUTE | VD_PTE_ACCESSED)

struct ipc_holder *ipc_region_holder(struct ipc_region *r, vd_pid_t pid)
{
	struct vd_list *it;

	vd_list_for_each(it, &r->holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(it, struct ipc_holder, link);
		if (h->who.pid == pid)
			return h;
	}
	return NULL;
}

uint32_t ipc_view_pte_flags(const struct ipc_region *r,
			    const struct ipc_view *v, uint32_t i)
{
	uint32_t flags = MAP_FLAGS_BASE;

	if ((r->perms & VD_RIGHT_WRITE) && v->pages[i]->refs == 1)
		flags |= VD_PTE_WRITABLE | VD_PTE_DIRTY;
	return flags;
}

static size_t region_bytes(const struct ipc_region *r)
{
	return (size_t)r->npages << VD_PAGE_SHIFT;
}

vd_err_t ipc_view_remap_page(struct ipc_region *r, struct ipc_view *v,
			     uint32_t i)
{
	struct vd_frame want = vd_frame_of(v->pages[i]->pa);
	uint32_t flags = ipc_view_pte_flags(r, v, i);
	vd_err_t result = VD_OK;
	struct vd_list *hi, *mi;

	vd_list_for_each(hi, &r->holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(hi, struct ipc_holder, link);
		if (h->view != v)
			continue;
		vd_list_for_each(mi, &h->mappings)
		{
			struct ipc_mapping *m =
				VD_LIST_ENTRY(mi, struct ipc_mapping, link);
			vaddr_t va = m->va + ((vaddr_t)i << VD_PAGE_SHIFT);
			uint32_t hf =
				h->read_only
					? flags & ~(uint32_t)(VD_PTE_WRITABLE |
							      VD_PTE_DIRTY)
					: flags;
			struct vd_frame cur;
			vd_err_t err;

			err = vd_query_page(h->who.pt, va, &cur, NULL);
			if (err == VD_OK && cur.number == want.number) {
				err = vd_protect_page(h->who.pt, va, hf);
			} else {
				vd_unmap_page(h->who.pt, va, NULL);
				err = vd_map_page(h->who.pt, va, want, hf);
			}
			if (err != VD_OK)
				result = err;
		}
	}
	return result;
}

/* ------------------------------------------------------------------ */
/* Pages, views, holders                                               */
/* ------------------------------------------------------------------ */

static void page_put(struct ipc_page *p)
{
	if (--p->refs > 0)
		return;
	vd_frame_free(vd_frame_of(p->pa), 1);
	__atomic_fetch_sub(&ipc_region_frames, 1, __ATOMIC_RELAXED);
	vd_kfree(p);
}

static struct ipc_view *view_alloc(uint32_t npages)
{
	struct ipc_view *v =
		vd_kzalloc(sizeof(*v) + npages * sizeof(struct ipc_page *));

	if (v) {
		v->npages = npages;
		v->refs = 1;
	}
	return v;
}

static void view_put(struct ipc_view *v)
{
	if (--v->refs > 0)
		return;
	for (uint32_t i = 0; i < v->npages; i++)
		if (v->pages[i])
			page_put(v->pages[i]);
	vd_limits_release(v->limits, VD_LIMIT_MEMORY,
			  (uint64_t)v->npages << VD_PAGE_SHIFT);
	vd_kfree(v);
}

static struct ipc_holder *holder_new(struct ipc_region *r,
				     const struct vd_ipc_actor *who,
				     struct ipc_view *v)
{
	struct ipc_holder *h = vd_kzalloc(sizeof(*h));

	if (h == NULL)
		return NULL;
	h->region = r;
	h->who = *who;
	h->view = v;
	vd_list_init(&h->mappings);
	vd_list_add_tail(&r->holders, &h->link);
	vd_list_add_tail(&ipc_holders, &h->all_link);
	return h;
}

struct ipc_holder *ipc_holder_new_locked(struct ipc_region *r,
					 const struct vd_ipc_actor *who,
					 struct ipc_view *v)
{
	return holder_new(r, who, v);
}

size_t ipc_region_bytes(const struct ipc_region *r)
{
	return region_bytes(r);
}

/* The end of a region (its views are gone or go with it): its charge
 * goes back to its creator's limits. */
static void region_free(struct ipc_region *r)
{
	vd_limits_uncharge(r->limits, VD_LIMIT_MEMORY, region_bytes(r));
	vd_limits_release(r->limits, VD_LIMIT_REGIONS, 1);
	vd_kfree(r);
}

static void mapping_remove(struct ipc_holder *h, struct ipc_mapping *m)
{
	for (uint32_t i = 0; i < h->region->npages; i++)
		vd_unmap_page(h->who.pt, m->va + ((vaddr_t)i << VD_PAGE_SHIFT),
			      NULL);
	if (h->who.proc)
		vd_uvm_unclaim(h->who.proc, m->va, region_bytes(h->region));
	vd_list_remove(&m->link);
	if (m == &h->first)
		h->first_used = false;
	else
		vd_kfree(m);
}

static void unmap_all(struct ipc_holder *h)
{
	while (!vd_list_empty(&h->mappings))
		mapping_remove(h, VD_LIST_ENTRY(h->mappings.next,
						struct ipc_mapping, link));
}

bool ipc_holder_drop_locked(struct ipc_holder *h)
{
	struct ipc_region *r = h->region;

	/* those who got the region from h keep it; nobody else is on the
	 * list when h is the last */
	if (r->holders.next != r->holders.prev)
		ipc_holder_cap_drop_locked(h);
	unmap_all(h);
	vd_list_remove(&h->link);
	vd_list_remove(&h->all_link);
	view_put(h->view);
	vd_kfree(h);
	if (!vd_list_empty(&r->holders))
		return false;
	ipc_table_remove(&ipc_regions, r->id);
	region_free(r);
	return true;
}

/* holder_new with its capability; NULL if either fails (*err says why). */
static struct ipc_holder *holder_new_cap(struct ipc_region *r,
					 const struct vd_ipc_actor *who,
					 struct ipc_view *v,
					 struct ipc_holder *from, vd_err_t *err)
{
	struct ipc_holder *h = holder_new(r, who, v);

	*err = VD_ERR_OUT_OF_MEMORY;
	if (h == NULL)
		return NULL;
	/* kzalloc'd: no capability, no via; a receiver's goes through its
	 * giver's until it needs its own (ipc_region_cap.c) */
	*err = VD_OK;
	if (who->caps != NULL) {
		if (from != NULL)
			h->via = from;
		else
			*err = ipc_holder_cap_new_locked(h, NULL);
	}
	if (*err == VD_OK)
		return h;
	vd_list_remove(&h->link);
	vd_list_remove(&h->all_link);
	vd_kfree(h);
	return NULL;
}

struct ipc_holder *ipc_region_share_locked(struct ipc_region *r,
					   struct ipc_holder *from,
					   const struct vd_ipc_actor *to,
					   bool *created)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(r != NULL && to != NULL);
	struct ipc_holder *h = ipc_region_holder(r, to->pid);
	bool fresh = h == NULL;

	if (fresh) {
		vd_err_t err;

		h = holder_new_cap(r, to, from->view, from, &err);
		if (h != NULL)
			from->view->refs++;
	}
	if (created)
		*created = fresh;
	return h;
}

/* ------------------------------------------------------------------ */
/* The public operations                                               */
/* ------------------------------------------------------------------ */

static void region_free_unpublished(struct ipc_region *r, struct ipc_view *v)
{
	if (v)
		view_put(v);
	region_free(r);
}

/* Charge a new region of npages to its creator (REGIONS, MEMORY) before
 * any frame is taken; r->limits records where. */
static vd_err_t region_charge(struct ipc_region *r,
			      const struct vd_ipc_actor *owner, uint32_t npages)
{
	struct vd_limits *l = owner->proc ? owner->proc->limits : NULL;
	vd_err_t err = vd_limits_charge(l, VD_LIMIT_MEMORY,
					(uint64_t)npages << VD_PAGE_SHIFT);

	if (err)
		return err;
	r->limits = vd_limits_charge_ref(l, VD_LIMIT_REGIONS, 1, &err);
	if (err)
		vd_limits_uncharge(l, VD_LIMIT_MEMORY,
				   (uint64_t)npages << VD_PAGE_SHIFT);
	else
		r->npages = npages; /* what region_free gives back */
	return err;
}

vd_err_t vd_ipc_create_shared_region(const struct vd_ipc_actor *owner,
				     size_t size, uint32_t permissions,
				     vd_region_id_t *out)
{
	struct ipc_region *r;
	struct ipc_view *v;
	uint32_t npages;

	if (owner == NULL || out == NULL || size == 0 ||
	    size > (size_t)VD_IPC_REGION_MAX_PAGES * VD_PAGE_SIZE ||
	    !(permissions & VD_RIGHT_READ) ||
	    (permissions & ~(VD_RIGHT_READ | VD_RIGHT_WRITE)))
		return VD_ERR_INVALID_PARAMETER;
	npages = (uint32_t)(VD_ALIGN_UP(size, VD_PAGE_SIZE) >> VD_PAGE_SHIFT);
	r = vd_kzalloc(sizeof(*r));
	if (r == NULL)
		return VD_ERR_OUT_OF_MEMORY;
	vd_err_t err = region_charge(r, owner, npages);
	if (err != VD_OK) {
		vd_kfree(r);
		return err;
	}
	v = view_alloc(npages);
	if (v == NULL) {
		region_free(r);
		return VD_ERR_OUT_OF_MEMORY;
	}
	/* Frames and their bookkeeping, before anyone can see the region. */
	for (uint32_t i = 0; i < npages; i++) {
		struct vd_frame f;
		struct ipc_page *p = vd_kzalloc(sizeof(*p));

		if (p == NULL ||
		    vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK) {
			vd_kfree(p);
			region_free_unpublished(r, v);
			return VD_ERR_OUT_OF_MEMORY;
		}
		vd_memset(vd_phys_to_virt(vd_frame_addr(f)), 0, VD_PAGE_SIZE);
		p->pa = vd_frame_addr(f);
		p->refs = 1;
		v->pages[i] = p;
		/* Counted now so page_put's decrement balances on failure. */
		__atomic_fetch_add(&ipc_region_frames, 1, __ATOMIC_RELAXED);
	}
	r->size = size;
	r->npages = npages;
	r->perms = permissions;
	vd_list_init(&r->holders);

	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	vd_region_id_t id = ipc_table_insert(&ipc_regions, r);
	if (id == 0) {
		err = VD_ERR_RESOURCE_EXHAUSTED;
	} else {
		r->id = id;
		if (holder_new_cap(r, owner, v, NULL, &err) == NULL)
			ipc_table_remove(&ipc_regions, id);
	}
	if (err != VD_OK)
		region_free_unpublished(r, v);
	else
		*out = id;
	ipc_unlock(st);
	return err;
}

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
			MAP_FLAGS_BASE) != VD_OK &&
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
			vaddr_t end = m->va + region_bytes(h->region);
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
		uint32_t flags = ipc_view_pte_flags(r, h->view, i);

		if (h->read_only)
			flags &= ~(uint32_t)(VD_PTE_WRITABLE | VD_PTE_DIRTY);
		vd_err_t err = vd_map_page(
			h->who.pt, va + ((vaddr_t)i << VD_PAGE_SHIFT),
			vd_frame_of(h->view->pages[i]->pa), flags);
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

/* The region a capability token of p's names (NULL: none); out of
 * line, as the syscalls mostly name regions by id. */
static __attribute__((noinline)) struct ipc_region *
region_by_token(const struct vd_ipc_actor *p, uint64_t token)
{
	struct vd_capability c;

	if (p->caps == NULL ||
	    vd_cap_validate_type(p->caps, token, VD_OBJ_MEMORY, 0, &c) != VD_OK)
		return NULL;
	return ipc_table_lookup(&ipc_regions, c.object_id);
}

static inline vd_err_t find_holder(const struct vd_ipc_actor *p,
				   vd_region_id_t id, struct ipc_holder **out)
{
	struct ipc_region *r;

	if (p == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_init_locked();
	/* an id first (its lookup is cheaper than a token's), then a
	 * capability token of p's */
	r = ipc_table_lookup(&ipc_regions, id);
	if (VD_UNLIKELY(r == NULL))
		r = region_by_token(p, id);
	if (r == NULL)
		return VD_ERR_NOT_FOUND;
	*out = ipc_region_holder(r, p->pid);
	/* access a large message gives is not p's before it arrives */
	if (*out != NULL && (*out)->provisional)
		*out = NULL;
	return *out ? VD_OK : VD_ERR_PERMISSION_DENIED;
}

vd_err_t ipc_find_holder_locked(const struct vd_ipc_actor *p, vd_region_id_t id,
				struct ipc_holder **out)
{
	return find_holder(p, id, out);
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
	err = find_holder(p, region, &h);
	if (err == VD_OK) {
		m = h->first_used ? vd_kzalloc(sizeof(*m)) : &h->first;
		if (m == NULL)
			err = VD_ERR_OUT_OF_MEMORY;
	}
	if (err == VD_OK) {
		size_t bytes = region_bytes(h->region);

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
	err = find_holder(p, region, &h);
	if (err == VD_OK) {
		err = VD_ERR_MEM_NOT_MAPPED;
		vd_list_for_each(it, &h->mappings)
		{
			struct ipc_mapping *m =
				VD_LIST_ENTRY(it, struct ipc_mapping, link);
			if (m->va == address) {
				mapping_remove(h, m);
				err = VD_OK;
				break;
			}
		}
	}
	ipc_unlock(st);
	return err;
}

void ipc_holder_release_locked(struct ipc_holder *h)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(h != NULL);
	struct vd_cap_space *caps = h->who.caps;
	vd_cap_token_t cap = h->cap;

	ipc_holder_drop_locked(h);
	/* deleted, not revoked: the capabilities derived from it move up
	 * the tree (ipc_region_cap.c); a process's user-made copies stay,
	 * naming nothing it holds */
	if (cap != VD_CAP_TOKEN_NULL)
		vd_cap_delete(caps, cap);
}

vd_err_t vd_ipc_release_shared_region(const struct vd_ipc_actor *p,
				      vd_region_id_t region)
{
	struct ipc_holder *h;

	ipc_lock_state_t st = ipc_lock();
	vd_err_t err = find_holder(p, region, &h);
	if (err == VD_OK)
		ipc_holder_release_locked(h);
	ipc_unlock(st);
	return err;
}

vd_err_t vd_ipc_region_size(const struct vd_ipc_actor *p, vd_region_id_t region,
			    size_t *out)
{
	struct ipc_holder *h;

	if (out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_lock_state_t st = ipc_lock();
	vd_err_t err = find_holder(p, region, &h);
	if (err == VD_OK)
		*out = h->region->size;
	ipc_unlock(st);
	return err;
}

/* CopyOnWrite: `to` gets a new view over the same pages; both views lose
 * write access until a fault splits a page. */
static vd_err_t transfer_cow(struct ipc_holder *from,
			     const struct vd_ipc_actor *to)
{
	struct ipc_region *r = from->region;
	struct ipc_view *old = from->view, *v = view_alloc(r->npages);
	vd_err_t err = VD_OK;

	if (v == NULL)
		return VD_ERR_OUT_OF_MEMORY;
	v->cow = true;
	/* every page may be copied once for this view: the sender pays */
	v->limits = vd_limits_charge_ref(
		from->who.proc ? from->who.proc->limits : NULL, VD_LIMIT_MEMORY,
		region_bytes(r), &err);
	if (err == VD_OK)
		holder_new_cap(r, to, v, from, &err);
	if (err != VD_OK) {
		view_put(v); /* no pages yet: gives the charge back */
		return err;
	}
	for (uint32_t i = 0; i < r->npages; i++) {
		v->pages[i] = old->pages[i];
		v->pages[i]->refs++;
	}
	for (uint32_t i = 0; i < r->npages; i++) {
		vd_err_t e = ipc_view_remap_page(r, old, i);
		if (e != VD_OK)
			err = e;
	}
	return err;
}

vd_err_t vd_ipc_transfer_shared_region(const struct vd_ipc_actor *from,
				       const struct vd_ipc_actor *to,
				       vd_region_id_t region,
				       enum vd_ipc_transfer_mode mode)
{
	ipc_lock_state_t st = ipc_lock();
	vd_err_t err = ipc_transfer_locked(from, to, region, mode);

	ipc_unlock(st);
	return err;
}

vd_err_t ipc_transfer_locked(const struct vd_ipc_actor *from,
			     const struct vd_ipc_actor *to,
			     vd_region_id_t region,
			     enum vd_ipc_transfer_mode mode)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(from != NULL && to != NULL);
	struct ipc_holder *h;
	vd_err_t err;

	if (from == NULL || to == NULL || from->pid == to->pid ||
	    mode > VD_IPC_TRANSFER_COW)
		return VD_ERR_INVALID_PARAMETER;
	err = find_holder(from, region, &h);
	if (err == VD_OK && h->no_grant)
		err = VD_ERR_PERMISSION_DENIED; /* its access is not to give */
	if (err == VD_OK && ipc_region_holder(h->region, to->pid) != NULL)
		err = VD_ERR_BUSY;
	if (err == VD_OK) {
		switch (mode) {
		case VD_IPC_TRANSFER_MOVE: {
			vd_cap_token_t cap;
			struct vd_ipc_actor old = h->who;
			vd_cap_token_t old_cap = h->cap;

			err = ipc_holder_cap_move_locked(h, to, &cap);
			if (err != VD_OK)
				break;
			unmap_all(h); /* the sender's mappings */
			h->who = *to;
			h->cap = cap;
			if (old_cap != VD_CAP_TOKEN_NULL)
				vd_cap_delete(old.caps, old_cap);
			break;
		}
		case VD_IPC_TRANSFER_SHARE:
			if (!ipc_region_share_locked(h->region, h, to, NULL))
				err = VD_ERR_OUT_OF_MEMORY;
			break;
		case VD_IPC_TRANSFER_COW:
			err = transfer_cow(h, to);
			break;
		}
	}
	return err;
}

/* Process exit: drop every region access of pid. */
void ipc_region_process_exit_locked(vd_pid_t pid)
{
	VD_ASSERT_SCHED_LOCKED();
	struct vd_list *it, *tmp;

	/* Releasing a holder frees only that holder (and maybe its region),
	 * never another entry of the list: its capability is deleted, not
	 * revoked. */
	vd_list_for_each_safe(it, tmp, &ipc_holders)
	{
		struct ipc_holder *h =
			VD_LIST_ENTRY(it, struct ipc_holder, all_link);
		if (h->who.pid == pid)
			ipc_holder_release_locked(h);
	}
}
