/*
 * Per-CPU data of the RISC-V HAL and the register that finds it.
 *
 * In the kernel, tp (x4) always points at the running CPU's rv_percpu;
 * the compiler never allocates tp, so it survives every C function.
 * sscratch tells the trap vector where it came from:
 *
 *   running in the kernel:  sscratch = 0
 *   running in user mode:   sscratch = this CPU's rv_percpu (the kernel tp)
 *
 * Trap entry swaps tp and sscratch: a nonzero tp after the swap means the
 * trap came from user mode and tp is already the per-CPU pointer (the
 * user's tp now sits in sscratch); zero means the kernel was interrupted
 * and the original tp is swapped back.
 *
 * The first fields are used by assembly; their offsets are fixed here.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define PCPU_USER_CTX	    0 /* where traps from user mode save registers */
#define PCPU_SCRATCH	    8 /* user sp while the trap entry switches stacks */
#define PCPU_CPU_ID	    16 /* logical cpu index */
#define PCPU_BOOT_STACK_TOP 40 /* stack a starting CPU takes */

/* struct vd_cpu_context offsets (arch/context.h). */
#define CTX_X(n)   ((n)*8)
#define CTX_PC	   (32 * 8)
#define CTX_STATUS (33 * 8)
#define CTX_SATP   (34 * 8)
#define CTX_SIZE   (36 * 8)

#ifndef __ASSEMBLER__

#include <veridian/hal.h>

struct rv_percpu {
	uintptr_t user_ctx; /* vd_cpu_context at the kernel stack top */
	uint64_t scratch;
	uint64_t cpu_id;
	uint64_t hartid;
	long plic_context; /* this hart's S-mode PLIC context, -1 if none */
	uintptr_t boot_stack_top; /* stack the CPU starts on */
	volatile bool online;
	uint64_t ipis; /* IPIs taken (ktests watch it) */
} __attribute__((aligned(64)));

extern struct rv_percpu rv_percpu[VD_MAX_CPUS];

static inline struct rv_percpu *rv_this_cpu(void)
{
	struct rv_percpu *p;
	__asm__("mv %0, tp" : "=r"(p));
	return p;
}

#endif /* __ASSEMBLER__ */
#endif /* ARCH_PERCPU_H */
