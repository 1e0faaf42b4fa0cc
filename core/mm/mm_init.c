/*
 * vd_mm_init: bring up physical frames, then the kernel heap on them.
 * Page tables need no set-up of their own: the HAL built the kernel's, and
 * from here on its hal_pt_* calls get table frames from vd_pt_frame_alloc.
 */
#include <veridian/kernel.h>
#include <veridian/mm.h>
#include <veridian/printf.h>

#include "frame_internal.h"
#include "heap_internal.h"

void vd_mm_init(const struct vd_boot_info *bi)
{
	struct vd_memory_stats ms;

	frame_init(bi);
	heap_init();
	vd_memory_stats(&ms);
	kprintf("mm: %zu frames: %zu free, %zu reserved\n", ms.total_frames,
		ms.free_frames, ms.reserved_frames);
}
