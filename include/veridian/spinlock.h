/*
 * Veridian: ticket spinlocks.
 *
 * A ticket lock is fair (FIFO between CPUs), which keeps SMP latency
 * bounded.  vd_spin_lock_irqsave also masks local interrupts, so a lock
 * taken from an interrupt handler cannot deadlock against the same CPU.
 */
#ifndef VERIDIAN_SPINLOCK_H
#define VERIDIAN_SPINLOCK_H

#include <veridian/hal.h>
#include <veridian/panic.h>
#include <veridian/types.h>

struct vd_spinlock {
	uint32_t next;	/* ticket handed to the next arriving CPU */
	uint32_t owner; /* ticket currently allowed in */
	/* the CPU that holds it, -1 if none: written only by the holder
	 * (after taking it, before releasing it), so that this CPU reads
	 * its own id here only while it holds the lock (vd_spin_is_held) */
	int holder_cpu;
};

#define VD_SPINLOCK_INIT                                                       \
	{                                                                      \
		0, 0, -1                                                       \
	}

/*
 * Let the next ticket in: owner + 1, stored with release order.  Only
 * the holder writes owner, so the increment need not be atomic: a load
 * and a store-release.  An architecture whose plain stores are already
 * releases may do it in fewer instructions: its optional
 * <arch/spinlock.h> then defines vd_ticket_release and
 * ARCH_HAS_TICKET_RELEASE (x86_64 does, for TSO).
 */
#if __has_include(<arch/spinlock.h>)
#include <arch/spinlock.h>
#endif
#ifndef ARCH_HAS_TICKET_RELEASE
static inline __attribute__((always_inline)) void
vd_ticket_release(uint32_t *owner)
{
	__atomic_store_n(owner, *owner + 1, __ATOMIC_RELEASE);
}
#endif

void vd_spin_init(struct vd_spinlock *l);
void vd_spin_lock(struct vd_spinlock *l);
bool vd_spin_trylock(struct vd_spinlock *l);
void vd_spin_unlock(struct vd_spinlock *l);
/* Does the calling CPU hold l?  (Not merely: is l taken.) */
bool vd_spin_is_held(const struct vd_spinlock *l);
hal_irqstate_t vd_spin_lock_irqsave(struct vd_spinlock *l);
void vd_spin_unlock_irqrestore(struct vd_spinlock *l, hal_irqstate_t st);

/* The contract of a *_locked function: the calling CPU holds l (debug
 * builds, include/veridian/panic.h). */
#define VD_ASSERT_HELD(l) VD_DEBUG_ASSERT(vd_spin_is_held(l))
/* ... with local interrupts masked (a lock an interrupt handler takes, or
 * one taken inside it). */
#define VD_ASSERT_IRQS_MASKED() VD_DEBUG_ASSERT(!hal_irq_local_enabled())

#endif /* VERIDIAN_SPINLOCK_H */
