/*
 * x86_64 HAL: console on the 16550 UART at COM1 (I/O port 0x3f8, the
 * shared driver in hal/common/uart16550.c) and power-off through QEMU's
 * isa-debug-exit device.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/uart16550.h>
#include <veridian/hal.h>

#define COM1 0x3f8

/*
 * isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=0x04): a
 * write of v to the port ends QEMU with exit status (v << 1) | 1.  The
 * board's PASS_STATUS 33 is v = 0x10; failures use v = 0x11 (status 35).
 */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

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

VD_NORETURN void hal_poweroff(int status)
{
	__asm__ volatile("cli");
	x86_outl(DEBUG_EXIT_PORT,
		 status == 0 ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
	/* no debug-exit device: ACPI S5 via QEMU's PIIX4/ICH9 PM ports is
	 * board-specific; just stop */
	for (;;)
		__asm__ volatile("cli; hlt");
}
