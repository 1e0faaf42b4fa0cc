/*
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
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#define PTE_V	      (1ul << 0)
#define PTE_R	      (1ul << 1)
#define PTE_W	      (1ul << 2)
#define PTE_X	      (1ul << 3)
#define PTE_U	      (1ul << 4)
#define PTE_G	      (1ul << 5)
#define PTE_A	      (1ul << 6)
#define PTE_D	      (1ul << 7)
#define PTE_SW_CD     (1ul << 8) /* RSW: VD_PTE_CACHE_DISABLE requested */
#define PTE_SW_WT     (1ul << 9) /* RSW: VD_PTE_WRITE_THROUGH requested */
#define PTE_PBMT_NC   (1ul << 61)
#define PTE_PBMT_IO   (2ul << 61)
#define PTE_PBMT_MASK (3ul << 61)

#define PTE_RWX	      (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK  (((1ul << 44) - 1) << PTE_PPN_SHIFT)

#define PT_ENTRIES 512
#define PT_LEVELS  3 /* Sv39 */

/* Physical address held by an entry, and an entry for a physical address. */
#define PTE_TO_PA(pte) ((((pte)&PTE_PPN_MASK) >> PTE_PPN_SHIFT) << 12)
#define PA_TO_PTE(pa)  ((((pa) >> 12) << PTE_PPN_SHIFT) & PTE_PPN_MASK)

/* Index of va in the table of `level` (2 = root, 0 = last). */
#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & (PT_ENTRIES - 1))

#define PTE_IS_LEAF(pte) (((pte)&PTE_RWX) != 0)

/* Kernel mapping permissions: always global, accessed and dirty. */
#define PTE_KERNEL    (PTE_V | PTE_G | PTE_A | PTE_D)
#define PTE_KERNEL_RX (PTE_KERNEL | PTE_R | PTE_X)
#define PTE_KERNEL_RO (PTE_KERNEL | PTE_R)
#define PTE_KERNEL_RW (PTE_KERNEL | PTE_R | PTE_W)

#endif /* ARCH_PTE_H */
