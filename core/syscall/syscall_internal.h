/* Shared by the syscall handlers in core/syscall/sys_*.c. */
#ifndef CORE_SYSCALL_INTERNAL_H
#define CORE_SYSCALL_INTERNAL_H

#include <veridian/cap.h>
#include <veridian/metrics.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/uaccess.h>

/* table.c: the handler of every number (syscalls.def), NULL for none. */
extern const vd_syscall_handler_t vd_syscall_table[VD_SYS_MAX];

/* dispatch.c: call h and time it (VD_LATENCY_SYSCALL), unless the
 * caller was switched out meanwhile (blocked, preempted): the average is
 * the kernel's own work per syscall, not how long callers wait. */
vd_err_t syscall_timed(struct vd_thread *t, vd_syscall_handler_t h,
		       const uint64_t args[6], struct vd_cpu_context *ctx,
		       uint64_t *ret);

/* The table step of vd_handle_syscall (entry.c), inline there: t is the
 * calling user thread, already checked (host tests call it directly).  One
 * syscall in VD_METRICS_SYSCALL_SAMPLE of each process is timed: a test and a
 * branch on the others. */
static inline vd_err_t syscall_dispatch(struct vd_thread *t, uint64_t nr,
					const uint64_t args[6],
					struct vd_cpu_context *ctx,
					uint64_t *ret)
{
	vd_syscall_handler_t h;

	if (VD_UNLIKELY(nr >= VD_SYS_MAX))
		return VD_ERR_NOT_FOUND;
	h = vd_syscall_table[nr];
	if (VD_UNLIKELY(!h))
		return VD_ERR_NOT_FOUND;
	if (VD_UNLIKELY((++t->proc->usage.syscalls &
			 (VD_METRICS_SYSCALL_SAMPLE - 1)) == 0))
		return syscall_timed(t, h, args, ctx, ret);
	return h(args, ctx, ret);
}

/* A handler.  a[] may be the caller's saved argument registers in ctx
 * themselves (entry.c, syscall_args): a handler that writes ctx, or
 * whose ctx a peer may write while it blocks (IPC), reads a[] first. */
#define SYSCALL(name)                                                          \
	vd_err_t name(const uint64_t a[6], struct vd_cpu_context *ctx,         \
		      uint64_t *ret)

/* Validate a token of the calling process: type and rights. */
vd_err_t sys_cap(vd_cap_token_t token, enum vd_object_type type,
		 uint32_t rights, struct vd_capability *out);
/* Write a token to a user pointer (0 = the caller does not want it). */
vd_err_t sys_put_token(uint64_t uptr, vd_cap_token_t token);
/*
 * Hand a freshly minted token out, or take the capability back: the
 * output was probed first, but another thread may unmap it between the
 * probe and this copy, and a token nobody received would hold its slot
 * for good.  Nobody else can know the token yet, so nothing was derived
 * from it and the revoke undoes exactly the mint.
 */
vd_err_t sys_put_token_or_revoke(struct vd_process *self, uint64_t uptr,
				 vd_cap_token_t token);

#endif /* CORE_SYSCALL_INTERNAL_H */
