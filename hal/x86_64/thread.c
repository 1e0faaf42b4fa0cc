/*
 * x86_64 HAL: thread stacks, the user-mode context and the user-access
 * window.
 *
 * Kernel stack of a thread that runs user code (top at the right):
 *
 *   | ... kernel frames ... | CPU trap frame | struct vd_cpu_context |
 *                                            ^ TSS.RSP0        top ^
 *
 * hal_set_kernel_stack(top) makes TSS.RSP0 = top - sizeof(context), so
 * interrupts from ring 3 push their frame just below the context, and
 * syscall_entry and the trap entry find the context to save the user
 * registers into at TSS.RSP0 too.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <veridian/hal.h>
#include <veridian/string.h>

_Static_assert(sizeof(struct vd_cpu_context) == CTX_SIZE, "ctx size");
_Static_assert(offsetof(struct vd_cpu_context, rbx) == CTX_RBX, "ctx");
_Static_assert(offsetof(struct vd_cpu_context, rsp) == CTX_RSP, "ctx");
_Static_assert(offsetof(struct vd_cpu_context, r8) == CTX_R8, "ctx");
_Static_assert(offsetof(struct vd_cpu_context, r15) == CTX_R15, "ctx");
_Static_assert(offsetof(struct vd_cpu_context, rip) == CTX_RIP, "ctx");
_Static_assert(offsetof(struct vd_cpu_context, rflags) == CTX_RFLAGS, "ctx");
_Static_assert(offsetof(struct vd_cpu_context, r11) == CTX_R11, "ctx");

extern char x86_thread_start[];
extern bool x86_smap_enabled;

/*
 * The first frame hal_context_switch pops (see switch.S): r15 r14 r13
 * r12 rbx rbp, then "returns" into x86_thread_start with r12 = entry and
 * r13 = arg.  It sits below a vd_cpu_context-sized gap: should the thread
 * later enter user mode, its context lives at the very top and the
 * thread's own frames must not overlap it.
 */
uintptr_t hal_kstack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	uintptr_t top = VD_ALIGN_DOWN((uintptr_t)stack_top, 16);
	uintptr_t sp = VD_ALIGN_DOWN(top - CTX_SIZE, 16);
	uint64_t *f = (uint64_t *)sp - 8;
	f[0] = 0;		/* r15 */
	f[1] = 0;		/* r14 */
	f[2] = (uint64_t)arg;	/* r13 */
	f[3] = (uint64_t)entry; /* r12 */
	f[4] = 0;		/* rbx */
	f[5] = 0;		/* rbp */
	f[6] = (uint64_t)x86_thread_start;
	f[7] = 0; /* padding; x86_thread_start realigns the stack */
	return (uintptr_t)f;
}

void hal_user_context_init(struct vd_cpu_context *ctx, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1)
{
	vd_memset(ctx, 0, sizeof(*ctx));
	ctx->rip = pc;
	ctx->rsp = sp;
	ctx->rdi = arg0;
	ctx->rsi = arg1;
	ctx->rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
}

/* No stack frame: every switch to a user thread calls it.  GS is this
 * CPU's x86_percpu (kernel GS while in the kernel). */
__attribute__((naked)) void hal_set_kernel_stack(void *stack_top)
{
	__asm__("subq %0, %%rdi\n\t"
		"movq %%rdi, %%gs:%c1\n\t"
		"ret" ::"i"(CTX_SIZE),
		"i"(offsetof(struct x86_percpu, tss.rsp[0])));
}

void hal_user_access_begin(void)
{
	if (x86_smap_enabled)
		__asm__ volatile("stac" ::: "memory");
}

void hal_user_access_end(void)
{
	if (x86_smap_enabled)
		__asm__ volatile("clac" ::: "memory");
}
