/*
 * x86_64 HAL: page tables (format and flag mapping in arch/mmu.h).
 *
 * Every table is reached through the physmap (hal_physmap_base + pa).
 * During early boot hal_physmap_base is still 0 and the boot page tables
 * identity-map low memory, so the same code builds the kernel's tables.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <veridian/hal.h>

uintptr_t hal_physmap_base;
uint64_t x86_pte_xd;
paddr_t x86_kernel_root;

static inline uint64_t *table_va(paddr_t pa)
{
	return (uint64_t *)(pa + hal_physmap_base);
}

static inline unsigned pt_index(vaddr_t va, int level)
{
	return X86_PT_INDEX(va, level);
}

static inline bool is_canonical(vaddr_t va)
{
	return va < X86_USER_END || va >= X86_PHYSMAP_BASE;
}

/* The entry of a leaf at `level` (0: 4 KiB, 1: 2 MiB, which flags says
 * with VD_PTE_HUGE). */
static inline uint64_t pte_encode(uint32_t flags, paddr_t pa, int level)
{
	uint64_t e = pa | (flags & X86_PTE_DIRECT_FLAGS) | X86_PTE_SW_LEAF;
	if (flags & VD_PTE_HUGE)
		e |= X86_PTE_PS;
	if (flags & VD_PTE_NO_EXECUTE)
		e |= x86_pte_xd;
	return e;
}

/* flags of a leaf found at `level` (1 = 2 MiB, 0 = 4 KiB) */
static inline uint32_t pte_decode(uint64_t e, int level)
{
	uint32_t f = (uint32_t)e & X86_PTE_DIRECT_FLAGS;
	if (level == 1)
		f |= VD_PTE_HUGE;
	if (e & X86_PTE_XD)
		f |= VD_PTE_NO_EXECUTE;
	return f;
}

/* noinline: keeps hal_pt_map's fast path free of this one's frame */
__attribute__((noinline)) vd_err_t x86_pt_map_with(paddr_t root, vaddr_t va,
						   paddr_t pa, uint32_t flags,
						   x86_table_alloc_fn alloc)
{
	int leaf_level = (flags & VD_PTE_HUGE) ? 1 : 0;
	uint64_t align = ((uint64_t)1 << X86_PT_SHIFT(leaf_level)) - 1;
	if (((va | pa) & align) || (pa & ~X86_PTE_ADDR) || !is_canonical(va))
		return VD_ERR_INVALID_PARAMETER;

	uint64_t table_bits =
		X86_PTE_P | X86_PTE_RW | (va < X86_USER_END ? X86_PTE_US : 0);
	uint64_t *table = table_va(root), *parent = NULL;
	for (int level = X86_PT_LEVELS - 1; level > leaf_level; level--) {
		uint64_t *e = &table[pt_index(va, level)];
		uint64_t v = *e;
		if (v == 0) {
			paddr_t t = alloc();
			if (!t)
				return VD_ERR_OUT_OF_MEMORY;
			v = t | table_bits;
			*e = v;
			if (parent)
				*parent += X86_PTE_COUNT_ONE;
		} else if (v & X86_PTE_SW_LEAF) {
			return VD_ERR_MEM_ALREADY_MAPPED; /* inside a huge leaf
							   */
		}
		parent = e;
		table = table_va(v & X86_PTE_ADDR);
	}
	uint64_t *leaf = &table[pt_index(va, leaf_level)];
	if (*leaf)
		return VD_ERR_MEM_ALREADY_MAPPED; /* page, or table under it */
	*leaf = pte_encode(flags, pa, leaf_level);
	*parent += X86_PTE_COUNT_ONE;
	return VD_OK;
}

/* A next-level table: P set and SW_LEAF clear. */
static inline bool pte_is_table(uint64_t e)
{
	return (e & (X86_PTE_P | X86_PTE_SW_LEAF)) == X86_PTE_P;
}

/* Follow a table entry, or NULL if it is empty or a leaf. */
static inline uint64_t *next_table(uint64_t e, uintptr_t base)
{
	if (!pte_is_table(e))
		return NULL;
	return (uint64_t *)((e & X86_PTE_ADDR) + base);
}

