/*
 * User memory of a process: a sorted list of regions over its page table.
 *
 * Every page of a region is backed by a frame the process owns alone,
 * zero-filled.  An eager region (ELF segments, which the loader fills)
 * gets its frames at map time; a lazy one (stacks, mmap) gets each frame
 * on the first touch: the page fault lands in vd_uvm_fault, which maps a
 * zeroed frame and lets the access retry -- from user mode, or from a
 * kernel copy to or from user memory.  Unmapping frees whatever frames
 * are present, and process teardown unmaps every region, so "all its
 * frames" really come back.  Frames that other subsystems map into the
 * same page table (IPC shared regions) lie in foreign regions they claim
 * (vd_uvm_claim): this file keeps everything else out of those and never
 * unmaps or frees what is mapped there; their owners do.
 *
 * vm_lock is taken with interrupts masked: IPC claims ranges while it
 * holds the scheduler lock (scheduler lock, then vm_lock), and a timer
 * interrupt taking the scheduler lock on a CPU that holds vm_lock would
 * turn that order around.
 *
 * The kernel fills user pages through the physmap (vd_uvm_write), never
 * through the user mapping, so it works whichever address space is active
 * and needs no user-access window.
 *
 * Commit (docs/memory.md): a lazy region's frames are set aside when it
 * is mapped (vd_uvm_charge, the pool of core/mm/commit.c) and a first
 * touch draws one of them, so a lazy region always has exactly
 * (pages - present) frames in the pool on its behalf, and p->committed
 * is the sum of that over p's lazy regions.  Unmapping a lazy range gives
 * back the frames of its untouched pages; teardown, those of every lazy
 * region.
 */
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/string.h>

/* Where vd_uvm_find_free starts looking when given no hint. */
#define MMAP_BASE ((vaddr_t)0x10000000)

#define USER_FLAGS_ALLOWED (VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE)

static bool range_ok(vaddr_t va, size_t size)
{
	return size > 0 && VD_IS_ALIGNED(va, VD_PAGE_SIZE) &&
	       VD_IS_ALIGNED(size, VD_PAGE_SIZE) && va >= VD_USER_BASE &&
	       va + size > va && va + size <= hal_user_top();
}

static bool overlaps(vaddr_t a, size_t as, vaddr_t b, size_t bs)
{
	return a < b + bs && b < a + as;
}

/* Present pages of [va, va+size) (vm_lock held). */
static size_t count_present(struct vd_process *p, vaddr_t va, size_t size)
{
	VD_ASSERT_HELD(&p->vm_lock);
	size_t n = 0;

	for (size_t off = 0; off < size; off += VD_PAGE_SIZE)
		if (vd_query_page(&p->pt, va + off, NULL, NULL) == VD_OK)
			n++;
	return n;
}

/* Region list lookups (vm_lock held). */
static struct vd_uvm_region *region_overlapping(struct vd_process *p,
						vaddr_t va, size_t size)
{
	VD_ASSERT_HELD(&p->vm_lock);
	struct vd_list *it;

	vd_list_for_each(it, &p->regions)
	{
		struct vd_uvm_region *r =
			VD_LIST_ENTRY(it, struct vd_uvm_region, link);
		if (overlaps(r->start, r->size, va, size))
			return r;
	}
	return NULL;
}

static void region_insert(struct vd_process *p, struct vd_uvm_region *n)
{
	VD_ASSERT_HELD(&p->vm_lock);
	struct vd_list *it;

	vd_list_for_each(it, &p->regions)
	{
		struct vd_uvm_region *r =
			VD_LIST_ENTRY(it, struct vd_uvm_region, link);
		if (r->start > n->start)
			break;
	}
	vd_list__insert(&n->link, it->prev, it);
}

/*
 * The commit charge of p: the one place it grows and shrinks (the memory
 * limit of limits.h is charged for whole regions in vd_uvm_map_anon, so
 * it bounds this too).  Not under vm_lock: a charge takes frames from
 * the allocator one by one, which is no work for a lock held with
 * interrupts masked.
 */
