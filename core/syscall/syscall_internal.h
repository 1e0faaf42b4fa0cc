/* Shared by the syscall handlers in core/syscall/sys_*.c. */
#ifndef CORE_SYSCALL_INTERNAL_H
#define CORE_SYSCALL_INTERNAL_H

#include <veridian/cap.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/uaccess.h>

/* dispatch.c: handlers of the built-in numbers, and those registered by
 * other subsystems. */
extern const vd_syscall_handler_t vd_syscall_builtin[VD_SYS_MAX];
extern vd_syscall_handler_t vd_syscall_registered[VD_SYS_MAX];

/* The dispatch itself, inline in the syscall entry (the hot path) and in
 * vd_handle_syscall.  t is the calling thread. */
static inline vd_err_t syscall_dispatch(struct vd_thread *t, uint64_t nr,
					const uint64_t args[6],
					struct vd_cpu_context *ctx,
					uint64_t *ret)
{
	vd_syscall_handler_t h;

	if (VD_UNLIKELY(nr >= VD_SYS_MAX))
		return VD_ERR_NOT_FOUND;
	h = vd_syscall_builtin[nr];
	if (VD_UNLIKELY(!h)) {
		h = __atomic_load_n(&vd_syscall_registered[nr],
				    __ATOMIC_ACQUIRE);
		if (!h)
			return VD_ERR_NOT_FOUND;
	}
	t->proc->usage.syscalls++;
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

SYSCALL(sys_null);
SYSCALL(sys_read);
SYSCALL(sys_write);
SYSCALL(sys_mmap);
SYSCALL(sys_munmap);
SYSCALL(sys_exit);
SYSCALL(sys_process_create);
SYSCALL(sys_process_start);
SYSCALL(sys_process_wait);
SYSCALL(sys_process_terminate);
SYSCALL(sys_process_limits);
SYSCALL(sys_thread_create);
SYSCALL(sys_thread_exit);
SYSCALL(sys_thread_join);
SYSCALL(sys_thread_yield);
SYSCALL(sys_thread_sleep);
SYSCALL(sys_cap_create);
SYSCALL(sys_cap_derive);
SYSCALL(sys_cap_revoke);

#endif /* CORE_SYSCALL_INTERNAL_H */
