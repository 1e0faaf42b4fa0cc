/*
 * RISC-V 64: what user programs that test the kernel need to know about the
 * machine (user/bin/fault.c, utest.c, spin.c, ipc-bench.c), reached as
 * <arch/machine.h>.
 */
#ifndef VD_USER_ARCH_MACHINE_H
#define VD_USER_ARCH_MACHINE_H

/* e_machine of this architecture's ELF executables. */
#define VD_ARCH_ELF_MACHINE 243 /* EM_RISCV */

/* Execute an instruction that is undefined on every CPU of the arch. */
static inline void vd_arch_illegal_insn(void)
{
	__asm__ volatile("unimp");
}

/* The machine code of a program that calls SYS_EXIT (1) with status 42
 * and, should that return, loops: an initializer for a byte array. */
/* clang-format off */
#define VD_ARCH_EXIT42_CODE \
	0x93, 0x08, 0x10, 0x00, /* li a7, 1 */ \
	0x13, 0x05, 0xa0, 0x02, /* li a0, 42 */ \
	0x73, 0x00, 0x00, 0x00, /* ecall */ \
	0x6f, 0x00, 0x00, 0x00	/* j . */
/* clang-format on */

/* Put `before` in the register of syscall argument 0 (a0) and spin,
 * without a syscall, until that register holds `after` (which only a
 * debugger editing the saved context can make happen); returns the value
 * seen (user/bin/spin.c "reg"). */
static inline long vd_arch_spin_on_arg0(long before, long after)
{
	long v;

	__asm__ volatile("mv a0, %1\n"
			 "1: bne a0, %2, 1b\n"
			 "mv %0, a0"
			 : "=r"(v)
			 : "r"(before), "r"(after)
			 : "a0");
	return v;
}

/* An asm constraint that keeps a double in an FP/SIMD register
 * (user/bin/ipc-bench.c's FP round trip). */
#define VD_ARCH_FP_REG_CONSTRAINT "+f" /* an F/D register */

#endif /* VD_USER_ARCH_MACHINE_H */
