/*
 * Page tables of address spaces (Sv39): hal_pt_* and TLB maintenance.
 * Entry format and the portable-flag encoding: arch/mmu.h.
 *
 * Tables are reached through the physmap.  Intermediate tables come from
 * vd_pt_frame_alloc (zeroed) and go back through vd_pt_frame_free when an
 * unmap leaves them empty -- except tables hanging directly off the root's
 * kernel half, which every address space shares (hal_pt_create copies
 * those root entries).
 *
 * Semantics follow the host fake (hal/host/pt_fake.c): a mapping without
 * VD_PTE_PRESENT owns its slot, protect keeps the page size.
 *
 * TLB: RISC-V lets a hart cache invalid entries too, so even a new
 * mapping is followed by a local `sfence.vma va` (one instruction); the
 * kernel uses no ASIDs, so activating a table flushes everything.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sbi.h>

#define KERNEL_HALF_FIRST 256 /* root index of RV_PHYSMAP_BASE */

static inline uint64_t *table_va(paddr_t pa)
{
	return (uint64_t *)vd_phys_to_virt(pa);
}

static inline unsigned pt_index(vaddr_t va, int level)
{
	return RV_PT_INDEX(va, level);
}

/* The table an entry sits in (tables are page aligned). */
static inline uint64_t *table_of_entry(uint64_t *e)
{
	return (uint64_t *)((uintptr_t)e & ~(uintptr_t)(VD_PAGE_SIZE - 1));
}

/* Sv39: bits 63..39 must copy bit 38. */
static inline bool va_canonical(vaddr_t va)
{
	return (uint64_t)((int64_t)(va << (64 - RV_VA_BITS)) >>
			  (64 - RV_VA_BITS)) == va;
}

/*
 * A mapping without VD_PTE_PRESENT is kept as an entry with V clear: the
 * hardware ignores every other bit then, so the frame and the remaining
 * flags stay recorded (R is always set, which marks the slot as a leaf)
 * and the page faults on access, as the portable contract wants.
 */
/* The entry of a leaf at `level` (the level decides the page size). */
static uint64_t pte_encode(uint32_t flags, paddr_t pa, int level)
{
	uint64_t pte = RV_PA_TO_PTE(pa) | RV_PTE_R;
	if (flags & VD_PTE_PRESENT)
		pte |= RV_PTE_V;
	if (flags & VD_PTE_WRITABLE)
		pte |= RV_PTE_W;
	if (!(flags & VD_PTE_NO_EXECUTE))
		pte |= RV_PTE_X;
	if (flags & VD_PTE_USER)
		pte |= RV_PTE_U;
	if (flags & VD_PTE_GLOBAL)
		pte |= RV_PTE_G;
	if (flags & VD_PTE_ACCESSED)
		pte |= RV_PTE_A;
	if (flags & VD_PTE_DIRTY)
		pte |= RV_PTE_D;
	if (flags & VD_PTE_CACHE_DISABLE)
		pte |= RV_PTE_SW_CD | (rv_has_svpbmt ? RV_PTE_PBMT_IO : 0);
	if (flags & VD_PTE_WRITE_THROUGH) {
		pte |= RV_PTE_SW_WT;
		if (rv_has_svpbmt && !(flags & VD_PTE_CACHE_DISABLE))
			pte |= RV_PTE_PBMT_NC;
	}
	return pte;
}

static uint32_t pte_decode(uint64_t pte, int level)
{
	uint32_t flags = 0;
	if (pte & RV_PTE_V)
		flags |= VD_PTE_PRESENT;
	if (pte & RV_PTE_W)
		flags |= VD_PTE_WRITABLE;
	if (!(pte & RV_PTE_X))
		flags |= VD_PTE_NO_EXECUTE;
	if (pte & RV_PTE_U)
		flags |= VD_PTE_USER;
	if (pte & RV_PTE_G)
		flags |= VD_PTE_GLOBAL;
	if (pte & RV_PTE_A)
		flags |= VD_PTE_ACCESSED;
	if (pte & RV_PTE_D)
		flags |= VD_PTE_DIRTY;
	if (pte & RV_PTE_SW_CD)
		flags |= VD_PTE_CACHE_DISABLE;
	if (pte & RV_PTE_SW_WT)
		flags |= VD_PTE_WRITE_THROUGH;
	if (level == 1)
		flags |= VD_PTE_HUGE;
	return flags;
}

/* A next-level table pointer: valid, no permission bits. */
static inline bool pte_is_table(uint64_t pte)
{
	return (pte & (RV_PTE_V | RV_PTE_RWX)) == RV_PTE_V;
}

