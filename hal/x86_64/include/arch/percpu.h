/*
 * x86_64 HAL: per-CPU state, reached through the GS base.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <arch/defs.h>
#include <stddef.h>
#include <veridian/hal.h>

/*
 * 64-bit Task State Segment (SDM vol. 3, 8.7).  In long mode the TSS holds
 * no task state, only stack pointers:
 *
 *   offset  0  reserved
 *           4  RSP0   stack loaded on an interrupt/exception from ring 3
 *          12  RSP1, RSP2 (unused: rings 1-2)
 *          36  IST1..IST7  stacks selected by an IDT gate's IST field
 *                    whatever the previous ring (used for #DF, NMI, #MC
 *                    so they run on a known-good stack)
 *         102  I/O map base: set past the limit = no I/O bitmap, so ring 3
 *                    port I/O always faults
 */
struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} VD_PACKED;
_Static_assert(sizeof(struct x86_tss) == 104, "TSS layout");

struct x86_percpu {
	struct x86_percpu *self;
	uint64_t user_rsp;
	uint64_t scratch;
	uint32_t cpu_id;
	uint32_t apic_id;
	uint64_t timer_deadline; /* ns; UINT64_MAX = disarmed */
	bool online;
	volatile uint64_t ipis; /* reschedule IPIs received */
	uint64_t gdt[X86_GDT_ENTRIES] __attribute__((aligned(16)));
	struct x86_tss tss __attribute__((aligned(16)));
};

_Static_assert(offsetof(struct x86_percpu, self) == X86_PCPU_SELF, "pcpu");
_Static_assert(offsetof(struct x86_percpu, user_rsp) == X86_PCPU_USER_RSP,
	       "pcpu");
_Static_assert(offsetof(struct x86_percpu, scratch) == X86_PCPU_SCRATCH,
	       "pcpu");
_Static_assert(offsetof(struct x86_percpu, cpu_id) == X86_PCPU_CPU_ID, "pcpu");
_Static_assert(offsetof(struct x86_percpu, tss.rsp[0]) == X86_PCPU_TSS_RSP0,
	       "pcpu");

extern struct x86_percpu x86_percpu[VD_MAX_CPUS];

/* The calling CPU's block (valid once x86_cpu_init ran on it). */
static inline struct x86_percpu *x86_this_cpu(void)
{
	struct x86_percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Per-CPU set-up: GDT, TSS, IDT, GS base, control registers, SYSCALL
 * MSRs.  Runs on every CPU before it enables interrupts. */
void x86_cpu_init(unsigned cpu, uint32_t apic_id);
void x86_idt_load(void);
void x86_idt_init(void);

#endif /* ARCH_PERCPU_H */
