/*
 * The parts of struct vd_boot_info every hardware HAL fills the same way,
 * once the firmware-specific part (memory map, CPUs, command line: from
 * the DTB or the PVH start info) is in.
 */
#ifndef HAL_BOOT_INFO_H
#define HAL_BOOT_INFO_H

#include <veridian/hal.h>

/* Add [base, base+size) to bi->reserved; panics when the list is full
 * (a reservation silently lost would hand out memory in use). */
void hal_boot_reserve(struct vd_boot_info *bi, paddr_t base, uint64_t size,
		      enum vd_mem_type type);

/* arch (from the build), board and firmware unless the firmware's
 * description named them already, an empty command line if there was none, and
 * the kernel's own frames [kernel_pa, +kernel_size) as VD_MEM_KERNEL. */
void hal_boot_info_finish(struct vd_boot_info *bi, const char *firmware,
			  paddr_t kernel_pa, uint64_t kernel_size);

#endif /* HAL_BOOT_INFO_H */