/*
 * The common case, a 4 KiB page under existing tables, is a straight
 * three-step walk; everything else (a missing table, huge pages, errors)
 * takes the general path.
 */
vd_err_t hal_pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags)
{
	uintptr_t base = hal_physmap_base;
	if (VD_LIKELY(!(flags & VD_PTE_HUGE) && !((va | pa) & 0xfff) &&
		      !(pa & ~X86_PTE_ADDR) && va < X86_USER_END)) {
		uint64_t *pdpt = next_table(
			((uint64_t *)(root + base))[pt_index(va, 3)], base);
		uint64_t *pd =
			pdpt ? next_table(pdpt[pt_index(va, 2)], base) : NULL;
		uint64_t *pde = pd ? &pd[pt_index(va, 1)] : NULL;
		uint64_t *pt = pde ? next_table(*pde, base) : NULL;
		if (pt && pt[pt_index(va, 0)] == 0) {
			pt[pt_index(va, 0)] = pte_encode(flags, pa, 0);
			*pde += X86_PTE_COUNT_ONE;
			return VD_OK;
		}
	}
	return x86_pt_map_with(root, va, pa, flags, vd_pt_frame_alloc);
}

/*
 * The leaf entry for va, or NULL if nothing maps it; *level gets the
 * leaf's level, and path[l] (if path is not NULL) the entry at level l
 * on the way (path[X86_PT_LEVELS - 1] in the root).
 */
static uint64_t *walk(paddr_t root, vaddr_t va, int *level,
		      uint64_t *path[X86_PT_LEVELS])
{
	if (!is_canonical(va))
		return NULL;
	uint64_t *table = table_va(root);
	for (int l = X86_PT_LEVELS - 1; l >= 0; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (path)
			path[l] = e;
		uint64_t v = *e;
		if (v == 0)
			return NULL;
		if (v & X86_PTE_SW_LEAF) {
			*level = l;
			return e;
		}
		table = table_va(v & X86_PTE_ADDR);
	}
	return NULL;
}

uint64_t *x86_pt_walk(paddr_t root, vaddr_t va, int *level)
{
	return walk(root, va, level, NULL);
}

/* frame of the 4 KiB page containing va inside a leaf at `level` */
static paddr_t leaf_frame(uint64_t e, int level, vaddr_t va)
{
	uint64_t span = ((uint64_t)1 << X86_PT_SHIFT(level)) - 1;
	return ((e & X86_PTE_ADDR) & ~span) | (va & span & ~(uint64_t)0xfff);
}

/* Walk to va's leaf and report its frame and flags (either may be NULL).
 * Returns the leaf's level, or -1 if unmapped.  Inlined: it is most of
 * hal_pt_query and hal_pt_unmap. */
static inline __attribute__((always_inline)) int
walk_and_report(paddr_t root, vaddr_t va, uint64_t *path[X86_PT_LEVELS],
		paddr_t *pa_out, uint32_t *flags_out)
{
	int level;
	uint64_t *leaf = walk(root, va, &level, path);
	if (!leaf)
		return -1;
	uint64_t e = *leaf;
	if (pa_out)
		*pa_out = leaf_frame(e, level, va);
	if (flags_out)
		*flags_out = pte_decode(e, level);
	return level;
}

vd_err_t hal_pt_query(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	uint64_t *path[X86_PT_LEVELS];
	return walk_and_report(root, va, path, pa_out, flags_out) < 0
		       ? VD_ERR_MEM_NOT_MAPPED
		       : VD_OK;
}

