/*
 * Interfaces between the files of the AArch64 HAL (nothing here is seen by
 * core).
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <arch/percpu.h>
#include <hal/fdt.h>
#include <veridian/hal.h>

/* timer.c: generic timer, virtual counter. */
void a64_timer_init(const struct fdt *f);
void a64_timer_cpu_init(void);
unsigned a64_timer_intid(void);
void a64_timer_irq(void);

/* boot.c: the firmware's device tree, for what runs after boot (tests). */
extern const struct fdt *a64_boot_fdt;

/* cpu.c, smp.c */
void a64_cpu_local_init(unsigned cpu); /* TPIDR, PMU, PAN, CPACR */
void a64_cpu_mark_online(void);
extern unsigned a64_cpu_total;

/* trap.c */
void a64_handle_irq(void);
/* What an interrupt controller driver's handle() (hal/drivers/irq/)
 * calls for an interrupt it acknowledged: quiesce before it ends it,
 * deliver after (its IPI goes to vd_ipi instead). */
void a64_irq_quiesce(unsigned irq);
void a64_irq_deliver(unsigned irq);
/* Run fn(arg), stepping over undefined instructions: false if it hit
 * one (how power/semihosting.c finds out whether semihosting is on). */
bool a64_probe_undefined(void (*fn)(void *), void *arg);
VD_NORETURN void a64_dump_and_panic(struct vd_cpu_context *ctx, uint64_t esr,
				    uint64_t far, const char *what);

/* vectors.S */
extern char a64_vectors[];
VD_NORETURN void a64_return_to_user_asm(struct vd_cpu_context *ctx);

#endif /* ARCH_PLATFORM_H */
