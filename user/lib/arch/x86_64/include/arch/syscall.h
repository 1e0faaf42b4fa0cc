/*
 * x86_64 system call: SYSCALL with the number in rax and arguments in
 * rdi, rsi, rdx, r10, r8, r9 (r10 instead of rcx, which SYSCALL
 * overwrites with the return address; r11 gets RFLAGS).  Result in rax.
 */
/* A call without arguments: only the number register is set (the kernel
 * reads no argument register for it). */
static inline long vd_syscall0(long nr)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long vd_syscall6(long nr, long a0, long a1, long a2, long a3,
			       long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			   "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
