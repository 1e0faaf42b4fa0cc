/* One function per system call: registers in, register out. */
#include <vd.h>

#define L(x)	((long)(x))

void vd_exit(int code)
{
	vd_syscall6(VD_SYS_EXIT, code, 0, 0, 0, 0, 0);
	for (;;) /* not reached */
		;
}

long vd_read(vd_cap_token_t dev, void *buf, size_t len)
{
	return vd_syscall6(VD_SYS_READ, L(dev), L(buf), L(len), 0, 0, 0);
}

long vd_write(vd_cap_token_t dev, const void *buf, size_t len)
{
	return vd_syscall6(VD_SYS_WRITE, L(dev), L(buf), L(len), 0, 0, 0);
}

long vd_mmap(vd_cap_token_t proc, uintptr_t addr, size_t len, unsigned prot)
{
	return vd_syscall6(VD_SYS_MMAP, L(proc), L(addr), L(len), prot, 0, 0);
}

long vd_munmap(vd_cap_token_t proc, uintptr_t addr, size_t len)
{
	return vd_syscall6(VD_SYS_MUNMAP, L(proc), L(addr), L(len), 0, 0, 0);
}

long vd_process_create(const struct vd_process_create_args *args,
		       vd_cap_token_t *cap_out)
{
	return vd_syscall6(VD_SYS_PROCESS_CREATE, L(args), L(cap_out), 0, 0, 0,
			   0);
}

long vd_process_start(vd_cap_token_t proc)
{
	return vd_syscall6(VD_SYS_PROCESS_START, L(proc), 0, 0, 0, 0, 0);
}

long vd_process_wait(vd_cap_token_t proc, struct vd_process_exit_info *info,
		     uint64_t timeout_ns)
{
	return vd_syscall6(VD_SYS_PROCESS_WAIT, L(proc), L(info), L(timeout_ns),
			   0, 0, 0);
}

long vd_process_terminate(vd_cap_token_t proc, int code)
{
	return vd_syscall6(VD_SYS_PROCESS_TERMINATE, L(proc), code, 0, 0, 0, 0);
}

long vd_process_limits(vd_cap_token_t proc, const struct vd_limits_info *lower,
		       struct vd_limits_info *out)
{
	return vd_syscall6(VD_SYS_PROCESS_LIMITS, L(proc), L(lower), L(out), 0,
			   0, 0);
}

long vd_thread_create(vd_cap_token_t proc, void (*entry)(uintptr_t),
		      void *stack_base, size_t stack_size, uintptr_t arg,
		      vd_cap_token_t *cap_out)
{
	return vd_syscall6(VD_SYS_THREAD_CREATE, L(proc), L(entry),
			   L(stack_base), L(stack_size), L(arg), L(cap_out));
}

void vd_thread_exit(int code)
{
	vd_syscall6(VD_SYS_THREAD_EXIT, code, 0, 0, 0, 0, 0);
	for (;;) /* not reached */
		;
}

long vd_thread_join(vd_cap_token_t thread, uint64_t timeout_ns,
		    int32_t *code_out)
{
	return vd_syscall6(VD_SYS_THREAD_JOIN, L(thread), L(timeout_ns),
			   L(code_out), 0, 0, 0);
}

long vd_thread_sleep(uint64_t ns)
{
	return vd_syscall6(VD_SYS_THREAD_SLEEP, L(ns), 0, 0, 0, 0, 0);
}

long vd_capability_create(unsigned type, uint64_t object_id, uint32_t rights,
			  vd_cap_token_t *out)
{
	return vd_syscall6(VD_SYS_CAPABILITY_CREATE, type, L(object_id), rights,
			   L(out), 0, 0);
}

long vd_capability_derive(vd_cap_token_t token, uint32_t rights,
			  vd_cap_token_t *out)
{
	return vd_syscall6(VD_SYS_CAPABILITY_DERIVE, L(token), rights, L(out),
			   0, 0, 0);
}

long vd_capability_revoke(vd_cap_token_t token)
{
	return vd_syscall6(VD_SYS_CAPABILITY_REVOKE, L(token), 0, 0, 0, 0, 0);
}
