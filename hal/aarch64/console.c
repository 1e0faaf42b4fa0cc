/*
 * Console on an Arm PL011 UART (QEMU virt: 0x09000000, found in the DTB).
 *
 * Registers used (32-bit, offsets from the base):
 *   0x00 UARTDR  data: write = transmit, read = receive [7:0]
 *   0x18 UARTFR  flags: bit 5 TXFF (transmit FIFO full),
 *                       bit 4 RXFE (receive FIFO empty)
 * The firmware (QEMU reset state or U-Boot) leaves the UART enabled at the
 * right speed, so no baud/line setup is done.
 */
#include <arch/mmu.h>
#include <arch/platform.h>

#define PL011_DR      0x00
#define PL011_FR      0x18
#define PL011_FR_TXFF (1u << 5)
#define PL011_FR_RXFE (1u << 4)

static volatile uint32_t *pl011;

/* The PL011 /chosen/stdout-path names, else the first one. */
static int find_uart(const struct fdt *f)
{
	int node = fdt_stdout_node(f);
	if (node >= 0 && fdt_is_compatible(f, node, "arm,pl011"))
		return node;
	return fdt_find_compatible(f, -1, "arm,pl011");
}

void a64_console_init(const struct fdt *f)
{
	int node = find_uart(f);
	uint64_t base, size;
	if (node < 0 || !fdt_reg(f, node, 0, &base, &size))
		return;
	pl011 = a64_map_device(base, size ? size : 0x1000);
}

void hal_console_putc(char c)
{
	if (!pl011)
		return;
	while (pl011[PL011_FR / 4] & PL011_FR_TXFF)
		;
	pl011[PL011_DR / 4] = (uint8_t)c;
}

int hal_console_getc(void)
{
	if (!pl011 || (pl011[PL011_FR / 4] & PL011_FR_RXFE))
		return -1;
	return (int)(pl011[PL011_DR / 4] & 0xff);
}
