/*
 * RISC-V HAL ktests, part 3: a real device interrupt through the bound
 * interrupt controller (the PLIC driver, hal/drivers/irq/plic.c): the
 * device's line goes up while its source is masked and nothing arrives;
 * unmasked, exactly one interrupt is claimed, with the source number the
 * driver's xlate read from the device's node, and reaches vd_irq.
 *
 * The source is the first of these the DTB has:
 *   google,goldfish-rtc  QEMU virt's RTC: an alarm at "now" raises its
 *                        level-triggered line at once
 *   sifive,uart0         the FU540's UART (QEMU sifive_u): the transmit
 *                        watermark interrupt (txwm) is pending whenever
 *                        the transmit FIFO holds fewer than txcnt bytes,
 *                        so enabling it raises the line; a UART other than
 *                        the console is preferred
 *   ns16550a / ns16550   a 16550's transmitter-empty interrupt (IER.ETBEI
 *                        with THR empty)
 * The PLIC driver's plic_test_hook quiets the device between claim and complete
 * (the line is level-triggered).  A board with none of them skips.
 */
#include "../drivers/console/sifive_uart.h"
#include "../drivers/irq/plic.h"
#include <arch/platform.h>
#include <hal/driver.h>
#include <hal/uart16550.h>
#include <veridian/ktest.h>
#include <veridian/printf.h>

/* Goldfish RTC registers (32-bit, QEMU hw/rtc/goldfish_rtc.c's layout) */
#define RTC_TIME_LOW	    0x00
#define RTC_TIME_HIGH	    0x04
#define RTC_ALARM_LOW	    0x08
#define RTC_ALARM_HIGH	    0x0c
#define RTC_IRQ_ENABLED	    0x10
#define RTC_CLEAR_INTERRUPT 0x1c
static struct {
	volatile uint8_t *regs;
	uint32_t shift, width; /* 16550 register stride and access size */
	uint32_t saved;	       /* register value to put back */
} dev;

static uint32_t rd32(unsigned off)
{
	return *(volatile uint32_t *)(dev.regs + off);
}

static void wr32(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(dev.regs + off) = v;
}

static void rtc_raise(void)
{
	wr32(RTC_IRQ_ENABLED, 1);
	uint32_t lo = rd32(RTC_TIME_LOW), hi = rd32(RTC_TIME_HIGH);
	wr32(RTC_ALARM_HIGH, hi);
	wr32(RTC_ALARM_LOW, lo); /* now: the line goes up */
}

static void rtc_quiet(void)
{
	wr32(RTC_CLEAR_INTERRUPT, 1);
}

static void rtc_off(void)
{
	wr32(RTC_IRQ_ENABLED, 0);
}

static void sifive_raise(void)
{
	uint32_t tx = rd32(SIFIVE_UART_TXCTRL);
	dev.saved = tx;
	/* a watermark of 1: pending while the FIFO is empty */
	wr32(SIFIVE_UART_TXCTRL, (tx & ~SIFIVE_UART_TXCNT_MASK) |
					 1u << SIFIVE_UART_TXCNT_SHIFT |
					 SIFIVE_UART_TXCTRL_TXEN);
	wr32(SIFIVE_UART_IE, SIFIVE_UART_IE_TXWM);
}

static void sifive_quiet(void)
{
	wr32(SIFIVE_UART_IE, 0);
}

static void sifive_off(void)
{
	wr32(SIFIVE_UART_IE, 0);
	wr32(SIFIVE_UART_TXCTRL, dev.saved);
}

static uint8_t ier_read(void)
{
	volatile uint8_t *r = dev.regs + (UART_IER << dev.shift);
	return dev.width == 4 ? (uint8_t) * (volatile uint32_t *)r : *r;
}

static void ier_write(uint8_t v)
{
	volatile uint8_t *r = dev.regs + (UART_IER << dev.shift);
	if (dev.width == 4)
		*(volatile uint32_t *)r = v;
	else
		*r = v;
}

