/*
 * Threads: the first switch frame of a kernel stack, the initial user
 * context, the kernel stack a trap from EL0 lands on, and the
 * user-access window (PAN).
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <veridian/panic.h>
#include <veridian/string.h>

extern char a64_thread_start[];

/* Thread stacks: the switch frame of arch/defs.h with x19 = entry, x20 =
 * arg and lr = a64_thread_start (switch.S). */
uintptr_t hal_kstack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	uint64_t *frame = (uint64_t *)((uintptr_t)stack_top & ~(uintptr_t)15) -
			  A64_SWITCH_FRAME / 8;
	vd_memset(frame, 0, A64_SWITCH_FRAME);
	frame[0] = (uint64_t)(uintptr_t)entry;
	frame[1] = (uint64_t)(uintptr_t)arg;
	frame[11] = (uint64_t)(uintptr_t)a64_thread_start;
	return (uintptr_t)frame;
}

VD_NORETURN void a64_thread_returned(void)
{
	vd_panic("kernel thread entry returned");
}

void hal_user_context_init(struct vd_cpu_context *ctx, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1)
{
	vd_memset(ctx, 0, sizeof(*ctx));
	ctx->pc = pc;
	ctx->sp = sp;
	ctx->x[0] = arg0;
	ctx->x[1] = arg1;
	ctx->pstate = 0; /* EL0t, AArch64, interrupts unmasked */
}

/* Nothing to do: in user mode SP_EL1 is the thread's context at the top
 * of its kernel stack, where every return to EL0 leaves it (vectors.S).
 * (No frame: every switch to a user thread calls it.) */
__attribute__((naked)) void hal_set_kernel_stack(void *stack_top)
{
	__asm__("ret");
}

/* PAN (ARMv8.1): while PSTATE.PAN is 1, EL1 data accesses to EL0-accessible
 * pages fault.  SCTLR_EL1.SPAN = 0 sets it on every exception entry. */
void hal_user_access_begin(void)
{
	if (a64_has_pan)
		__asm__ volatile(".inst 0xd500409f" ::: "memory"); /* pan, #0 */
}

void hal_user_access_end(void)
{
	if (a64_has_pan)
		__asm__ volatile(".inst 0xd500419f" ::: "memory"); /* pan, #1 */
}
