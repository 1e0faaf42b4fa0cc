/*
 * FP/SIMD state of user threads, core's side (core/sched/fpu.c; the HAL's
 * side is in hal.h; the design in docs/fpu.md).
 *
 * Lazy per quantum: a thread's FP registers are loaded on its first FP
 * instruction after it was switched in (the HAL traps it and calls
 * vd_fpu_trap) and saved when it is switched out.  Threads that never use
 * FP cost one predictable branch per switch (vd_fpu_switch_out) and no
 * memory; the area is allocated on first use and freed with the thread.
 */
#ifndef VERIDIAN_FPU_H
#define VERIDIAN_FPU_H

#include <veridian/thread.h>
#include <veridian/types.h>

/* t (whose state is loaded on this CPU) is leaving it: save, access off. */
void vd_fpu_unload(struct vd_thread *t);

/* The switch away from prev on this CPU (interrupts masked): the one
 * hook of the context switches (core/sched/sched.c, sched_fast.h). */
static inline __attribute__((always_inline)) void
vd_fpu_switch_out(struct vd_thread *prev)
{
	if (VD_UNLIKELY(prev->fpu_loaded))
		vd_fpu_unload(prev);
}

/* With the thread's struct (core/sched/thread.c): free its area. */
void vd_fpu_thread_free(struct vd_thread *t);
/* FP areas allocated and not yet freed (tests check they come back). */
size_t vd_fpu_area_count(void);

/*
 * Reading and writing a thread's FP state, for a debugger or for
 * save_context / restore_context of a stopped thread.  The buffer is in
 * the HAL's format (hal_fpu_area_size bytes, see docs/fpu.md).  t must be
 * the calling thread or a thread that is not running (the HAL could not
 * reach another CPU's registers).
 *   vd_fpu_state_size: the buffer size.
 *   vd_fpu_state_get: t's latest state (the initial state if t never
 *     used FP).  Errors: VD_ERR_INVALID_PARAMETER (NULL, size too small,
 *     a kernel thread), VD_ERR_BUSY (t runs on another CPU).
 *   vd_fpu_state_set: t's state from now on (loaded on its next FP
 *     instruction).  Errors: as get, VD_ERR_INVALID_PARAMETER also for a
 *     state the CPU would refuse to load (hal_fpu_area_check),
 *     VD_ERR_OUT_OF_MEMORY (t had no area and none could be allocated).
 */
size_t vd_fpu_state_size(void);
/* Give t (a user thread) its FP area now if it has none, so that a
 * vd_fpu_state_set under the scheduler lock need not allocate.
 * Errors: VD_ERR_INVALID_PARAMETER (NULL or kernel thread),
 * VD_ERR_OUT_OF_MEMORY. */
vd_err_t vd_fpu_reserve(struct vd_thread *t);
vd_err_t vd_fpu_state_get(struct vd_thread *t, void *buf, size_t size);
vd_err_t vd_fpu_state_set(struct vd_thread *t, const void *buf, size_t size);

#endif /* VERIDIAN_FPU_H */
