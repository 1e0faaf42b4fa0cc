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
#include <veridian/types.h>

struct vd_spinlock {
	uint32_t next; /* ticket handed to the next arriving CPU */
	uint32_t owner; /* ticket currently allowed in */
	int holder_cpu; /* for debugging and vd_spin_is_held */
};

#define VD_SPINLOCK_INIT { 0, 0, -1 }

void vd_spin_init(struct vd_spinlock *l);
void vd_spin_lock(struct vd_spinlock *l);
bool vd_spin_trylock(struct vd_spinlock *l);
void vd_spin_unlock(struct vd_spinlock *l);
bool vd_spin_is_held(const struct vd_spinlock *l);
hal_irqstate_t vd_spin_lock_irqsave(struct vd_spinlock *l);
void vd_spin_unlock_irqrestore(struct vd_spinlock *l, hal_irqstate_t st);

#endif /* VERIDIAN_SPINLOCK_H */
