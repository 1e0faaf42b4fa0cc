/*
 * Kernel-internal view of the RISC-V page tables: the boot table, the
 * physmap and the device (MMIO) window.  See arch/defs.h for the layout
 * and arch/pte.h for the entry format.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <arch/defs.h>
#include <veridian/hal.h>

#define RV_GIGA	 (1ul << 30)
#define RV_MEGA2 (1ul << 21)

/* Set by rv_early_map (early_map.c). */
extern uint64_t rv_kernel_root[];
extern paddr_t rv_kernel_pa;
extern uint64_t rv_va_pa_offset;
extern uint64_t rv_kernel_satp;

/* Does the CPU implement Svpbmt (page-based memory types)? */
extern bool rv_has_svpbmt;

/* mmu.c: the leaf entry for va, or NULL; *level gets its level (0 page,
 * 1 2 MiB, 2 1 GiB). */
uint64_t *rv_pt_walk(paddr_t root, vaddr_t va, int *level);

/* Physical address of a kernel-image symbol. */
static inline paddr_t rv_kimg_to_pa(const void *va)
{
	return (paddr_t)((uintptr_t)va - rv_va_pa_offset);
}

/* Map every RAM region of bi into the physmap (replacing the temporary
 * DTB mapping of rv_early_map). */
void rv_physmap_init(const struct vd_boot_info *bi, paddr_t dtb_pa,
		     uint64_t dtb_size);
/* Map device registers [pa, pa+size) uncached; returns their virtual
 * address in the MMIO window.  Boot-time only (tables from a static
 * pool), never fails on sane input: panics if the pool runs out. */
void *rv_ioremap(paddr_t pa, uint64_t size);

#endif /* ARCH_MMU_H */
