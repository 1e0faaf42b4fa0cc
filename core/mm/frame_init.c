/*
 * Building the frame allocator from the boot memory map.
 *
 *   1. RAM: every VD_MEM_USABLE region of bi->mem, shrunk to whole frames
 *      (region bounds may have any alignment), sorted, overlaps clipped,
 *      split at the 16 MiB Dma boundary into areas of one zone each.
 *   2. Reserved: bi->reserved (kernel image, firmware such as OpenSBI,
 *      DTB, boot data), the initrd, and frame 0 (physical address 0 is the
 *      "no frame" value of vd_pt_frame_alloc), widened to whole frames.
 *   3. Metadata: one state byte per RAM frame, placed in the highest free
 *      stretch of RAM that is large enough, and reserved too.
 *   4. Everything in an area that is not reserved is released into the
 *      buddy lists, as the largest aligned blocks that fit.
 */
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#include "frame_internal.h"

/* A half-open range of frame numbers. */
struct frame_range {
	size_t first, end;
};

/* bi->reserved, the initrd, frame 0 and the metadata. */
#define MAX_RESERVED (VD_MAX_MEM_REGIONS + 3)

static struct frame_range ram[VD_MAX_MEM_REGIONS];
static unsigned ram_count;
static struct frame_range rsv[MAX_RESERVED];
static unsigned rsv_count;

void frame_reset(void)
{
	vd_memset(frame_areas, 0, sizeof(frame_areas));
	frame_area_count = 0;
	vd_memset(frame_zones, 0, sizeof(frame_zones));
	vd_memset(frame_cpu_caches, 0, sizeof(frame_cpu_caches));
	for (unsigned i = 0; i < VD_ZONE_COUNT; i++) {
		struct frame_zone *z = &frame_zones[i];
		vd_spin_init(&z->lock);
		for (unsigned k = 0; k <= VD_FRAME_MAX_ORDER; k++)
			vd_list_init(&z->free_list[k]);
	}
}

/* Frame numbers of the first frame starting at or after pa, and of the
 * first frame containing pa (saturating instead of wrapping). */
static size_t frame_up(uint64_t pa)
{
	if (pa > UINT64_MAX - (VD_PAGE_SIZE - 1))
		return (size_t)(UINT64_MAX >> VD_PAGE_SHIFT) + 1;
	return (size_t)((pa + VD_PAGE_SIZE - 1) >> VD_PAGE_SHIFT);
}

static size_t frame_down(uint64_t pa)
{
	return (size_t)(pa >> VD_PAGE_SHIFT);
}

static uint64_t region_end(paddr_t base, uint64_t size)
{
	uint64_t end = base + size;
	return end < base ? UINT64_MAX : end;
}

/* Insert [first, end) into a list kept sorted by `first`. */
static void insert_sorted(struct frame_range *list, unsigned *count,
			  unsigned max, size_t first, size_t end)
{
	unsigned i;

	if (first >= end)
		return;
	if (*count >= max) {
		kprintf("mm: too many memory ranges, dropping [%#zx, %#zx)\n",
			first, end);
		return;
	}
	for (i = *count; i > 0 && list[i - 1].first > first; i--)
		list[i] = list[i - 1];
	list[i] = (struct frame_range){first, end};
	(*count)++;
}

static void collect_ram(const struct vd_boot_info *bi)
{
	ram_count = 0;
	for (unsigned i = 0; i < bi->mem_count && i < VD_MAX_MEM_REGIONS; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type != VD_MEM_USABLE)
			continue;
		/* Whole frames only: round the start up, the end down. */
		insert_sorted(ram, &ram_count, VD_MAX_MEM_REGIONS,
			      frame_up(r->base),
			      frame_down(region_end(r->base, r->size)));
	}
	/* Clip overlaps so that no frame is counted twice. */
	for (unsigned i = 1; i < ram_count; i++)
		if (ram[i].first < ram[i - 1].end)
			ram[i].first = VD_MIN(ram[i - 1].end, ram[i].end);
}

static void add_reserved(paddr_t base, uint64_t size)
{
	if (size == 0)
		return;
	/* Partly used frames are reserved whole: round outwards. */
	insert_sorted(rsv, &rsv_count, MAX_RESERVED, frame_down(base),
		      frame_up(region_end(base, size)));
}

/* Make the sorted reserved list disjoint (ranges may overlap or touch). */
static void merge_reserved(void)
{
	unsigned out = 0;

	for (unsigned i = 0; i < rsv_count; i++) {
		if (out && rsv[i].first <= rsv[out - 1].end)
			rsv[out - 1].end = VD_MAX(rsv[out - 1].end, rsv[i].end);
		else
			rsv[out++] = rsv[i];
	}
	rsv_count = out;
}

