/*
 * vd_ipc_sys for x86_64: one SYSCALL with the whole IPC register block
 * (included by ipc.h; the kernel side: hal/x86_64/include/arch/ipc_regs.h).
 *
 *   block field   in              out
 *   (nr)          rax             rax  status
 *   a0            rdi  target     rdi  reply token of a received call
 *   a1            rsi  info       rsi  info
 *   a2            rdx  cap        rdx  capability received
 *   a3            r10  timeout    r10  sender pid
 *   mr[0..7]      r8 r9 r12 r13 r14 r15 rbx rbp   (in and out)
 *
 * SYSCALL overwrites rcx (return RIP) and r11 (RFLAGS); the kernel
 * returns every other register as it left them or as IPC set them.
 *
 * rbp is MR7, but no register variable may be bound to rbp: in any
 * function that has a frame pointer clang keeps addressing its locals
 * through rbp after the asm has overwritten it, silently.  Building with
 * -fomit-frame-pointer is not enough, because a VLA or an over-aligned
 * local still forces a frame pointer (both checked with clang 16).  So
 * MR7 rides in rcx, which SYSCALL clobbers anyway, and the asm itself
 * swaps it into rbp around the trap, keeping the caller's rbp on the
 * stack (user code is built with -mno-red-zone, so the push hits
 * nothing).  That costs 4 instructions per call, 8 per call+reply round
 * trip (measured against the rbp variable); the other twelve registers
 * go straight to and from the caller's variables.
 *
 * rbx (MR6) is safe as a register variable unless clang needs it as the
 * base pointer, which takes a VLA (or alloca) together with an
 * over-aligned local in the same function: user code is built with
 * -Werror=vla for that reason (cmake/user.cmake).
 */
static inline __attribute__((always_inline)) long
vd_ipc_sys(long nr, struct vd_ipc_regs *r)
{
	register uint64_t a3 __asm__("r10") = r->a3;
	register uint64_t m0 __asm__("r8") = r->mr[0];
	register uint64_t m1 __asm__("r9") = r->mr[1];
	register uint64_t m2 __asm__("r12") = r->mr[2];
	register uint64_t m3 __asm__("r13") = r->mr[3];
	register uint64_t m4 __asm__("r14") = r->mr[4];
	register uint64_t m5 __asm__("r15") = r->mr[5];
	uint64_t a0 = r->a0, a1 = r->a1, a2 = r->a2;
	uint64_t m6 = r->mr[6], m7 = r->mr[7];
	long status = nr;

	__asm__ volatile("pushq %%rbp\n\t"
			 "movq %%rcx, %%rbp\n\t"
			 "syscall\n\t"
			 "movq %%rbp, %%rcx\n\t"
			 "popq %%rbp"
			 : "+a"(status), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(a3),
			   "+r"(m0), "+r"(m1), "+r"(m2), "+r"(m3), "+r"(m4),
			   "+r"(m5), "+b"(m6), "+c"(m7)
			 :
			 : "r11", "cc", "memory");
	const uint64_t mr[VD_IPC_SMALL_WORDS] = {m0, m1, m2, m3,
						 m4, m5, m6, m7};

	vd_ipc_regs_out(r, a0, a1, a2, a3, mr);
	return status;
}
