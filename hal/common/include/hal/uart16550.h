/*
 * NS16550A UART driver, shared by x86_64 (COM1 on I/O port 0x3f8) and
 * RISC-V virt (MMIO at 0x10000000, from the DTB).  The arch supplies the
 * register accessors; the register protocol lives in one place.
 */
#ifndef HAL_UART16550_H
#define HAL_UART16550_H

#include <veridian/types.h>

struct uart16550 {
	uintptr_t base;	    /* port number or virtual MMIO address */
	unsigned reg_shift; /* register stride = 1 << reg_shift */
	uint8_t (*read)(uintptr_t addr);
	void (*write)(uintptr_t addr, uint8_t val);
};

/* 8N1, FIFOs on, receive interrupt enabled, divisor for 115200 from a
 * 1.8432 MHz clock (QEMU ignores the rate but real parts do not). */
void uart16550_init(const struct uart16550 *u);
void uart16550_putc(const struct uart16550 *u, char c);
/* -1 if no character is waiting. */
int uart16550_getc(const struct uart16550 *u);

#endif /* HAL_UART16550_H */
