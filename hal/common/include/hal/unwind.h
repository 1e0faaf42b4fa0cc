/*
 * Frame-pointer unwinding shared by the hardware HALs
 * (hal/common/kernel/unwind.c implements hal_frame_pointer and
 * hal_unwind_frame of veridian/hal.h).
 */
#ifndef HAL_UNWIND_H
#define HAL_UNWIND_H

#include <arch/defs.h>
#include <veridian/hal.h>

/* How far below the frame pointer its {caller's fp, return address}
 * record sits (unwind.c): the arch's ABI says (arch/defs.h). */
#define HAL_FP_RECORD_BELOW ARCH_FP_RECORD_BELOW

/* Frame records may live in the kernel image (boot and per-CPU stacks in
 * .bss) from the start, and in the physmap of RAM (thread stacks from
 * core's frame allocator) once the HAL calls this, with the physmap and
 * bi->mem in place. */
void hal_unwind_init(const struct vd_boot_info *bi);

#endif /* HAL_UNWIND_H */