vd_err_t vd_uvm_charge(struct vd_process *p, size_t pages)
{
	vd_err_t err = vd_commit_charge(pages);

	if (!err)
		__atomic_fetch_add(&p->committed, pages, __ATOMIC_RELAXED);
	return err;
}

void vd_uvm_uncharge(struct vd_process *p, size_t pages)
{
	VD_ASSERT(__atomic_load_n(&p->committed, __ATOMIC_RELAXED) >= pages);
	__atomic_fetch_sub(&p->committed, pages, __ATOMIC_RELAXED);
	vd_commit_release(pages);
}

/* Pages of lazy region r whose frames wait in the pool (vm_lock held). */
static size_t region_undrawn(const struct vd_uvm_region *r)
{
	return r->lazy ? r->size / VD_PAGE_SIZE - r->present : 0;
}

static void account(struct vd_process *p, ptrdiff_t delta)
{
	p->mapped_bytes += (size_t)delta;
	if (p->mapped_bytes > p->usage.peak_memory_bytes)
		p->usage.peak_memory_bytes = p->mapped_bytes;
}

/*
 * Unmap the present pages of [va, va+size) (inside region r, or NULL
 * while building r) and free their frames.  A lazy region counts its
 * present pages, so the scan stops when none is left (an untouched mmap
 * costs nothing to unmap).
 */
static size_t unmap_and_free(struct vd_process *p, struct vd_uvm_region *r,
			     vaddr_t va, size_t size)
{
	size_t freed = 0;

	for (size_t off = 0; off < size; off += VD_PAGE_SIZE) {
		struct vd_frame f;

		if (r && r->present == 0)
			break;
		if (vd_unmap_page(&p->pt, va + off, &f) == VD_OK) {
			vd_frame_free(f, 1);
			account(p, -(ptrdiff_t)VD_PAGE_SIZE);
			freed++;
			if (r)
				r->present--;
		}
	}
	return freed;
}

/* Give the page at va a zeroed frame (vm_lock held): a new one, or for
 * a page of lazy region r, one it charged. */
static vd_err_t populate(struct vd_process *p, vaddr_t va, uint32_t flags,
			 struct vd_uvm_region *r)
{
	VD_ASSERT_HELD(&p->vm_lock);
	struct vd_frame f;
	vd_err_t err = VD_OK;

	if (r && r->lazy) {
		VD_ASSERT(region_undrawn(r) > 0 && p->committed > 0);
		f = vd_commit_draw();
	} else {
		err = vd_frame_alloc(1, VD_ZONE_NORMAL, &f);
	}
	if (err)
		return err;
	vd_memset(vd_phys_to_virt(vd_frame_addr(f)), 0, VD_PAGE_SIZE);
	/* the page tables on the way may still need frames (the kernel's
	 * reserve: see VD_COMMIT_KERNEL_RESERVE) */
	err = vd_map_page(&p->pt, va, f, flags);
	if (err) {
		if (r && r->lazy)
			vd_commit_undraw(f); /* still charged */
		else
			vd_frame_free(f, 1);
		return err;
	}
	if (r && r->lazy) {
		r->present++;
		__atomic_fetch_sub(&p->committed, 1, __ATOMIC_RELAXED);
	}
	account(p, VD_PAGE_SIZE);
	return VD_OK;
}

/* Nothing mapped in the page table either (IPC regions are not listed). */
static bool pt_range_free(struct vd_process *p, vaddr_t va, size_t size)
{
	for (size_t off = 0; off < size; off += VD_PAGE_SIZE)
		if (vd_query_page(&p->pt, va + off, NULL, NULL) == VD_OK)
			return false;
	return true;
}

/* Does [va, va+size) meet a region or a mapping (vm_lock held)? */
static bool range_taken_locked(struct vd_process *p, vaddr_t va, size_t size)
{
	VD_ASSERT_HELD(&p->vm_lock);
	return region_overlapping(p, va, size) || !pt_range_free(p, va, size);
}

/* A region record that is out of the list: freed unless it is lent. */
static void region_free(struct vd_uvm_region *r)
{
	if (r && !r->lent)
		vd_kfree(r);
}

