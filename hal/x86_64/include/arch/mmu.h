/*
 * x86_64 HAL: 4-level page-table format and the internal mapping API.
 *
 * A 48-bit virtual address is split into four 9-bit table indexes:
 *
 *   63     48 47      39 38      30 29      21 20      12 11          0
 *   +--------+----------+----------+----------+----------+-------------+
 *   |sign ext| PML4 idx | PDPT idx |  PD idx  |  PT idx  | page offset |
 *   +--------+----------+----------+----------+----------+-------------+
 *      level:      3          2          1          0
 *
 * Bits 63:48 must copy bit 47 ("canonical"), which splits the space into
 * a user half (bit 47 = 0) and a kernel half (bit 47 = 1).
 *
 * Entry format, all levels (SDM vol. 3, 4.5):
 *
 *   63  62   52 51          12 11  9 8 7   6 5 4   3   2   1  0
 *   +--+-------+--------------+-----+-+---+-+-+---+---+---+--+-+
 *   |XD| count |   frame PA   | SW  |G|PS/|D|A|PCD|PWT|U/S|RW|P|
 *   |  | (sw)  |              |     | |PAT| | |   |   |   |  | |
 *   +--+-------+--------------+-----+-+---+-+-+---+---+---+--+-+
 *
 *   P    present              RW  writable          U/S  user accessible
 *   PWT  write-through        PCD cache disable     A    accessed (set by
 *   D    dirty (leaves only)  G   global (survives       the CPU)
 *   XD   execute disable            CR3 reloads; CR4.PGE)
 *        (EFER.NXE)
 *   PS   at level 1 (PD): the entry is a 2 MiB leaf; at level 0 the same
 *        bit is PAT, which this HAL never sets.
 *
 * The cache type of a leaf is PAT[PAT:PCD:PWT]; the power-on PAT (which we
 * keep) gives index 0 = write-back, 1 = write-through, 2 = UC-, 3 = UC.
 *
 * Portable flags (VD_PTE_*), mapped onto the hardware:
 *
 *   PRESENT        P.  A mapping made without PRESENT is kept as a
 *                  non-present entry with X86_PTE_SW_LEAF set, so its
 *                  frame and flags survive for hal_pt_query/protect.
 *   WRITABLE       RW.  CR0.WP=1, so read-only binds the kernel too.
 *   USER           U/S.  SMEP stops the kernel executing user pages and
 *                  SMAP stops it touching them outside
 *                  hal_user_access_begin/end.
 *   WRITE_THROUGH  PWT  -> PAT index 1, write-through.
 *   CACHE_DISABLE  PCD  -> PAT index 2, UC- (both flags: index 3, UC).
 *   ACCESSED       A.  Set by the CPU on first access; may be preset.
 *   DIRTY          D.  Set by the CPU on first write; may be preset.
 *   HUGE           PS in a PD entry: 2 MiB leaf.
 *   GLOBAL         G.
 *   NO_EXECUTE     XD (bit 63).  Unavailable when the CPU lacks NX, in
 *                  which case the flag is dropped and query reports it
 *                  clear.
 *
 * VD_PTE_* bits 0-6 and 8 were chosen equal to the x86 bits, so encoding
 * is a mask, a PS and an XD bit.
 *
 * Software bits:
 *   bit 9   (X86_PTE_SW_LEAF) set in every leaf, so a leaf is never 0 and
 *           "no mapping" is simply a zero entry.
 *   bits 52-61 in entries that point to a table (never leaves): how many
 *           non-zero entries that table has.  Unmap decrements it and frees
 *           the table when it reaches 0, without scanning 512 entries.
 *           The CPU ignores bits 62:52 of non-leaf entries.
 *
 * Intermediate entries are P|RW, plus U/S in the user half: permissions
 * are decided by the leaf alone.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <arch/defs.h>
#include <veridian/hal.h>

#define X86_PTE_P	    (1ull << 0)
#define X86_PTE_RW	    (1ull << 1)
#define X86_PTE_US	    (1ull << 2)
#define X86_PTE_PWT	    (1ull << 3)
#define X86_PTE_PCD	    (1ull << 4)
#define X86_PTE_A	    (1ull << 5)
#define X86_PTE_D	    (1ull << 6)
#define X86_PTE_PS	    (1ull << 7)
#define X86_PTE_G	    (1ull << 8)
#define X86_PTE_SW_LEAF	    (1ull << 9)
#define X86_PTE_XD	    (1ull << 63)
#define X86_PTE_ADDR	    0x000ffffffffff000ull
#define X86_PTE_COUNT_SHIFT 52
#define X86_PTE_COUNT_ONE   (1ull << X86_PTE_COUNT_SHIFT)
#define X86_PTE_COUNT_MASK  (0x3ffull << X86_PTE_COUNT_SHIFT)

/* VD_PTE_* flags that are the same bit in a hardware entry */
#define X86_PTE_DIRECT_FLAGS                                                   \
	(VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_USER |                      \
	 VD_PTE_WRITE_THROUGH | VD_PTE_CACHE_DISABLE | VD_PTE_ACCESSED |       \
	 VD_PTE_DIRTY | VD_PTE_GLOBAL)

/* XD if the CPU has NX (EFER.NXE set), else 0: XD would be reserved. */
extern uint64_t x86_pte_xd;

/* Table levels, numbered as on every arch of this kernel: 0 is the last
 * table (PT, 4 KiB pages), X86_PT_LEVELS - 1 the root (PML4). */
#define X86_PT_LEVELS	    4
#define X86_PT_ENTRIES	    512
#define X86_PT_SHIFT(level) (12 + 9 * (level)) /* va bits below its index */
#define X86_PT_INDEX(va, level)                                                \
	(((va) >> X86_PT_SHIFT(level)) & (X86_PT_ENTRIES - 1))

/* mmu.c: the leaf entry for va, or NULL; *level gets its level (0 page,
 * 1 2 MiB). */
uint64_t *x86_pt_walk(paddr_t root, vaddr_t va, int *level);

typedef paddr_t (*x86_table_alloc_fn)(void);

/* hal_pt_map with a choice of table allocator (boot code uses its own,
 * before core's frame allocator exists). */
vd_err_t x86_pt_map_with(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags,
			 x86_table_alloc_fn alloc);

/* Boot: build the kernel page table (image W^X, physmap, MMIO window)
 * and switch to it.  After this hal_physmap_base is final. */
void x86_kmap_init(const struct vd_boot_info *bi);
/* Map `size` bytes of device registers at `pa`, uncached: returns the
 * virtual address (boot-time only, before other CPUs run). */
void *x86_mmio_map(paddr_t pa, size_t size);
/* A zeroed frame from the boot allocator (page tables at boot, the AP
 * trampoline tables). */
paddr_t x86_boot_frame_alloc(void);
/* First byte past the image and everything x86_boot_frame_alloc gave. */
paddr_t x86_boot_alloc_end(void);

#endif /* ARCH_MMU_H */
