/*
 * x86_64 system call entry: SYSCALL / SYSRET.
 *
 * SYSCALL (SDM vol. 2, "SYSCALL") does not touch the stack: it saves the
 * user RIP in RCX and RFLAGS in R11, loads CS/SS from IA32_STAR, clears
 * the RFLAGS bits in IA32_FMASK (IF, TF, DF, NT, AC) and jumps to
 * IA32_LSTAR = syscall_entry, still on the user stack and user GS base.
 *
 * The entry switches to the thread's kernel stack and pushes the user
 * registers so that they form the struct vd_cpu_context at the top of it
 * (pushes go from rsp down to rax; the rcx and r11 slots above them are
 * left alone: SYSCALL has replaced both registers with RIP and RFLAGS,
 * which the syscall ABI lets it clobber, cpu_context.h), calls
 * vd_syscall(ctx) with interrupts still disabled (SYSCALL cleared IF;
 * core enables them when the call is not a fast one, see hal.h), then,
 * with them disabled again, returns with SYSRET if the work word
 * vd_syscall returned is clear, and otherwise through
 * vd_return_to_user_hook and IRETQ (x86_return_to_user).
 * hal_syscall_return(ctx) joins the same exit from another thread's
 * kernel stack (the IPC fast path).
 *
 * On Intel CPUs SYSRET with a non-canonical RCX raises #GP while still in
 * ring 0, on the user stack, with the user GS base: a classic privilege
 * escalation.  SYSRET therefore only returns a context exactly as a
 * SYSCALL saved it: its RIP follows a SYSCALL instruction in a user page,
 * and user pages end a page short of the canonical boundary
 * (hal_user_top), so it is canonical; its RFLAGS came from ring 3, where
 * IF cannot be cleared nor IOPL raised.  Core changes a context's RIP or
 * RFLAGS only through vd_restore_context, which sets the thread's work
 * word (uctx_replaced), and with the work word set the exit goes through
 * vd_return_to_user_hook and IRETQ (x86_return_to_user), which sanitises
 * both.  The IPC fast path writes only the message registers of the
 * contexts it resumes, which were saved by this entry (hal.h).
 */
#include <veridian/syscall_nr.h>
#include <arch/defs.h>

	.text
	.p2align 4
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:X86_PCPU_USER_RSP
	movq %gs:X86_PCPU_TSS_RSP0, %rsp /* this thread's context */
	addq $CTX_RCX, %rsp		/* above rsp: rcx, r11 are not kept */
	pushq %gs:X86_PCPU_USER_RSP	/* rsp */
	pushq %r11			/* rflags */
	pushq %rcx			/* rip */
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rbx
	pushq %rax			/* rsp = ctx, 16-byte aligned */
	movq %rsp, %rdi			/* rbp stays the user's (unwind.c) */
	/* the IPC fast path's two numbers go straight to it (hal.h) */
	cmpq $VD_SYS_IPC_REPLY, %rax
	je .Lsyscall_reply
	cmpq $VD_SYS_IPC_CALL, %rax
	je .Lsyscall_call
	call vd_syscall			/* returns with rsp = ctx again */
.Lsyscall_done:
	cli
	cmpl $0, (%rax)			/* the caller's work word */
	jne .Lsyscall_work
.Lsyscall_exit:				/* rsp = ctx */
	/* RIP and RFLAGS as SYSCALL saved them (see above) */
	movq CTX_RIP(%rsp), %rcx
	movq CTX_RFLAGS(%rsp), %r11
	popq %rax
	popq %rbx
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	popq %r8
	popq %r9
	popq %r10
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	movq CTX_RSP - CTX_RIP(%rsp), %rsp
	swapgs
	sysretq

.Lsyscall_reply:
	call vd_ipc_fast_reply_recv	/* returns only if it did not apply */
	jmp .Lsyscall_done
.Lsyscall_call:
	call vd_ipc_fast_call
	jmp .Lsyscall_done

/* Work to do (vd_return_to_user_hook), which may also have replaced
 * ctx: the general way out, which sanitises. */
.Lsyscall_work:
	xorl %ebp, %ebp			/* end of the backtrace chain */
	movq %rsp, %rdi
	jmp x86_return_to_user

/*
 * hal_syscall_return(ctx, work, done): the syscall exit of the thread
 * whose context is ctx, from any stack.  rsp goes where syscall_entry
 * leaves it (ctx, which is 16-byte aligned, as C calls need), and the CPU's
 * entry stack to ctx's, as hal_set_kernel_stack(ctx + 1) would (thread.c);
 * the store to *done is a release on x86 (stores are not reordered with
 * older ones).  Interrupts are masked already (hal.h).
 * hal_syscall_return_space(ctx, work, done, root) loads CR3 first.
 */
	.globl hal_syscall_return_space
hal_syscall_return_space:
	movq %rcx, %cr3
	/* fall through */
	.globl hal_syscall_return
hal_syscall_return:
	movq %rdi, %rsp
	movq %rdi, %gs:X86_PCPU_TSS_RSP0
	movb $0, (%rdx)
	cmpl $0, (%rsi)
	je .Lsyscall_exit
	jmp .Lsyscall_work