vd_err_t vd_uvm_map_anon(struct vd_process *p, vaddr_t va, size_t size,
			 uint32_t flags)
{
	struct vd_uvm_region *r;
	bool lazy = flags & VD_UVM_LAZY;
	vd_err_t err = VD_OK;
	size_t done = 0;

	flags &= ~VD_UVM_LAZY;
	if (!p || !range_ok(va, size) || (flags & ~USER_FLAGS_ALLOWED))
		return VD_ERR_INVALID_PARAMETER;
	flags |= VD_PTE_PRESENT | VD_PTE_USER;
	/* the whole size, lazy or not: given back by unmap and destroy */
	err = vd_limits_charge(p->limits, VD_LIMIT_MEMORY, size);
	if (err)
		return err;
	r = vd_kzalloc(sizeof(*r));
	if (!r) {
		vd_limits_uncharge(p->limits, VD_LIMIT_MEMORY, size);
		return VD_ERR_OUT_OF_MEMORY;
	}
	/* a lazy region's frames are set aside now: a first touch must
	 * never find none (docs/memory.md, "Commit") */
	if (lazy && (err = vd_uvm_charge(p, size / VD_PAGE_SIZE)) != VD_OK) {
		vd_kfree(r);
		vd_limits_uncharge(p->limits, VD_LIMIT_MEMORY, size);
		return err;
	}
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	if (range_taken_locked(p, va, size)) {
		err = VD_ERR_MEM_ALREADY_MAPPED;
		goto out;
	}
	for (; !lazy && done < size; done += VD_PAGE_SIZE) {
		err = populate(p, va + done, flags, NULL);
		if (err)
			break;
	}
	if (err) {
		unmap_and_free(p, NULL, va, done);
		goto out;
	}
	r->start = va;
	r->size = size;
	r->pte_flags = flags;
	r->lazy = lazy;
	r->present = done / VD_PAGE_SIZE;
	region_insert(p, r);
	r = NULL;
out:
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	if (r && lazy)
		vd_uvm_uncharge(p, size / VD_PAGE_SIZE);
	vd_kfree(r);
	if (err)
		vd_limits_uncharge(p->limits, VD_LIMIT_MEMORY, size);
	return err;
}

vd_err_t vd_uvm_unmap(struct vd_process *p, vaddr_t va, size_t size)
{
	struct vd_uvm_region *r, *tail = NULL;
	size_t uncharge = 0;
	vd_err_t err = VD_OK;

	if (!p || !range_ok(va, size))
		return VD_ERR_INVALID_PARAMETER;
	/* a split may need a second region: allocate before locking */
	tail = vd_kzalloc(sizeof(*tail));
	if (!tail)
		return VD_ERR_OUT_OF_MEMORY;
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	r = region_overlapping(p, va, size);
	if (!r || va < r->start || va + size > r->start + r->size) {
		err = VD_ERR_MEM_NOT_MAPPED; /* must lie in one region */
		goto out;
	}
	if (r->foreign) {
		err = VD_ERR_PERMISSION_DENIED; /* a shared region's */
		goto out;
	}
	/* the untouched pages of a lazy range give their frames back */
	if (r->lazy)
		uncharge = size / VD_PAGE_SIZE - unmap_and_free(p, r, va, size);
	else
		unmap_and_free(p, r, va, size);
	vd_limits_uncharge(p->limits, VD_LIMIT_MEMORY, size);
	if (va == r->start && size == r->size) {
		vd_list_remove(&r->link);
		vd_kfree(r);
	} else if (va == r->start) {
		r->start += size;
		r->size -= size;
	} else if (va + size == r->start + r->size) {
		r->size -= size;
	} else { /* a hole in the middle: split */
		tail->start = va + size;
		tail->size = r->start + r->size - tail->start;
		tail->pte_flags = r->pte_flags;
		tail->lazy = r->lazy;
		r->size = va - r->start;
		/* split the count: recount the smaller side */
		tail->present = count_present(p, tail->start, tail->size);
		r->present -= tail->present;
		region_insert(p, tail);
		tail = NULL;
	}
out:
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	if (uncharge)
		vd_uvm_uncharge(p, uncharge);
	vd_kfree(tail);
	return err;
}

