/*
 * RISC-V 64: what user programs that test the kernel need to know about the
 * machine (user/bin/fault.c, utest.c), reached as <arch/machine.h>.
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

#endif /* VD_USER_ARCH_MACHINE_H */
