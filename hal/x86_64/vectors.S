/*
 * x86_64 interrupt and exception entry, the SYSCALL entry (below), and
 * every return to user mode.
 *
 * Every IDT vector n points at stub n of x86_vectors (16 bytes apart).  A
 * stub pushes a zero "error code" unless the CPU pushed one (vectors 8,
 * 10-14, 17, 21, 29, 30), then the vector number, and jumps to
 * x86_trap_common.  The stack then holds (SDM vol. 3, 6.14.2):
 *
 *   +48  SS        \
 *   +40  RSP        |  pushed by the CPU; from ring 3 on TSS.RSP0,
 *   +32  RFLAGS     |  which hal_set_kernel_stack points just below the
 *   +24  CS         |  thread's vd_cpu_context
 *   +16  RIP       /
 *   + 8  error code
 *   + 0  vector
 *
 * From user mode (CS.RPL = 3) the registers are saved straight into the
 * thread's struct vd_cpu_context at the top of its kernel stack (found at
 * the TSS's RSP0, right above the CPU frame), x86_user_trap(ctx, vector,
 * error) runs, and the thread leaves through x86_return_to_user, like
 * every return to user.
 *
 * From kernel mode a vd_cpu_context is built on the current stack below
 * the CPU frame, x86_kernel_trap(ctx, vector, error) runs, and the
 * registers (and RIP/RFLAGS, which a handler may change) are restored for
 * IRETQ.
 *
 * All gates are interrupt gates: IF is clear until a handler sets it.
 * AC is cleared on entry (an interrupted user or an open user-access
 * window may have left it set) so SMAP protects every handler; the kernel
 * path restores it with RFLAGS.
 */
#include <arch/defs.h>
#include <veridian/syscall_nr.h>

/* vectors for which the CPU pushes an error code */
#define HAS_ERROR_CODE(v)                                                  \
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
	 (v) == 29 || (v) == 30)

/* clac, only if the CPU has SMAP (it is #UD otherwise) */
.macro CLAC_IF_SMAP
	testb $1, x86_smap_enabled(%rip)
	jz 9f
	clac
9:
.endm

	.text
	.p2align 4
	.globl x86_vectors
x86_vectors:
	.set vec, 0
	.rept 256
	.p2align 4
	.if !HAS_ERROR_CODE(vec)
	pushq $0
	.endif
	pushq $vec
	jmp x86_trap_common
	.set vec, vec + 1
	.endr

/* frame offsets after the stub */
#define F_VEC 0
#define F_ERR 8
#define F_RIP 16
#define F_CS 24
#define F_RFLAGS 32
#define F_RSP 40

x86_trap_common:
	cld
	testb $3, F_CS(%rsp)
	jnz trap_from_user

	/* ---- from kernel mode ---- */
	subq $CTX_SIZE, %rsp
	movq %rax, CTX_RAX(%rsp)
	movq %rbx, CTX_RBX(%rsp)
	movq %rcx, CTX_RCX(%rsp)
	movq %rdx, CTX_RDX(%rsp)
	movq %rsi, CTX_RSI(%rsp)
	movq %rdi, CTX_RDI(%rsp)
	movq %rbp, CTX_RBP(%rsp)
	movq %r8, CTX_R8(%rsp)
	movq %r9, CTX_R9(%rsp)
	movq %r10, CTX_R10(%rsp)
	movq %r11, CTX_R11(%rsp)
	movq %r12, CTX_R12(%rsp)
	movq %r13, CTX_R13(%rsp)
	movq %r14, CTX_R14(%rsp)
	movq %r15, CTX_R15(%rsp)
	movq CTX_SIZE + F_RIP(%rsp), %rax
	movq %rax, CTX_RIP(%rsp)
	movq CTX_SIZE + F_RFLAGS(%rsp), %rax
	movq %rax, CTX_RFLAGS(%rsp)
	movq CTX_SIZE + F_RSP(%rsp), %rax
	movq %rax, CTX_RSP(%rsp)
	CLAC_IF_SMAP

	/*
	 * NMI, #DF and #MC may arrive between SWAPGS and the ring change of
	 * a user entry/exit, i.e. in kernel mode with the user's GS base.
	 * For those, trust the GS base MSR itself: kernel per-CPU blocks
	 * live in the upper half (negative), user GS bases do not.
	 */
	movq CTX_SIZE + F_VEC(%rsp), %rax
	cmpq $2, %rax
	je 1f
	cmpq $8, %rax
	je 1f
	cmpq $18, %rax
	jne 2f
1:	movl $X86_MSR_GS_BASE, %ecx
	rdmsr
	testl %edx, %edx
	js 2f
	swapgs
