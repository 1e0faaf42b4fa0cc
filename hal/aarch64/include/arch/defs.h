/*
 * Offsets shared by the assembly (vectors.S, head.S) and C.  C code checks
 * them against the real structures with _Static_assert (trap.c, cpu.c).
 *
 * struct vd_cpu_context (arch/context.h), 272 bytes:
 *
 *     0  x0  x1      ...     232 x29      240 x30   248 sp (SP_EL0)
 *   256  pc (ELR_EL1)  264 pstate (SPSR_EL1)
 *
 * Kernel-mode traps push the same frame on the current stack, with sp
 * holding the interrupted SP_EL1.
 */
#ifndef ARCH_DEFS_H
#define ARCH_DEFS_H

#define A64_CTX_X(n)   ((n)*8)
#define A64_CTX_SP     248
#define A64_CTX_PC     256
#define A64_CTX_PSTATE 264
#define A64_CTX_SIZE   272

/* hal_context_switch frame: x19..x30, 12 registers. */
#define A64_SWITCH_FRAME 96

/* Per-CPU stack size (boot and secondary CPUs). */
#define A64_STACK_SIZE 16384

/* How far below the frame pointer its {caller's fp, return address}
 * record sits (AAPCS64: fp points at the record;
 * hal/common/kernel/unwind.c). */
#define ARCH_FP_RECORD_BELOW 0

#endif /* ARCH_DEFS_H */
