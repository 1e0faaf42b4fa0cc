/*
 * Page tables of address spaces (Sv39): hal_pt_* and TLB maintenance.
 * Entry format and the portable-flag encoding: rv/pte.h.
 *
 * Tables are reached through the physmap.  Intermediate tables come from
 * vd_pt_frame_alloc (zeroed) and go back through vd_pt_frame_free when an
 * unmap leaves them empty -- except tables hanging directly off the root's
 * kernel half, which every address space shares (hal_pt_create copies
 * those root entries).
 *
 * TLB: RISC-V lets a hart cache invalid entries too, so even a new
 * mapping is followed by a local `sfence.vma va` (one instruction); the
 * kernel uses no ASIDs, so activating a table flushes everything.
 */
#include <rv/csr.h>
#include <rv/mmu.h>
#include <rv/pte.h>
#include <rv/sbi.h>

#define KERNEL_HALF_FIRST 256 /* root index of RV_PHYSMAP_BASE */

static inline uint64_t *table_of(paddr_t pa)
{
	return (uint64_t *)vd_phys_to_virt(pa);
}

/* Sv39: bits 63..39 must copy bit 38. */
static inline bool va_canonical(vaddr_t va)
{
	return (uint64_t)((int64_t)(va << 25) >> 25) == va;
}

static uint64_t pte_encode(uint32_t flags)
{
	uint64_t pte = PTE_V | PTE_R;
	if (flags & VD_PTE_WRITABLE)
		pte |= PTE_W;
	if (!(flags & VD_PTE_NO_EXECUTE))
		pte |= PTE_X;
	if (flags & VD_PTE_USER)
		pte |= PTE_U;
	if (flags & VD_PTE_GLOBAL)
		pte |= PTE_G;
	if (flags & VD_PTE_ACCESSED)
		pte |= PTE_A;
	if (flags & VD_PTE_DIRTY)
		pte |= PTE_D;
	if (flags & VD_PTE_CACHE_DISABLE)
		pte |= PTE_SW_CD | (rv_has_svpbmt ? PTE_PBMT_IO : 0);
	if (flags & VD_PTE_WRITE_THROUGH) {
		pte |= PTE_SW_WT;
		if (rv_has_svpbmt && !(flags & VD_PTE_CACHE_DISABLE))
			pte |= PTE_PBMT_NC;
	}
	return pte;
}

static uint32_t pte_decode(uint64_t pte, int level)
{
	uint32_t flags = VD_PTE_PRESENT;
	if (pte & PTE_W)
		flags |= VD_PTE_WRITABLE;
	if (!(pte & PTE_X))
		flags |= VD_PTE_NO_EXECUTE;
	if (pte & PTE_U)
		flags |= VD_PTE_USER;
	if (pte & PTE_G)
		flags |= VD_PTE_GLOBAL;
	if (pte & PTE_A)
		flags |= VD_PTE_ACCESSED;
	if (pte & PTE_D)
		flags |= VD_PTE_DIRTY;
	if (pte & PTE_SW_CD)
		flags |= VD_PTE_CACHE_DISABLE;
	if (pte & PTE_SW_WT)
		flags |= VD_PTE_WRITE_THROUGH;
	if (level == 1)
		flags |= VD_PTE_HUGE;
	return flags;
}

/*
 * Find the leaf entry for va.  Returns it with its level (0: 4 KiB, 1:
 * 2 MiB, 2: 1 GiB), or NULL if nothing maps va.  tables[] receives the
 * table visited at each level.
 */
static uint64_t *pt_find(paddr_t root, vaddr_t va, int *level_out,
			 uint64_t *tables[PT_LEVELS])
{
	uint64_t *table = table_of(root);
	for (int level = PT_LEVELS - 1;; level--) {
		uint64_t *e = &table[PT_INDEX(va, level)];
		if (tables)
			tables[level] = table;
		if (!(*e & PTE_V))
			return NULL;
		if (PTE_IS_LEAF(*e)) {
			*level_out = level;
			return e;
		}
		if (level == 0)
			return NULL; /* malformed: pointer at the last level */
		table = table_of(PTE_TO_PA(*e));
	}
}

