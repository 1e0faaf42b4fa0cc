/*
 * The dispatch table of handle_syscall (vd_handle_syscall, entry.c).
 *
 * One table for every number, built from the syscall list
 * (include/veridian/syscalls.def) in table.c: the handlers live in this
 * directory's sys_*.c and, for the IPC numbers, in
 * core/ipc/ipc_syscall.c.  Numbers the list does not name return
 * VD_ERR_NOT_FOUND.
 *
 * Every handler gets the six raw argument registers.  A handler treats
 * each pointer argument as untrusted: it goes through the fault-safe
 * copy routines (uaccess.h), and each object it touches through a
 * capability check (sys_cap).
 */
#include <veridian/metrics.h>
#include <veridian/string.h>
#include <veridian/thread.h>

#include "syscall_internal.h"

vd_err_t syscall_timed(struct vd_thread *t, vd_syscall_handler_t h,
		       const uint64_t args[6], struct vd_cpu_context *ctx,
		       uint64_t *ret)
{
	uint64_t switches = t->switches, t0 = hal_timer_now_ns();
	vd_err_t err = h(args, ctx, ret);
	uint64_t t1 = hal_timer_now_ns();

	/* t->switches counts the times t was switched to: unchanged, t
	 * ran throughout (an exit never gets here) */
	if (__atomic_load_n(&t->switches, __ATOMIC_RELAXED) == switches)
		vd_metrics_record_latency(VD_LATENCY_SYSCALL, t1 - t0);
	return err;
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

vd_err_t sys_put_token_or_revoke(struct vd_process *self, uint64_t uptr,
				 vd_cap_token_t token)
{
	vd_err_t err = sys_put_token(uptr, token);

	if (err)
		vd_cap_revoke(self->caps, token);
	return err;
}

SYSCALL(sys_null)
{
	(void)a;
	(void)ctx;
	*ret = 0;
	return VD_OK;
}