/* The lowest free range of `size` at or above va (vm_lock held). */
static vd_err_t find_free_locked(struct vd_process *p, vaddr_t va, size_t size,
				 vaddr_t *out)
{
	VD_ASSERT_HELD(&p->vm_lock);
	vaddr_t top = VD_ALIGN_DOWN(hal_user_top(), VD_PAGE_SIZE);
	struct vd_uvm_region *r;

	if (va < VD_USER_BASE)
		va = VD_USER_BASE;
	while (va < top && size <= top - va) {
		r = region_overlapping(p, va, size);
		if (r) {
			va = r->start + r->size;
			continue;
		}
		if (pt_range_free(p, va, size)) {
			*out = va;
			return VD_OK;
		}
		va += VD_PAGE_SIZE;
	}
	return VD_ERR_OUT_OF_MEMORY;
}

vd_err_t vd_uvm_find_free(struct vd_process *p, vaddr_t hint, size_t size,
			  vaddr_t *out)
{
	vd_err_t err;

	if (!p || !out || size == 0 || !VD_IS_ALIGNED(size, VD_PAGE_SIZE))
		return VD_ERR_INVALID_PARAMETER;
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	err = find_free_locked(
		p, hint ? VD_ALIGN_UP(hint, VD_PAGE_SIZE) : MMAP_BASE, size,
		out);
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	return err;
}

vd_err_t vd_uvm_claim(struct vd_process *p, vaddr_t va, size_t size,
		      bool anywhere, vaddr_t *out,
		      struct vd_uvm_region *storage)
{
	struct vd_uvm_region *r = storage;
	vd_err_t err = VD_OK;

	if (!p || size == 0 || !VD_IS_ALIGNED(size, VD_PAGE_SIZE) ||
	    (anywhere ? !out : !range_ok(va, size)))
		return VD_ERR_INVALID_PARAMETER;
	if (r)
		*r = (struct vd_uvm_region){.lent = true};
	else
		r = vd_kzalloc(sizeof(*r));
	if (!r)
		return VD_ERR_OUT_OF_MEMORY;
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	if (anywhere)
		err = find_free_locked(p, VD_ALIGN_UP(va, VD_PAGE_SIZE), size,
				       &va);
	else if (range_taken_locked(p, va, size))
		err = VD_ERR_MEM_ALREADY_MAPPED;
	if (err == VD_OK) {
		r->start = va;
		r->size = size;
		r->foreign = true;
		region_insert(p, r);
		r = NULL;
		if (out)
			*out = va;
	}
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	region_free(r);
	return err;
}

void vd_uvm_unclaim(struct vd_process *p, vaddr_t va, size_t size)
{
	struct vd_uvm_region *r;

	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	r = region_overlapping(p, va, size);
	if (r && r->foreign && r->start == va && r->size == size)
		vd_list_remove(&r->link);
	else
		r = NULL;
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	region_free(r);
}

/* Copy between kernel memory and p's user pages, via the physmap. */
static vd_err_t uvm_copy(struct vd_process *p, vaddr_t va, void *kbuf,
			 size_t len, bool to_user)
{
	vd_err_t err = VD_OK;

	if (!p || (len && (va < VD_USER_BASE || va + len < va ||
			   va + len > hal_user_top())))
		return VD_ERR_MEM_BAD_ADDRESS;
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	while (len > 0) {
		size_t off = va & (VD_PAGE_SIZE - 1);
		size_t n = VD_MIN(len, VD_PAGE_SIZE - off);
		struct vd_frame f;
		uint32_t flags;
		uint8_t *page;

		err = vd_query_page(&p->pt, va - off, &f, &flags);
		if (err == VD_ERR_MEM_NOT_MAPPED) {
			/* a page of a lazy region nobody touched yet */
			struct vd_uvm_region *r =
				region_overlapping(p, va - off, VD_PAGE_SIZE);
			if (r && r->lazy &&
			    !populate(p, va - off, r->pte_flags, r))
				err = vd_query_page(&p->pt, va - off, &f,
						    &flags);
		}
		if (err || !(flags & VD_PTE_USER)) {
			err = VD_ERR_MEM_NOT_MAPPED;
			break;
		}
		page = (uint8_t *)vd_phys_to_virt(vd_frame_addr(f)) + off;
		if (to_user)
			vd_memcpy(page, kbuf, n);
		else
			vd_memcpy(kbuf, page, n);
		kbuf = (uint8_t *)kbuf + n;
		va += n;
		len -= n;
	}
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	return err;
}