vd_err_t hal_pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags)
{
	bool huge = flags & VD_PTE_HUGE;
	uint64_t mask = (huge ? VD_HUGE_PAGE_SIZE : VD_PAGE_SIZE) - 1;

	if (VD_UNLIKELY(((va | pa) & mask) || !va_canonical(va) ||
			(flags & ~VD_PTE_ALL_FLAGS) ||
			!(flags & VD_PTE_PRESENT) || (pa >> 56)))
		return VD_ERR_INVALID_PARAMETER;

	uint64_t *e = &table_of(root)[PT_INDEX(va, 2)];
	for (int level = 2; level > (huge ? 1 : 0); level--) {
		uint64_t pte = *e;
		if (!(pte & PTE_V)) {
			paddr_t frame = vd_pt_frame_alloc();
			if (!frame)
				return VD_ERR_OUT_OF_MEMORY;
			pte = PA_TO_PTE(frame) | PTE_V;
			*e = pte;
		} else if (PTE_IS_LEAF(pte)) {
			return VD_ERR_MEM_ALREADY_MAPPED; /* inside a bigger page */
		}
		e = &table_of(PTE_TO_PA(pte))[PT_INDEX(va, level - 1)];
	}
	/* A valid entry here is a mapping -- or, for a huge page, a table
	 * of smaller mappings: either way the range is taken. */
	if (*e & PTE_V)
		return VD_ERR_MEM_ALREADY_MAPPED;
	*e = PA_TO_PTE(pa) | pte_encode(flags);
	rv_sfence_vma_page(va);
	return VD_OK;
}

static bool table_empty(const uint64_t *table)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

vd_err_t hal_pt_unmap(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	uint64_t *tables[PT_LEVELS];
	int level;
	if (!va_canonical(va))
		return VD_ERR_INVALID_PARAMETER;
	uint64_t *e = pt_find(root, va, &level, tables);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	if (level == 2)
		return VD_ERR_INVALID_PARAMETER; /* 1 GiB kernel leaves stay */

	uint64_t pte = *e;
	*e = 0;
	rv_sfence_vma_page(va);
	if (pa_out)
		*pa_out = PTE_TO_PA(pte);
	if (flags_out)
		*flags_out = pte_decode(pte, level);

	/* Free the tables this leaves empty, bottom-up; never a table the
	 * kernel half of the root points to (shared by all spaces). */
	bool freed = false;
	for (int l = level; l < PT_LEVELS - 1; l++) {
		uint64_t *parent_e = &tables[l + 1][PT_INDEX(va, l + 1)];
		if (l + 1 == PT_LEVELS - 1 &&
		    PT_INDEX(va, l + 1) >= KERNEL_HALF_FIRST)
			break;
		if (!table_empty(tables[l]))
			break;
		paddr_t table_pa = PTE_TO_PA(*parent_e);
		*parent_e = 0;
		vd_pt_frame_free(table_pa);
		freed = true;
	}
	/* `sfence.vma va` covers leaf entries only; a dropped table may be
	 * cached as a non-leaf entry. */
	if (freed)
		rv_sfence_vma_all();
	return VD_OK;
}

vd_err_t hal_pt_query(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	int level;
	if (!va_canonical(va))
		return VD_ERR_INVALID_PARAMETER;
	uint64_t *e = pt_find(root, va, &level, NULL);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	if (pa_out)
		*pa_out = PTE_TO_PA(*e);
	if (flags_out)
		*flags_out = pte_decode(*e, level);
	return VD_OK;
}

vd_err_t hal_pt_protect(paddr_t root, vaddr_t va, uint32_t flags)
{
	int level;
	if (!va_canonical(va) || (flags & ~VD_PTE_ALL_FLAGS) ||
	    !(flags & VD_PTE_PRESENT))
		return VD_ERR_INVALID_PARAMETER;
	uint64_t *e = pt_find(root, va, &level, NULL);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	/* The page size stays what it is. */
	if (level == 2 || (level == 1) != !!(flags & VD_PTE_HUGE))
		return VD_ERR_INVALID_PARAMETER;
	*e = (*e & PTE_PPN_MASK) | pte_encode(flags);
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
	uint64_t *dst = table_of(root);
	for (unsigned i = KERNEL_HALF_FIRST; i < PT_ENTRIES; i++)
		dst[i] = rv_kernel_root[i];
	*root_out = root;
	return VD_OK;
}

void hal_pt_destroy(paddr_t root)
{
	if (root == hal_pt_kernel_root())
		return;
	uint64_t *l2 = table_of(root);
	for (unsigned i = 0; i < KERNEL_HALF_FIRST; i++) {
		if (!(l2[i] & PTE_V) || PTE_IS_LEAF(l2[i]))
			continue;
		uint64_t *l1 = table_of(PTE_TO_PA(l2[i]));
		for (unsigned j = 0; j < PT_ENTRIES; j++)
			if ((l1[j] & PTE_V) && !PTE_IS_LEAF(l1[j]))
				vd_pt_frame_free(PTE_TO_PA(l1[j]));
		vd_pt_frame_free(PTE_TO_PA(l2[i]));
	}
	vd_pt_frame_free(root);
}

void hal_pt_activate(paddr_t root)
{
	csr_write(satp, SATP_MODE_SV39 | ((root >> 12) & SATP_PPN_MASK));
	rv_sfence_vma_all();
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
