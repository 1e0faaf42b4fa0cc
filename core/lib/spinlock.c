/*
 * Ticket spinlocks: fetch-and-add a ticket, spin until `owner` reaches it.
 * Acquire/release ordering via the GCC/Clang __atomic builtins, which lower
 * to the right barriers on all three architectures (lock xadd, ldaxr/stlr,
 * amoadd.w.aq / fence).
 */
#include <veridian/panic.h>
#include <veridian/smp.h>
#include <veridian/spinlock.h>

void vd_spin_init(struct vd_spinlock *l)
{
	l->next = 0;
	l->owner = 0;
	l->holder_cpu = -1;
}

/* Out of line, so that the uncontended path stays a leaf. */
static __attribute__((noinline)) void spin_wait(struct vd_spinlock *l,
						uint32_t ticket)
{
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		vd_cpu_relax(); /* answers TLB shootdowns; a pause/yield
				   hint belongs there too */
}

void vd_spin_lock(struct vd_spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	if (VD_UNLIKELY(__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket))
		spin_wait(l, ticket);
	__atomic_store_n(&l->holder_cpu, (int)hal_cpu_id(), __ATOMIC_RELAXED);
}

bool vd_spin_trylock(struct vd_spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expected = owner;

	/* Only take a ticket if it would be served immediately. */
	if (!__atomic_compare_exchange_n(&l->next, &expected, owner + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(&l->holder_cpu, (int)hal_cpu_id(), __ATOMIC_RELAXED);
	return true;
}

void vd_spin_unlock(struct vd_spinlock *l)
{
	__atomic_store_n(&l->holder_cpu, -1, __ATOMIC_RELAXED);
	vd_ticket_release(&l->owner);
}

/*
 * Taken, and by this CPU.  holder_cpu alone would not do: the holder
 * clears it before it releases the lock, but another CPU may take the
 * lock and not have written its id yet.  Only this CPU ever writes this
 * CPU's id there, so reading it means this CPU took the lock and has not
 * released it yet.
 */
bool vd_spin_is_held(const struct vd_spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
		       __atomic_load_n(&l->owner, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&l->holder_cpu, __ATOMIC_RELAXED) ==
		       (int)hal_cpu_id();
}

hal_irqstate_t vd_spin_lock_irqsave(struct vd_spinlock *l)
{
	hal_irqstate_t st = hal_irq_save();

	vd_spin_lock(l);
	return st;
}

void vd_spin_unlock_irqrestore(struct vd_spinlock *l, hal_irqstate_t st)
{
	vd_spin_unlock(l);
	hal_irq_restore(st);
}