vd_err_t vd_uvm_write(struct vd_process *p, vaddr_t va, const void *src,
		      size_t len)
{
	return uvm_copy(p, va, (void *)(uintptr_t)src, len, true);
}

vd_err_t vd_uvm_read(struct vd_process *p, vaddr_t va, void *dst, size_t len)
{
	return uvm_copy(p, va, dst, len, false);
}

enum vd_uvm_fault_result vd_uvm_fault(struct vd_process *p, vaddr_t addr,
				      unsigned access, bool from_user)
{
	enum vd_uvm_fault_result res = VD_UVM_FAULT_NOT_MINE;
	vaddr_t page = VD_ALIGN_DOWN(addr, VD_PAGE_SIZE);
	struct vd_uvm_region *r;
	uint32_t flags;

	if (!p || addr < VD_USER_BASE || addr >= hal_user_top())
		return VD_UVM_FAULT_NOT_MINE;
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	r = region_overlapping(p, page, VD_PAGE_SIZE);
	if (!r || !r->lazy)
		goto out;
	if (((access & VD_FAULT_WRITE) && !(r->pte_flags & VD_PTE_WRITABLE)) ||
	    ((access & VD_FAULT_EXEC) && (r->pte_flags & VD_PTE_NO_EXECUTE)))
		goto out; /* a real protection fault */
	if (vd_query_page(&p->pt, page, NULL, &flags) == VD_OK) {
		/* present: another thread populated it meanwhile (retry if
		 * the entry allows the access), or a kernel access that is
		 * not the user's fault (no retry: it would fault forever) */
		if (from_user &&
		    !((access & VD_FAULT_WRITE) &&
		      !(flags & VD_PTE_WRITABLE)) &&
		    !((access & VD_FAULT_EXEC) && (flags & VD_PTE_NO_EXECUTE)))
			res = VD_UVM_FAULT_RETRY;
		goto out;
	}
	/* The page's frame is charged; only a page table on the way can be
	 * missing, if the kernel ate its own reserve: try once more with
	 * this CPU's cached frames back in the allocator, then report it
	 * (never a silent kill: the process dies as out of memory). */
	if (populate(p, page, r->pte_flags, r) == VD_OK) {
		res = VD_UVM_FAULT_RETRY;
	} else {
		vd_frame_drain_caches();
		res = populate(p, page, r->pte_flags, r) == VD_OK
			      ? VD_UVM_FAULT_RETRY
			      : VD_UVM_FAULT_NO_MEMORY;
	}
out:
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	return res;
}

bool vd_uvm_range_mapped(struct vd_process *p, vaddr_t va, size_t len)
{
	struct vd_uvm_region *r;
	bool ok;

	if (!p || len == 0 || va + len < va)
		return false;
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	r = region_overlapping(p, va, len);
	ok = r && va >= r->start && va + len <= r->start + r->size;
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	return ok;
}

void vd_uvm_destroy(struct vd_process *p)
{
	struct vd_list *it, *tmp;
	size_t uncharge = 0, charged = 0;

	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	vd_list_for_each_safe(it, tmp, &p->regions)
	{
		struct vd_uvm_region *r =
			VD_LIST_ENTRY(it, struct vd_uvm_region, link);
		uncharge += region_undrawn(r);
		if (!r->foreign) {
			unmap_and_free(p, r, r->start, r->size);
			charged += r->size;
		}
		vd_list_remove(&r->link);
		region_free(r);
	}
	p->mapped_bytes = 0;
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	VD_ASSERT(uncharge == p->committed);
	if (uncharge)
		vd_uvm_uncharge(p, uncharge);
	vd_limits_uncharge(p->limits, VD_LIMIT_MEMORY, charged);
	if (p->pt.root_frame) {
		vd_page_table_destroy(&p->pt);
		p->pt.root_frame = 0;
	}
}
