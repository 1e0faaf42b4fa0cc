/*
 * x86_64 HAL: the kernel's own page table, built once at boot.
 *
 *   kernel image   4 KiB pages at X86_KERNEL_VMA + pa, W^X:
 *                  text R-X, rodata R-- (NX), data+bss RW- (NX), global
 *   physmap        2 MiB pages at X86_PHYSMAP_BASE + pa over every RAM and
 *                  ACPI range of the firmware memory map and every ACPI
 *                  table, RW, NX, global
 *   MMIO window    4 KiB uncached pages from X86_MMIO_BASE, handed out by
 *                  x86_mmio_map (LAPIC, IOAPIC)
 *
 * Tables come from a bump allocator that starts right after the kernel
 * image; boot.c reports [kernel start, x86_boot_alloc_end()) as
 * VD_MEM_KERNEL so core never hands those frames out.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/panic.h>
#include <veridian/string.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[],
	__data_start[], __kernel_end[];
extern paddr_t x86_kernel_root;

static paddr_t boot_next, boot_limit;
static uintptr_t mmio_next = X86_MMIO_BASE;

paddr_t x86_boot_frame_alloc(void)
{
	if (boot_next + VD_PAGE_SIZE > boot_limit)
		vd_panic("x86: boot page-table allocator exhausted");
	paddr_t f = boot_next;
	boot_next += VD_PAGE_SIZE;
	vd_memset(vd_phys_to_virt(f), 0, VD_PAGE_SIZE);
	return f;
}

paddr_t x86_boot_alloc_end(void)
{
	return boot_next;
}

/* The boot allocator takes frames after the image, inside the usable RAM
 * range that holds the image; the early tables identity-map only 4 GiB. */
static void boot_alloc_init(const struct vd_boot_info *bi)
{
	paddr_t start = VD_ALIGN_UP(X86_PA((uintptr_t)__kernel_end),
				    (paddr_t)VD_PAGE_SIZE);
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type == VD_MEM_USABLE && r->base <= start &&
		    start < r->base + r->size) {
			boot_next = start;
			boot_limit =
				VD_MIN(r->base + r->size, (paddr_t)4 << 30);
			return;
		}
	}
	vd_panic("x86: no usable RAM after the kernel image at 0x%llx",
		 (unsigned long long)start);
}

static void map_range(paddr_t root, uintptr_t start, uintptr_t end,
		      uint32_t flags)
{
	for (uintptr_t va = start; va < end; va += VD_PAGE_SIZE) {
		vd_err_t e = x86_pt_map_with(root, va, X86_PA(va), flags,
					     x86_boot_frame_alloc);
		if (e != VD_OK)
			vd_panic("x86: kernel map 0x%lx failed (%d)", va, e);
	}
}

static void map_physmap(paddr_t root, paddr_t base, uint64_t size)
{
	const uint32_t flags = VD_PTE_PRESENT | VD_PTE_WRITABLE |
			       VD_PTE_GLOBAL | VD_PTE_NO_EXECUTE |
			       VD_PTE_ACCESSED | VD_PTE_DIRTY | VD_PTE_HUGE;
	paddr_t start = VD_ALIGN_DOWN(base, (paddr_t)VD_HUGE_PAGE_SIZE);
	paddr_t end = VD_ALIGN_UP(base + size, (paddr_t)VD_HUGE_PAGE_SIZE);
	for (paddr_t pa = start; pa < end; pa += VD_HUGE_PAGE_SIZE) {
		vd_err_t e = x86_pt_map_with(root, X86_PHYSMAP_BASE + pa, pa,
					     flags, x86_boot_frame_alloc);
		/* ranges sharing a 2 MiB chunk map it once */
		if (e != VD_OK && e != VD_ERR_MEM_ALREADY_MAPPED)
			vd_panic("x86: physmap 0x%llx failed (%d)",
				 (unsigned long long)pa, e);
	}
}

void x86_kmap_init(const struct vd_boot_info *bi)
{
	x86_pte_xd = x86_features.nx ? X86_PTE_XD : 0;
	boot_alloc_init(bi);
	paddr_t root = x86_boot_frame_alloc();

	const uint32_t k = VD_PTE_PRESENT | VD_PTE_GLOBAL | VD_PTE_ACCESSED;
	map_range(root, (uintptr_t)__text_start, (uintptr_t)__text_end, k);
	map_range(root, (uintptr_t)__rodata_start, (uintptr_t)__rodata_end,
		  k | VD_PTE_NO_EXECUTE);
	map_range(root, (uintptr_t)__data_start,
		  VD_ALIGN_UP((uintptr_t)__kernel_end, VD_PAGE_SIZE),
		  k | VD_PTE_WRITABLE | VD_PTE_DIRTY | VD_PTE_NO_EXECUTE);

	/* The first 2 MiB always (BIOS data, EBDA, the AP trampoline),
	 * then every range the firmware calls RAM, ACPI or ACPI NVS. */
	map_physmap(root, 0, VD_HUGE_PAGE_SIZE);
	for (unsigned i = 0; i < x86_platform.e820_count; i++) {
		const struct x86_e820 *r = &x86_platform.e820[i];
		if (r->type == X86_E820_RAM || r->type == X86_E820_ACPI ||
		    r->type == X86_E820_NVS)
			map_physmap(root, r->base, r->size);
	}
	/* ACPI tables wherever they are (a BIOS may call their range
	 * reserved): drivers read them after this switch (arch/acpi.h) */
	for (unsigned i = 0; i < x86_platform.acpi_count; i++)
		map_physmap(root, x86_platform.acpi[i].pa,
			    x86_platform.acpi[i].length);

	x86_kernel_root = root;
	x86_write_cr3(root);
	hal_physmap_base = X86_PHYSMAP_BASE;
}

void *x86_mmio_map(paddr_t pa, size_t size)
{
	const uint32_t flags = VD_PTE_PRESENT | VD_PTE_WRITABLE |
			       VD_PTE_CACHE_DISABLE | VD_PTE_WRITE_THROUGH |
			       VD_PTE_GLOBAL | VD_PTE_NO_EXECUTE |
			       VD_PTE_ACCESSED | VD_PTE_DIRTY;
	paddr_t first = VD_ALIGN_DOWN(pa, (paddr_t)VD_PAGE_SIZE);
	/* addresses come from firmware tables and vd.<role>=name@addr:
	 * refuse a range that wraps or would run past the window's end */
	if (size > X86_MMIO_SIZE || pa + size < pa)
		vd_panic("x86: MMIO range 0x%llx + 0x%llx is not mappable",
			 (unsigned long long)pa, (unsigned long long)size);
	paddr_t last = VD_ALIGN_UP(pa + size, (paddr_t)VD_PAGE_SIZE);
	if (last - first > X86_MMIO_BASE + X86_MMIO_SIZE - mmio_next)
		vd_panic("x86: MMIO window full mapping 0x%llx + 0x%llx",
			 (unsigned long long)pa, (unsigned long long)size);
	uintptr_t va = mmio_next;
	for (paddr_t p = first; p < last; p += VD_PAGE_SIZE) {
		if (x86_pt_map_with(x86_kernel_root, mmio_next, p, flags,
				    x86_boot_frame_alloc) != VD_OK)
			vd_panic("x86: MMIO map of 0x%llx failed",
				 (unsigned long long)p);
		mmio_next += VD_PAGE_SIZE;
	}
	return (void *)(va + (pa - first));
}

void *hal_map_device(paddr_t pa, uint64_t size)
{
	return x86_mmio_map(pa, (size_t)size);
}
