/*
 * Arm PL011 UART ("arm,pl011": QEMU virt at 0x09000000, Raspberry Pi's
 * UART0), for the console role.  Portable MMIO code.
 *
 * Registers used (32-bit, offsets from the base; PL011 TRM, DDI 0183):
 *   0x00 UARTDR  data: write = transmit, read = receive [7:0]
 *   0x18 UARTFR  flags: bit 5 TXFF (transmit FIFO full),
 *                       bit 4 RXFE (receive FIFO empty)
 * The firmware (QEMU's reset state, U-Boot) leaves the UART enabled at
 * the right speed, so no baud or line set-up is done.
 */
#include <hal/driver.h>

#define PL011_DR      0x00
#define PL011_FR      0x18
#define PL011_FR_TXFF (1u << 5)
#define PL011_FR_RXFE (1u << 4)
#define PL011_DR_DATA 0xffu
#define PL011_SIZE    0x1000

static volatile uint32_t *pl011;

static vd_err_t pl011_probe(struct vd_device *dev)
{
	if (!dev->base)
		return VD_ERR_NOT_FOUND;
	pl011 = hal_map_device(dev->base, dev->size ? dev->size : PL011_SIZE);
	return VD_OK;
}

static void pl011_putc(char c)
{
	while (pl011[PL011_FR / 4] & PL011_FR_TXFF)
		;
	pl011[PL011_DR / 4] = (uint8_t)c;
}

static int pl011_getc(void)
{
	if (pl011[PL011_FR / 4] & PL011_FR_RXFE)
		return -1;
	return (int)(pl011[PL011_DR / 4] & PL011_DR_DATA);
}

static const char *const pl011_match[] = {"arm,pl011", NULL};
static const struct vd_console_ops pl011_ops = {
	.putc = pl011_putc,
	.getc = pl011_getc,
};

VD_DRIVER(pl011_driver) = {
	.name = "pl011",
	.role = VD_ROLE_CONSOLE,
	.priority = 10,
	.compatible = pl011_match,
	.probe = pl011_probe,
	.ops = &pl011_ops,
};
