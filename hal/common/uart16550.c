/* NS16550A UART: the register protocol (hal/uart16550.h has the layout). */
#include <hal/uart16550.h>

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
	reg_write(u, UART_LCR, UART_LCR_DLAB);
	reg_write(u, UART_RBR_THR, DIVISOR_115200 & 0xff);
	reg_write(u, UART_IER, DIVISOR_115200 >> 8);
	reg_write(u, UART_LCR, UART_LCR_8N1);
	reg_write(u, UART_FCR,
		  UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	reg_write(u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	reg_write(u, UART_IER, UART_IER_ERBFI);
}

void uart16550_putc(const struct uart16550 *u, char c)
{
	while (!(reg_read(u, UART_LSR) & UART_LSR_THR_EMPTY))
		;
	reg_write(u, UART_RBR_THR, (uint8_t)c);
}

int uart16550_getc(const struct uart16550 *u)
{
	if (!(reg_read(u, UART_LSR) & UART_LSR_DATA_READY))
		return -1;
	return reg_read(u, UART_RBR_THR);
}
