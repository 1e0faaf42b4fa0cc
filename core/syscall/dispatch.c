/*
 * handle_syscall: the dispatch table.
 *
 * Built-in numbers map to the sys_* handlers of this directory.  Numbers
 * owned by other subsystems (the IPC module: SYS_IPC_SEND..SYS_IPC_REPLY)
 * are filled in at run time through vd_syscall_register(); until then
 * they, like every unknown number, return VD_ERR_NOT_FOUND.
 *
 * Every handler gets the six raw argument registers.  A handler treats
 * each pointer argument as untrusted: it goes through the fault-safe
 * copy routines (uaccess.h), and each object it touches through a
 * capability check (sys_cap).
 */
#include <veridian/string.h>
#include <veridian/thread.h>

#include "syscall_internal.h"

const vd_syscall_handler_t vd_syscall_builtin[VD_SYS_MAX] = {
	[VD_SYS_NULL] = sys_null,
	[VD_SYS_EXIT] = sys_exit,
	[VD_SYS_READ] = sys_read,
	[VD_SYS_WRITE] = sys_write,
	[VD_SYS_MMAP] = sys_mmap,
	[VD_SYS_MUNMAP] = sys_munmap,
	[VD_SYS_PROCESS_CREATE] = sys_process_create,
	[VD_SYS_PROCESS_START] = sys_process_start,
	[VD_SYS_PROCESS_WAIT] = sys_process_wait,
	[VD_SYS_PROCESS_TERMINATE] = sys_process_terminate,
	[VD_SYS_PROCESS_LIMITS] = sys_process_limits,
	[VD_SYS_THREAD_CREATE] = sys_thread_create,
	[VD_SYS_THREAD_EXIT] = sys_thread_exit,
	[VD_SYS_THREAD_JOIN] = sys_thread_join,
	[VD_SYS_THREAD_YIELD] = sys_thread_yield,
	[VD_SYS_THREAD_SLEEP] = sys_thread_sleep,
	[VD_SYS_CAPABILITY_CREATE] = sys_cap_create,
	[VD_SYS_CAPABILITY_DERIVE] = sys_cap_derive,
	[VD_SYS_CAPABILITY_REVOKE] = sys_cap_revoke,
};

vd_syscall_handler_t vd_syscall_registered[VD_SYS_MAX];

vd_err_t vd_syscall_register(unsigned nr, vd_syscall_handler_t handler)
{
	vd_syscall_handler_t expected = NULL;

	if (nr >= VD_SYS_MAX || !handler)
		return VD_ERR_INVALID_PARAMETER;
	if (vd_syscall_builtin[nr])
		return VD_ERR_BUSY;
	if (!__atomic_compare_exchange_n(&vd_syscall_registered[nr], &expected,
					 handler, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		return VD_ERR_BUSY;
	return VD_OK;
}

/* ctx must be the calling thread's saved user context. */
vd_err_t vd_handle_syscall(uint64_t nr, const uint64_t args[6],
			   struct vd_cpu_context *ctx, uint64_t *ret)
{
	return syscall_dispatch(vd_thread_of_stack(ctx), nr, args, ctx, ret);
}

/* ---- helpers shared by the handlers ---- */

vd_err_t sys_cap(vd_cap_token_t token, enum vd_object_type type,
		 uint32_t rights, struct vd_capability *out)
{
	struct vd_process *p = vd_current_process();

	if (!p || !p->caps)
		return VD_ERR_INVALID_CAPABILITY;
	return vd_cap_validate_type(p->caps, token, type, rights, out);
}

vd_err_t sys_put_token(uint64_t uptr, vd_cap_token_t token)
{
	if (!uptr)
		return VD_OK;
	return vd_copy_to_user((void *)(uintptr_t)uptr, &token, sizeof(token));
}

SYSCALL(sys_null)
{
	(void)a;
	(void)ctx;
	*ret = 0;
	return VD_OK;
}
