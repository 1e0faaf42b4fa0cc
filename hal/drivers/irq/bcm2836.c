/*
 * Raspberry Pi 2/3 interrupts (BCM2836/BCM2837; QEMU raspi3b): the
 * BCM2836 per-core local controller ("brcm,bcm2836-l1-intc", ARM
 * 0x40000000), for the irq role, with the BCM2835 ARM controller
 * ("brcm,bcm2836-armctrl-ic") chained to its GPU input.  Numbering and
 * the ktest's view: bcm2836.h.
 *
 * Neither controller acknowledges or prioritises anything: every source
 * is a level that the device (or the CPU's timer, or a mailbox write)
 * holds up until it is cleared there.  handle() reads which sources are
 * up and takes one; while others stay up the CPU takes the IRQ again as
 * soon as it unmasks.  Device (ARM controller) interrupts are masked
 * when taken, so a level nobody clears cannot keep the CPU in the
 * handler; hal_irq_unmask re-arms one once its device is quiet.
 *
 * Local controller (BCM2836 "ARM Quad-A7 control", QA7_rev3.4), 32-bit
 * registers, n = core number = MPIDR.Aff0 (0-3):
 *   0x0c         GPU interrupt routing: [1:0] the core that gets the GPU
 *                IRQ, [3:2] the core that gets the GPU FIQ
 *   0x10 / 0x14  PMU interrupt routing set / clear: bit n = IRQ to core n
 *   0x40 + 4n    core n timer interrupt control: bits 0-3 IRQ enable of
 *                CNTPS, CNTPNS, CNTHP, CNTV (bits 4-7: as FIQ)
 *   0x50 + 4n    core n mailbox interrupt control: bits 0-3 IRQ enable
 *                of mailboxes 0-3 (bits 4-7: as FIQ)
 *   0x60 + 4n    core n IRQ source (read only): bits 0-3 timers, 4-7
 *                mailboxes, 8 GPU, 9 PMU, 11 the local timer
 *   0x80 + 16n + 4m  core n mailbox m write-set (bits written 1 are set)
 *   0xc0 + 16n + 4m  core n mailbox m read / write-1-to-clear
 * A mailbox is up while any of its 32 bits is set; mailbox 0 carries the
 * reschedule IPI (bit 0).
 *
 * ARM controller (BCM2835 ARM Peripherals, 7.5), offsets from its reg:
 *   0x00 basic pending: bits 0-7 bank 0 sources, bit 8 / 9 "something
 *        in pending 1 / 2" (bits 10-20 repeat a few GPU interrupts, which
 *        then leave bits 8 / 9 alone: handle() reads pending 1 and 2
 *        themselves, which show every GPU interrupt)
 *   0x04 / 0x08  pending 1 / 2 (GPU interrupts 0-31 / 32-63)
 *   0x10 / 0x14 / 0x18  enable 1 / 2 / basic (write 1 to enable)
 *   0x1c / 0x20 / 0x24  disable 1 / 2 / basic (write 1 to disable)
 * Its output is the local controller's GPU input, which goes to the core
 * the routing register names: the boot CPU.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

#include "bcm2836.h"

#define LOCAL_GPU_ROUTE	     0x0c
#define GPU_ROUTE_IRQ_SHIFT  0 /* [1:0] core for the GPU IRQ */
#define GPU_ROUTE_FIQ_SHIFT  2 /* [3:2] core for the GPU FIQ */
#define LOCAL_PMU_SET	     0x10
#define LOCAL_PMU_CLEAR	     0x14
#define LOCAL_TIMER_CTL(n)   (0x40 + 4 * (n))
#define LOCAL_MBOX_CTL(n)    (0x50 + 4 * (n))
#define LOCAL_IRQ_SRC(n)     (0x60 + 4 * (n))
#define LOCAL_MBOX_SET(n, m) (0x80 + 16 * (n) + 4 * (m))
#define LOCAL_MBOX_CLR(n, m) (0xc0 + 16 * (n) + 4 * (m))
#define LOCAL_SIZE	     0x100
#define LOCAL_CORES	     4

