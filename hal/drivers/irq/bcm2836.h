/*
 * The BCM2836 interrupt controller driver's numbering and what its ktest
 * (hal/aarch64/ktest_bcm2836.c) observes.  The driver is
 * hal/drivers/irq/bcm2836.c.
 *
 * One flat number space for the two chained controllers (what
 * hal_irq_unmask / hal_irq_mask and vd_irq take):
 *   0-31     the local controller's sources, per core: 0-3 the generic
 *            timers (CNTPS, CNTPNS, CNTHP, CNTV), 4-7 the mailboxes,
 *            8 the GPU input (the ARM controller), 9 the PMU
 *   32-39    ARM controller bank 0 ("basic": ARM timer, doorbells, ...)
 *   64-95    bank 1, GPU interrupts 0-31 (system timer 0-3, mini-UART 29)
 *   96-127   bank 2, GPU interrupts 32-63 (PL011 57, ...)
 */
#ifndef HAL_DRIVERS_IRQ_BCM2836_H
#define HAL_DRIVERS_IRQ_BCM2836_H

#include <veridian/types.h>

#define BCM2836_LOCAL_GPU      8u /* the local source the ARM controller feeds */
#define BCM2836_ARMCTRL_FIRST  32u
#define BCM2836_IRQ_COUNT      128u
#define BCM2836_IRQ(bank, num) (32u * ((bank) + 1u) + (num))

/* Interrupts taken through the local controller's GPU source and then
 * found pending at the ARM controller (dispatched as BCM2836_IRQ(...)). */
extern volatile uint64_t bcm2836_gpu_irqs;

/* Called, when set, for every ARM-controller interrupt before it is
 * delivered (tests: silence the device there).  Not in the production
 * image (VD_PRODUCTION: cmake/kernel.cmake compiles bcm2836.c for each
 * image). */
#ifndef VD_PRODUCTION
extern void (*volatile bcm2836_test_hook)(unsigned irq);
#endif

#endif /* HAL_DRIVERS_IRQ_BCM2836_H */
