/*
 * The general syscall path: the HAL's syscall_entry / svc_entry /
 * ecall_entry saved the user registers in ctx and called vd_syscall(ctx)
 * for every number but the IPC fast path's two (which come here when
 * the fast path does not apply, hal.h).  It decodes number and arguments with
 * the cpu_context.h accessors, dispatches, and encodes the result (negative =
 * -vd_err_t).  It returns the caller's return-to-user work word, which
 * the HAL checks with interrupts masked: on the common path, nothing to
 * do, the HAL goes straight back to user mode without calling
 * vd_return_to_user_hook.
 */
#include <veridian/cpu_context.h>
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/metrics.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/trace.h>

#include "syscall_internal.h"

#ifndef VD_PRODUCTION /* the ktests' hooks (syscall.h) */
void (*vd_syscall_test_hook)(struct vd_cpu_context *ctx);
bool (*vd_page_fault_test_hook)(struct vd_cpu_context *ctx, vaddr_t addr,
				unsigned access, bool from_user);

/* The work word of a syscall caught by the test hook: nothing to do. */
static const uint32_t no_user_work;
#endif

/* Where the handler finds the six arguments.  Where the context keeps
 * them in consecutive slots (AArch64 x0..x5, RISC-V a0..a5) that is the
 * context itself; x86_64's are scattered, so they are gathered into buf.
 * The test folds to a constant. */
static inline const uint64_t *syscall_args(struct vd_cpu_context *ctx,
					   uint64_t *buf)
{
	bool in_place = true;

	for (unsigned i = 1; i < VD_SYSCALL_MAX_ARGS; i++)
		in_place &=
			vd_ctx_arg_slot(ctx, i) == vd_ctx_arg_slot(ctx, 0) + i;
	if (in_place)
		return vd_ctx_arg_slot(ctx, 0);
	for (unsigned i = 0; i < VD_SYSCALL_MAX_ARGS; i++)
		buf[i] = vd_ctx_arg(ctx, i);
	return buf;
}

/*
 * handle_syscall of the kernel API (syscall.h): the one dispatcher.  The
 * HAL's entries reach it through vd_syscall below, which decodes the
 * registers; the host syscall fuzzer calls it directly.  Inline into
 * vd_syscall (always_inline), so the general path makes no extra call.
 *
 * The caller is the thread whose kernel stack ctx sits on (its second
 * word names the owner, thread.h): two instructions, where asking for
 * the current thread is a per-CPU lookup.  Only a user thread's own
 * saved context passes: a kernel thread has no process (no capability
 * space, no syscalls), and any other context is not the caller's.
 */
/* Why vd_handle_syscall turns its caller away: out of line, so that a
 * real syscall only pays the two tests. */
static __attribute__((noinline, cold)) vd_err_t
refuse_caller(const struct vd_thread *t)
{
	return t->proc == NULL ? VD_ERR_PERMISSION_DENIED  /* kernel thread */
			       : VD_ERR_INVALID_PARAMETER; /* not its ctx */
}

__attribute__((always_inline)) inline vd_err_t
vd_handle_syscall(uint64_t nr, const uint64_t args[6],
		  struct vd_cpu_context *ctx, uint64_t *ret)
{
	struct vd_thread *t = vd_thread_of_stack(ctx);

	/* the stack's owner is a thread only if ctx is on a thread's
	 * stack: kernel code that passes anything else is wrong (host
	 * suites play threads without the scheduler) */
	VD_DEBUG_ASSERT(t == vd_current_thread() || !vd_sched_ready());
	if (VD_UNLIKELY(t->proc == NULL || t->uctx != ctx))
		return refuse_caller(t);
	return syscall_dispatch(t, nr, args, ctx, ret);
}

/* The HAL's way in: decode, dispatch, encode the result. */
static inline __attribute__((always_inline)) const volatile uint32_t *
dispatch(struct vd_cpu_context *ctx, uint64_t nr)
{
	uint64_t buf[VD_SYSCALL_MAX_ARGS], ret = 0;
	vd_err_t err = vd_handle_syscall(nr, syscall_args(ctx, buf), ctx, &ret);
	/* Only ctx is kept across the handler; what derives from it (the
	 * result slot, the thread) is recomputed, which is cheaper than
	 * saving more callee-saved registers on every syscall.  The empty
	 * asm hides that they were computed before. */
	__asm__("" : "+r"(ctx));
	VD_CTX_RET(ctx) = err == VD_OK ? ret : (uint64_t) - (int64_t)err;
	return &vd_thread_of_stack(ctx)->user_work;
}

/* With tracing on: the same, between an entry and an exit record. */
static __attribute__((noinline)) const volatile uint32_t *
syscall_traced(struct vd_cpu_context *ctx, uint64_t nr)
{
	vd_trace_write(VD_TRACE_SYSCALL_ENTRY, nr, vd_ctx_arg(ctx, 0));
	const volatile uint32_t *work = dispatch(ctx, nr);
	vd_trace_write(VD_TRACE_SYSCALL_EXIT, nr, VD_CTX_RET(ctx));
	return work;
}

/*
 * Every syscall but the two the IPC fast path may take (which the HAL
 * sends to it, hal.h), and those when it does not apply: the
 * dispatcher, with interrupts enabled.
 */
const volatile uint32_t *vd_syscall(struct vd_cpu_context *ctx)
{
	uint64_t nr = VD_CTX_SYSNR(ctx);

	hal_irq_local_enable();
#ifndef VD_PRODUCTION
	/* HAL ktests' syscalls (on borrowed stacks, without threads; they
	 * use numbers no real syscall has) */
	if (VD_UNLIKELY(nr >= VD_SYS_MAX) && vd_syscall_test_hook != NULL) {
		vd_syscall_test_hook(ctx);
		vd_metrics_count(VD_METRIC_SYSCALLS);
		return &no_user_work;
	}
#endif
	if (VD_UNLIKELY(vd_trace_on))
		return syscall_traced(ctx, nr);
	return dispatch(ctx, nr);
}
