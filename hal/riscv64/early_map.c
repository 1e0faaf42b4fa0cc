/*
 * The first page table, built with the MMU still off.
 *
 * This file runs at the physical address the image was loaded at, before
 * the kernel's own virtual addresses exist.  It works because the code is
 * compiled -mcmodel=medany (every global is reached PC-relatively, so
 * `table` below is the table's physical address right now) and with
 * -fno-jump-tables (a switch would otherwise load absolute link-time
 * addresses).  No pointer-holding initialised data may be touched here.
 *
 * What it maps (see arch/defs.h):
 *   - the kernel image at RV_KERNEL_VBASE with 4 KiB pages, W^X per
 *     section (text RX, rodata R, data+bss RW);
 *   - the gigabyte(s) holding the DTB inside the physmap, so that
 *     rv_boot_main can read the memory map; rv_boot_main replaces this
 *     temporary mapping with the real physmap once it knows where RAM is.
 * There is no identity mapping: head.S enters the upper half through a
 * trap (see there).
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/mmu.h>

extern char _kernel_start[], _etext[], _erodata[], _end[];

/* Tables of the boot page table; page aligned, in .bss. */
uint64_t rv_kernel_root[RV_PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t kernel_l1[RV_PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t kernel_l0[RV_KERNEL_L0_TABLES][RV_PT_ENTRIES]
	__attribute__((aligned(4096)));

paddr_t rv_kernel_pa;	  /* where the image was loaded */
uint64_t rv_va_pa_offset; /* kernel image virtual - physical */
uint64_t rv_kernel_satp;  /* satp value of the kernel page table */

static uint32_t be32(const volatile uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void map_gigabyte_of(paddr_t pa)
{
	paddr_t base = pa & ~(RV_GIGA - 1);
	if (pa >= RV_PHYSMAP_LIMIT)
		return; /* rv_boot_main reports the missing DTB */
	rv_kernel_root[RV_PT_INDEX(RV_PHYSMAP_BASE + base, 2)] =
		RV_PA_TO_PTE(base) | RV_PTE_KERNEL_RW;
}

/* Returns the satp value that turns this table on. */
uint64_t rv_early_map(paddr_t dtb_pa)
{
	paddr_t pa = (paddr_t)(uintptr_t)_kernel_start;
	uint64_t text_end = (uint64_t)(_etext - _kernel_start);
	uint64_t rodata_end = (uint64_t)(_erodata - _kernel_start);
	uint64_t size = (uint64_t)(_end - _kernel_start);

	rv_kernel_pa = pa;
	rv_va_pa_offset = RV_KERNEL_VBASE - pa;

	rv_kernel_root[RV_PT_INDEX(RV_KERNEL_VBASE, 2)] =
		RV_PA_TO_PTE((paddr_t)(uintptr_t)kernel_l1) | RV_PTE_V;
	for (uint64_t off = 0; off < size; off += 4096) {
		uint64_t *l0 = kernel_l0[off / RV_MEGA2];
		uint64_t perm = RV_PTE_KERNEL_RW;
		if (off < text_end)
			perm = RV_PTE_KERNEL_RX;
		else if (off < rodata_end)
			perm = RV_PTE_KERNEL_RO;
		if ((off & (RV_MEGA2 - 1)) == 0)
			kernel_l1[RV_PT_INDEX(RV_KERNEL_VBASE + off, 1)] =
				RV_PA_TO_PTE((paddr_t)(uintptr_t)l0) | RV_PTE_V;
		l0[RV_PT_INDEX(RV_KERNEL_VBASE + off, 0)] =
			RV_PA_TO_PTE(pa + off) | perm;
	}

	/* DTB header: magic at 0, totalsize (big-endian) at 4. */
	map_gigabyte_of(dtb_pa);
	map_gigabyte_of(dtb_pa + be32((const uint8_t *)(uintptr_t)dtb_pa + 4));

	rv_kernel_satp =
		SATP_MODE_SV39 | ((paddr_t)(uintptr_t)rv_kernel_root >> 12);
	return rv_kernel_satp;
}
