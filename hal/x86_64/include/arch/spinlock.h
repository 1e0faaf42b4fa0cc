/*
 * x86_64: the ticket-release shortcut of <veridian/spinlock.h>.
 *
 * x86_64 orders every store after the ones before it (TSO), so a
 * compiler barrier and an increment in place release the lock, in one
 * instruction, where the portable version is a load and a store-release.
 * Only the holder writes owner, so the increment need not be atomic.
 */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include <veridian/types.h>

#define ARCH_HAS_TICKET_RELEASE 1
static inline __attribute__((always_inline)) void
vd_ticket_release(uint32_t *owner)
{
	__atomic_signal_fence(__ATOMIC_RELEASE);
	(*(volatile uint32_t *)owner)++;
}

#endif /* ARCH_SPINLOCK_H */