vd_err_t hal_pt_unmap(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	uint64_t *path[X86_PT_LEVELS];
	int level = walk_and_report(root, va, path, pa_out, flags_out);
	if (level < 0)
		return VD_ERR_MEM_NOT_MAPPED;
	*path[level] = 0;

	/* Drop the count in each parent entry; free tables that empty.
	 * Tables hanging off the kernel half of a root are shared by all
	 * address spaces and stay. */
	paddr_t freed[3];
	int nfreed = 0;
	const int top = X86_PT_LEVELS - 1;
	for (int l = level + 1; l <= top; l++) {
		uint64_t *pe = path[l];
		*pe -= X86_PTE_COUNT_ONE;
		if ((*pe & X86_PTE_COUNT_MASK) ||
		    (l == top && va >= X86_USER_END))
			break;
		freed[nfreed++] = *pe & X86_PTE_ADDR;
		*pe = 0;
		if (l == top)
			break;
	}
	/* INVLPG also drops the paging-structure caches for va, so the
	 * freed tables are unreachable before they are recycled. */
	x86_invlpg(va);
	for (int i = 0; i < nfreed; i++)
		vd_pt_frame_free(freed[i]);
	return VD_OK;
}

vd_err_t hal_pt_protect(paddr_t root, vaddr_t va, uint32_t flags)
{
	int level;
	uint64_t *leaf = walk(root, va, &level, NULL);
	if (!leaf)
		return VD_ERR_MEM_NOT_MAPPED;
	/* the mapping keeps its size: HUGE follows the leaf, not flags */
	flags &= ~VD_PTE_HUGE;
	if (level == 1)
		flags |= VD_PTE_HUGE;
	*leaf = pte_encode(flags, *leaf & X86_PTE_ADDR, level);
	x86_invlpg(va);
	return VD_OK;
}

paddr_t hal_pt_kernel_root(void)
{
	return x86_kernel_root;
}

vd_err_t hal_pt_create(paddr_t *root_out)
{
	paddr_t root = vd_pt_frame_alloc();
	if (!root)
		return VD_ERR_OUT_OF_MEMORY;
	uint64_t *dst = table_va(root), *src = table_va(x86_kernel_root);
	for (int i = X86_PT_ENTRIES / 2; i < X86_PT_ENTRIES; i++)
		dst[i] = src[i];
	*root_out = root;
	return VD_OK;
}

/* Free the table at `level` and every table below it. */
static void free_tables(paddr_t table, int level)
{
	uint64_t *t = table_va(table);
	if (level > 0) {
		for (int i = 0; i < X86_PT_ENTRIES; i++) {
			uint64_t v = t[i];
			if (v && !(v & X86_PTE_SW_LEAF))
				free_tables(v & X86_PTE_ADDR, level - 1);
		}
	}
	vd_pt_frame_free(table);
}

void hal_pt_destroy(paddr_t root)
{
	uint64_t *t = table_va(root);
	for (int i = 0; i < X86_PT_ENTRIES / 2; i++) {
		if (t[i])
			free_tables(t[i] & X86_PTE_ADDR, X86_PT_LEVELS - 2);
	}
	vd_pt_frame_free(root);
}

/* Writing CR3 flushes the non-global TLB entries, so the scheduler calls
 * this only on a change (hal.h).  No stack frame: every switch between
 * processes calls it. */
__attribute__((naked)) void hal_pt_activate(paddr_t root)
{
	__asm__("movq %rdi, %cr3\n\t"
		"ret");
}

void hal_tlb_flush_page(vaddr_t va)
{
	x86_invlpg(va);
}

void hal_tlb_flush_all(void)
{
	/* Toggling CR4.PGE flushes global entries as well (SDM 4.10.4.1);
	 * a CR3 reload alone would keep the kernel's. */
	uint64_t cr4 = x86_read_cr4();
	if (cr4 & X86_CR4_PGE) {
		x86_write_cr4(cr4 & ~(uint64_t)X86_CR4_PGE);
		x86_write_cr4(cr4);
	} else {
		x86_write_cr3(x86_read_cr3());
	}
}

void hal_icache_sync(const void *va, size_t len)
{
	/* x86 keeps instruction fetch coherent with stores */
	(void)va;
	(void)len;
}

vaddr_t hal_user_top(void)
{
	/* One page short of the canonical boundary, as Linux does: a
	 * SYSCALL in the last page would return to a non-canonical RIP. */
	return X86_USER_END - VD_PAGE_SIZE;
}
