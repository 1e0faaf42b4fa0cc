/*
 * Host test build: the ELF machine the loader accepts (included through
 * <veridian/elf.h>).  The host runs no loaded code, so any machine the
 * parser knows will do: x86_64's, which has no e_flags rules, whatever
 * the build machine is.
 */
#ifndef ARCH_ELF_H
#define ARCH_ELF_H

#define VD_EM_NATIVE VD_EM_X86_64

#endif /* ARCH_ELF_H */
