/*
 * Run-time page-table management (hal_pt_*), TLB and I-cache maintenance,
 * and the software side of the access flag and dirty state.  The
 * descriptor format and the VD_PTE_* encoding are described in arch/mmu.h.
 *
 * Tables are reached through the physmap.  Tables of the user half come
 * from vd_pt_frame_alloc and are freed when they become empty; the kernel
 * half's tables are shared by every address space and never freed (some
 * of them are in the boot pool inside the image).  Callers serialise
 * changes to one user root; the kernel half has its own lock.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <veridian/spinlock.h>

uintptr_t hal_physmap_base = A64_PHYSMAP_BASE;

/* Table descriptor bit 59 PXNTable: nothing below it runs at EL1.  Set on
 * every user-half table. */
#define A64_PTE_PXNTABLE (1ull << 59)

#define HUGE_MASK (VD_HUGE_PAGE_SIZE - 1)

static struct vd_spinlock kernel_pt_lock = VD_SPINLOCK_INIT;

/* The table a table entry (or a root handle) points to. */
static inline uint64_t *table_va(uint64_t pte_or_pa)
{
	return (uint64_t *)(uintptr_t)((pte_or_pa & A64_PTE_ADDR_MASK) +
				       A64_PHYSMAP_BASE);
}

static inline unsigned pt_index(vaddr_t va, int level)
{
	return A64_PT_INDEX(va, level);
}

/* The table an entry sits in (tables are page aligned). */
static inline uint64_t *table_of_entry(uint64_t *e)
{
	return (uint64_t *)((uintptr_t)e & ~(uintptr_t)(VD_PAGE_SIZE - 1));
}

/* A next-level table (at level 0 the same bits make a page). */
static inline bool pte_is_table(uint64_t pte)
{
	return (pte & (A64_PTE_VALID | A64_PTE_TABLE)) ==
	       (A64_PTE_VALID | A64_PTE_TABLE);
}

/* The entry of a leaf at `level` (0: page, 1: 2 MiB block). */
static uint64_t pte_encode(uint32_t flags, paddr_t pa, int level)
{
	bool block = level > 0;
	uint64_t d = pa | A64_PTE_SH_INNER;
	uint64_t attr = A64_MAIR_NORMAL_WB;
	if (flags & VD_PTE_CACHE_DISABLE)
		attr = (flags & VD_PTE_WRITE_THROUGH) ? A64_MAIR_NORMAL_NC
						      : A64_MAIR_DEVICE;
	else if (flags & VD_PTE_WRITE_THROUGH)
		attr = A64_MAIR_NORMAL_WT;
	d |= attr << A64_PTE_ATTR_SHIFT;
	if (flags & VD_PTE_USER) {
		d |= A64_PTE_AP_EL0 | A64_PTE_PXN;
		if (flags & VD_PTE_NO_EXECUTE)
			d |= A64_PTE_UXN;
	} else {
		d |= A64_PTE_UXN;
		if (flags & VD_PTE_NO_EXECUTE)
			d |= A64_PTE_PXN;
	}
	if (flags & VD_PTE_WRITABLE) {
		d |= A64_PTE_DBM;
		if (!(flags & VD_PTE_DIRTY))
			d |= A64_PTE_AP_RO; /* writable-clean */
	} else {
		d |= A64_PTE_AP_RO;
		if (flags & VD_PTE_DIRTY)
			d |= A64_PTE_SW_DIRTY;
	}
	if (flags & VD_PTE_ACCESSED)
		d |= A64_PTE_AF;
	if (!(flags & VD_PTE_GLOBAL))
		d |= A64_PTE_NG;
	if (flags & VD_PTE_PRESENT)
		d |= A64_PTE_VALID | (block ? 0 : A64_PTE_PAGE);
	else
		d |= A64_PTE_SW_MAPPED; /* invalid to the MMU, kept for query */
	return d;
}

static uint32_t pte_decode(uint64_t d, int level)
{
	bool block = level > 0;
	uint32_t f = 0;
	if (d & A64_PTE_VALID)
		f |= VD_PTE_PRESENT;
	bool user = d & A64_PTE_AP_EL0;
	if (user)
		f |= VD_PTE_USER;
	bool writable = (d & A64_PTE_DBM) || !(d & A64_PTE_AP_RO);
	if (writable) {
		f |= VD_PTE_WRITABLE;
		if (!(d & A64_PTE_AP_RO))
			f |= VD_PTE_DIRTY;
	} else if (d & A64_PTE_SW_DIRTY) {
		f |= VD_PTE_DIRTY;
	}
	switch ((d & A64_PTE_ATTR_MASK) >> A64_PTE_ATTR_SHIFT) {
	case A64_MAIR_NORMAL_WT:
		f |= VD_PTE_WRITE_THROUGH;
		break;
	case A64_MAIR_NORMAL_NC:
		f |= VD_PTE_CACHE_DISABLE | VD_PTE_WRITE_THROUGH;
		break;
	case A64_MAIR_DEVICE:
		f |= VD_PTE_CACHE_DISABLE;
		break;
	}
	if (d & A64_PTE_AF)
		f |= VD_PTE_ACCESSED;
	if (!(d & A64_PTE_NG))
		f |= VD_PTE_GLOBAL;
	if (d & (user ? A64_PTE_UXN : A64_PTE_PXN))
		f |= VD_PTE_NO_EXECUTE;
	if (block)
		f |= VD_PTE_HUGE;
	return f;
}

