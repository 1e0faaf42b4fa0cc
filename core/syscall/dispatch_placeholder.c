/* PLACEHOLDER until the syscall layer lands: every number is unknown. */
#include <veridian/syscall.h>

vd_err_t vd_handle_syscall(uint64_t nr, const uint64_t args[6],
			   struct vd_cpu_context *ctx, uint64_t *ret)
{
	(void)nr;
	(void)args;
	(void)ctx;
	(void)ret;
	return VD_ERR_NOT_FOUND;
}