/* Local sources (bits of LOCAL_IRQ_SRC, and our numbers 0-31). */
#define SRC_TIMER_LAST 3u /* 0-3: CNTPS, CNTPNS, CNTHP, CNTV */
#define SRC_MBOX0      4u
#define SRC_MBOX_LAST  7u
#define SRC_GPU	       BCM2836_LOCAL_GPU
#define SRC_PMU	       9u
#define IPI_MBOX       0u /* mailbox 0 ... */
#define IPI_BIT	       1u /* ... bit 0 */

#define ARM_BASIC_PENDING 0x00
#define ARM_PENDING(b)	  (0x04 + 4 * ((b)-1)) /* banks 1, 2 */
#define ARM_ENABLE(b)	  ((b) == 0 ? 0x18 : 0x10 + 4 * ((b)-1))
#define ARM_DISABLE(b)	  ((b) == 0 ? 0x24 : 0x1c + 4 * ((b)-1))
#define ARM_BASIC_MASK	  0xffu /* bank 0 has sources 0-7 */
#define ARM_SIZE	  0x200
#define ARM_REGS_END	  0x28 /* the registers above, what reg must cover */
#define ARM_BANKS	  3

static uint8_t *local;
static int local_node = -1;
static uint8_t *armctrl; /* NULL: no ARM controller chained */
static int armctrl_node = -1;
/* What mask/unmask left enabled per bank: the pending registers are
 * filtered with it, so a source enabled behind our back is ignored. */
static uint32_t arm_enabled[ARM_BANKS];

volatile uint64_t bcm2836_gpu_irqs;
#ifndef VD_PRODUCTION /* the ktests' hook (bcm2836.h) */
void (*volatile bcm2836_test_hook)(unsigned irq);
#endif

