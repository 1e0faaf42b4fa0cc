/*
 * A real device interrupt through both Raspberry Pi interrupt controllers
 * (hal/drivers/irq/bcm2836.c): the BCM2835 system timer's compare channel
 * raises GPU interrupt 1, the ARM controller passes it to the BCM2836
 * local controller's GPU input, which interrupts the boot CPU.  Skipped
 * where another interrupt controller is bound or there is no system
 * timer.
 *
 * System timer ("brcm,bcm2835-system-timer", BCM2835 ARM Peripherals
 * chapter 12), 32-bit registers:
 *   0x00 CS   bit m: channel m matched (write 1 to clear; the interrupt
 *             stays up until then)
 *   0x04 CLO  free-running 1 MHz counter, low word
 *   0x0c + 4m Cm  compare: matches when CLO reaches it
 * Channels 0 and 2 belong to the VideoCore; 1 is free for the ARM.
 */
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/smp.h>
#include <veridian/string.h>

#include "../drivers/irq/bcm2836.h"

#define ST_CS	    0x00
#define ST_CLO	    0x04
#define ST_C(m)	    (0x0c + 4 * (m))
#define ST_SIZE	    0x1c
#define ST_CHANNEL  1u
#define ST_DELAY_US 1000u

static volatile uint32_t *st;
static volatile unsigned seen_irq, seen_count, seen_cpu;

static uint32_t st_rd(unsigned off)
{
	return st[off / 4];
}

static void st_wr(unsigned off, uint32_t v)
{
	st[off / 4] = v;
}

/* In the interrupt: silence the channel (its match bit is the level). */
static void timer_hook(unsigned irq)
{
	seen_irq = irq;
	seen_cpu = hal_cpu_id();
	seen_count++;
	st_wr(ST_CS, 1u << ST_CHANNEL);
}

/* Wait up to ns with interrupts enabled (the interrupt may go to another
 * CPU than the one running this test: poll, do not sleep). */
static void wait_for_irq(uint64_t ns)
{
	uint64_t t0 = hal_timer_now_ns();
	while (!seen_count && hal_timer_now_ns() - t0 < ns)
		vd_cpu_relax();
}

static void arm_channel(void)
{
	st_wr(ST_CS, 1u << ST_CHANNEL);
	st_wr(ST_C(ST_CHANNEL), st_rd(ST_CLO) + ST_DELAY_US);
}

VD_KTEST(bcm2836_system_timer_through_both_controllers)
{
	const struct vd_driver *irqd = vd_driver_bound(VD_ROLE_IRQ);
	const struct fdt *f = a64_boot_fdt;
	uint64_t base, size;
	unsigned irq;

	if (!irqd || vd_strcmp(irqd->name, "bcm2836") != 0)
		KT_SKIP("the interrupt controller is %s, not the BCM2836",
			irqd ? irqd->name : "none");
	int node = fdt_find_compatible(f, -1, "brcm,bcm2835-system-timer");
	if (node < 0 || !fdt_node_enabled(f, node))
		KT_SKIP("no brcm,bcm2835-system-timer in the device tree");
	KT_ASSERT(hal_irq_local_enabled());
	KT_ASSERT(fdt_reg_phys(f, node, 0, &base, &size));
	KT_ASSERT(size >= ST_SIZE);
	/* entry m of its interrupts is channel m: <1 m>, GPU interrupt m */
	KT_ASSERT(vd_driver_fdt_irq(f, node, ST_CHANNEL, &irq));
	KT_ASSERT_EQ(irq, BCM2836_IRQ(1, ST_CHANNEL));
	st = hal_map_device(base, ST_SIZE);

	/* masked at the ARM controller: the match is latched, not taken */
	seen_count = 0;
	bcm2836_test_hook = timer_hook;
	hal_irq_mask(irq);
	arm_channel();
	wait_for_irq(20000000);
	bool latched = st_rd(ST_CS) & (1u << ST_CHANNEL);
	unsigned while_masked = seen_count;

	/* unmasked: taken through the local GPU input, the hook clears it */
	uint64_t gpu_before = bcm2836_gpu_irqs;
	hal_irq_unmask(irq);
	wait_for_irq(2000000000ull);
	unsigned taken = seen_count;
	uint64_t gpu_after = bcm2836_gpu_irqs;
	bool cleared = !(st_rd(ST_CS) & (1u << ST_CHANNEL));

	/* taking it masked it again: a second match waits */
	seen_count = 0;
	arm_channel();
	wait_for_irq(20000000);
	unsigned after_take = seen_count;

	hal_irq_mask(irq);
	st_wr(ST_CS, 1u << ST_CHANNEL);
	bcm2836_test_hook = NULL;

	KT_ASSERT(latched);
	KT_ASSERT_EQ(while_masked, 0);
	KT_ASSERT_EQ(taken, 1);
	KT_ASSERT_EQ(seen_irq, irq);
	KT_ASSERT_EQ(seen_cpu, 0); /* the GPU input goes to the boot CPU */
	KT_ASSERT(gpu_after > gpu_before);
	KT_ASSERT(cleared);
	KT_ASSERT_EQ(after_take, 0);
}

/* Specifiers: the local controller's <source flags> (0-9), the ARM
 * controller's <bank number> (bank 0: 0-7, banks 1-2: 0-31); anything
 * else, too few cells or another node is refused. */
VD_KTEST(bcm2836_xlate_refuses_bad_specifiers)
{
	const struct vd_driver *irqd = vd_driver_bound(VD_ROLE_IRQ);
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);
	unsigned irq = 0;

	if (!irqd || vd_strcmp(irqd->name, "bcm2836") != 0)
		KT_SKIP("the interrupt controller is %s, not the BCM2836",
			irqd ? irqd->name : "none");
	int local = vd_driver_device(VD_ROLE_IRQ)->node;
	int arm = fdt_find_compatible(a64_boot_fdt, -1,
				      "brcm,bcm2836-armctrl-ic");
	KT_ASSERT(local >= 0 && arm >= 0);
	const uint32_t cntv[2] = {3, 4}, src10[2] = {10, 4};
	KT_ASSERT(ops->xlate(local, cntv, 2, &irq));
	KT_ASSERT_EQ(irq, 3);
	KT_ASSERT_EQ(a64_timer_intid(), 3); /* the virtual timer, CNTV */
	KT_ASSERT(!ops->xlate(local, src10, 2, &irq));
	const uint32_t st1[2] = {1, 1}, uart[2] = {2, 25}, basic7[2] = {0, 7};
	KT_ASSERT(ops->xlate(arm, st1, 2, &irq));
	KT_ASSERT_EQ(irq, BCM2836_IRQ(1, 1));
	KT_ASSERT(ops->xlate(arm, uart, 2, &irq));
	KT_ASSERT_EQ(irq, 96 + 25);
	KT_ASSERT(ops->xlate(arm, basic7, 2, &irq));
	KT_ASSERT_EQ(irq, 39);
	const uint32_t basic8[2] = {0, 8}, bank3[2] = {3, 0},
		       num32[2] = {1, 32};
	KT_ASSERT(!ops->xlate(arm, basic8, 2, &irq));
	KT_ASSERT(!ops->xlate(arm, bank3, 2, &irq));
	KT_ASSERT(!ops->xlate(arm, num32, 2, &irq));
	KT_ASSERT(!ops->xlate(arm, st1, 1, &irq));     /* one cell: no number */
	KT_ASSERT(!ops->xlate(arm + 1, st1, 2, &irq)); /* not a controller */
}