static void ns16550_raise(void)
{
	dev.saved = ier_read();
	ier_write((uint8_t)(dev.saved | UART_IER_ETBEI));
}

static void ns16550_quiet(void)
{
	ier_write((uint8_t)(dev.saved & ~UART_IER_ETBEI));
}

static const struct irq_source {
	const char *compatible;
	void (*raise)(void); /* make the device assert its line */
	void (*quiet)(void); /* lower it (from the hook) */
	void (*off)(void);   /* leave the device as it was */
} sources[] = {
	{"google,goldfish-rtc", rtc_raise, rtc_quiet, rtc_off},
	{"sifive,uart0", sifive_raise, sifive_quiet, sifive_off},
	{"ns16550a", ns16550_raise, ns16550_quiet, ns16550_quiet},
	{"ns16550", ns16550_raise, ns16550_quiet, ns16550_quiet},
};

static const struct irq_source *source;
static volatile unsigned irqs, irq_seen;

static void quiet_hook(unsigned irq)
{
	irq_seen = irq;
	irqs++;
	source->quiet();
}

static void wait_for_irq(uint64_t ns)
{
	uint64_t t0 = hal_timer_now_ns();
	hal_irqstate_t s = hal_irq_save();
	while (!irqs && hal_timer_now_ns() - t0 < ns)
		hal_cpu_idle();
	hal_irq_restore(s);
}

/* The first enabled node of compatible c with an interrupt the bound
 * controller understands; a node other than the console's if c has
 * several.  -1 if none. */
static int find_node(const struct fdt *f, const char *c, unsigned *irq)
{
	int out = fdt_stdout_node(f), found = -1;

	for (int n = fdt_find_compatible(f, -1, c); n >= 0;
	     n = fdt_find_compatible(f, n, c)) {
		if (!fdt_node_enabled(f, n) || !vd_driver_fdt_irq(f, n, 0, irq))
			continue;
		if (n != out)
			return n;
		found = n;
	}
	return found >= 0 && vd_driver_fdt_irq(f, found, 0, irq) ? found : -1;
}

VD_KTEST(rv_plic_device_interrupt)
{
	const struct fdt *f = rv_boot_fdt;
	uint64_t base, size;
	unsigned irq = 0;
	int node = -1;

	if (!vd_driver_bound(VD_ROLE_IRQ))
		KT_SKIP("no interrupt controller bound");
	for (source = sources; source < sources + VD_ARRAY_SIZE(sources);
	     source++)
		if ((node = find_node(f, source->compatible, &irq)) >= 0)
			break;
	if (node < 0)
		KT_SKIP("no goldfish RTC, SiFive UART or 16550 with an "
			"interrupt in the DTB");
	KT_ASSERT(fdt_reg_phys(f, node, 0, &base, &size));
	KT_ASSERT(hal_irq_local_enabled());
	kprintf("# %s at 0x%llx, %s source %u\n", source->compatible,
		(unsigned long long)base, vd_driver_bound(VD_ROLE_IRQ)->name,
		irq);
	dev.regs = hal_map_device(base, size);
	dev.shift = 0;
	dev.width = 1;
	fdt_prop_u32(f, node, "reg-shift", &dev.shift);
	fdt_prop_u32(f, node, "reg-io-width", &dev.width);
	irqs = 0;
	plic_test_hook = quiet_hook;

	hal_irq_mask(irq);
	source->raise();
	wait_for_irq(20000000); /* masked: nothing arrives */
	unsigned while_masked = irqs;
	hal_irq_unmask(irq);
	wait_for_irq(2000000000ull);
	hal_irq_mask(irq);
	source->off();
	plic_test_hook = NULL;

	KT_ASSERT_EQ(while_masked, 0);
	KT_ASSERT_EQ(irqs, 1);
	KT_ASSERT_EQ(irq_seen, irq);
}
