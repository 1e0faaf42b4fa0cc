/*
 * The portable syscall upcall: the HAL's syscall_entry / svc_entry /
 * ecall_entry saved the user registers in ctx and calls vd_syscall(ctx).
 * It decodes number and arguments with the cpu_context.h accessors,
 * dispatches, and encodes the result (negative = -vd_err_t).
 */
#include <veridian/cpu_context.h>
#include <veridian/hal.h>
#include <veridian/metrics.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>

#include "syscall_internal.h"

void (*vd_syscall_test_hook)(struct vd_cpu_context *ctx);
bool (*vd_page_fault_test_hook)(struct vd_cpu_context *ctx, vaddr_t addr,
				unsigned access, bool from_user);

void vd_syscall(struct vd_cpu_context *ctx)
{
	uint64_t args[VD_SYSCALL_MAX_ARGS], ret = 0;
	struct vd_thread *t;

	if (VD_UNLIKELY(vd_syscall_test_hook != NULL)) {
		vd_metrics_count(VD_METRIC_SYSCALLS);
		vd_syscall_test_hook(ctx);
		return;
	}
	/* ctx is at the top of the caller's kernel stack: its owner is the
	 * caller, and its cpu field is the CPU we run on */
	t = vd_thread_of_stack(ctx);
	vd_metrics_percpu[t->cpu].count[VD_METRIC_SYSCALLS]++;
	for (unsigned i = 0; i < VD_SYSCALL_MAX_ARGS; i++)
		args[i] = vd_ctx_arg(ctx, i);
	vd_err_t err = syscall_dispatch(t, VD_CTX_SYSNR(ctx), args, ctx, &ret);
	VD_CTX_RET(ctx) = err == VD_OK ? ret : (uint64_t) - (int64_t)err;
}
