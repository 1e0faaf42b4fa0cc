/*
 * SiFive UART ("sifive,uart0": the FU540's two UARTs, QEMU sifive_u's
 * console at 0x10010000) as the console, polled.
 *
 * Registers: sifive_uart.h.
 *
 * The FIFOs are 8 deep, 8N1 is the only frame format.  The divisor is
 * left as the firmware set it: it depends on the bus clock (the PRCI's
 * "tlclk"), which the kernel does not manage.  Interrupts stay off (ie =
 * 0): the console is polled.
 */
#include <hal/driver.h>

#include "sifive_uart.h"

static volatile uint32_t *regs;

static uint32_t rd(unsigned off)
{
	return regs[off / 4];
}

static void wr(unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

/* Errors: VD_ERR_NOT_FOUND for a node without registers. */
static vd_err_t sifive_uart_probe(struct vd_device *dev)
{
	if (!dev->base)
		return VD_ERR_NOT_FOUND;
	regs = hal_map_device(dev->base, dev->size > SIFIVE_UART_SIZE
						 ? dev->size
						 : SIFIVE_UART_SIZE);
	wr(SIFIVE_UART_IE, 0);
	/* keep the firmware's stop bits and watermarks, make sure both
	 * directions run */
	wr(SIFIVE_UART_TXCTRL,
	   rd(SIFIVE_UART_TXCTRL) | SIFIVE_UART_TXCTRL_TXEN);
	wr(SIFIVE_UART_RXCTRL,
	   rd(SIFIVE_UART_RXCTRL) | SIFIVE_UART_RXCTRL_RXEN);
	return VD_OK;
}

/* Wait while txdata reads FULL, then write: a write into a full FIFO
 * would be dropped.  Callers serialise (kprintf's lock), as for the 16550. */
static void sifive_uart_putc(char c)
{
	while (rd(SIFIVE_UART_TXDATA) & SIFIVE_UART_TXDATA_FULL)
		;
	wr(SIFIVE_UART_TXDATA, (uint8_t)c);
}

static int sifive_uart_getc(void)
{
	uint32_t v = rd(SIFIVE_UART_RXDATA);

	return v & SIFIVE_UART_RXDATA_EMPTY ? -1
					    : (int)(v & SIFIVE_UART_DATA_MASK);
}

static const char *const sifive_uart_match[] = {"sifive,uart0", NULL};
static const struct vd_console_ops sifive_uart_ops = {
	.putc = sifive_uart_putc,
	.getc = sifive_uart_getc,
};

VD_DRIVER(sifive_uart_driver) = {
	.name = "sifive-uart",
	.role = VD_ROLE_CONSOLE,
	.priority = 20,
	.compatible = sifive_uart_match,
	.probe = sifive_uart_probe,
	.ops = &sifive_uart_ops,
};
