/*
 * Physical frame allocator: data shared by frame.c (allocate/free) and
 * frame_init.c (building the allocator from the boot memory map).
 *
 * RAM is described by "areas": runs of frames that are contiguous in
 * physical memory and lie in one zone (a firmware RAM region is split at
 * the 16 MiB Dma boundary).  Every frame of an area has one state byte:
 *
 *   0 .. VD_FRAME_MAX_ORDER   first frame of a free buddy block of that
 *                             order (the block's list node lives in the
 *                             frame itself, reached through the physmap)
 *   FS_FREE_TAIL              any other frame of a free buddy block
 *   FS_CACHED                 free, parked in a CPU's single-frame cache
 *   FS_ALLOCATED              handed out by vd_frame_alloc
 *   FS_RESERVED               never allocatable (hole, firmware, kernel,
 *                             boot data, this allocator's own metadata)
 *
 * One byte per frame (0.025% of RAM) is enough to split and coalesce in
 * O(1) per step and to reject double frees and frees of frames that were
 * never allocatable, without trusting anything stored in free memory.
 *
 * Buddy blocks are aligned to their size in absolute frame numbers, so a
 * block never crosses the 16 MiB zone boundary (2^12 frames, more than the
 * largest block); a block's buddy is only used if it lies inside the same
 * area, so arbitrary region bounds work.
 */
#ifndef CORE_MM_FRAME_INTERNAL_H
#define CORE_MM_FRAME_INTERNAL_H

#include <veridian/list.h>
#include <veridian/mm.h>
#include <veridian/spinlock.h>

#define FS_FREE_TAIL 0xfc
#define FS_CACHED    0xfd
#define FS_ALLOCATED 0xfe
#define FS_RESERVED  0xff

/* A firmware RAM region can be split in two at the zone boundary. */
#define FRAME_MAX_AREAS (2 * VD_MAX_MEM_REGIONS)

/*
 * Single frames freed on a CPU are parked in that CPU's cache, up to this
 * many per zone, instead of being merged back into the buddy lists; the
 * next single-frame allocation on that CPU takes one back.  Both run with
 * interrupts masked and no lock (the cache is the CPU's own), and skip the
 * split of a large block all the way down and the merge all the way up.
 */
#define FRAME_CACHE_MAX 64

struct frame_area {
	size_t first; /* frame number of the first frame */
	size_t count;
	uint8_t *state; /* state[n - first] for frame n */
	enum vd_mem_zone zone;
};

/* A free frame: the first bytes of its memory, used as a list node. */
struct free_block {
	struct vd_list link; /* buddy free list of the block's order */
};

struct cached_frame {
	struct cached_frame *next;
};

struct frame_zone {
	struct vd_spinlock lock;
	struct vd_list free_list[VD_FRAME_MAX_ORDER + 1];
	unsigned long nonempty; /* bit k set iff free_list[k] is not empty */
	/* statistics, under lock; the CPU caches' `taken` adjusts them */
	size_t total, free, allocated, reserved;
	size_t blocks[VD_FRAME_MAX_ORDER + 1];
	/* this zone's areas are frame_areas[first_area .. +area_count) */
	unsigned first_area, area_count;
};

/* One CPU's single-frame caches, one stack per zone.  Touched only by the
 * owning CPU with interrupts masked (and, for draining, its zone lock). */
struct frame_cpu_cache {
	struct cached_frame *head[VD_ZONE_COUNT];
	unsigned count[VD_ZONE_COUNT];
	/* frames this CPU allocated from its cache minus frames it freed
	 * into it: those moved between "free" and "allocated" without the
	 * zone counters seeing it */
	long taken[VD_ZONE_COUNT];
	/* successful vd_frame_alloc calls on this CPU (KernelMetrics'
	 * memory_allocations, vd_frame_alloc_calls) */
	uint64_t allocs;
	bool drain; /* another CPU ran out of memory: give frames back */
};

extern struct frame_area frame_areas[FRAME_MAX_AREAS];
extern unsigned frame_area_count;
extern struct frame_zone frame_zones[VD_ZONE_COUNT];
extern struct frame_cpu_cache frame_cpu_caches[VD_MAX_CPUS];

/*
 * Give the frames [n, n + count) of area a back to zone z's buddy lists,
 * coalescing with free buddies.  Their state bytes may hold anything; the
 * caller holds z->lock (or is single-threaded init) and keeps the free /
 * allocated / reserved counters right.
 */
void frame_release_range(struct frame_zone *z, struct frame_area *a, size_t n,
			 size_t count);

/* What frame n is now (unlocked peek: a caller that owns the frame gets
 * an answer that cannot change under it). */
enum frame_status {
	FRAME_UNMANAGED, /* not RAM, or reserved */
	FRAME_FREE,
	FRAME_ALLOCATED,
};
enum frame_status frame_status(size_t n);

/* Reset every zone and area to "no memory" (start of vd_mm_init). */
void frame_reset(void);

/* Build the allocator from the boot memory map (frame_init.c). */
void frame_init(const struct vd_boot_info *bi);

#endif /* CORE_MM_FRAME_INTERNAL_H */
