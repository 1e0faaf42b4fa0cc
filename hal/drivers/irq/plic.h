/*
 * What the PLIC driver (plic.c) shares with the RISC-V ktests.
 */
#ifndef HAL_DRIVERS_IRQ_PLIC_H
#define HAL_DRIVERS_IRQ_PLIC_H

/* ktests only: sees each claimed interrupt before core does, so a test
 * can quiet the device it made interrupt before the claim completes (a
 * level-triggered source would otherwise be pending again at once).  Not
 * in the production image (VD_PRODUCTION: cmake/kernel.cmake compiles
 * plic.c for each image). */
#ifndef VD_PRODUCTION
extern void (*plic_test_hook)(unsigned irq);
#endif

#endif /* HAL_DRIVERS_IRQ_PLIC_H */
