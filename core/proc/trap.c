/*
 * Trap upcalls from the HAL that concern processes: page faults, other
 * user exceptions, device interrupts, and the return-to-user hook.
 *
 * A fault core cannot resolve never takes the kernel down when user code
 * caused it: a user-mode fault kills the faulting process (exit reason
 * "fault", a line on the console, all its frames freed) and the thread
 * never returns to user mode; a kernel-mode fault on a user address inside
 * a fault-safe copy jumps back to the copy's recovery point, which turns
 * it into VD_ERR_MEM_FAULT for the syscall.
 */
#include <veridian/metrics.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/trace.h>
#include <veridian/uaccess.h>

#include "proc_internal.h"

static const char *access_name(unsigned access)
{
	if (access & VD_FAULT_EXEC)
		return "exec";
	return (access & VD_FAULT_WRITE) ? "write" : "read";
}

bool vd_page_fault(struct vd_cpu_context *ctx, vaddr_t addr, unsigned access,
		   bool from_user)
{
	struct vd_thread *t;
	struct vd_process *p;

	vd_metrics_count(VD_METRIC_PAGE_FAULTS);
	VD_TRACE_EVENT(VD_TRACE_PAGE_FAULT, addr,
		       access | (uint64_t)from_user << 8);
#ifndef VD_PRODUCTION /* the ktests' hook (syscall.h) */
	if (vd_page_fault_test_hook)
		return vd_page_fault_test_hook(ctx, addr, access, from_user);
#endif
	t = vd_current_thread();
	p = t ? t->proc : NULL;
	if (p) {
		p->usage.page_faults++;
		if (addr < hal_user_top() &&
		    proc_ipc_page_fault(p, addr, access))
			return true; /* copy-on-write resolved: retry */
		switch (vd_uvm_fault(p, addr, access, from_user)) {
		case VD_UVM_FAULT_RETRY:
			return true; /* first touch of a lazy page: retry */
		case VD_UVM_FAULT_NO_MEMORY:
			if (!from_user)
				break; /* the copy fails, see below */
			kprintf("proc %llu (%s): no memory for a page table "
				"at %p: killed\n",
				(unsigned long long)p->pid, p->name,
				(void *)addr);
			vd_process_kill(p, -1, VD_EXIT_OUT_OF_MEMORY);
			return false; /* not reached */
		case VD_UVM_FAULT_NOT_MINE:
			break;
		}
	}
	if (!from_user) {
		/* a fault-safe user copy in progress: fail the copy */
		if (t && t->fault_jmp && addr >= VD_USER_BASE &&
		    addr < hal_user_top())
			hal_longjmp(t->fault_jmp, 1);
		return false; /* a kernel bug: the HAL panics */
	}
	if (!p)
		return false;
	kprintf("proc %llu (%s): page fault, %s at %p, pc %p: killed\n",
		(unsigned long long)p->pid, p->name, access_name(access),
		(void *)addr, (void *)(uintptr_t)VD_CTX_PC(ctx));
	vd_process_kill(p, -1, VD_EXIT_FAULT); /* does not return */
	return false;
}

void vd_user_exception(struct vd_cpu_context *ctx, const char *what)
{
	struct vd_process *p = vd_current_process();

	if (!p)
		vd_panic("user exception %s at pc %p without a process", what,
			 (void *)(uintptr_t)VD_CTX_PC(ctx));
	kprintf("proc %llu (%s): %s at pc %p: killed\n",
		(unsigned long long)p->pid, p->name, what,
		(void *)(uintptr_t)VD_CTX_PC(ctx));
	vd_process_kill(p, -1, VD_EXIT_EXCEPTION);
}

void vd_irq(unsigned irq)
{
	/* no device drivers in the kernel: user space's job */
	vd_metrics_count(VD_METRIC_INTERRUPTS);
	VD_TRACE_EVENT(VD_TRACE_INTERRUPT, VD_TRACE_IRQ_DEVICE, irq);
}

/*
 * Every return to user mode, interrupts off: the place where user
 * threads are preempted (the tick asked for it) and where killed threads
 * stop.  The syscall exit calls it only when t->user_work is set.
 */
void vd_return_to_user_hook(struct vd_cpu_context *ctx)
{
	struct vd_thread *t;

#ifndef VD_PRODUCTION
	/* HAL ktests visit user mode on borrowed stacks, without threads */
	if (VD_UNLIKELY(vd_syscall_test_hook || vd_page_fault_test_hook))
		return;
#endif
	t = vd_thread_of_stack(ctx);
	t->uctx_replaced = false; /* the HAL restores all of ctx after us */
	while (VD_UNLIKELY(t->kill_pending || t->resched)) {
		if (t->kill_pending)
			vd_thread_exit(0);
		vd_schedule();
	}
}
