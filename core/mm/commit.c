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

static void pool_push(struct vd_frame f)
{
	struct pooled_frame *pf = vd_phys_to_virt(vd_frame_addr(f));
	hal_irqstate_t st = vd_spin_lock_irqsave(&pool_lock);

	pf->next = pool_head;
	pool_head = pf;
	pool_count++;
	vd_spin_unlock_irqrestore(&pool_lock, st);
}

static bool pool_pop(struct vd_frame *out)
{
	hal_irqstate_t st = vd_spin_lock_irqsave(&pool_lock);
	struct pooled_frame *pf = pool_head;

	if (pf) {
		pool_head = pf->next;
		pool_count--;
	}
	vd_spin_unlock_irqrestore(&pool_lock, st);
	if (!pf)
		return false;
	*out = vd_frame_of(vd_virt_to_phys(pf));
	return true;
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
	size_t done = 0;

	if (frames == 0)
		return VD_OK;
	/* a cheap refusal up front (the loop below would fail anyway, but
	 * only after taking everything there is) */
	if (frames > free_frames() ||
	    free_frames() - frames < VD_COMMIT_KERNEL_RESERVE)
		return VD_ERR_OUT_OF_MEMORY;
	while (done < frames) {
		struct vd_frame f;

		if (vd_frame_alloc(1, VD_ZONE_NORMAL, &f) != VD_OK)
			break;
		pool_push(f);
		done++;
	}
	/* the allocator may have run dry meanwhile, or other CPUs may have
	 * taken the kernel's share: undo and fail */
	if (done < frames || free_frames() < VD_COMMIT_KERNEL_RESERVE) {
		vd_commit_release(done);
		return VD_ERR_OUT_OF_MEMORY;
	}
	return VD_OK;
}

void vd_commit_release(size_t frames)
{
	while (frames-- > 0) {
		struct vd_frame f;

		/* the owners' counts add up to the pool: a missing frame is
		 * an accounting bug */
		VD_ASSERT(pool_pop(&f));
		vd_frame_free(f, 1);
	}
}

struct vd_frame vd_commit_draw(void)
{
	struct vd_frame f;

	/* the caller charged this frame earlier (see vd_commit_release) */
	VD_ASSERT(pool_pop(&f));
	return f;
}

void vd_commit_undraw(struct vd_frame f)
{
	pool_push(f);
}

size_t vd_commit_pooled(void)
{
	return __atomic_load_n(&pool_count, __ATOMIC_RELAXED);
}