/*
 * The leaf entry (present or not) for va, or NULL if nothing maps it;
 * *level gets the leaf's level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), and
 * path[l] (if path is not NULL) the entry at level l on the way
 * (path[RV_PT_LEVELS - 1] in the root).
 */
static uint64_t *walk(paddr_t root, vaddr_t va, int *level,
		      uint64_t *path[RV_PT_LEVELS])
{
	if (!va_canonical(va))
		return NULL;
	uint64_t *table = table_va(root);
	for (int l = RV_PT_LEVELS - 1; l >= 0; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (path)
			path[l] = e;
		if (*e == 0)
			return NULL;
		if (!pte_is_table(*e)) {
			*level = l;
			return e;
		}
		table = table_va(RV_PTE_TO_PA(*e));
	}
	return NULL; /* malformed: a table pointer at the last level */
}

uint64_t *rv_pt_walk(paddr_t root, vaddr_t va, int *level)
{
	return walk(root, va, level, NULL);
}

/* hal_pt_map when an intermediate table is missing: allocate them. */
static vd_err_t __attribute__((noinline))
map_with_new_tables(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags)
{
	int leaf = (flags & VD_PTE_HUGE) ? 1 : 0;
	uint64_t *e = &table_va(root)[pt_index(va, RV_PT_LEVELS - 1)];
	for (int level = RV_PT_LEVELS - 1; level > leaf; level--) {
		uint64_t pte = *e;
		if (pte == 0) {
			paddr_t frame = vd_pt_frame_alloc();
			if (!frame)
				return VD_ERR_OUT_OF_MEMORY;
			pte = RV_PA_TO_PTE(frame) | RV_PTE_V;
			*e = pte;
		} else if (!pte_is_table(pte)) {
			return VD_ERR_MEM_ALREADY_MAPPED; /* inside a bigger
							     page */
		}
		e = &table_va(RV_PTE_TO_PA(pte))[pt_index(va, level - 1)];
	}
	if (*e != 0)
		return VD_ERR_MEM_ALREADY_MAPPED;
	*e = pte_encode(flags, pa, leaf);
	rv_sfence_vma_page(va);
	return VD_OK;
}

/*
 * The common case -- tables exist -- walks without calls, so it needs no
 * stack frame; anything else goes to map_with_new_tables.
 */
vd_err_t hal_pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags)
{
	bool huge = flags & VD_PTE_HUGE;
	uint64_t mask = (huge ? VD_HUGE_PAGE_SIZE : VD_PAGE_SIZE) - 1;

	if (VD_UNLIKELY(((va | pa) & mask) || !va_canonical(va) ||
			(flags & ~VD_PTE_ALL_FLAGS) || (pa >> RV_PA_BITS)))
		return VD_ERR_INVALID_PARAMETER;

	uint64_t pte = table_va(root)[pt_index(va, 2)];
	if (VD_UNLIKELY(!pte_is_table(pte)))
		goto slow;
	uint64_t *table = table_va(RV_PTE_TO_PA(pte));
	if (!huge) {
		pte = table[pt_index(va, 1)];
		if (VD_UNLIKELY(!pte_is_table(pte)))
			goto slow;
		table = table_va(RV_PTE_TO_PA(pte));
	}
	/* A used slot holds a mapping -- or, for a huge page, a table of
	 * smaller mappings: either way the range is taken. */
	int level = huge ? 1 : 0;
	uint64_t *e = &table[pt_index(va, level)];
	if (*e != 0)
		return VD_ERR_MEM_ALREADY_MAPPED;
	*e = pte_encode(flags, pa, level);
	rv_sfence_vma_page(va);
	return VD_OK;
slow:
	return map_with_new_tables(root, va, pa, flags);
}

