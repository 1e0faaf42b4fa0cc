/*
 * AArch64 address-space layout and translation-table format.
 *
 * Virtual layout (4 KiB granule, 48-bit VA: TCR_EL1.T0SZ = T1SZ = 16):
 *
 *   0x0000_0000_0001_0000 .. 0x0000_ffff_ffff_ffff  user (TTBR0_EL1, one
 *                                                   root per address space)
 *   0xffff_0000_0000_0000 + pa                      physmap: all RAM, RW, XN
 *   0xffff_8000_0000_0000 + pa                      devmap: MMIO the HAL uses
 *                                                   (Device-nGnRE, XN)
 *   0xffff_ffff_8000_0000                           kernel image (linked here,
 *                                                   loaded anywhere)
 *
 * The kernel half lives in one set of tables hung off TTBR1_EL1 and shared
 * by every address space; a "root" handed to core (hal_pt_create,
 * hal_pt_kernel_root) is a TTBR0 root table.  hal_pt_* calls on an
 * upper-half address always act on the shared TTBR1 tables.
 *
 * A virtual address is split into four 9-bit table indexes:
 *
 *   47      39 38      30 29      21 20      12 11         0
 *   +---------+----------+----------+----------+------------+
 *   | L0 idx  |  L1 idx  |  L2 idx  |  L3 idx  | page offset|
 *   +---------+----------+----------+----------+------------+
 *     level 3    level 2    level 1    level 0
 *
 * The code numbers levels as on every arch of this kernel, 0 for the last
 * table and A64_PT_LEVELS - 1 for the root; the ARM ARM's L0..L3 (used in
 * the descriptor names below) count the other way.
 *
 * Descriptor (64 bits), ARM ARM D8.3:
 *
 *   table (L0-L2):  [1:0]=0b11  [47:12] next-level table PA
 *   block (L1/L2):  [1:0]=0b01  [47:30]/[47:21] output PA, attributes below
 *   page  (L3):     [1:0]=0b11  [47:12] output PA, attributes below
 *   invalid:        [0]=0, every other bit free for software
 *
 *   63    59 58  55 54  53  52  51  50   12 11 10  9 8  7  6  5  4  2 1 0
 *   +-------+------+---+---+---+---+-------+--+--+----+--+--+--+-----+-+-+
 *   |ignored|  SW  |UXN|PXN|Con|DBM|  PA   |nG|AF| SH |AP|AP|NS|Attr |T|V|
 *   |       |      |   |   |tig|   |       |  |  |    |2 |1 |  |Indx |  | |
 *   +-------+------+---+---+---+---+-------+--+--+----+--+--+--+-----+-+-+
 *
 *   AttrIndx selects a MAIR_EL1 byte (A64_MAIR_* below); AP[2] = read-only;
 *   AP[1] = EL0 may access; SH = 0b11 inner shareable; AF = access flag
 *   (0 faults on first access); nG = not global (tagged with the ASID);
 *   DBM = dirty-bit modifier; PXN/UXN = no execution at EL1/EL0.
 *
 * Portable flags (VD_PTE_*) and their encoding:
 *
 *   PRESENT        V=1.  A mapping made without PRESENT is kept as an
 *                  invalid descriptor with A64_PTE_SW_MAPPED set (frame and
 *                  flags stay in the other bits for hal_pt_query).
 *   WRITABLE       AP[2]=0 once dirty; while clean, AP[2]=1 with DBM=1
 *                  ("writable-clean", the ARMv8.1 hardware-DBM convention).
 *   USER           AP[1]=1.  User pages always get PXN (the kernel never
 *                  executes user memory; PAN keeps it from reading it
 *                  outside hal_user_access_begin/end).
 *   WRITE_THROUGH  AttrIndx 1, Normal write-through.
 *   CACHE_DISABLE  AttrIndx 3, Device-nGnRE (what "uncached" means for
 *                  MMIO); CACHE_DISABLE|WRITE_THROUGH is AttrIndx 2,
 *                  Normal non-cacheable (bufferable, like x86 WC).
 *   ACCESSED       AF.  Without FEAT_HAFDBS (Cortex-A72) the first access
 *                  to a page mapped without it takes an access-flag fault
 *                  that the HAL resolves by setting AF, emulating the
 *                  hardware A bit.  With FEAT_HAFDBS, TCR_EL1.HA does it.
 *   DIRTY          writable: AP[2]=0 (writable-clean pages take a
 *                  permission fault on the first write that the HAL resolves
 *                  by clearing AP[2], or TCR_EL1.HD does it in hardware);
 *                  read-only: software bit A64_PTE_SW_DIRTY.
 *   HUGE           an L2 block descriptor (2 MiB, level 1).  hal_pt_query
 *                  also reports the 1 GiB L1 blocks of the physmap as HUGE.
 *   GLOBAL         nG=0.  Non-global entries are tagged with the ASID of
 *                  their address space (asid.c), so hal_pt_activate
 *                  flushes nothing.
 *   NO_EXECUTE     UXN for user pages, PXN for kernel pages.  The other
 *                  of the two is always set: EL0 never runs kernel pages,
 *                  EL1 never runs user pages.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <veridian/hal.h>

#define A64_KERNEL_VBASE 0xffffffff80000000ull
#define A64_PHYSMAP_BASE 0xffff000000000000ull
#define A64_DEVMAP_BASE	 0xffff800000000000ull
#define A64_KERNEL_HALF	 0xffff000000000000ull
#define A64_USER_TOP	 0x0001000000000000ull

#define A64_PTE_VALID	   (1ull << 0)
#define A64_PTE_TABLE	   (1ull << 1) /* table at L0-L2, page at L3 */
#define A64_PTE_PAGE	   (1ull << 1)
#define A64_PTE_ATTR_SHIFT 2
#define A64_PTE_ATTR_MASK  (7ull << 2)
#define A64_PTE_AP_EL0	   (1ull << 6)
#define A64_PTE_AP_RO	   (1ull << 7)
#define A64_PTE_SH_INNER   (3ull << 8)
#define A64_PTE_AF	   (1ull << 10)
#define A64_PTE_NG	   (1ull << 11)
#define A64_PTE_DBM	   (1ull << 51)
#define A64_PTE_PXN	   (1ull << 53)
#define A64_PTE_UXN	   (1ull << 54)
#define A64_PTE_SW_MAPPED  (1ull << 55) /* a not-present mapping */
#define A64_PTE_SW_DIRTY   (1ull << 56) /* dirty, read-only page */
#define A64_PTE_ADDR_MASK  0x0000fffffffff000ull

