/*
 * x86_64: the ELF machine (e_machine) the loader accepts for user programs
 * (included through <veridian/elf.h>).
 */
#ifndef ARCH_ELF_H
#define ARCH_ELF_H

#define VD_EM_NATIVE VD_EM_X86_64

#endif /* ARCH_ELF_H */
