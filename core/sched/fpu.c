/*
 * FP/SIMD state of user threads: lazy loading per quantum (docs/fpu.md).
 *
 * Invariant: user access to the FP registers is on on a CPU exactly
 * while its current thread t has t->fpu_loaded, and then the registers
 * hold t's state (its area may be stale).  Every switch away from a CPU's
 * current thread goes through vd_fpu_switch_out, which saves and turns
 * access off; the next FP instruction of whichever thread runs next traps
 * (vd_fpu_trap), so no thread ever sees another's registers, and a thread
 * that moves to another CPU finds its state in its area.  Kernel threads
 * never set fpu_loaded (the kernel is built without FP).
 */
#include <veridian/fpu.h>
#include <veridian/hal.h>
#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/string.h>

/* XSAVE needs 64-byte alignment; the others less. */
#define FPU_AREA_ALIGN 64

static size_t live_areas; /* atomic: allocated and not yet freed */

static void *area_alloc(void)
{
	void *area = NULL;

	VD_ASSERT(hal_fpu_area_size() <= VD_FPU_STATE_MAX);

	if (vd_heap_alloc(hal_fpu_area_size(), FPU_AREA_ALIGN, &area) != VD_OK)
		return NULL;
	hal_fpu_area_init(area);
	__atomic_fetch_add(&live_areas, 1, __ATOMIC_RELAXED);
	return area;
}

static void area_free(void *area)
{
	vd_heap_free(area, hal_fpu_area_size(), FPU_AREA_ALIGN);
	__atomic_fetch_sub(&live_areas, 1, __ATOMIC_RELAXED);
}

size_t vd_fpu_area_count(void)
{
	return __atomic_load_n(&live_areas, __ATOMIC_RELAXED);
}

void vd_fpu_unload(struct vd_thread *t)
{
	VD_DEBUG_ASSERT(!hal_irq_local_enabled() && t->fpu);
	hal_fpu_unload(t->uctx, t->fpu);
	t->fpu_loaded = false;
}

bool vd_fpu_trap(struct vd_cpu_context *ctx)
{
	struct vd_thread *t = vd_current_thread();
	hal_irqstate_t st;

	if (!t || !t->proc || t->uctx != ctx || t->fpu_loaded)
		return false;
	if (!t->fpu) {
		/* first use: interrupts are on, the heap may take its time */
		t->fpu = area_alloc();
		if (!t->fpu) {
			struct vd_process *p = t->proc;
			kprintf("proc %llu (%s): no memory for the FP state "
				"of thread %llu: killed\n",
				(unsigned long long)p->pid, p->name,
				(unsigned long long)t->tid);
			vd_process_kill(p, -1, VD_EXIT_OUT_OF_MEMORY);
			return true; /* not reached */
		}
	}
	/* Masked, so that a switch cannot come between the load and the
	 * flag; a switch after it unloads again (the instruction then traps
	 * once more on return, harmless). */
	st = hal_irq_save();
	if (!t->fpu_loaded) {
		hal_fpu_load(ctx, t->fpu);
		t->fpu_loaded = true;
	}
	hal_irq_restore(st);
	return true;
}

void vd_fpu_thread_free(struct vd_thread *t)
{
	/* off every CPU by now: its last switch-out unloaded it */
	VD_ASSERT(!t->fpu_loaded);
	if (t->fpu)
		area_free(t->fpu);
	t->fpu = NULL;
}

size_t vd_fpu_state_size(void)
{
	return hal_fpu_area_size();
}

vd_err_t vd_fpu_reserve(struct vd_thread *t)
{
	void *area, *none = NULL;

	if (!t || !t->proc)
		return VD_ERR_INVALID_PARAMETER;
	if (__atomic_load_n(&t->fpu, __ATOMIC_ACQUIRE))
		return VD_OK;
	area = area_alloc();
	if (!area)
		return VD_ERR_OUT_OF_MEMORY;
	if (!__atomic_compare_exchange_n(&t->fpu, &none, area, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		area_free(area); /* someone else gave it one */
	return VD_OK;
}

/* Common checks of get/set; on VD_OK interrupts are masked (*st) and t's
 * state is not in any CPU's registers (its area, if any, is current). */
static vd_err_t state_begin(struct vd_thread *t, size_t size,
			    hal_irqstate_t *st)
{
	if (!t || !t->proc || size < hal_fpu_area_size())
		return VD_ERR_INVALID_PARAMETER;
	*st = hal_irq_save();
	if (t == vd_current_thread()) {
		vd_fpu_switch_out(t); /* reloaded on its next FP use */
	} else if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
		hal_irq_restore(*st);
		return VD_ERR_BUSY;
	}
	return VD_OK;
}

vd_err_t vd_fpu_state_get(struct vd_thread *t, void *buf, size_t size)
{
	hal_irqstate_t st;
	vd_err_t err;

	if (!buf)
		return VD_ERR_INVALID_PARAMETER;
	err = state_begin(t, size, &st);
	if (err)
		return err;
	if (t->fpu)
		vd_memcpy(buf, t->fpu, hal_fpu_area_size());
	else
		hal_fpu_area_init(buf);
	hal_irq_restore(st);
	return VD_OK;
}

vd_err_t vd_fpu_state_set(struct vd_thread *t, const void *buf, size_t size)
{
	hal_irqstate_t st;
	vd_err_t err;

	if (!buf || hal_fpu_area_check(buf) != VD_OK)
		return VD_ERR_INVALID_PARAMETER;
	if (t && t->proc && !t->fpu) {
		/* allocated before masking interrupts; kept even if the
		 * checks below fail (freed with the thread) */
		err = vd_fpu_reserve(t);
		if (err)
			return err;
	}
	err = state_begin(t, size, &st);
	if (err)
		return err;
	vd_memcpy(t->fpu, buf, hal_fpu_area_size());
	hal_irq_restore(st);
	return VD_OK;
}
