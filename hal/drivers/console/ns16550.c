/*
 * NS16550A-compatible UART on MMIO as the console ("ns16550a", "ns16550":
 * QEMU virt's UART at 0x10000000 on RISC-V, and wherever else a DTB
 * names one).  The register protocol is hal/common/uart16550.c's; this
 * file only supplies the MMIO accessors the node asks for:
 *
 *   reg-shift     register i sits at base + (i << reg-shift)  (default 0)
 *   reg-io-width  bytes per access: 1 (default) or 4; with 4 the byte
 *                 is the low byte of a 32-bit little-endian word
 *
 * Polled: transmit waits for LSR.THRE, receive reads while LSR.DR.
 * Portable: only loads and stores to the mapped registers.
 */
#include <hal/driver.h>
#include <hal/uart16550.h>
#include <veridian/printf.h>

#define NS16550_REGS	  8 /* RBR/THR .. SCR */
#define NS16550_MAX_SHIFT 4 /* a stride of 16 bytes is the widest seen */

static struct uart16550 uart;

static uint8_t mmio_read8(uintptr_t addr)
{
	return *(volatile uint8_t *)addr;
}

static void mmio_write8(uintptr_t addr, uint8_t val)
{
	*(volatile uint8_t *)addr = val;
}

static uint8_t mmio_read32(uintptr_t addr)
{
	return (uint8_t) * (volatile uint32_t *)addr;
}

static void mmio_write32(uintptr_t addr, uint8_t val)
{
	*(volatile uint32_t *)addr = val;
}

/* Errors: VD_ERR_NOT_FOUND for a node without registers,
 * VD_ERR_INVALID_PARAMETER for a reg-shift or reg-io-width this driver
 * cannot drive (logged: the DTB is wrong or the part is not a 16550). */
static vd_err_t ns16550_probe(struct vd_device *dev)
{
	uint32_t shift = 0, width = 1;

	if (!dev->base)
		return VD_ERR_NOT_FOUND;
	if (dev->node >= 0) {
		fdt_prop_u32(dev->env->fdt, dev->node, "reg-shift", &shift);
		fdt_prop_u32(dev->env->fdt, dev->node, "reg-io-width", &width);
	}
	if (shift > NS16550_MAX_SHIFT || (width != 1 && width != 4)) {
		kprintf("ns16550 at 0x%llx: reg-shift %u / reg-io-width %u "
			"not supported\n",
			(unsigned long long)dev->base, shift, width);
		return VD_ERR_INVALID_PARAMETER;
	}
	uint64_t size = (uint64_t)NS16550_REGS << shift;
	if (dev->size > size)
		size = dev->size;
	uart.base = (uintptr_t)hal_map_device(dev->base, size);
	uart.reg_shift = shift;
	uart.read = width == 4 ? mmio_read32 : mmio_read8;
	uart.write = width == 4 ? mmio_write32 : mmio_write8;
	uart16550_init(&uart);
	return VD_OK;
}

static void ns16550_putc(char c)
{
	uart16550_putc(&uart, c);
}

static int ns16550_getc(void)
{
	return uart16550_getc(&uart);
}

static const char *const ns16550_match[] = {"ns16550a", "ns16550", NULL};
static const struct vd_console_ops ns16550_ops = {
	.putc = ns16550_putc,
	.getc = ns16550_getc,
};

VD_DRIVER(ns16550_driver) = {
	.name = "ns16550",
	.role = VD_ROLE_CONSOLE,
	.priority = 20,
	.compatible = ns16550_match,
	.probe = ns16550_probe,
	.ops = &ns16550_ops,
};
