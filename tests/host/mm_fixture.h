/*
 * Shared set-up for the core/mm host suites (test_frame*, test_heap*,
 * test_vm*): a fresh frame allocator and heap over the fake RAM.
 *
 * Two machines:
 *   - mm_boot_default: the fake RAM where hal_host.c puts it (64 MiB at
 *     HOST_RAM_PHYS_BASE = 1 GiB, so all of it is Normal) with its first
 *     MiB reserved as the kernel image;
 *   - mm_boot_low: the same fake RAM seen at physical address 0, by moving
 *     the physmap, so that the first 16 MiB form a Dma zone.  Any memory
 *     map inside [0, HOST_RAM_SIZE) can be described then.
 */
#ifndef TESTS_HOST_MM_FIXTURE_H
#define TESTS_HOST_MM_FIXTURE_H

#include <host/fake.h>
#include <host/pt_fake.h>
#include <string.h>
#include <veridian/mm.h>

#define MM_KERNEL_BYTES ((uint64_t)1 << 20)
#define MM_FIRST_FRAME	((size_t)(HOST_RAM_PHYS_BASE >> VD_PAGE_SHIFT))
#define MM_RAM_FRAMES	((size_t)(HOST_RAM_SIZE >> VD_PAGE_SHIFT))
/* One state byte per frame, in whole frames. */
#define MM_META_FRAMES ((MM_RAM_FRAMES + VD_PAGE_SIZE - 1) / VD_PAGE_SIZE)

static inline void mm_restore_physmap(void)
{
	hal_physmap_base = (uintptr_t)host_ram() - HOST_RAM_PHYS_BASE;
}

static inline void mm_boot(const struct vd_boot_info *bi)
{
	vd_mm_init(bi);
	host_pt_reset();
	host_console_clear();
}

static inline int mm_boot_default(void **state)
{
	struct vd_boot_info bi;
	(void)state;

	host_fake_reset();
	mm_restore_physmap();
	host_make_boot_info(&bi, MM_KERNEL_BYTES);
	mm_boot(&bi);
	return 0;
}

/* Physical address 0 is the start of the fake RAM until mm_teardown. */
static inline void mm_use_low_physmap(void)
{
	host_fake_reset();
	hal_physmap_base = (uintptr_t)host_ram();
}

static inline void mm_boot_info_low(struct vd_boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->arch = bi->board = bi->firmware = "host";
	bi->cmdline = "";
	bi->cpu_count = 1;
}

/* The whole fake RAM at 0, nothing reserved but frame 0 (implicitly). */
static inline int mm_boot_low(void **state)
{
	struct vd_boot_info bi;
	(void)state;

	mm_use_low_physmap();
	mm_boot_info_low(&bi);
	bi.mem_count = 1;
	bi.mem[0] = (struct vd_mem_region){0, HOST_RAM_SIZE, VD_MEM_USABLE};
	mm_boot(&bi);
	return 0;
}

static inline int mm_teardown(void **state)
{
	(void)state;
	mm_restore_physmap();
	return 0;
}

static inline struct vd_memory_stats mm_stats(void)
{
	struct vd_memory_stats ms;
	vd_memory_stats(&ms);
	return ms;
}

static inline struct vd_allocator_stats mm_heap_stats(void)
{
	struct vd_allocator_stats hs;
	vd_heap_stats(&hs);
	return hs;
}

/* Physical address of a frame as a pointer the test can use. */
static inline void *mm_frame_ptr(struct vd_frame f)
{
	return vd_phys_to_virt(vd_frame_addr(f));
}

#endif /* TESTS_HOST_MM_FIXTURE_H */
