/*
 * x86_64 HAL: the PVH start info (Xen's public/arch-x86/hvm/start_info.h,
 * which QEMU's PVH option ROM fills from fw_cfg).
 *
 * Runs on the boot page tables: every physical address below 4 GiB is
 * identity-mapped, so the structures are read where they lie.  Anything
 * needed later (command line, memory map) is copied out.
 */
#include <arch/platform.h>

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

/* The structures lie below 4 GiB, which the boot identity map covers. */
static bool reachable(uint64_t pa)
{
	return pa < ((uint64_t)4 << 30);
}

const char *x86_pvh_parse(uint32_t start_info, struct vd_boot_info *bi)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)start_info;
	if (si->magic != HVM_START_MAGIC)
		return "bad PVH start info magic";
	if (si->version < 1 || si->memmap_entries == 0)
		return "the PVH start info has no memory map (version < 1)";
	if (!reachable(si->cmdline_paddr) || !reachable(si->memmap_paddr) ||
	    !reachable(si->modlist_paddr))
		return "PVH start info data above 4 GiB";

	bi->cmdline = "";
	if (si->cmdline_paddr) {
		const char *s = (const char *)(uintptr_t)si->cmdline_paddr;
		size_t n = 0;
		while (s[n] && n < sizeof(cmdline_copy) - 1) {
			cmdline_copy[n] = s[n];
			n++;
		}
		cmdline_copy[n] = '\0';
		bi->cmdline = cmdline_copy;
	}
	x86_platform.rsdp = si->rsdp_paddr;

	const struct hvm_memmap_entry *mm =
		(const void *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		/* a range that runs past 2^64 describes no memory: skipped,
		 * as the Multiboot2 parser does */
		if (!mm[i].size || mm[i].addr + mm[i].size < mm[i].addr)
			continue;
		if (!x86_boot_add_memory(bi, mm[i].addr, mm[i].size,
					 mm[i].type))
			break;
	}

	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *m =
			(const void *)(uintptr_t)si->modlist_paddr;
		bi->initrd_base = m->paddr;
		bi->initrd_size = m->size;
	}
	bi->firmware = "QEMU PVH";
	return NULL;
}
