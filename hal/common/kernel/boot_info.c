/*
 * Boot-info fields common to the hardware HALs (hal/boot_info.h).
 */
#include <hal/boot_info.h>
#include <veridian/boot.h>
#include <veridian/panic.h>

void hal_boot_reserve(struct vd_boot_info *bi, paddr_t base, uint64_t size,
		      enum vd_mem_type type)
{
	if (size && !vd_boot_add_region(bi->reserved, &bi->reserved_count, base,
					size, type))
		vd_panic("boot: more than %u reserved ranges",
			 (unsigned)VD_MAX_MEM_REGIONS);
}

void hal_boot_info_finish(struct vd_boot_info *bi, const char *firmware,
			  paddr_t kernel_pa, uint64_t kernel_size)
{
	bi->arch = VD_ARCH_NAME;
	if (!bi->board)
		bi->board = "unknown board";
	if (!bi->firmware)
		bi->firmware = firmware;
	if (!bi->cmdline)
		bi->cmdline = "";
	hal_boot_reserve(bi, kernel_pa, kernel_size, VD_MEM_KERNEL);
}
