/*
 * Thread stacks, user contexts and the user-memory access window.
 *
 * SUM discipline: supervisor code can touch U pages only while
 * sstatus.SUM is set, which happens only between hal_user_access_begin
 * and hal_user_access_end (trap entry clears it, switch and longjmp
 * restore the owner's state).  MXR is never set, and S-mode can never
 * execute a U page (the hardware forbids it regardless of SUM).
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/platform.h>
#include <veridian/string.h>

extern char rv_thread_start[];

/* Switch frame layout: see switch.S. */
enum { SW_RA, SW_S0, SW_S1, SW_S2, SW_SLOTS = 14 };

uintptr_t hal_kstack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	uint64_t *frame = (uint64_t *)((uintptr_t)stack_top & ~15ul) - SW_SLOTS;
	vd_memset(frame, 0, SW_SLOTS * sizeof(uint64_t));
	frame[SW_RA] = (uintptr_t)rv_thread_start;
	frame[SW_S0] = 0;
	frame[SW_S1] = (uintptr_t)entry;
	frame[SW_S2] = (uintptr_t)arg;
	return (uintptr_t)frame;
}

/* satp is left alone: it belongs to the owning address space. */
void hal_user_context_init(struct vd_cpu_context *ctx, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1)
{
	vd_memset(ctx->x, 0, sizeof(ctx->x));
	ctx->x[2] = sp;
	ctx->x[10] = arg0;
	ctx->x[11] = arg1;
	ctx->pc = pc;
	ctx->status = SSTATUS_SPIE; /* U-mode (SPP = 0), interrupts on */
	ctx->_pad = 0;
}

/* The trap entry wants the context's address, so store that.  No stack
 * frame: every switch to a user thread calls it. */
__attribute__((naked)) void hal_set_kernel_stack(void *stack_top)
{
	__asm__("addi a0, a0, -%0\n\t"
		"sd a0, %1(tp)\n\t"
		"ret" ::"i"(CTX_SIZE),
		"i"(PCPU_USER_CTX));
}

void hal_user_access_begin(void)
{
	csr_set(sstatus, SSTATUS_SUM);
}

void hal_user_access_end(void)
{
	csr_clear(sstatus, SSTATUS_SUM);
}
