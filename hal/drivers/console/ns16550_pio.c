/*
 * 16550 UART on x86 I/O ports (the PC's COM ports), with the register
 * protocol shared with the MMIO variants (hal/common/uart16550.c).
 *
 * Where it is, in this order:
 *   vd.console=ns16550-pio@<port>   the command line names the port;
 *   SPCR                            the ACPI Serial Port Console
 *                                   Redirection table describes a 16550
 *                                   in I/O space (below);
 *   COM1                            port 0x3f8, if a UART answers there
 *                                   (detect: the scratch register test).
 * Whatever named it, the port must pass the scratch register test, so a
 * wrong port is a clear "probe failed", never a console that eats output.
 *
 * SPCR (Microsoft's "Serial Port Console Redirection Table"):
 *   0 ACPI header (36 bytes)  36 interface type (u8: 0 full 16550,
 *   1 16450 subset, 0x12 16550-compatible with the GAS's parameters;
 *   the DBG2 serial subtypes)  37 reserved[3]  40 base address
 *   (Generic Address Structure, arch/acpi.h)  52 interrupt type ...
 */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <hal/driver.h>
#include <hal/uart16550.h>

#define COM1_PORT      0x3f8
#define IO_PORT_LIMIT  0x10000
#define SPCR_16550     0x00
#define SPCR_16450     0x01
#define SPCR_16550_GAS 0x12

struct acpi_spcr {
	struct acpi_sdt hdr;
	uint8_t interface_type;
	uint8_t reserved[3];
	struct acpi_gas base;
} VD_PACKED;

static uint8_t port_read(uintptr_t port)
{
	return x86_inb((uint16_t)port);
}

static void port_write(uintptr_t port, uint8_t v)
{
	x86_outb((uint16_t)port, v);
}

static struct uart16550 uart = {
	.reg_shift = 0,
	.read = port_read,
	.write = port_write,
};

/* A 16550 (or 16450) keeps what is written to its scratch register; an
 * empty port reads back 0xff whatever was written. */
static bool uart_answers(uint16_t port)
{
	static const uint8_t patterns[] = {0x5a, 0xa5};

	for (unsigned i = 0; i < sizeof(patterns); i++) {
		x86_outb(port + UART_SCR, patterns[i]);
		if (x86_inb(port + UART_SCR) != patterns[i])
			return false;
	}
	return true;
}

/* The port an SPCR describes, 0 if it describes no 16550 on a port. */
static uint16_t spcr_port(const struct vd_probe_env *env)
{
	const struct acpi_spcr *spcr =
		env->acpi_find ? env->acpi_find("SPCR") : NULL;

	if (!spcr || spcr->hdr.length < sizeof(*spcr))
		return 0;
	if (spcr->interface_type != SPCR_16550 &&
	    spcr->interface_type != SPCR_16450 &&
	    spcr->interface_type != SPCR_16550_GAS)
		return 0;
	if (spcr->base.space != ACPI_GAS_IO || spcr->base.address == 0 ||
	    spcr->base.address >= IO_PORT_LIMIT)
		return 0;
	return (uint16_t)spcr->base.address;
}

static bool ns16550_pio_detect(const struct vd_probe_env *env)
{
	(void)env;
	return uart_answers(COM1_PORT);
}

/* Errors: VD_ERR_NOT_FOUND if no UART answers at the chosen port,
 * VD_ERR_INVALID_PARAMETER for a forced address outside the I/O space. */
static vd_err_t ns16550_pio_probe(struct vd_device *dev)
{
	uint16_t port;

	if (dev->base) {
		if (dev->base >= IO_PORT_LIMIT)
			return VD_ERR_INVALID_PARAMETER;
		port = (uint16_t)dev->base;
	} else {
		port = spcr_port(dev->env);
		if (!port)
			port = COM1_PORT;
	}
	if (!uart_answers(port))
		return VD_ERR_NOT_FOUND;
	uart.base = port;
	uart16550_init(&uart);
	/* The core logs dev->base once probe returns: record the port SPCR
	 * or the COM1 default chose. */
	dev->base = port;
	return VD_OK;
}

static void ns16550_pio_putc(char c)
{
	uart16550_putc(&uart, c);
}

static int ns16550_pio_getc(void)
{
	return uart16550_getc(&uart);
}

static const struct vd_console_ops ns16550_pio_ops = {
	.putc = ns16550_pio_putc,
	.getc = ns16550_pio_getc,
};

VD_DRIVER(ns16550_pio_driver) = {
	.name = "ns16550-pio",
	.role = VD_ROLE_CONSOLE,
	.priority = 10,
	.acpi = "SPCR",
	.detect = ns16550_pio_detect,
	.probe = ns16550_pio_probe,
	.ops = &ns16550_pio_ops,
};