#define A64_PT_LEVELS	    4
#define A64_PT_ENTRIES	    512
#define A64_PT_SHIFT(level) (12 + 9 * (level)) /* va bits below its index */
#define A64_PT_INDEX(va, level)                                                \
	(((va) >> A64_PT_SHIFT(level)) & (A64_PT_ENTRIES - 1))
/* TTBR0_EL1 and user root handles: the ASID in bits 63:48 (asid.c). */
#define A64_TTBR_ASID_SHIFT 48

/* MAIR_EL1 attribute indexes and their bytes. */
#define A64_MAIR_NORMAL_WB 0 /* 0xff: inner/outer write-back, RW-allocate */
#define A64_MAIR_NORMAL_WT 1 /* 0xbb: inner/outer write-through */
#define A64_MAIR_NORMAL_NC 2 /* 0x44: inner/outer non-cacheable */
#define A64_MAIR_DEVICE	   3 /* 0x04: Device-nGnRE */
#define A64_MAIR_VALUE	   0x0444bbffull

#define A64_PTE_KERNEL_ATTRS (A64_PTE_SH_INNER | A64_PTE_AF | A64_PTE_UXN)
#define A64_PTE_KERNEL_RW                                                      \
	(A64_PTE_KERNEL_ATTRS | A64_PTE_PXN |                                  \
	 (A64_MAIR_NORMAL_WB << A64_PTE_ATTR_SHIFT))
#define A64_PTE_KERNEL_RO (A64_PTE_KERNEL_RW | A64_PTE_AP_RO)
#define A64_PTE_KERNEL_RX                                                      \
	(A64_PTE_KERNEL_ATTRS | A64_PTE_AP_RO |                                \
	 (A64_MAIR_NORMAL_WB << A64_PTE_ATTR_SHIFT))
#define A64_PTE_DEVICE                                                         \
	(A64_PTE_KERNEL_ATTRS | A64_PTE_PXN |                                  \
	 (A64_MAIR_DEVICE << A64_PTE_ATTR_SHIFT))

/* Values the MMU-enable code loads on every CPU (head.S reads them with
 * the MMU still off, hence the fixed layout). */
struct a64_mmu_params {
	uint64_t mair;
	uint64_t tcr;
	uint64_t ttbr0; /* identity map, only while turning the MMU on */
	uint64_t ttbr1; /* kernel half */
	uint64_t sctlr;
};
extern struct a64_mmu_params a64_mmu_params;

/* Set by head.S / boot code. */
extern paddr_t a64_load_pa;	    /* physical address of the image header */
extern paddr_t a64_kernel_root;	    /* TTBR1 level-0 table */
extern paddr_t a64_empty_user_root; /* TTBR0 table of "no process" */
extern bool a64_has_pan;

/* Kernel-image virtual address <-> physical address. */
static inline paddr_t a64_kimg_to_phys(const void *va)
{
	return (paddr_t)((uintptr_t)va - A64_KERNEL_VBASE) + a64_load_pa;
}

/* Boot-time mapper (early_map.c): tables come from a static pool inside the
 * image, so it works before core has a frame allocator and even with the
 * MMU off.  Maps [va, va+size) to pa with the largest blocks alignment
 * allows (1 GiB, 2 MiB, 4 KiB) and leaf attributes attrs; slots already in
 * use are left alone (so overlapping device windows are harmless). */
void a64_boot_map(paddr_t root, uint64_t va, paddr_t pa, uint64_t size,
		  uint64_t attrs);
/* Map an MMIO range into the devmap and return its virtual address. */
void *a64_map_device(paddr_t pa, uint64_t size);
/* Set by early_map.c when its table pool ran out (a mapping is missing). */
extern bool a64_boot_pool_exhausted;
/* Map RAM at the physmap (read-only over the kernel's text and rodata). */
void a64_map_physmap(paddr_t base, uint64_t size);
/* Switch from the MMU-off view of the table pool to the kernel-VA view. */
void a64_boot_mmu_now_on(void);

/* mmu.c: the leaf entry for va (root for user addresses, the kernel
 * table for the kernel half), or NULL; *level gets its level (0 page,
 * 1 or 2 block). */
uint64_t *a64_pt_walk(paddr_t root, vaddr_t va, int *level);
/* Resolve access-flag and dirty-bit faults in software; true if handled.
 * spsr is the interrupted PSTATE (to tell PAN faults from dirty ones). */
bool a64_fixup_ad_fault(vaddr_t va, uint64_t esr, uint64_t spsr);
/* asid.c: take a free ASID (0 if none is left); give one back once no
 * CPU holds TLB entries tagged with it. */
unsigned a64_asid_alloc(void);
void a64_asid_free(unsigned asid);

#endif /* ARCH_MMU_H */
