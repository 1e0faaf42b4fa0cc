/*
 * Commit: frames set aside for user memory that is backed lazily.
 *
 * A lazily mapped page (an mmap, a user stack) gets its frame on the first
 * touch, in a page fault.  If that fault had to ask the frame allocator,
 * a process that another one starved of memory would die on an access to
 * memory the kernel had said yes to.  So the kernel commits strictly: the
 * frame of every lazily backed page is taken from the allocator when the
 * memory is mapped, and kept here, in one pool, until a first touch draws
 * it (vd_commit_draw) or an unmap gives it back (vd_commit_release).  A
 * map that cannot get its frames fails at once with VD_ERR_OUT_OF_MEMORY;
 * a first touch never needs the allocator for its page.
 *
 * The frames are interchangeable, so one global pool serves every
 * process: the owners (core/proc/uvm.c) count what they set aside, and
 * the pool holds exactly the sum of those counts.  A charge also leaves
 * VD_COMMIT_KERNEL_RESERVE frames free for the kernel itself (its heap,
 * and the page tables a first touch may still need), so user memory alone
 * cannot starve the kernel.
 *
 * Pooled frames are linked through their first word (via the physmap), as
 * the allocator links its free blocks; they are allocated frames as far
 * as the allocator and vd_memory_stats are concerned.  The pool lock is a
 * leaf, taken with interrupts masked (callers may hold a vm_lock).
 */
#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/spinlock.h>

struct pooled_frame {
	struct pooled_frame *next;
};

static struct vd_spinlock pool_lock = VD_SPINLOCK_INIT;
static struct pooled_frame *pool_head;
static size_t pool_count;

/* Frames are linked into a chain [first .. last] outside the lock and
 * spliced in (or out) under it: one lock round trip per charge or
 * release, not one per frame. */
static void pool_splice_in(struct pooled_frame *first,
			   struct pooled_frame *last, size_t n)
{
	hal_irqstate_t st = vd_spin_lock_irqsave(&pool_lock);

	last->next = pool_head;
	pool_head = first;
	pool_count += n;
	vd_spin_unlock_irqrestore(&pool_lock, st);
}

/* Take n frames off the pool as a chain (NULL-terminated); the caller
 * knows they are there (the owners' counts add up to the pool). */
static struct pooled_frame *pool_take(size_t n)
{
	hal_irqstate_t st = vd_spin_lock_irqsave(&pool_lock);
	struct pooled_frame *first = pool_head, *last = NULL;

	VD_ASSERT(pool_count >= n);
	for (size_t i = 0; i < n; i++) {
		last = pool_head;
		pool_head = pool_head->next;
	}
	if (last)
		last->next = NULL;
	pool_count -= n;
	vd_spin_unlock_irqrestore(&pool_lock, st);
	return n ? first : NULL;
}

static struct pooled_frame *as_pooled(struct vd_frame f)
{
	return vd_phys_to_virt(vd_frame_addr(f));
}

static struct vd_frame frame_of_pooled(struct pooled_frame *pf)
{
	return vd_frame_of(vd_virt_to_phys(pf));
}

static void free_chain(struct pooled_frame *pf)
{
	while (pf) {
		struct pooled_frame *next = pf->next;
		vd_frame_free(frame_of_pooled(pf), 1);
		pf = next;
	}
}

/* Free frames now, caches included (approximate while other CPUs work). */
static size_t free_frames(void)
{
	struct vd_memory_stats ms;

	vd_memory_stats(&ms);
	return ms.free_frames;
}

vd_err_t vd_commit_charge(size_t frames)
{
	size_t avail = free_frames(), done = 0;

	if (frames == 0)
		return VD_OK;
	/* a cheap refusal up front (the loop below would fail anyway, but
	 * only after taking everything there is) */
	if (frames > avail || avail - frames < VD_COMMIT_KERNEL_RESERVE)
		return VD_ERR_OUT_OF_MEMORY;
	/* one frame at a time: single frames come from this CPU's frame
	 * cache without a lock, which beats splitting a block */
	struct pooled_frame *first = NULL, *last = NULL;
	while (done < frames) {
		struct vd_frame f;

		if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK)
			break;
		struct pooled_frame *pf = as_pooled(f);
		pf->next = first;
		first = pf;
		if (!last)
			last = pf;
		done++;
	}
	/* the allocator may have run dry meanwhile, or other CPUs may have
	 * taken the kernel's share: give it all back and fail */
	if (done < frames || free_frames() < VD_COMMIT_KERNEL_RESERVE) {
		free_chain(first);
		return VD_ERR_OUT_OF_MEMORY;
	}
	pool_splice_in(first, last, done);
	return VD_OK;
}

void vd_commit_release(size_t frames)
{
	free_chain(pool_take(frames));
}

struct vd_frame vd_commit_draw(void)
{
	/* the caller charged this frame earlier */
	return frame_of_pooled(pool_take(1));
}

void vd_commit_undraw(struct vd_frame f)
{
	struct pooled_frame *pf = as_pooled(f);

	pool_splice_in(pf, pf, 1);
}

size_t vd_commit_pooled(void)
{
	return __atomic_load_n(&pool_count, __ATOMIC_RELAXED);
}