static inline bool kernel_half(vaddr_t va)
{
	return va >= A64_KERNEL_HALF;
}

/* Invalidate va in every TLB of the inner-shareable domain, all ASIDs and
 * all levels (so cached walks through freed tables go too). */
static inline void tlb_flush_va(vaddr_t va)
{
	uint64_t op = (va >> 12) & ((1ull << 44) - 1);
	__asm__ volatile(
		"dsb ishst\n\ttlbi vaae1is, %0\n\tdsb ish\n\tisb" ::"r"(op)
		: "memory");
}

vd_err_t hal_pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags)
{
	bool huge = flags & VD_PTE_HUGE;
	uint64_t align = huge ? HUGE_MASK : VD_PAGE_SIZE - 1;
	if (((va | pa) & align) || (pa >> 48))
		return VD_ERR_INVALID_PARAMETER;
	bool khalf = kernel_half(va);
	if (!khalf && va >= A64_USER_TOP)
		return VD_ERR_INVALID_PARAMETER;
	hal_irqstate_t irq = 0;
	uint64_t table_bits = A64_PTE_TABLE | A64_PTE_VALID;
	if (khalf) {
		root = a64_kernel_root;
		irq = vd_spin_lock_irqsave(&kernel_pt_lock);
	} else {
		table_bits |= A64_PTE_PXNTABLE;
	}

	vd_err_t err = VD_OK;
	int leaf = huge ? 1 : 0;
	uint64_t *t = table_va(root);
	for (int l = A64_PT_LEVELS - 1; l > leaf; l--) {
		uint64_t *e = &t[pt_index(va, l)];
		uint64_t v = *e;
		if (!v) {
			paddr_t n = vd_pt_frame_alloc();
			if (!n) {
				err = VD_ERR_OUT_OF_MEMORY;
				goto out;
			}
			v = n | table_bits;
			a64_dsb(ishst); /* zeroed table visible before linked */
			*e = v;
		} else if (!pte_is_table(v)) {
			err = VD_ERR_MEM_ALREADY_MAPPED; /* a block is there */
			goto out;
		}
		t = table_va(v);
	}
	uint64_t *e = &t[pt_index(va, leaf)];
	if (*e) {
		err = VD_ERR_MEM_ALREADY_MAPPED;
		goto out;
	}
	*e = pte_encode(flags, pa, leaf);
	a64_dsb(ishst);
	a64_isb();
out:
	if (khalf)
		vd_spin_unlock_irqrestore(&kernel_pt_lock, irq);
	return err;
}

/*
 * The leaf entry (a page or a block, present or not) for va under root,
 * or NULL if nothing maps it; *level gets the leaf's level (0: 4 KiB,
 * 1: 2 MiB, 2: 1 GiB), and path[l] (if path is not NULL) the entry at
 * level l on the way (path[A64_PT_LEVELS - 1] in the root).
 */
static uint64_t *walk(paddr_t root, vaddr_t va, int *level,
		      uint64_t *path[A64_PT_LEVELS])
{
	uint64_t *t = table_va(root);
	for (int l = A64_PT_LEVELS - 1; l >= 0; l--) {
		uint64_t *e = &t[pt_index(va, l)];
		if (path)
			path[l] = e;
		uint64_t v = *e;
		if (!v)
			return NULL;
		if (l == 0 || !pte_is_table(v)) {
			if (l == A64_PT_LEVELS - 1)
				return NULL; /* no root blocks with 4 KiB pages
					      */
			*level = l;
			return e;
		}
		t = table_va(v);
	}
	return NULL;
}

uint64_t *a64_pt_walk(paddr_t root, vaddr_t va, int *level)
{
	if (kernel_half(va))
		root = a64_kernel_root;
	else if (va >= A64_USER_TOP)
		return NULL;
	return walk(root, va, level, NULL);
}

