/*
 * vd_syscall, the HAL's syscall upcall (hal.h): the first C code of every
 * system call, entered with interrupts masked.
 *
 * It only picks where the call goes, with tail calls, so it has no frame
 * (this file is compiled without frame pointers, cmake/kernel.cmake):
 * call and reply-and-receive go to the IPC fast path, whose way from the
 * trap to the peer's user mode thus costs a compare and a jump here (it
 * returns to user mode itself when it applies, else it ends in
 * vd_syscall_general); everything else goes to the dispatcher
 * (vd_syscall_general, entry.c).  A backtrace from inside either skips
 * nothing but this function.
 */
#include <veridian/cpu_context.h>
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/syscall.h>

const volatile uint32_t *vd_syscall(struct vd_cpu_context *ctx)
{
	uint64_t nr = VD_CTX_SYSNR(ctx);

	/* two compares: fewer instructions for the pair than one test of
	 * (nr | 1) followed by a second to tell them apart, and no more for
	 * the rest */
	if (nr == VD_SYS_IPC_CALL)
		return vd_ipc_fast_call(ctx);
	if (nr == VD_SYS_IPC_REPLY)
		return vd_ipc_fast_reply_recv(ctx);
	return vd_syscall_general(ctx);
}
