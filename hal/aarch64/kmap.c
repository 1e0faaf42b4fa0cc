/*
 * The kernel's own mappings after the MMU is on: the physmap (all RAM,
 * with the kernel image's read-only alias) and the devmap (MMIO the HAL
 * uses), both through early_map.c's boot mapper and its table pool, in
 * the shared kernel half (TTBR1).
 */
#include <arch/mmu.h>
#include <hal/driver.h>
#include <veridian/panic.h>

#define SZ_2M 0x200000ull /* the devmap maps whole 2 MiB blocks */
/* The devmap (A64_DEVMAP_BASE + pa) ends where the kernel image's
 * addresses begin: the physical span it can map. */
#define DEVMAP_PA_LIMIT (A64_KERNEL_VBASE - A64_DEVMAP_BASE)

/* Linker-script symbols (see kernel.ld). */
extern char _start[], _erodata[];

void a64_map_physmap(paddr_t base, uint64_t size)
{
	/* The physmap alias of the kernel's text and rodata stays read-only
	 * so the alias cannot be used to patch them. */
	paddr_t ro_lo = a64_load_pa;
	paddr_t ro_hi = a64_load_pa + ((uintptr_t)_erodata - (uintptr_t)_start);
	paddr_t end = base + size;
	paddr_t cut_lo = ro_lo < base ? base : (ro_lo > end ? end : ro_lo);
	paddr_t cut_hi = ro_hi < base ? base : (ro_hi > end ? end : ro_hi);
	if (cut_lo > base)
		a64_boot_map(a64_kernel_root, A64_PHYSMAP_BASE + base, base,
			     cut_lo - base, A64_PTE_KERNEL_RW);
	if (cut_hi > cut_lo)
		a64_boot_map(a64_kernel_root, A64_PHYSMAP_BASE + cut_lo, cut_lo,
			     cut_hi - cut_lo, A64_PTE_KERNEL_RO);
	if (end > cut_hi)
		a64_boot_map(a64_kernel_root, A64_PHYSMAP_BASE + cut_hi, cut_hi,
			     end - cut_hi, A64_PTE_KERNEL_RW);
}

void *a64_map_device(paddr_t pa, uint64_t size)
{
	/* an address from a DTB or a vd.<role>=name@addr option beyond the
	 * devmap would map the device over the kernel image, or wrap */
	if (pa >= DEVMAP_PA_LIMIT || size > DEVMAP_PA_LIMIT - pa)
		vd_panic("aarch64: MMIO at 0x%llx (size 0x%llx) is beyond the "
			 "device map",
			 (unsigned long long)pa, (unsigned long long)size);
	paddr_t b = pa & ~(SZ_2M - 1);
	paddr_t e = (pa + size + SZ_2M - 1) & ~(SZ_2M - 1);
	a64_boot_map(a64_kernel_root, A64_DEVMAP_BASE + b, b, e - b,
		     A64_PTE_DEVICE);
	/* a driver must not touch a device the tables could not map */
	if (a64_boot_pool_exhausted)
		vd_panic("aarch64: boot page-table pool exhausted mapping "
			 "device 0x%llx",
			 (unsigned long long)pa);
	return (void *)(uintptr_t)(A64_DEVMAP_BASE + pa);
}

void *hal_map_device(paddr_t pa, uint64_t size)
{
	return a64_map_device(pa, size);
}
