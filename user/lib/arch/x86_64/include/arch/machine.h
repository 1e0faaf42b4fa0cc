/*
 * x86_64: what user programs that test the kernel need to know about the
 * machine (user/bin/fault.c, utest.c, spin.c, ipc-bench.c), reached as
 * <arch/machine.h>.
 */
#ifndef VD_USER_ARCH_MACHINE_H
#define VD_USER_ARCH_MACHINE_H

/* e_machine of this architecture's ELF executables. */
#define VD_ARCH_ELF_MACHINE 62 /* EM_X86_64 */

/* Execute an instruction that is undefined on every CPU of the arch. */
static inline void vd_arch_illegal_insn(void)
{
	__asm__ volatile("ud2");
}

/* The machine code of a program that calls SYS_EXIT (1) with status 42
 * and, should that return, loops: an initializer for a byte array. */
/* clang-format off */
#define VD_ARCH_EXIT42_CODE \
	0xb8, 0x01, 0x00, 0x00, 0x00, /* mov $1, %eax   (SYS_EXIT) */ \
	0xbf, 0x2a, 0x00, 0x00, 0x00, /* mov $42, %edi */ \
	0x0f, 0x05,		      /* syscall */ \
	0xeb, 0xfe		      /* jmp . */
/* clang-format on */

/* Put `before` in the register of syscall argument 0 (rdi) and spin,
 * without a syscall, until that register holds `after` (which only a
 * debugger editing the saved context can make happen); returns the value
 * seen (user/bin/spin.c "reg"). */
static inline long vd_arch_spin_on_arg0(long before, long after)
{
	long v;

	__asm__ volatile("mov %1, %%rdi\n"
			 "1: cmp %2, %%rdi\n"
			 "jne 1b\n"
			 "mov %%rdi, %0"
			 : "=r"(v)
			 : "r"(before), "r"(after)
			 : "rdi", "cc");
	return v;
}

/* An asm constraint that keeps a double in an FP/SIMD register
 * (user/bin/ipc-bench.c's FP round trip). */
#define VD_ARCH_FP_REG_CONSTRAINT "+x" /* an SSE register */

#endif /* VD_USER_ARCH_MACHINE_H */
