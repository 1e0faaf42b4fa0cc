/*
 * NS16550A UART.  Registers (offsets in units of 1 << reg_shift):
 *
 *   0 RBR/THR   receive buffer / transmit holding (DLL when LCR.DLAB=1)
 *   1 IER       interrupt enable: bit 0 = received data available
 *               (DLM when LCR.DLAB=1)
 *   2 FCR       FIFO control: bit 0 enable, bits 1-2 clear rx/tx FIFOs
 *   3 LCR       line control: bits 0-1 word length (3 = 8 bits),
 *               bit 7 DLAB (divisor latch access)
 *   4 MCR       modem control: bit 3 OUT2 gates the IRQ line on PCs
 *   5 LSR       line status: bit 0 data ready, bit 5 THR empty
 */
#include <hal/uart16550.h>

enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
};

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define LCR_8N1	       0x03
#define LCR_DLAB       0x80
#define DIVISOR_115200 1 /* 1.8432 MHz / (16 * 115200) */

static uint8_t reg_read(const struct uart16550 *u, unsigned reg)
{
	return u->read(u->base + ((uintptr_t)reg << u->reg_shift));
}

static void reg_write(const struct uart16550 *u, unsigned reg, uint8_t v)
{
	u->write(u->base + ((uintptr_t)reg << u->reg_shift), v);
}

void uart16550_init(const struct uart16550 *u)
{
	reg_write(u, UART_IER, 0);
	reg_write(u, UART_LCR, LCR_DLAB);
	reg_write(u, UART_RBR_THR, DIVISOR_115200 & 0xff);
	reg_write(u, UART_IER, DIVISOR_115200 >> 8);
	reg_write(u, UART_LCR, LCR_8N1);
	reg_write(u, UART_FCR, 0x07);
	reg_write(u, UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
	reg_write(u, UART_IER, 0x01);
}

void uart16550_putc(const struct uart16550 *u, char c)
{
	while (!(reg_read(u, UART_LSR) & LSR_THR_EMPTY))
		;
	reg_write(u, UART_RBR_THR, (uint8_t)c);
}

int uart16550_getc(const struct uart16550 *u)
{
	if (!(reg_read(u, UART_LSR) & LSR_DATA_READY))
		return -1;
	return reg_read(u, UART_RBR_THR);
}
