/*
 * Fake page tables for the host test build: hal_pt_* over a software
 * 4-level radix tree shaped like x86-64's, but with an entry format made
 * for testing rather than for hardware.
 *
 * Virtual addresses are 48 bits, sign-extended ("canonical"); the lower
 * half [0, 2^47) is user space, the upper half the kernel's.  Each level
 * takes 9 bits of the address:
 *
 *   47    39 38    30 29    21 20    12 11        0
 *   | L3    | L2    | L1    | L0    | page offset |
 *
 * A table is one 4 KiB frame of 512 64-bit entries:
 *
 *   63        52 51                    12 11   10  9                  0
 *   |   zero    |  physical frame address | T | V | VD_PTE_* flags     |
 *
 *   V (bit 10)  the slot holds a leaf mapping (present or not: a mapping
 *               without VD_PTE_PRESENT still owns its frame, faults on
 *               access, and can be unmapped)
 *   T (bit 11)  the entry points to the next-level table
 *   flags       VD_PTE_* exactly as given to hal_pt_map: every portable
 *               flag is kept; ACCESSED and DIRTY are also set by
 *               host_pt_access, as hardware would.
 *
 * 4 KiB leaves live in L0 tables; a VD_PTE_HUGE leaf (2 MiB) lives in an
 * L1 table.  Empty user-half tables are freed on unmap; kernel-half tables
 * stay, since every address space shares them through its root.
 */
#include <host/pt_fake.h>
#include <veridian/string.h>

#define PT_ENTRIES	  512
#define PT_LEVELS	  4
#define PTE_VALID	  (1ull << 10)
#define PTE_TABLE	  (1ull << 11)
#define PTE_ADDR_MASK	  0x000ffffffffff000ull
#define USER_HALF_END	  ((vaddr_t)1 << 47)
#define KERNEL_HALF_INDEX 256 /* root entries 256..511 map the kernel half */

typedef uint64_t pte_t;

static paddr_t kernel_root;
static paddr_t active_root;
static unsigned long tlb_flushes;
static vaddr_t tlb_last;

void host_pt_reset(void)
{
	kernel_root = 0;
	active_root = 0;
	tlb_flushes = 0;
	tlb_last = 0;
}

static pte_t *table(paddr_t pa)
{
	return vd_phys_to_virt(pa);
}

static unsigned index_at(vaddr_t va, int level)
{
	return (unsigned)((va >> (12 + 9 * level)) & (PT_ENTRIES - 1));
}

static bool canonical(vaddr_t va)
{
	uint64_t top = (uint64_t)va >> 47;
	return top == 0 || top == 0x1ffff;
}

/*
 * Walk to the entry for va at `leaf_level` (0 for 4 KiB, 1 for 2 MiB),
 * allocating missing tables if `create`.  Returns NULL if a table is
 * missing (and not created) or a huge leaf is in the way.  `path` (if not
 * NULL) receives the table address of each level, for freeing on unmap.
 */
static pte_t *walk(paddr_t root, vaddr_t va, int leaf_level, bool create,
		   vd_err_t *err, paddr_t path[PT_LEVELS])
{
	paddr_t t = root;

	for (int level = PT_LEVELS - 1; level > leaf_level; level--) {
		pte_t *e = &table(t)[index_at(va, level)];
		if (path)
			path[level] = t;
		if (!(*e & PTE_TABLE)) {
			if (*e & PTE_VALID) {
				*err = VD_ERR_MEM_ALREADY_MAPPED; /* huge */
				return NULL;
			}
			if (!create) {
				*err = VD_ERR_MEM_NOT_MAPPED;
				return NULL;
			}
			paddr_t n = vd_pt_frame_alloc();
			if (!n) {
				*err = VD_ERR_OUT_OF_MEMORY;
				return NULL;
			}
			*e = n | PTE_TABLE;
		}
		t = *e & PTE_ADDR_MASK;
	}
	if (path)
		path[leaf_level] = t;
	return &table(t)[index_at(va, leaf_level)];
}

/* Find the leaf mapping va, 4 KiB or huge. */
static pte_t *find_leaf(paddr_t root, vaddr_t va, int *level_out,
			paddr_t path[PT_LEVELS])
{
	paddr_t t = root;

	if (!root || !canonical(va))
		return NULL;
	for (int level = PT_LEVELS - 1; level >= 0; level--) {
		pte_t *e = &table(t)[index_at(va, level)];
		if (path)
			path[level] = t;
		if (*e & PTE_VALID) {
			*level_out = level;
			return e;
		}
		if (!(*e & PTE_TABLE))
			return NULL;
		t = *e & PTE_ADDR_MASK;
	}
	return NULL;
}

static bool table_empty(paddr_t t)
{
	const pte_t *e = table(t);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (e[i])
			return false;
	return true;
}

paddr_t hal_pt_kernel_root(void)
{
	if (!kernel_root)
		kernel_root = vd_pt_frame_alloc();
	return kernel_root;
}

vd_err_t hal_pt_create(paddr_t *root_out)
{
	paddr_t k = hal_pt_kernel_root(), root;

	if (!k || !(root = vd_pt_frame_alloc()))
		return VD_ERR_OUT_OF_MEMORY;
	vd_memcpy(&table(root)[KERNEL_HALF_INDEX], &table(k)[KERNEL_HALF_INDEX],
		  (PT_ENTRIES - KERNEL_HALF_INDEX) * sizeof(pte_t));
	*root_out = root;
	return VD_OK;
}

