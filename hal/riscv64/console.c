/*
 * Console: the NS16550 the DTB names in /chosen/stdout-path (the shared
 * driver in hal/common/uart16550.c), reached through the MMIO window.
 * Until the DTB is parsed, characters go out through the legacy SBI
 * console_putchar call, which OpenSBI implements on the same UART.
 */
#include <arch/mmu.h>
#include <arch/platform.h>
#include <arch/sbi.h>
#include <hal/fdt.h>
#include <hal/uart16550.h>

#define SBI_EXT_LEGACY_GETCHAR 0x02

static struct uart16550 uart;
static bool uart_ready;

static uint8_t mmio_read8(uintptr_t addr)
{
	return *(volatile uint8_t *)addr;
}

static void mmio_write8(uintptr_t addr, uint8_t val)
{
	*(volatile uint8_t *)addr = val;
}

/* reg-io-width = 4: same registers, 32-bit accesses. */
static uint8_t mmio_read32(uintptr_t addr)
{
	return (uint8_t) * (volatile uint32_t *)addr;
}

static void mmio_write32(uintptr_t addr, uint8_t val)
{
	*(volatile uint32_t *)addr = val;
}

static bool is_16550(const struct fdt *f, int node)
{
	return node >= 0 && (fdt_is_compatible(f, node, "ns16550a") ||
			     fdt_is_compatible(f, node, "ns16550"));
}

void rv_console_init(const struct fdt *f)
{
	uint64_t base, size;
	uint32_t shift = 0, width = 1;
	int node = fdt_stdout_node(f);

	if (!is_16550(f, node))
		node = fdt_find_compatible(f, -1, "ns16550a");
	if (!is_16550(f, node))
		node = fdt_find_compatible(f, -1, "ns16550");
	if (node < 0 || !fdt_reg(f, node, 0, &base, &size))
		return; /* stay on the SBI console */
	fdt_prop_u32(f, node, "reg-shift", &shift);
	fdt_prop_u32(f, node, "reg-io-width", &width);

	uart.base = (uintptr_t)rv_ioremap(base, size ? size : 0x100);
	uart.reg_shift = shift;
	uart.read = width == 4 ? mmio_read32 : mmio_read8;
	uart.write = width == 4 ? mmio_write32 : mmio_write8;
	uart16550_init(&uart);
	uart_ready = true;
}

void hal_console_putc(char c)
{
	if (uart_ready)
		uart16550_putc(&uart, c);
	else
		sbi_legacy_putchar(c);
}

int hal_console_getc(void)
{
	if (uart_ready)
		return uart16550_getc(&uart);
	long c = sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0).error;
	return c < 0 ? -1 : (int)c;
}