static bool table_empty(const uint64_t *table)
{
	for (unsigned i = 0; i < RV_PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

vd_err_t hal_pt_unmap(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	uint64_t *path[RV_PT_LEVELS];
	int level;
	uint64_t *e = walk(root, va, &level, path);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	if (level == 2)
		return VD_ERR_INVALID_PARAMETER; /* 1 GiB physmap leaves stay */

	uint64_t pte = *e;
	*e = 0;
	rv_sfence_vma_page(va);
	if (pa_out)
		*pa_out = RV_PTE_TO_PA(pte);
	if (flags_out)
		*flags_out = pte_decode(pte, level);

	/* Free the user-half tables this leaves empty, bottom-up.  Kernel-
	 * half tables stay: every address space shares them (and some are
	 * static boot tables inside the image). */
	if (va >= RV_USER_TOP)
		return VD_OK;
	paddr_t freed[RV_PT_LEVELS - 1];
	int nfreed = 0;
	for (int l = level;
	     l < RV_PT_LEVELS - 1 && table_empty(table_of_entry(path[l]));
	     l++) {
		uint64_t *parent_e = path[l + 1];
		freed[nfreed++] = RV_PTE_TO_PA(*parent_e);
		*parent_e = 0;
	}
	/* `sfence.vma va` covers leaf entries only; a dropped table may be
	 * cached as a non-leaf entry.  Flush before the frames go back: once
	 * freed they can be reused (and rewritten) at once, and a walk must
	 * not find them through a stale entry. */
	if (nfreed)
		rv_sfence_vma_all();
	for (int i = 0; i < nfreed; i++)
		vd_pt_frame_free(freed[i]);
	return VD_OK;
}

vd_err_t hal_pt_query(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	int level;
	uint64_t *e = walk(root, va, &level, NULL);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	/* The 4 KiB frame backing va, also inside a 2 MiB / 1 GiB page. */
	uint64_t page_mask = (1ul << RV_PT_SHIFT(level)) - VD_PAGE_SIZE;
	if (pa_out)
		*pa_out = RV_PTE_TO_PA(*e) + (va & page_mask);
	if (flags_out)
		*flags_out = pte_decode(*e, level);
	return VD_OK;
}

vd_err_t hal_pt_protect(paddr_t root, vaddr_t va, uint32_t flags)
{
	int level;
	if (flags & ~VD_PTE_ALL_FLAGS)
		return VD_ERR_INVALID_PARAMETER;
	uint64_t *e = walk(root, va, &level, NULL);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	if (level == 2)
		return VD_ERR_INVALID_PARAMETER; /* 1 GiB physmap leaves stay */
	/* The size of a mapping never changes: HUGE follows the entry. */
	*e = pte_encode(flags, RV_PTE_TO_PA(*e), level);
	rv_sfence_vma_page(va);
	return VD_OK;
}

paddr_t hal_pt_kernel_root(void)
{
	return rv_kimg_to_pa(rv_kernel_root);
}

vd_err_t hal_pt_create(paddr_t *root_out)
{
	paddr_t root = vd_pt_frame_alloc();
	if (!root)
		return VD_ERR_OUT_OF_MEMORY;
	uint64_t *dst = table_va(root);
	for (unsigned i = KERNEL_HALF_FIRST; i < RV_PT_ENTRIES; i++)
		dst[i] = rv_kernel_root[i];
	*root_out = root;
	return VD_OK;
}

void hal_pt_destroy(paddr_t root)
{
	if (root == hal_pt_kernel_root())
		return;
	uint64_t *l2 = table_va(root);
	for (unsigned i = 0; i < KERNEL_HALF_FIRST; i++) {
		if (!pte_is_table(l2[i]))
			continue;
		uint64_t *l1 = table_va(RV_PTE_TO_PA(l2[i]));
		for (unsigned j = 0; j < RV_PT_ENTRIES; j++)
			if (pte_is_table(l1[j]))
				vd_pt_frame_free(RV_PTE_TO_PA(l1[j]));
		vd_pt_frame_free(RV_PTE_TO_PA(l2[i]));
	}
	vd_pt_frame_free(root);
}

/*
 * The root handle is the root table's physical address; satp wants Sv39
 * mode and the PPN.  No stack frame: every switch between processes calls
 * it.  hal_syscall_return_space (vectors.S) inlines the same sequence
 * (load_satp), which hard-codes the mode too.
 */
_Static_assert(SATP_MODE_SV39 == 8ul << 60, "load_satp: Sv39 is 8");
__attribute__((naked)) void hal_pt_activate(paddr_t root)
{
	__asm__("slli a0, a0, %0\n\t" /* drop bits above the PA */
		"srli a0, a0, %1\n\t" /* PPN */
		"li a1, 8\n\t"
		"slli a1, a1, 60\n\t"
		"or a0, a0, a1\n\t"
		"csrw satp, a0\n\t"
		"sfence.vma\n\t"
		"ret" ::"i"(64 - RV_PA_BITS),
		"i"(64 - RV_PA_BITS + 12));
}

void hal_tlb_flush_page(vaddr_t va)
{
	rv_sfence_vma_page(va);
}

void hal_tlb_flush_all(void)
{
	rv_sfence_vma_all();
}

/* fence.i only orders this hart's fetches; other online harts get a
 * remote fence.i through SBI. */
void hal_icache_sync(const void *va, size_t len)
{
	(void)va;
	(void)len;
	rv_fence_i();
	if (hal_cpu_count() > 1)
		sbi_remote_fence_i(0, -1ul);
}

vaddr_t hal_user_top(void)
{
	return RV_USER_TOP;
}
