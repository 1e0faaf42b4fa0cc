/*
 * NS16550A UART register protocol, shared by the console drivers
 * hal/drivers/console/ns16550.c (MMIO, from the DTB) and ns16550_pio.c
 * (x86 I/O ports).  The driver supplies the register accessors; the
 * register protocol lives in one place.
 *
 * Registers (offsets in units of 1 << reg_shift), 8 bits each:
 *
 *   0 RBR/THR   receive buffer / transmit holding (DLL when LCR.DLAB=1)
 *   1 IER       interrupt enable: bit 0 received data available, bit 1
 *               transmit holding register empty (DLM when LCR.DLAB=1)
 *   2 FCR       FIFO control (write): bit 0 enable, bits 1-2 clear the
 *               receive / transmit FIFOs
 *   3 LCR       line control: bits 0-1 word length (3 = 8 bits),
 *               bit 7 DLAB (divisor latch access)
 *   4 MCR       modem control: bit 0 DTR, bit 1 RTS, bit 3 OUT2 (gates
 *               the IRQ line on PCs)
 *   5 LSR       line status: bit 0 data ready, bit 5 THR empty
 *   7 SCR       scratch: keeps what is written (a 16450 or later)
 */
#ifndef HAL_UART16550_H
#define HAL_UART16550_H

#include <veridian/types.h>

enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_SCR = 7,
};

#define UART_IER_ERBFI	    0x01 /* received data available */
#define UART_IER_ETBEI	    0x02 /* transmit holding register empty */
#define UART_FCR_ENABLE	    0x01
#define UART_FCR_CLEAR_RX   0x02
#define UART_FCR_CLEAR_TX   0x04
#define UART_LCR_8N1	    0x03
#define UART_LCR_DLAB	    0x80
#define UART_MCR_DTR	    0x01
#define UART_MCR_RTS	    0x02
#define UART_MCR_OUT2	    0x08
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY  0x20

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
