/*
 * Internal interfaces between the files of the RISC-V HAL.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <arch/percpu.h>
#include <hal/fdt.h>
#include <veridian/cpu_context.h>
#include <veridian/hal.h>

/* boot.c */
extern const struct vd_boot_info *rv_boot_info;
extern const struct fdt *rv_boot_fdt; /* the firmware's DTB, parsed */

/* console.c: NS16550 from the DTB; legacy SBI putchar until then. */
void rv_console_init(const struct fdt *f);

/* power.c: the sifive,test0 exit device. */
void rv_power_init(const struct fdt *f);

/* timer.c: SBI TIME one-shot timer. */
void rv_timer_init(const struct fdt *f);
void rv_timer_irq(void);

/* plic.c */
void rv_plic_init(const struct fdt *f, const struct vd_boot_info *bi);
void rv_plic_cpu_init(struct rv_percpu *cpu);
void rv_plic_dispatch(struct rv_percpu *cpu);
extern void (*rv_plic_test_hook)(unsigned irq);

/* smp.c */
void rv_smp_init(const struct vd_boot_info *bi, uint64_t boot_hartid);

/* trap.c */
void rv_trap_cpu_init(void);
void rv_dump_registers(const struct vd_cpu_context *ctx, uint64_t scause,
		       uint64_t stval);

/* vectors.S */
extern char rv_trap_vector[];
VD_NORETURN void rv_return_to_user(struct vd_cpu_context *ctx);

#endif /* ARCH_PLATFORM_H */
