/*
 * Fake thread/user-mode HAL for the host build (scheduler, processes,
 * fault-safe copies).  The host cannot switch kernel stacks or enter user
 * mode: a test that expects it arms host_user_return_jmp (host/fake.h)
 * and the switch or the return to user mode longjmps there, as
 * hal_poweroff does; unarmed, they abort; hal_setjmp/hal_longjmp are real
 * (x86_64 System V), so the fault-recovery path of the user copies runs for
 * real when a test raises a fault from a signal handler.
 */
#include <host/fake.h>
#include <stdio.h>
#include <stdlib.h>
#include <veridian/bootfs.h>
#include <veridian/hal.h>
#include <veridian/string.h>

uintptr_t hal_kstack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	(void)entry;
	(void)arg;
	return (uintptr_t)stack_top;
}

jmp_buf *host_user_return_jmp;
struct vd_cpu_context *host_user_return_ctx;

void hal_context_switch(uintptr_t *from_sp, uintptr_t to_sp)
{
	(void)from_sp;
	(void)to_sp;
	if (host_user_return_jmp)
		longjmp(*host_user_return_jmp, HOST_SWITCHED);
	fprintf(stderr, "hal_context_switch: no context switch on the host\n");
	abort();
}

void hal_user_context_init(struct vd_cpu_context *ctx, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1)
{
	vd_memset(ctx, 0, sizeof(*ctx));
	VD_CTX_PC(ctx) = pc;
	VD_CTX_SP(ctx) = sp;
	*vd_ctx_arg_slot(ctx, 0) = arg0;
	*vd_ctx_arg_slot(ctx, 1) = arg1;
}

void hal_return_to_user(struct vd_cpu_context *ctx)
{
	(void)ctx;
	fprintf(stderr, "hal_return_to_user: no user mode on the host\n");
	abort();
}

void hal_syscall_return(struct vd_cpu_context *ctx,
			const volatile uint32_t *work, bool *done)
{
	(void)work;
	if (host_user_return_jmp) {
		/* off the old stack: what the arches' exits do last */
		__atomic_store_n(done, false, __ATOMIC_RELEASE);
		host_user_return_ctx = ctx;
		longjmp(*host_user_return_jmp, HOST_USER_RETURN);
	}
	fprintf(stderr, "hal_syscall_return: no user mode on the host\n");
	abort();
}

void hal_syscall_return_space(struct vd_cpu_context *ctx,
			      const volatile uint32_t *work, bool *done,
			      paddr_t root)
{
	hal_pt_activate(root);
	hal_syscall_return(ctx, work, done);
}

/* An empty boot file system (tests may define their own table with
 * these names in their own executable, which wins over this one). */
__attribute__((weak)) const struct vd_bootfs_file vd_bootfs_files[1];
__attribute__((weak)) const uint64_t vd_bootfs_nfiles;

#if defined(__x86_64__)
/* hal_jmpbuf.regs: rbx rbp r12 r13 r14 r15, rsp after return, rip. */
__asm__(".text\n"
	".globl hal_setjmp\n"
	"hal_setjmp:\n"
	"	movq %rbx, 0(%rdi)\n"
	"	movq %rbp, 8(%rdi)\n"
	"	movq %r12, 16(%rdi)\n"
	"	movq %r13, 24(%rdi)\n"
	"	movq %r14, 32(%rdi)\n"
	"	movq %r15, 40(%rdi)\n"
	"	leaq 8(%rsp), %rax\n"
	"	movq %rax, 48(%rdi)\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, 56(%rdi)\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".globl hal_longjmp\n"
	"hal_longjmp:\n"
	"	movl %esi, %eax\n"
	"	testl %eax, %eax\n"
	"	jnz 1f\n"
	"	movl $1, %eax\n"
	"1:	movq 0(%rdi), %rbx\n"
	"	movq 8(%rdi), %rbp\n"
	"	movq 16(%rdi), %r12\n"
	"	movq 24(%rdi), %r13\n"
	"	movq 32(%rdi), %r14\n"
	"	movq 40(%rdi), %r15\n"
	"	movq 48(%rdi), %rsp\n"
	"	jmpq *56(%rdi)\n");
#else
int hal_setjmp(struct hal_jmpbuf *buf)
{
	(void)buf;
	return 0;
}

void hal_longjmp(struct hal_jmpbuf *buf, int val)
{
	(void)buf;
	(void)val;
	abort();
}
#endif
