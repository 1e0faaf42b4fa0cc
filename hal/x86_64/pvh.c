/*
 * x86_64 HAL: the PVH start info (Xen's public/arch-x86/hvm/start_info.h,
 * which QEMU's PVH option ROM fills from fw_cfg).
 *
 * Runs on the boot page tables: every physical address below 4 GiB is
 * identity-mapped, so the structures are read where they lie.  Anything
 * needed later (command line, memory map) is copied out.
 */
#include <arch/platform.h>
#include <veridian/boot.h>
#include <veridian/panic.h>

#define HVM_START_MAGIC 0x336ec578 /* "xEn3" */

/*
 *   offset  0  magic            4  version (1 adds the memory map)
 *           8  flags           12  nr_modules
 *          16  modlist_paddr   24  cmdline_paddr   32  rsdp_paddr
 *          40  memmap_paddr    48  memmap_entries  52  reserved
 */
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820 type */
	uint32_t reserved;
};

static char cmdline_copy[1024];

static void *phys(uint64_t pa)
{
	if (pa >= ((uint64_t)4 << 30))
		vd_panic("x86: PVH data at 0x%llx above 4 GiB",
			 (unsigned long long)pa);
	return (void *)(uintptr_t)pa;
}

void x86_pvh_parse(uint32_t start_info, struct vd_boot_info *bi)
{
	const struct hvm_start_info *si = phys(start_info);
	if (si->magic != HVM_START_MAGIC)
		vd_panic("x86: bad PVH start info magic 0x%x at 0x%x",
			 si->magic, start_info);
	if (si->version < 1 || si->memmap_entries == 0)
		vd_panic("x86: PVH start info v%u has no memory map",
			 si->version);

	bi->cmdline = "";
	if (si->cmdline_paddr) {
		const char *s = phys(si->cmdline_paddr);
		size_t n = 0;
		while (s[n] && n < sizeof(cmdline_copy) - 1) {
			cmdline_copy[n] = s[n];
			n++;
		}
		cmdline_copy[n] = '\0';
		bi->cmdline = cmdline_copy;
	}
	x86_platform.rsdp = si->rsdp_paddr;

	const struct hvm_memmap_entry *mm = phys(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (mm[i].size == 0)
			continue;
		if (x86_platform.e820_count < VD_MAX_MEM_REGIONS)
			x86_platform.e820[x86_platform.e820_count++] =
				(struct x86_e820){mm[i].addr, mm[i].size,
						  mm[i].type};
		enum vd_mem_type t = mm[i].type == X86_E820_RAM
					     ? VD_MEM_USABLE
					     : VD_MEM_RESERVED;
		if (!vd_boot_add_region(bi->mem, &bi->mem_count, mm[i].addr,
					mm[i].size, t))
			break;
	}

	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *m = phys(si->modlist_paddr);
		bi->initrd_base = m->paddr;
		bi->initrd_size = m->size;
	}
}
