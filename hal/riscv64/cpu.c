/*
 * Small per-CPU primitives: counters, the local interrupt mask (sstatus.SIE),
 * idling, and frame-pointer unwinding.
 */
#include <rv/csr.h>
#include <rv/layout.h>
#include <veridian/hal.h>

extern char _kernel_start[], _end[];

/* Retired instructions.  OpenSBI opens the counter to S-mode (mcounteren);
 * under QEMU -icount shift=0 it equals rdcycle and counts exactly. */
uint64_t hal_cycles(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

void hal_cpu_idle(void)
{
	rv_wfi();
}

hal_irqstate_t hal_irq_save(void)
{
	return csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE;
}

void hal_irq_restore(hal_irqstate_t state)
{
	if (state & SSTATUS_SIE)
		csr_set(sstatus, SSTATUS_SIE);
	else
		csr_clear(sstatus, SSTATUS_SIE);
}

void hal_irq_local_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

bool hal_irq_local_enabled(void)
{
	return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

/* The caller's frame: s0 points just above our saved {fp, ra} pair
 * (fp at s0-16), which is gone once we return, so hand back the saved fp. */
uintptr_t hal_frame_pointer(void)
{
	return *(uintptr_t *)((uintptr_t)__builtin_frame_address(0) - 16);
}

/* Kernel stacks live in the image (.bss) or in the physmap. */
static bool is_stack_address(uintptr_t a)
{
	return (a >= RV_PHYSMAP_BASE && a < RV_PHYSMAP_BASE + RV_PHYSMAP_LIMIT) ||
	       (a >= (uintptr_t)_kernel_start && a <= (uintptr_t)_end);
}

/*
 * With -fno-omit-frame-pointer, s0 (fp) holds the stack pointer at
 * function entry and the prologue stores, just below it:
 *
 *   fp - 8    return address (ra)
 *   fp - 16   caller's fp
 *
 * head.S starts every chain with fp = 0; the trap entry adds a record
 * whose return address is the interrupted pc.
 */
bool hal_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	uintptr_t f = *fp;
	if ((f & 7) || !is_stack_address(f - 16) || !is_stack_address(f - 1))
		return false;
	uintptr_t ra = ((const uintptr_t *)f)[-1];
	uintptr_t next = ((const uintptr_t *)f)[-2];
	if (ra == 0)
		return false;
	*pc = ra;
	/* Frames move up the stack; anything else ends the walk next time. */
	*fp = next > f ? next : 0;
	return true;
}
