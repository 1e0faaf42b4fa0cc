/*
 * Boot-time translation tables: the identity map used to turn the MMU on
 * and the upper-half kernel image map, and the mapper (a64_boot_map) that
 * kmap.c uses for the physmap and the devmap once the MMU is on.
 *
 * a64_boot_build_tables() runs from head.S with the MMU OFF, at the
 * physical load address.  That constrains this file (and only this file):
 *   - globals are reached with adrp/add, which is PC-relative, so a
 *     pointer to a global is its physical address before the MMU is on
 *     and its link (upper-half) address after;
 *   - with the MMU off every data access is Device memory, which faults on
 *     unaligned accesses: the file is built with -mstrict-align;
 *   - nothing outside this file may be called (other files are not
 *     built with those constraints), and no static initialiser may hold a
 *     pointer (that would be a link-time upper-half address).
 *
 * Tables come from a pool in .bss: the boot CPU has no frame allocator yet.
 * Later tables (hal_pt_map) come from core's vd_pt_frame_alloc.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull

#define BOOT_POOL_PAGES 48

static uint64_t boot_pool[BOOT_POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned boot_pool_used;
/* Added to a pool frame's physical address to get a usable pointer:
 * 0 with the MMU off, kernel VA - PA once it is on. */
static uint64_t pool_delta;
bool a64_boot_pool_exhausted;

struct a64_mmu_params a64_mmu_params;
paddr_t a64_load_pa;
paddr_t a64_kernel_root;
paddr_t a64_idmap_root;
paddr_t a64_empty_user_root;
bool a64_has_pan;

/* Linker-script symbols (see kernel.ld). */
extern char _start[], _etext[], _erodata[], _end[];

static uint64_t *table_ptr(paddr_t pa)
{
	return (uint64_t *)(uintptr_t)(pa + pool_delta);
}

static paddr_t pool_alloc(void)
{
	if (boot_pool_used == BOOT_POOL_PAGES) {
		a64_boot_pool_exhausted = true;
		return 0;
	}
	return (paddr_t)(uintptr_t)boot_pool[boot_pool_used++] - pool_delta;
}

void a64_boot_map(paddr_t root, uint64_t va, paddr_t pa, uint64_t size,
		  uint64_t attrs)
{
	while (size) {
		int level = 0; /* of the leaf: 0 page, 1 2 MiB, 2 1 GiB */
		uint64_t blk = SZ_4K;
		if (!((va | pa) & (SZ_1G - 1)) && size >= SZ_1G) {
			level = 2;
			blk = SZ_1G;
		} else if (!((va | pa) & (SZ_2M - 1)) && size >= SZ_2M) {
			level = 1;
			blk = SZ_2M;
		}
		uint64_t *t = table_ptr(root);
		int l;
		for (l = A64_PT_LEVELS - 1; l > level; l--) {
			unsigned idx = A64_PT_INDEX(va, l);
			uint64_t e = t[idx];
			if (!(e & A64_PTE_VALID)) {
				paddr_t n = pool_alloc();
				if (!n)
					return;
				e = n | A64_PTE_TABLE | A64_PTE_VALID;
				t[idx] = e;
			} else if (!(e & A64_PTE_TABLE)) {
				break; /* a block already covers va */
			}
			t = table_ptr(e & A64_PTE_ADDR_MASK);
		}
		if (l == level) {
			unsigned idx = A64_PT_INDEX(va, level);
			if (!t[idx])
				t[idx] = pa | attrs | A64_PTE_VALID |
					 (level == 0 ? A64_PTE_PAGE : 0);
		}
		va += blk;
		pa += blk;
		size -= blk;
	}
	a64_dsb(ishst);
	a64_isb();
}

static void map_2m_window(paddr_t root, uint64_t va_off, paddr_t base,
			  paddr_t end, uint64_t attrs)
{
	paddr_t b = base & ~(SZ_2M - 1);
	paddr_t e = (end + SZ_2M - 1) & ~(SZ_2M - 1);
	a64_boot_map(root, va_off + b, b, e - b, attrs);
}

static uint32_t be32_aligned(const void *p)
{
	return __builtin_bswap32(*(const volatile uint32_t *)p);
}

/* Map one part of the image at its link address with attributes attrs. */
static void map_image_part(const char *from, const char *to, uint64_t attrs)
{
	uint64_t off = (uintptr_t)from - (uintptr_t)_start;
	a64_boot_map(a64_kernel_root, A64_KERNEL_VBASE + off, a64_load_pa + off,
		     (uintptr_t)to - (uintptr_t)from, attrs);
}

/*
 * TCR_EL1: 48-bit VA in both halves (T0SZ = T1SZ = 16), 4 KiB granules
 * (TG0 = 0b00, TG1 = 0b10), table walks inner shareable and write-back
 * cacheable (SH = 0b11, IRGN = ORGN = 0b01), ASIDs taken from TTBR0
 * (A1 = 0), 16 bits of them if the CPU has 16 (ID_AA64MMFR0_EL1.ASIDBits
 * = 0b0010: AS = 1, asid.c), IPS = the CPU's physical address size; HA/HD let
 * the hardware keep the access flag / dirty state when FEAT_HAFDBS exists.
 */
