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

/* timer.c: SBI TIME one-shot timer. */
void rv_timer_init(const struct fdt *f);
void rv_timer_irq(void);

/* smp.c */
void rv_smp_drop_harts(struct vd_boot_info *bi, const struct fdt *f);
void rv_smp_init(const struct vd_boot_info *bi, uint64_t boot_hartid);

/* trap.c */
void rv_trap_cpu_init(void);
void rv_dump_registers(const struct vd_cpu_context *ctx, uint64_t scause,
		       uint64_t stval);

/* vectors.S */
extern char rv_trap_vector[];
VD_NORETURN void rv_return_to_user(struct vd_cpu_context *ctx);

#endif /* ARCH_PLATFORM_H */
