/*
 * Veridian: scheduler (Scheduling API of the kernel API).
 * PLACEHOLDER header: the scheduler helper replaces this with the real
 * interface (priorities, run queues, block/wake).  Only the tick hook
 * exists so far.
 */
#ifndef VERIDIAN_SCHED_H
#define VERIDIAN_SCHED_H

#include <veridian/types.h>

/* Timer tick on the calling CPU; `now` is hal_timer_now_ns(). */
void vd_sched_tick(uint64_t now);

#endif /* VERIDIAN_SCHED_H */
