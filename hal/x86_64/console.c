/*
 * x86_64 HAL: console on the 16550 UART at COM1 (I/O port 0x3f8, the
 * shared driver in hal/common/uart16550.c).
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/uart16550.h>
#include <veridian/hal.h>

#define COM1 0x3f8

static uint8_t port_read(uintptr_t port)
{
	return x86_inb((uint16_t)port);
}

static void port_write(uintptr_t port, uint8_t v)
{
	x86_outb((uint16_t)port, v);
}

static const struct uart16550 com1 = {
	.base = COM1,
	.reg_shift = 0,
	.read = port_read,
	.write = port_write,
};

void x86_console_init(void)
{
	uart16550_init(&com1);
}

void hal_console_putc(char c)
{
	uart16550_putc(&com1, c);
}

int hal_console_getc(void)
{
	return uart16550_getc(&com1);
}