#define TCR_FIXED                                                              \
	(16ull << A64_TCR_T0SZ_SHIFT |                                         \
	 A64_TCR_RGN_WBWA << A64_TCR_IRGN0_SHIFT |                             \
	 A64_TCR_RGN_WBWA << A64_TCR_ORGN0_SHIFT |                             \
	 A64_TCR_SH_INNER << A64_TCR_SH0_SHIFT |                               \
	 A64_TCR_TG0_4K << A64_TCR_TG0_SHIFT | 16ull << A64_TCR_T1SZ_SHIFT |   \
	 A64_TCR_RGN_WBWA << A64_TCR_IRGN1_SHIFT |                             \
	 A64_TCR_RGN_WBWA << A64_TCR_ORGN1_SHIFT |                             \
	 A64_TCR_SH_INNER << A64_TCR_SH1_SHIFT |                               \
	 A64_TCR_TG1_4K << A64_TCR_TG1_SHIFT)
/* The value of the bare shifts it replaces: nothing above bit 31, where
 * IPS, AS, HA and HD are chosen below. */
_Static_assert(TCR_FIXED == 0xb5103510ull, "TCR_EL1 fixed fields");

static uint64_t compute_tcr(void)
{
	uint64_t mmfr0 = a64_read_sysreg(id_aa64mmfr0_el1);
	uint64_t mmfr1 = a64_read_sysreg(id_aa64mmfr1_el1);
	uint64_t ips = a64_id_field(mmfr0, A64_MMFR0_PARANGE_SHIFT);
	if (ips > 5)
		ips = 5; /* 48 bits is all a 4 KiB, 4-level walk produces */
	uint64_t tcr = TCR_FIXED | ips << A64_TCR_IPS_SHIFT;
	if (a64_id_field(mmfr0, A64_MMFR0_ASIDBITS_SHIFT) ==
	    A64_MMFR0_ASIDBITS_16)
		tcr |= A64_TCR_AS;
	uint64_t hafdbs = a64_id_field(mmfr1, A64_MMFR1_HAFDBS_SHIFT);
	if (hafdbs >= 1)
		tcr |= A64_TCR_HA;
	if (hafdbs >= 2)
		tcr |= A64_TCR_HD;
	return tcr;
}

/* Called by head.S with the MMU off. */
void a64_boot_build_tables(paddr_t load_pa, paddr_t dtb_pa)
{
	a64_load_pa = load_pa;
	a64_kernel_root = pool_alloc();
	a64_idmap_root = pool_alloc();
	a64_empty_user_root = pool_alloc();

	/*
	 * Identity map (TTBR0, only while a CPU turns its MMU on and the boot
	 * CPU reads the DTB): the image and the DTB in 2 MiB blocks, normal
	 * memory, executable at EL1.
	 */
	uint64_t id_attrs = A64_PTE_SH_INNER | A64_PTE_AF | A64_PTE_UXN |
			    (A64_MAIR_NORMAL_WB << A64_PTE_ATTR_SHIFT);
	uint64_t image_size = (uintptr_t)_end - (uintptr_t)_start;
	map_2m_window(a64_idmap_root, 0, load_pa, load_pa + image_size,
		      id_attrs);
	if (dtb_pa && !(dtb_pa & 7)) {
		uint32_t dtb_size = 0x10000;
		if (be32_aligned((void *)(uintptr_t)dtb_pa) == 0xd00dfeed)
			dtb_size =
				be32_aligned((void *)(uintptr_t)(dtb_pa + 4));
		map_2m_window(a64_idmap_root, 0, dtb_pa, dtb_pa + dtb_size,
			      id_attrs | A64_PTE_PXN);
	}

	/* Kernel image at its link address, W^X: text RX, rodata R,
	 * data and bss RW; nothing in it is reachable from EL0. */
	map_image_part(_start, _etext, A64_PTE_KERNEL_RX);
	map_image_part(_etext, _erodata, A64_PTE_KERNEL_RO);
	map_image_part(_erodata, _end, A64_PTE_KERNEL_RW);

	a64_has_pan = a64_id_field(a64_read_sysreg(id_aa64mmfr1_el1),
				   A64_MMFR1_PAN_SHIFT) != 0;

	a64_mmu_params.mair = A64_MAIR_VALUE;
	a64_mmu_params.tcr = compute_tcr();
	a64_mmu_params.ttbr0 = a64_idmap_root;
	a64_mmu_params.ttbr1 = a64_kernel_root;
	uint64_t sctlr = A64_SCTLR_RES1 | A64_SCTLR_M | A64_SCTLR_C |
			 A64_SCTLR_SA | A64_SCTLR_SA0 | A64_SCTLR_I |
			 A64_SCTLR_DZE | A64_SCTLR_UCT | A64_SCTLR_NTWI |
			 A64_SCTLR_NTWE;
	if (a64_has_pan)
		sctlr &= ~A64_SCTLR_SPAN;
	a64_mmu_params.sctlr = sctlr;
}

void a64_boot_mmu_now_on(void)
{
	pool_delta = A64_KERNEL_VBASE - a64_load_pa;
}
