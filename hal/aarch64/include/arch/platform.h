/*
 * Interfaces between the files of the AArch64 HAL (nothing here is seen by
 * core).
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <arch/percpu.h>
#include <hal/fdt.h>
#include <veridian/hal.h>

/* console.c */
void a64_console_init(const struct fdt *f);

/* gic.c: interrupt controller.  INTIDs: 0-15 SGI, 16-31 PPI, 32+ SPI. */
#define A64_IPI_SGI 0
void a64_gic_init(const struct fdt *f); /* distributor + boot CPU */
int a64_gic_version(void);
bool a64_gic_local_pending(unsigned intid);
void a64_gic_cpu_init(void); /* this CPU's redistributor/interface */
void a64_gic_enable_ppi(unsigned intid);
void a64_gic_send_sgi(unsigned cpu, unsigned intid);
/* Acknowledge the highest-priority pending interrupt: returns the raw
 * acknowledge value, whose INTID a64_gic_intid() extracts (>= 1020: none).
 * a64_gic_eoi(raw) ends it (priority drop + deactivate). */
unsigned a64_gic_ack(void);
unsigned a64_gic_intid(unsigned raw);
void a64_gic_eoi(unsigned raw);

/* timer.c: generic timer, virtual counter. */
void a64_timer_init(const struct fdt *f);
void a64_timer_cpu_init(void);
unsigned a64_timer_intid(void);
void a64_timer_irq(void);

/* psci.c */
void a64_psci_init(const struct fdt *f);
int64_t a64_psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
void a64_psci_system_off(void);
const char *a64_psci_conduit(void);

/* cpu.c, smp.c */
void a64_cpu_local_init(unsigned cpu); /* TPIDR, PMU, PAN, CPACR */
void a64_cpu_mark_online(void);
extern unsigned a64_cpu_total;
extern volatile bool a64_semihosting_probe;

/* trap.c */
void a64_handle_irq(void);
VD_NORETURN void a64_dump_and_panic(struct vd_cpu_context *ctx, uint64_t esr,
				    uint64_t far, const char *what);

/* vectors.S */
extern char a64_vectors[];
VD_NORETURN void a64_return_to_user_asm(struct vd_cpu_context *ctx);

#endif /* ARCH_PLATFORM_H */