static void free_subtree(paddr_t t, int level)
{
	pte_t *e = table(t);

	if (level > 0)
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			if (e[i] & PTE_TABLE)
				free_subtree(e[i] & PTE_ADDR_MASK, level - 1);
	vd_pt_frame_free(t);
}

void hal_pt_destroy(paddr_t root)
{
	pte_t *e = table(root);

	if (!root || root == kernel_root)
		return;
	for (unsigned i = 0; i < KERNEL_HALF_INDEX; i++)
		if (e[i] & PTE_TABLE)
			free_subtree(e[i] & PTE_ADDR_MASK, PT_LEVELS - 2);
	vd_pt_frame_free(root);
	if (active_root == root)
		active_root = 0;
}

vd_err_t hal_pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags)
{
	bool huge = flags & VD_PTE_HUGE;
	size_t size = huge ? VD_HUGE_PAGE_SIZE : VD_PAGE_SIZE;
	vd_err_t err = VD_OK;
	pte_t *e;

	if (!root || !canonical(va) || (flags & ~VD_PTE_ALL_FLAGS) ||
	    !VD_IS_ALIGNED(va, size) || !VD_IS_ALIGNED(pa, size) ||
	    (pa & ~PTE_ADDR_MASK))
		return VD_ERR_INVALID_PARAMETER;
	e = walk(root, va, huge ? 1 : 0, true, &err, NULL);
	if (!e)
		return err;
	if (*e & (PTE_VALID | PTE_TABLE))
		return VD_ERR_MEM_ALREADY_MAPPED; /* incl. tables under huge */
	*e = pa | PTE_VALID | flags;
	return VD_OK;
}

vd_err_t hal_pt_unmap(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	paddr_t path[PT_LEVELS];
	int level;
	pte_t *e = find_leaf(root, va, &level, path);

	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	if (pa_out) /* either may be NULL, as on the arches */
		*pa_out = *e & PTE_ADDR_MASK;
	if (flags_out)
		*flags_out = (uint32_t)(*e & VD_PTE_ALL_FLAGS);
	*e = 0;
	hal_tlb_flush_page(va);
	/* Free tables that became empty, bottom-up; never the root, never a
	 * table the kernel half shares between address spaces. */
	if (va < USER_HALF_END) {
		for (int l = level; l < PT_LEVELS - 1; l++) {
			if (!table_empty(path[l]))
				break;
			table(path[l + 1])[index_at(va, l + 1)] = 0;
			vd_pt_frame_free(path[l]);
		}
	}
	return VD_OK;
}

vd_err_t hal_pt_query(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out)
{
	int level;
	pte_t *e = find_leaf(root, va, &level, NULL);

	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	/* The 4 KiB frame backing va, also inside a huge page. */
	/* Either may be NULL (include/veridian/hal.h), as on the arches. */
	if (pa_out)
		*pa_out = (*e & PTE_ADDR_MASK) +
			  (level ? va & (VD_HUGE_PAGE_SIZE - VD_PAGE_SIZE) : 0);
	if (flags_out)
		*flags_out = (uint32_t)(*e & VD_PTE_ALL_FLAGS);
	return VD_OK;
}

vd_err_t hal_pt_protect(paddr_t root, vaddr_t va, uint32_t flags)
{
	int level;
	pte_t *e;

	if (flags & ~VD_PTE_ALL_FLAGS)
		return VD_ERR_INVALID_PARAMETER;
	e = find_leaf(root, va, &level, NULL);
	if (!e)
		return VD_ERR_MEM_NOT_MAPPED;
	/* The size of a mapping does not change: HUGE follows the entry. */
	flags = (flags & ~VD_PTE_HUGE) | (level ? VD_PTE_HUGE : 0);
	*e = (*e & (PTE_ADDR_MASK | PTE_VALID)) | flags;
	hal_tlb_flush_page(va);
	return VD_OK;
}

void hal_pt_activate(paddr_t root)
{
	active_root = root;
}

paddr_t host_pt_active(void)
{
	return active_root;
}

void hal_tlb_flush_page(vaddr_t va)
{
	tlb_flushes++;
	tlb_last = va;
}

void hal_tlb_flush_all(void)
{
	tlb_flushes++;
}

unsigned long host_tlb_flush_count(void)
{
	return tlb_flushes;
}

vaddr_t host_tlb_last_flush(void)
{
	return tlb_last;
}

vd_err_t host_pt_access(paddr_t root, vaddr_t va, unsigned access, bool user,
			paddr_t *pa_out)
{
	int level;
	pte_t *e = find_leaf(root, va, &level, NULL);
	size_t size;

	if (!e || !(*e & VD_PTE_PRESENT))
		return VD_ERR_MEM_NOT_MAPPED;
	if ((user && !(*e & VD_PTE_USER)) ||
	    ((access & VD_FAULT_WRITE) && !(*e & VD_PTE_WRITABLE)) ||
	    ((access & VD_FAULT_EXEC) && (*e & VD_PTE_NO_EXECUTE)))
		return VD_ERR_MEM_FAULT;
	size = level ? VD_HUGE_PAGE_SIZE : VD_PAGE_SIZE;
	*e |= VD_PTE_ACCESSED;
	if (access & VD_FAULT_WRITE)
		*e |= VD_PTE_DIRTY;
	if (pa_out)
		*pa_out = (*e & PTE_ADDR_MASK) + (va & (size - 1));
	return VD_OK;
}
