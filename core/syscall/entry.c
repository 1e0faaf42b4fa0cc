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

void (*vd_syscall_test_hook)(struct vd_cpu_context *ctx);
bool (*vd_page_fault_test_hook)(struct vd_cpu_context *ctx, vaddr_t addr,
				unsigned access, bool from_user);

void vd_syscall(struct vd_cpu_context *ctx)
{
	uint64_t args[VD_SYSCALL_MAX_ARGS], ret = 0;

	vd_metrics_count(VD_METRIC_SYSCALLS);
	if (VD_UNLIKELY(vd_syscall_test_hook != NULL)) {
		vd_syscall_test_hook(ctx);
		return;
	}
	for (unsigned i = 0; i < VD_SYSCALL_MAX_ARGS; i++)
		args[i] = vd_ctx_arg(ctx, i);
	vd_err_t err = vd_handle_syscall(VD_CTX_SYSNR(ctx), args, ctx, &ret);
	VD_CTX_RET(ctx) = err == VD_OK ? ret : (uint64_t) - (int64_t)err;
}