static uint32_t rd32(uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static void wr32(uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* The calling CPU's core number at the local controller: MPIDR.Aff0
 * (the BCM2836/7 is one cluster of four). */
static unsigned this_core(void)
{
	return (unsigned)A64_MPIDR_AFF(a64_mpidr_aff(), 0);
}

static unsigned core_of_cpu(unsigned cpu)
{
	return (unsigned)A64_MPIDR_AFF(a64_cpu_hwid[cpu], 0);
}

/* Find the ARM controller whose output is this local controller's GPU
 * input; map it with every source disabled. */
static void find_armctrl(const struct fdt *f)
{
	for (int n = fdt_find_compatible(f, -1, "brcm,bcm2836-armctrl-ic");
	     n >= 0; n = fdt_find_compatible(f, n, "brcm,bcm2836-armctrl-ic")) {
		uint32_t cells[FDT_MAX_IRQ_CELLS];
		uint64_t base, size;
		unsigned ncells;
		int ctrl;
		if (!fdt_node_enabled(f, n) ||
		    !fdt_irq_spec(f, n, 0, &ctrl, cells, &ncells) ||
		    ctrl != local_node || cells[0] != SRC_GPU)
			continue;
		if (!fdt_reg_phys(f, n, 0, &base, &size) ||
		    size < ARM_REGS_END) {
			kprintf("bcm2836: ARM controller %s: no usable reg\n",
				fdt_node_name(f, n));
			continue;
		}
		armctrl = hal_map_device(base, ARM_SIZE);
		armctrl_node = n;
		for (unsigned b = 0; b < ARM_BANKS; b++)
			wr32(armctrl, ARM_DISABLE(b), 0xffffffffu);
		kprintf("bcm2836: ARM controller (brcm,bcm2836-armctrl-ic) @ "
			"0x%llx on local source %u\n",
			(unsigned long long)base, SRC_GPU);
		return;
	}
	kprintf("bcm2836: no BCM2835 ARM controller on the GPU input: only "
		"timer, mailbox and PMU interrupts\n");
}

static vd_err_t bcm2836_probe(struct vd_device *dev)
{
	if (!dev->base || dev->node < 0) {
		kprintf("bcm2836: local controller without reg\n");
		return VD_ERR_NOT_FOUND;
	}
	local = hal_map_device(dev->base, LOCAL_SIZE);
	local_node = dev->node;
	/* every core quiet until its cpu_init; the GPU interrupt (IRQ and
	 * FIQ fields) to the boot CPU, which is the one probing */
	for (unsigned n = 0; n < LOCAL_CORES; n++) {
		wr32(local, LOCAL_TIMER_CTL(n), 0);
		wr32(local, LOCAL_MBOX_CTL(n), 0);
	}
	wr32(local, LOCAL_PMU_CLEAR, (1u << LOCAL_CORES) - 1);
	wr32(local, LOCAL_GPU_ROUTE,
	     this_core() << GPU_ROUTE_FIQ_SHIFT |
		     this_core() << GPU_ROUTE_IRQ_SHIFT);
	find_armctrl(dev->env->fdt);
	return VD_OK;
}

static void bcm2836_cpu_init(void)
{
	unsigned n = this_core();

	if (n >= LOCAL_CORES)
		vd_panic("bcm2836: cpu with MPIDR.Aff0 %u: the local "
			 "controller serves cores 0-3",
			 n);
	wr32(local, LOCAL_TIMER_CTL(n), 0);
	wr32(local, LOCAL_MBOX_CLR(n, IPI_MBOX), 0xffffffffu);
	wr32(local, LOCAL_MBOX_CTL(n), 1u << IPI_MBOX);
}

/* Set or clear `bit` of the calling core's register `off` (its own:
 * no other CPU writes it, but an interrupt on this one might). */
static void local_update(unsigned off, uint32_t bit, bool on)
{
	hal_irqstate_t s = hal_irq_save();
	uint32_t v = rd32(local, off);
	wr32(local, off, on ? v | bit : v & ~bit);
	hal_irq_restore(s);
}

static void set_enabled(unsigned irq, bool on)
{
	unsigned n = this_core();

	if (irq <= SRC_TIMER_LAST) {
		local_update(LOCAL_TIMER_CTL(n), 1u << irq, on);
	} else if (irq >= SRC_MBOX0 && irq <= SRC_MBOX_LAST) {
		local_update(LOCAL_MBOX_CTL(n), 1u << (irq - SRC_MBOX0), on);
	} else if (irq == SRC_PMU) {
		wr32(local, on ? LOCAL_PMU_SET : LOCAL_PMU_CLEAR, 1u << n);
	} else if (irq >= BCM2836_ARMCTRL_FIRST && irq < BCM2836_IRQ_COUNT &&
		   armctrl) {
		unsigned bank = irq / 32 - 1, bit = 1u << (irq % 32);
		if (bank == 0 && !(bit & ARM_BASIC_MASK))
			return;
		if (on)
			__atomic_fetch_or(&arm_enabled[bank], bit,
					  __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&arm_enabled[bank], ~bit,
					   __ATOMIC_RELAXED);
		wr32(armctrl, on ? ARM_ENABLE(bank) : ARM_DISABLE(bank), bit);
	}
	/* the GPU input itself (8) is always on; other numbers name nothing */
}

static void bcm2836_unmask(unsigned irq)
{
	set_enabled(irq, true);
}

static void bcm2836_mask(unsigned irq)
{
	set_enabled(irq, false);
}

/* The lowest pending, enabled ARM controller source as our number, or
 * BCM2836_IRQ_COUNT if none. */
static unsigned armctrl_pending(void)
{
	uint32_t basic = rd32(armctrl, ARM_BASIC_PENDING);
	uint32_t p = basic & ARM_BASIC_MASK &
		     __atomic_load_n(&arm_enabled[0], __ATOMIC_RELAXED);

	if (p)
		return BCM2836_IRQ(0, __builtin_ctz(p));
	for (unsigned b = 1; b < ARM_BANKS; b++) {
		p = rd32(armctrl, ARM_PENDING(b)) &
		    __atomic_load_n(&arm_enabled[b], __ATOMIC_RELAXED);
		if (p)
			return BCM2836_IRQ(b, __builtin_ctz(p));
	}
	return BCM2836_IRQ_COUNT;
}

static void bcm2836_handle(void)
{
	unsigned n = this_core();
	uint32_t src = rd32(local, LOCAL_IRQ_SRC(n));

	if (src & (1u << (SRC_MBOX0 + IPI_MBOX))) {
		/* clear every bit read, so a stray one cannot keep the
		 * mailbox (and the CPU in here) up */
		uint32_t bits = rd32(local, LOCAL_MBOX_CLR(n, IPI_MBOX));
		wr32(local, LOCAL_MBOX_CLR(n, IPI_MBOX), bits);
		if (bits & IPI_BIT)
			vd_ipi();
		return;
	}
	for (unsigned t = 0; t <= SRC_TIMER_LAST; t++)
		if (src & (1u << t)) {
			a64_irq_quiesce(t); /* the timer drops its level */
			a64_irq_deliver(t);
			return;
		}
	if ((src & (1u << SRC_GPU)) && armctrl) {
		unsigned irq = armctrl_pending();
		if (irq == BCM2836_IRQ_COUNT)
			return; /* withdrawn, or a source we never enabled */
		bcm2836_mask(irq);
		__atomic_fetch_add(&bcm2836_gpu_irqs, 1, __ATOMIC_RELAXED);
#ifndef VD_PRODUCTION
		void (*hook)(unsigned) = bcm2836_test_hook;
		if (hook)
			hook(irq);
#endif
		a64_irq_quiesce(irq);
		a64_irq_deliver(irq);
		return;
	}
	if (src & (1u << SRC_PMU)) {
		a64_irq_quiesce(SRC_PMU);
		a64_irq_deliver(SRC_PMU);
	}
	/* nothing we enabled: a level withdrawn between the IRQ and here */
}

static void bcm2836_ipi_send(unsigned cpu)
{
	if (cpu >= VD_MAX_CPUS || core_of_cpu(cpu) >= LOCAL_CORES)
		return;
	a64_dsb(ishst); /* publish what the IPI is about first */
	wr32(local, LOCAL_MBOX_SET(core_of_cpu(cpu), IPI_MBOX), IPI_BIT);
}

/*
 * Local controller specifier: <source flags> (source 0-9; the flags,
 * a trigger type, say nothing: every source is a level).  ARM controller
 * specifier: <bank number>, bank 0 numbers 0-7, banks 1-2 numbers 0-31.
 */
static bool bcm2836_xlate(int ctrl, const uint32_t *cells, unsigned ncells,
			  unsigned *irq)
{
	if (ctrl == local_node && ncells >= 1 && cells[0] <= SRC_PMU) {
		*irq = cells[0];
		return true;
	}
	if (ctrl == armctrl_node && armctrl && ncells >= 2 &&
	    cells[0] < ARM_BANKS && cells[1] < (cells[0] == 0 ? 8u : 32u)) {
		*irq = BCM2836_IRQ(cells[0], cells[1]);
		return true;
	}
	return false;
}

static const char *const bcm2836_match[] = {"brcm,bcm2836-l1-intc", NULL};
static const struct vd_irq_ops bcm2836_ops = {
	.cpu_init = bcm2836_cpu_init,
	.unmask = bcm2836_unmask,
	.mask = bcm2836_mask,
	.handle = bcm2836_handle,
	.ipi_send = bcm2836_ipi_send,
	.xlate = bcm2836_xlate,
};

VD_DRIVER(bcm2836_driver) = {
	.name = "bcm2836",
	.role = VD_ROLE_IRQ,
	.priority = 10,
	.compatible = bcm2836_match,
	.probe = bcm2836_probe,
	.ops = &bcm2836_ops,
};
