/*
 * PLACEHOLDER trap upcalls until processes exist: user faults and
 * exceptions panic (there is no process to kill yet), device interrupts
 * are counted.
 */
#include <veridian/hal.h>
#include <veridian/metrics.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/syscall.h>

bool vd_page_fault(struct vd_cpu_context *ctx, vaddr_t addr, unsigned access,
		   bool from_user)
{
	vd_metrics_count(VD_METRIC_PAGE_FAULTS);
	if (vd_page_fault_test_hook)
		return vd_page_fault_test_hook(ctx, addr, access, from_user);
	if (from_user)
		vd_panic("user page fault at %p (no processes yet)",
			 (void *)addr);
	return false;
}

void vd_user_exception(struct vd_cpu_context *ctx, const char *what)
{
	vd_panic("user exception %s at pc %p (no processes yet)", what,
		 (void *)VD_CTX_PC(ctx));
}

void vd_irq(unsigned irq)
{
	(void)irq;
	vd_metrics_count(VD_METRIC_INTERRUPTS);
}

void vd_return_to_user_hook(struct vd_cpu_context *ctx)
{
	(void)ctx;
}

void vd_start_userspace(void)
{
	kprintf("user space: not yet available; idling\n");
}