vd_err_t hal_pt_query(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	int level;
	uint64_t *e = a64_pt_walk(root, va, &level);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	uint64_t d = __atomic_load_n(e, __ATOMIC_RELAXED);
	if (pa_out) {
		/* the 4 KiB frame containing va, also inside blocks */
		uint64_t mask = (1ull << A64_PT_SHIFT(level)) - 1;
		*pa_out = (d & A64_PTE_ADDR_MASK & ~mask) +
			  (va & mask & ~(uint64_t)(VD_PAGE_SIZE - 1));
	}
	if (flags_out)
		*flags_out = pte_decode(d, level);
	return VD_OK;
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < 512; i += 2)
		if (t[i] | t[i + 1])
			return false;
	return true;
}

vd_err_t hal_pt_unmap(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	bool khalf = kernel_half(va);
	if (!khalf && va >= A64_USER_TOP)
		return VD_ERR_MEM_NOT_MAPPED;
	hal_irqstate_t irq = 0;
	if (khalf) {
		root = a64_kernel_root;
		irq = vd_spin_lock_irqsave(&kernel_pt_lock);
	}
	uint64_t *path[A64_PT_LEVELS];
	vd_err_t err = VD_OK;
	int level;
	uint64_t *e = walk(root, va, &level, path);
	if (!e) {
		err = VD_ERR_MEM_NOT_MAPPED;
		goto out;
	}
	uint64_t d = *e;
	if (pa_out)
		*pa_out = d & A64_PTE_ADDR_MASK;
	if (flags_out)
		*flags_out = pte_decode(d, level);
	*e = 0;

	/* Unlink tables this emptied (user half only), then flush, then
	 * free them: a walk cached through them must be gone first. */
	paddr_t freed[A64_PT_LEVELS - 1];
	int nfreed = 0;
	if (!khalf) {
		for (int l = level; l < A64_PT_LEVELS - 1 &&
				    table_empty(table_of_entry(path[l]));
		     l++) {
			uint64_t *parent = path[l + 1];
			freed[nfreed++] = *parent & A64_PTE_ADDR_MASK;
			*parent = 0;
		}
	}
	tlb_flush_va(va);
	for (int i = 0; i < nfreed; i++)
		vd_pt_frame_free(freed[i]);
out:
	if (khalf)
		vd_spin_unlock_irqrestore(&kernel_pt_lock, irq);
	return err;
}

vd_err_t hal_pt_protect(paddr_t root, vaddr_t va, uint32_t flags)
{
	/* Kernel-half entries change under the kernel lock, like map and
	 * unmap: a protect racing an unmap must not bring the entry back. */
	bool khalf = kernel_half(va);
	hal_irqstate_t irq = 0;
	if (khalf)
		irq = vd_spin_lock_irqsave(&kernel_pt_lock);
	int level;
	uint64_t *e = a64_pt_walk(root, va, &level);
	if (!e) {
		if (khalf)
			vd_spin_unlock_irqrestore(&kernel_pt_lock, irq);
		return VD_ERR_MEM_NOT_MAPPED;
	}
	uint64_t old = *e;
	uint64_t d = pte_encode(flags, old & A64_PTE_ADDR_MASK, level);
	/* Changing the memory type of a live mapping needs
	 * break-before-make (ARM ARM D8.14); permissions do not. */
	if ((old & A64_PTE_VALID) && (d & A64_PTE_VALID) &&
	    ((old ^ d) & A64_PTE_ATTR_MASK)) {
		__atomic_store_n(e, 0, __ATOMIC_RELAXED);
		tlb_flush_va(va);
	}
	__atomic_store_n(e, d, __ATOMIC_RELAXED);
	tlb_flush_va(va);
	if (khalf)
		vd_spin_unlock_irqrestore(&kernel_pt_lock, irq);
	return VD_OK;
}

/* Free the table at `level` and every table below it. */
static void free_tables(paddr_t table, int level)
{
	if (level > 0) {
		uint64_t *t = table_va(table);
		for (int i = 0; i < A64_PT_ENTRIES; i++)
			if (pte_is_table(t[i]))
				free_tables(t[i] & A64_PTE_ADDR_MASK,
					    level - 1);
	}
	vd_pt_frame_free(table);
}

/* The root handle: table address and ASID, TTBR0's layout (asid.c). */
vd_err_t hal_pt_create(paddr_t *root_out)
{
	unsigned asid = a64_asid_alloc();
	if (!asid)
		return VD_ERR_OUT_OF_MEMORY;
	paddr_t root = vd_pt_frame_alloc();
	if (!root) {
		a64_asid_free(asid);
		return VD_ERR_OUT_OF_MEMORY;
	}
	/* the kernel half is TTBR1's: nothing to copy */
	*root_out = root | (uint64_t)asid << A64_TTBR_ASID_SHIFT;
	return VD_OK;
}