2:
	movq %rsp, %rbx			/* rbx = ctx (callee-saved) */
	movq %rsp, %rdi
	movq CTX_SIZE + F_VEC(%rsp), %rsi
	movq CTX_SIZE + F_ERR(%rsp), %rdx
	andq $-16, %rsp
	/* a frame record for the interrupted code, so backtraces go
	 * handler -> interrupted function -> its callers */
	pushq CTX_RIP(%rbx)
	pushq CTX_RBP(%rbx)
	movq %rsp, %rbp
	call x86_kernel_trap
	cli				/* IRETQ restores the interrupted IF */
	movq %rbx, %rsp

	movq CTX_RIP(%rsp), %rax
	movq %rax, CTX_SIZE + F_RIP(%rsp)
	movq CTX_RFLAGS(%rsp), %rax
	movq %rax, CTX_SIZE + F_RFLAGS(%rsp)
	movq CTX_RAX(%rsp), %rax
	movq CTX_RBX(%rsp), %rbx
	movq CTX_RCX(%rsp), %rcx
	movq CTX_RDX(%rsp), %rdx
	movq CTX_RSI(%rsp), %rsi
	movq CTX_RDI(%rsp), %rdi
	movq CTX_RBP(%rsp), %rbp
	movq CTX_R8(%rsp), %r8
	movq CTX_R9(%rsp), %r9
	movq CTX_R10(%rsp), %r10
	movq CTX_R11(%rsp), %r11
	movq CTX_R12(%rsp), %r12
	movq CTX_R13(%rsp), %r13
	movq CTX_R14(%rsp), %r14
	movq CTX_R15(%rsp), %r15
	addq $CTX_SIZE + 16, %rsp	/* context, vector, error code */
	iretq

	/* ---- from user mode ---- */
trap_from_user:
	swapgs
	movq %rax, %gs:X86_PCPU_SCRATCH
	movq %gs:X86_PCPU_TSS_RSP0, %rax /* rax = this thread's context */
	movq %rbx, CTX_RBX(%rax)
	movq %rcx, CTX_RCX(%rax)
	movq %rdx, CTX_RDX(%rax)
	movq %rsi, CTX_RSI(%rax)
	movq %rdi, CTX_RDI(%rax)
	movq %rbp, CTX_RBP(%rax)
	movq %r8, CTX_R8(%rax)
	movq %r9, CTX_R9(%rax)
	movq %r10, CTX_R10(%rax)
	movq %r11, CTX_R11(%rax)
	movq %r12, CTX_R12(%rax)
	movq %r13, CTX_R13(%rax)
	movq %r14, CTX_R14(%rax)
	movq %r15, CTX_R15(%rax)
	movq %gs:X86_PCPU_SCRATCH, %rbx
	movq %rbx, CTX_RAX(%rax)
	movq F_RIP(%rsp), %rbx
	movq %rbx, CTX_RIP(%rax)
	movq F_RFLAGS(%rsp), %rbx
	movq %rbx, CTX_RFLAGS(%rax)
	movq F_RSP(%rsp), %rbx
	movq %rbx, CTX_RSP(%rax)
	CLAC_IF_SMAP

	movq %rax, %rbx			/* rbx = ctx (callee-saved) */
	movq %rax, %rdi
	movq F_VEC(%rsp), %rsi
	movq F_ERR(%rsp), %rdx
	xorl %ebp, %ebp			/* user frames are not ours to walk */
	andq $-16, %rsp
	call x86_user_trap
	movq %rbx, %rdi
	jmp x86_return_to_user

/*
 * x86_return_to_user(ctx), also hal_return_to_user: the one way back to
 * ring 3 except the SYSRET fast path.  ctx is the thread's context at the
 * top of its kernel stack.  Interrupts off, vd_return_to_user_hook (may switch threads and come
 * back later, or never), sanitise, then IRETQ from a frame built right
 * below ctx.
 */
	.globl x86_return_to_user
	.globl hal_return_to_user
x86_return_to_user:
hal_return_to_user:
	cli
	movq %rdi, %rbx
	movq %rdi, %rsp
	andq $-16, %rsp
	call vd_return_to_user_hook
	movq %rbx, %rdi
	call x86_user_ctx_sanitize
	movq %rbx, %rsp
	pushq $X86_SEL_UDATA
	pushq CTX_RSP(%rbx)
	pushq CTX_RFLAGS(%rbx)
	pushq $X86_SEL_UCODE
	pushq CTX_RIP(%rbx)
	movq CTX_RAX(%rbx), %rax
	movq CTX_RCX(%rbx), %rcx
	movq CTX_RDX(%rbx), %rdx
	movq CTX_RSI(%rbx), %rsi
	movq CTX_RDI(%rbx), %rdi
	movq CTX_RBP(%rbx), %rbp
	movq CTX_R8(%rbx), %r8
	movq CTX_R9(%rbx), %r9
	movq CTX_R10(%rbx), %r10
	movq CTX_R11(%rbx), %r11
	movq CTX_R12(%rbx), %r12
	movq CTX_R13(%rbx), %r13
	movq CTX_R14(%rbx), %r14
	movq CTX_R15(%rbx), %r15
	movq CTX_RBX(%rbx), %rbx
	swapgs
	iretq

/*
 * System call entry: SYSCALL / SYSRET.
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
 * which the syscall ABI lets it clobber, arch/context.h), calls
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
