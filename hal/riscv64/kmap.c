/*
 * Boot-time kernel mappings: the physmap and the MMIO window.
 *
 * Both are linear windows, virtual = window base + physical, built from
 * 1 GiB leaves in the root table where a whole aligned gigabyte is
 * covered and 2 MiB leaves elsewhere.  The L1 tables for the 2 MiB leaves
 * come from a small static pool inside the image because this runs before
 * core's frame allocator exists.  The root entries written here are never
 * changed afterwards, so address spaces that copied the kernel half
 * (hal_pt_create) see the same kernel mappings.
 *
 * RAM regions are rounded out to 2 MiB.  On QEMU virt RAM starts 1 GiB
 * aligned, so nothing beyond RAM gets mapped.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <hal/driver.h>
#include <veridian/panic.h>

#define KMAP_L1_POOL 16

static uint64_t l1_pool[KMAP_L1_POOL][RV_PT_ENTRIES]
	__attribute__((aligned(4096)));
static unsigned l1_used;

bool rv_has_svpbmt;

static uint64_t *pool_table(uint64_t pte)
{
	return (uint64_t *)(uintptr_t)(RV_PTE_TO_PA(pte) + rv_va_pa_offset);
}

/* Map [start, end) (2 MiB aligned) at window + start. */
static void kmap_range(uintptr_t window, paddr_t start, paddr_t end,
		       uint64_t perm)
{
	while (start < end) {
		uint64_t *root_e =
			&rv_kernel_root[RV_PT_INDEX(window + start, 2)];
		paddr_t giga_end = (start & ~(RV_GIGA - 1)) + RV_GIGA;

		if ((*root_e & RV_PTE_V) && RV_PTE_IS_LEAF(*root_e)) {
			start = giga_end; /* already a 1 GiB leaf */
			continue;
		}
		if (!(*root_e & RV_PTE_V) && (start & (RV_GIGA - 1)) == 0 &&
		    end >= giga_end) {
			*root_e = RV_PA_TO_PTE(start) | perm;
			start = giga_end;
			continue;
		}
		if (!(*root_e & RV_PTE_V)) {
			if (l1_used == KMAP_L1_POOL)
				vd_panic(
					"riscv: kernel mapping pool exhausted");
			*root_e = RV_PA_TO_PTE(
					  rv_kimg_to_pa(l1_pool[l1_used++])) |
				  RV_PTE_V;
		}
		uint64_t *l1 = pool_table(*root_e);
		for (; start < end && start < giga_end; start += RV_MEGA2) {
			uint64_t *e = &l1[RV_PT_INDEX(window + start, 1)];
			if (!(*e & RV_PTE_V))
				*e = RV_PA_TO_PTE(start) | perm;
		}
	}
}

static void kmap_region(uintptr_t window, uint64_t limit, paddr_t pa,
			uint64_t size, uint64_t perm)
{
	paddr_t start = VD_ALIGN_DOWN(pa, RV_MEGA2);
	paddr_t end = VD_ALIGN_UP(pa + size, RV_MEGA2);
	if (end > limit)
		end = limit;
	if (start < end)
		kmap_range(window, start, end, perm);
}

void rv_physmap_init(const struct vd_boot_info *bi, paddr_t dtb_pa,
		     uint64_t dtb_size)
{
	/* Drop rv_early_map's temporary DTB gigabyte(s). */
	for (paddr_t pa = 0; pa < RV_PHYSMAP_LIMIT; pa += RV_GIGA)
		rv_kernel_root[RV_PT_INDEX(RV_PHYSMAP_BASE + pa, 2)] = 0;
	rv_sfence_vma_all();

	for (unsigned i = 0; i < bi->mem_count; i++)
		kmap_region(RV_PHYSMAP_BASE, RV_PHYSMAP_LIMIT, bi->mem[i].base,
			    bi->mem[i].size, RV_PTE_KERNEL_RW);
	/* The DTB stays readable even if a firmware put it outside RAM. */
	kmap_region(RV_PHYSMAP_BASE, RV_PHYSMAP_LIMIT, dtb_pa, dtb_size,
		    RV_PTE_KERNEL_RW);
	rv_sfence_vma_all();
}

void *rv_ioremap(paddr_t pa, uint64_t size)
{
	uint64_t perm = RV_PTE_KERNEL_RW | (rv_has_svpbmt ? RV_PTE_PBMT_IO : 0);
	/* compared without pa + size, which a bad address could wrap */
	if (pa >= RV_IOMAP_LIMIT || size > RV_IOMAP_LIMIT - pa)
		vd_panic("riscv: MMIO at 0x%llx is beyond the MMIO window",
			 (unsigned long long)pa);
	kmap_region(RV_IOMAP_BASE, RV_IOMAP_LIMIT, pa, size, perm);
	rv_sfence_vma_all();
	return (void *)(uintptr_t)(RV_IOMAP_BASE + pa);
}

void *hal_map_device(paddr_t pa, uint64_t size)
{
	return rv_ioremap(pa, size);
}