void hal_pt_destroy(paddr_t root)
{
	if (root == a64_empty_user_root || root == a64_kernel_root)
		return;
	/* Drop the space's entries, walk caches included, on every CPU
	 * (TLBI ASIDE1IS takes the ASID in bits 63:48, where it is), then
	 * its tables; then its ASID may return. */
	uint64_t asid_op = root & ~A64_PTE_ADDR_MASK;
	__asm__ volatile(
		"dsb ishst\n\ttlbi aside1is, %0\n\tdsb ish\n\tisb" ::"r"(
			asid_op)
		: "memory");
	free_tables(root & A64_PTE_ADDR_MASK, A64_PT_LEVELS - 1);
	a64_asid_free((unsigned)(root >> A64_TTBR_ASID_SHIFT));
}

paddr_t hal_pt_kernel_root(void)
{
	return a64_empty_user_root;
}

vaddr_t hal_user_top(void)
{
	return A64_USER_TOP;
}

/*
 * Switch to address space `root`: the root handle is TTBR0_EL1's value,
 * ASID included, and TLB entries are tagged with it, so nothing is
 * flushed (asid.c).  The ISB makes the new TTBR0 govern what follows:
 * the kernel's own accesses to user memory.  No stack frame: every
 * switch between processes calls it.  The fast path's exit,
 * hal_syscall_return_space (vectors.S), loads TTBR0 the same way.
 */
__attribute__((naked)) void hal_pt_activate(paddr_t root)
{
	__asm__("msr ttbr0_el1, x0\n\t"
		"isb\n\t"
		"ret");
}

void hal_tlb_flush_page(vaddr_t va)
{
	tlb_flush_va(va);
}

void hal_tlb_flush_all(void)
{
	__asm__ volatile("dsb ishst\n\ttlbi vmalle1is\n\tdsb ish\n\tisb" ::
				 : "memory");
}

void hal_icache_sync(const void *va, size_t len)
{
	uint64_t ctr = a64_read_sysreg(ctr_el0);
	uintptr_t dline = 4u << a64_id_field(ctr, A64_CTR_DMINLINE_SHIFT);
	uintptr_t iline = 4u << a64_id_field(ctr, A64_CTR_IMINLINE_SHIFT);
	uintptr_t start = (uintptr_t)va, end = start + len;
	for (uintptr_t p = start & ~(dline - 1); p < end; p += dline)
		__asm__ volatile("dc cvau, %0" ::"r"(p) : "memory");
	a64_dsb(ish);
	for (uintptr_t p = start & ~(iline - 1); p < end; p += iline)
		__asm__ volatile("ic ivau, %0" ::"r"(p) : "memory");
	a64_dsb(ish);
	a64_isb();
}

/*
 * Software access flag and dirty state (arch/mmu.h): an access-flag fault
 * sets AF; a write permission fault on a writable-clean page (DBM = 1,
 * AP[2] = 1) clears AP[2].  Both use compare-and-swap so a concurrent
 * unmap is never undone.  A permission fault on an EL0 page taken at EL1
 * with PSTATE.PAN set is a PAN violation, not a dirty fault.
 */
bool a64_fixup_ad_fault(vaddr_t va, uint64_t esr, uint64_t spsr)
{
	unsigned fsc = a64_esr_fsc_type(esr);
	bool af = fsc == A64_ESR_FSC_ACCESS,
	     perm = fsc == A64_ESR_FSC_PERMISSION;
	unsigned ec = a64_esr_ec(esr);
	bool write = a64_esr_is_write(esr);
	if (!af && !(perm && write))
		return false;

	int level;
	paddr_t root = a64_read_sysreg(ttbr0_el1) & A64_PTE_ADDR_MASK;
	uint64_t *e = a64_pt_walk(root, va, &level);
	if (!e)
		return false;
	uint64_t old = __atomic_load_n(e, __ATOMIC_RELAXED);
	if (!(old & A64_PTE_VALID))
		return false;
	uint64_t d = old | A64_PTE_AF;
	bool writable_clean = (old & A64_PTE_DBM) && (old & A64_PTE_AP_RO);
	if (write && writable_clean)
		d &= ~A64_PTE_AP_RO;
	if (perm) {
		bool pan = ec == A64_EC_DABT_CUR && (spsr & A64_PSR_PAN) &&
			   (old & A64_PTE_AP_EL0);
		if (pan || !(old & A64_PTE_DBM))
			return false; /* a real permission fault */
		if (!writable_clean) {
			/* Already dirty: a stale TLB entry of ours. */
			tlb_flush_va(va);
			return true;
		}
	}
	if (__atomic_compare_exchange_n(e, &old, d, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED) &&
	    perm)
		tlb_flush_va(va);
	return true;
}
