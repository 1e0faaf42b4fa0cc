/*
 * RISC-V system call: ECALL from U-mode with the number in a7 and
 * arguments in a0..a5.  Result in a0.
 */
/* A call without arguments: only the number register is set (the kernel
 * reads no argument register for it). */
static inline long vd_syscall0(long nr)
{
	register long r7 __asm__("a7") = nr;
	register long r0 __asm__("a0");

	__asm__ volatile("ecall" : "=r"(r0) : "r"(r7) : "memory");
	return r0;
}

static inline long vd_syscall6(long nr, long a0, long a1, long a2, long a3,
			       long a4, long a5)
{
	register long r7 __asm__("a7") = nr;
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r3 __asm__("a3") = a3;
	register long r4 __asm__("a4") = a4;
	register long r5 __asm__("a5") = a5;

	__asm__ volatile("ecall"
			 : "+r"(r0)
			 : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			 : "memory");
	return r0;
}
