/*
 * AArch64: what user programs that test the kernel need to know about the
 * machine (user/bin/fault.c, utest.c, spin.c, ipc-bench.c), reached as
 * <arch/machine.h>.
 */
#ifndef VD_USER_ARCH_MACHINE_H
#define VD_USER_ARCH_MACHINE_H

/* e_machine of this architecture's ELF executables. */
#define VD_ARCH_ELF_MACHINE 183 /* EM_AARCH64 */

/* Execute an instruction that is undefined on every CPU of the arch. */
static inline void vd_arch_illegal_insn(void)
{
	__asm__ volatile(".inst 0x00000000") /* udf #0 */;
}

/* The machine code of a program that calls SYS_EXIT (1) with status 42
 * and, should that return, loops: an initializer for a byte array. */
/* clang-format off */
#define VD_ARCH_EXIT42_CODE \
	0x28, 0x00, 0x80, 0xd2, /* mov x8, #1 */ \
	0x40, 0x05, 0x80, 0xd2, /* mov x0, #42 */ \
	0x01, 0x00, 0x00, 0xd4, /* svc #0 */ \
	0x00, 0x00, 0x00, 0x14	/* b . */
/* clang-format on */

/* Put `before` in the register of syscall argument 0 (x0) and spin,
 * without a syscall, until that register holds `after` (which only a
 * debugger editing the saved context can make happen); returns the value
 * seen (user/bin/spin.c "reg"). */
static inline long vd_arch_spin_on_arg0(long before, long after)
{
	long v;

	__asm__ volatile("mov x0, %1\n"
			 "1: cmp x0, %2\n"
			 "b.ne 1b\n"
			 "mov %0, x0"
			 : "=r"(v)
			 : "r"(before), "r"(after)
			 : "x0", "cc");
	return v;
}

/* An asm constraint that keeps a double in an FP/SIMD register
 * (user/bin/ipc-bench.c's FP round trip). */
#define VD_ARCH_FP_REG_CONSTRAINT "+w" /* a SIMD&FP register */

#endif /* VD_USER_ARCH_MACHINE_H */