static void collect_reserved(const struct vd_boot_info *bi)
{
	rsv_count = 0;
	for (unsigned i = 0; i < bi->reserved_count && i < VD_MAX_MEM_REGIONS;
	     i++)
		add_reserved(bi->reserved[i].base, bi->reserved[i].size);
	add_reserved(bi->initrd_base, bi->initrd_size);
	add_reserved(0, VD_PAGE_SIZE);
	merge_reserved();
}

/* Zone of frame n, and the first frame after n in another zone. */
static enum vd_mem_zone zone_of(size_t n, size_t *zone_end)
{
	size_t dma_end = frame_down(VD_ZONE_DMA_LIMIT);

	if (n < dma_end) {
		*zone_end = dma_end;
		return VD_ZONE_DMA;
	}
	*zone_end = SIZE_MAX; /* 64-bit: Normal is all the rest */
	return VD_ZONE_NORMAL;
}

static void build_areas(void)
{
	for (unsigned i = 0; i < ram_count; i++) {
		size_t n = ram[i].first;
		while (n < ram[i].end) {
			size_t zone_end;
			enum vd_mem_zone zone = zone_of(n, &zone_end);
			size_t end = VD_MIN(ram[i].end, zone_end);
			struct frame_area *a = &frame_areas[frame_area_count++];

			a->first = n;
			a->count = end - n;
			a->zone = zone;
			n = end;
		}
	}
	/* Areas are sorted by address, so each zone's areas are one run. */
	for (unsigned i = 0; i < frame_area_count; i++) {
		struct frame_zone *z = &frame_zones[frame_areas[i].zone];
		if (z->area_count == 0)
			z->first_area = i;
		z->area_count++;
		z->total += frame_areas[i].count;
	}
}

/*
 * Highest start of a run of `need` frames inside [first, end) that
 * overlaps no reserved range, or 0 if there is none (frame 0 is always
 * reserved, so 0 is never a real answer).
 */
static size_t highest_free_run(size_t first, size_t end, size_t need)
{
	/* Gap i lies below rsv[i]; gap rsv_count is above the last one. */
	for (unsigned i = rsv_count + 1; i-- > 0;) {
		size_t lo = i ? rsv[i - 1].end : 0;
		size_t hi = i < rsv_count ? rsv[i].first : SIZE_MAX;

		lo = VD_MAX(lo, first);
		hi = VD_MIN(hi, end);
		if (hi > lo && hi - lo >= need)
			return hi - need;
	}
	return 0;
}

/* Place the state bytes of all areas in one run of free RAM. */
static bool place_metadata(void)
{
	size_t bytes = 0, pages, at = 0;
	uint8_t *p;

	for (unsigned i = 0; i < frame_area_count; i++)
		bytes += frame_areas[i].count;
	pages = (bytes + VD_PAGE_SIZE - 1) >> VD_PAGE_SHIFT;
	if (pages == 0)
		return false;
	/* Highest memory first: Dma frames are the scarce ones. */
	for (unsigned i = frame_area_count; i-- > 0 && !at;)
		at = highest_free_run(
			frame_areas[i].first,
			frame_areas[i].first + frame_areas[i].count, pages);
	if (!at)
		return false;
	insert_sorted(rsv, &rsv_count, MAX_RESERVED, at, at + pages);
	merge_reserved();

	p = vd_phys_to_virt((paddr_t)at << VD_PAGE_SHIFT);
	vd_memset(p, FS_RESERVED, bytes);
	for (unsigned i = 0; i < frame_area_count; i++) {
		frame_areas[i].state = p;
		p += frame_areas[i].count;
	}
	return true;
}

/* Release the frames of area a that no reserved range covers. */
static void release_area(struct frame_area *a)
{
	struct frame_zone *z = &frame_zones[a->zone];
	size_t n = a->first, end = a->first + a->count;

	for (unsigned i = 0; i <= rsv_count && n < end; i++) {
		size_t gap_end = i < rsv_count ? rsv[i].first : SIZE_MAX;

		gap_end = VD_MIN(gap_end, end);
		if (gap_end > n) {
			frame_release_range(z, a, n, gap_end - n);
			z->free += gap_end - n;
		}
		if (i < rsv_count)
			n = VD_MAX(n, rsv[i].end);
	}
}

void frame_init(const struct vd_boot_info *bi)
{
	frame_reset();
	collect_ram(bi);
	collect_reserved(bi);
	build_areas();
	if (!place_metadata()) {
		kprintf("mm: no room for frame metadata: no frames at all\n");
		frame_reset();
		return;
	}
	for (unsigned i = 0; i < frame_area_count; i++)
		release_area(&frame_areas[i]);
	for (unsigned i = 0; i < VD_ZONE_COUNT; i++) {
		struct frame_zone *z = &frame_zones[i];
		z->reserved = z->total - z->free;
		if (z->total)
			kprintf("mm: zone %-6s %8zu KiB, %8zu KiB free\n",
				vd_zone_name((enum vd_mem_zone)i),
				z->total * (VD_PAGE_SIZE >> 10),
				z->free * (VD_PAGE_SIZE >> 10));
	}
}
