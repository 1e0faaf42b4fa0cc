/*
 * RISC-V page tables: the Sv39 entry format, then the kernel-internal
 * view (the boot table, the physmap and the device window; the layout is
 * in arch/defs.h).
 *
 * Sv39 page-table entries (privileged spec v1.12 section 4.4, Svpbmt 1.0).
 *
 * A table is one 4 KiB page of 512 eight-byte entries.  A 39-bit virtual
 * address indexes three levels:
 *
 *    38        30 29        21 20        12 11           0
 *   +------------+------------+------------+--------------+
 *   |  VPN[2]    |  VPN[1]    |  VPN[0]    | page offset  |
 *   +------------+------------+------------+--------------+
 *     root (L2)    L1           L0
 *
 * An entry with R, W and X all clear points to the next table; any of
 * them set makes it a leaf: at L2 a 1 GiB page, at L1 a 2 MiB page, at L0
 * a 4 KiB page.
 *
 *    63  62 61  60    54 53                  10 9   8 7 6 5 4 3 2 1 0
 *   +---+------+--------+----------------------+-----+-+-+-+-+-+-+-+-+
 *   | N | PBMT |reserved|        PPN           | RSW |D|A|G|U|X|W|R|V|
 *   +---+------+--------+----------------------+-----+-+-+-+-+-+-+-+-+
 *
 *   V  valid           R/W/X  read / write / execute permission
 *   U  user page: user mode may access it; supervisor mode may read or
 *      write it only with sstatus.SUM and can never execute it
 *   G  global: present in every address space (kernel half)
 *   A  accessed, D dirty: QEMU sets them in hardware; the kernel sets
 *      both on its own mappings so they never fault on hardware that
 *      traps instead
 *   RSW  two bits for supervisor software: this kernel records the
 *      requested VD_PTE_WRITE_THROUGH and VD_PTE_CACHE_DISABLE there so
 *      hal_pt_query returns exactly what was mapped
 *   PBMT page-based memory type (Svpbmt): 0 PMA (normal), 1 NC
 *      (non-cacheable, idempotent), 2 IO (non-cacheable, strongly
 *      ordered).  Used only if the CPU has Svpbmt; otherwise the bits
 *      must stay 0 and the physical memory attributes alone decide.
 *   N  Svnapot, unused.
 *
 * Portable flag -> Sv39 encoding:
 *
 *   VD_PTE_PRESENT        V.  R is set on every leaf (W without R is
 *                         reserved, and the portable flags have no
 *                         "readable" bit); a mapping without PRESENT keeps
 *                         its frame and flags in an entry with V clear,
 *                         which the hardware ignores: accesses fault
 *   VD_PTE_WRITABLE       W
 *   VD_PTE_USER           U
 *   VD_PTE_NO_EXECUTE     X clear (X set when absent)
 *   VD_PTE_GLOBAL         G
 *   VD_PTE_ACCESSED       A        VD_PTE_DIRTY   D
 *   VD_PTE_HUGE           leaf at L1 (2 MiB)
 *   VD_PTE_CACHE_DISABLE  RSW bit 8; with Svpbmt also PBMT = IO
 *                         (uncached, strongly ordered: device memory)
 *   VD_PTE_WRITE_THROUGH  RSW bit 9; with Svpbmt and without
 *                         CACHE_DISABLE also PBMT = NC (there is no
 *                         write-through type; NC is the nearest:
 *                         every write reaches memory)
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <arch/defs.h>
#include <veridian/hal.h>

#define RV_PTE_V	 (1ul << 0)
#define RV_PTE_R	 (1ul << 1)
#define RV_PTE_W	 (1ul << 2)
#define RV_PTE_X	 (1ul << 3)
#define RV_PTE_U	 (1ul << 4)
#define RV_PTE_G	 (1ul << 5)
#define RV_PTE_A	 (1ul << 6)
#define RV_PTE_D	 (1ul << 7)
#define RV_PTE_SW_CD	 (1ul << 8) /* RSW: VD_PTE_CACHE_DISABLE requested */
#define RV_PTE_SW_WT	 (1ul << 9) /* RSW: VD_PTE_WRITE_THROUGH requested */
#define RV_PTE_PBMT_NC	 (1ul << 61)
#define RV_PTE_PBMT_IO	 (2ul << 61)
#define RV_PTE_PBMT_MASK (3ul << 61)

#define RV_PTE_RWX	 (RV_PTE_R | RV_PTE_W | RV_PTE_X)
#define RV_PTE_PPN_SHIFT 10
#define RV_PTE_PPN_MASK	 (((1ul << 44) - 1) << RV_PTE_PPN_SHIFT)

#define RV_PT_ENTRIES 512
#define RV_PT_LEVELS  3 /* Sv39 */

/* Physical address held by an entry, and an entry for a physical address. */
#define RV_PTE_TO_PA(pte) ((((pte)&RV_PTE_PPN_MASK) >> RV_PTE_PPN_SHIFT) << 12)
#define RV_PA_TO_PTE(pa)  ((((pa) >> 12) << RV_PTE_PPN_SHIFT) & RV_PTE_PPN_MASK)

/* Table levels, numbered as on every arch of this kernel: 0 is the last
 * table (4 KiB pages), RV_PT_LEVELS - 1 the root.  RV_PT_SHIFT: the va
 * bits below a level's index. */
#define RV_PT_SHIFT(level) (12 + 9 * (level))
#define RV_PT_INDEX(va, level)                                                 \
	(((va) >> RV_PT_SHIFT(level)) & (RV_PT_ENTRIES - 1))

#define RV_PTE_IS_LEAF(pte) (((pte)&RV_PTE_RWX) != 0)

/* Kernel mapping permissions: always global, accessed and dirty. */
#define RV_PTE_KERNEL	 (RV_PTE_V | RV_PTE_G | RV_PTE_A | RV_PTE_D)
#define RV_PTE_KERNEL_RX (RV_PTE_KERNEL | RV_PTE_R | RV_PTE_X)
#define RV_PTE_KERNEL_RO (RV_PTE_KERNEL | RV_PTE_R)
#define RV_PTE_KERNEL_RW (RV_PTE_KERNEL | RV_PTE_R | RV_PTE_W)

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
