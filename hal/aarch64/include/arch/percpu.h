/*
 * Per-CPU data of the AArch64 HAL and the register that finds it:
 * TPIDR_EL1 holds the running CPU's struct a64_percpu.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <veridian/hal.h>

/* Per-CPU block; TPIDR_EL1 points at the running CPU's one. */
struct a64_percpu {
	unsigned cpu;	/* logical id, first so hal_cpu_id is one load */
	uint64_t mpidr; /* affinity bits of MPIDR_EL1 */
};
extern struct a64_percpu a64_percpu[VD_MAX_CPUS];
extern uint64_t a64_cpu_hwid[VD_MAX_CPUS];

static inline struct a64_percpu *a64_this_cpu(void)
{
	struct a64_percpu *p;
	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(p));
	return p;
}

#endif /* ARCH_PERCPU_H */
