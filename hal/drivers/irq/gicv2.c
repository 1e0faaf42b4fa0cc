/*
 * Arm GICv2 ("arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a7-gic":
 * QEMU virt,gic-version=2), for the irq role.  The distributor and the
 * specifier are in gic.h.
 *
 * reg: [0] the distributor (4 KiB), [1] the CPU interface (8 KiB; the
 * hypervisor and virtual-CPU frames that may follow are not used).
 *
 * Without the security extensions (QEMU virt without EL3) every
 * interrupt is put in group 0, which the CPU interface signals as IRQ
 * while GICC_CTLR.FIQEn is 0.
 *
 * CPU interface (GICC, MMIO, banked per CPU): 0x00 CTLR (bit 0 enable),
 * 0x04 PMR (priority mask), 0x0c IAR (acknowledge: [9:0] INTID, [12:10]
 * the source CPU of an SGI, which EOIR wants back), 0x10 EOIR (end:
 * priority drop and deactivation while CTLR.EOImode is 0).
 *
 * Targets are CPU-interface numbers (0-7), not MPIDRs: each CPU learns
 * its own from ITARGETSR0, which reads back the reader's bit (see
 * self_mask for the uniprocessor GIC).
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/printf.h>

#include "gic.h"

#define GICC_CTLR	 0x00
#define GICC_PMR	 0x04
#define GICC_IAR	 0x0c
#define GICC_EOIR	 0x10
#define GICC_CTLR_ENABLE 1u
#define GICC_IAR_INTID	 0x3ffu

#define GICD_CTLR_ENABLE       1u
#define GICD_SGIR_TARGET_SHIFT 16 /* [23:16] CPU-interface bit mask */
#define GICD_ITARGETSR_SELF    0xffu

#define GICD_SIZE 0x1000
#define GICC_SIZE 0x2000

static struct gic_dist dist;
static uint8_t *gicc;
/* Each CPU's interface bit (1 << number), 0 until it ran cpu_init: an
 * IPI to a CPU not yet up targets nobody. */
static uint8_t cpu_mask[VD_MAX_CPUS];

/* ITARGETSR0 reads back the calling CPU's own interface bit, except on a
 * GIC with one CPU interface (QEMU -smp 1), where the target registers
 * read as zero: that one interface is number 0. */
static uint8_t self_mask(void)
{
	uint8_t m = (uint8_t)(gic_rd32(dist.base, GICD_ITARGETSR) &
			      GICD_ITARGETSR_SELF);

	return m ? m : 1;
}

static void gicv2_cpu_init(void)
{
	cpu_mask[hal_cpu_id()] = self_mask();
	gic_local_init(dist.base, 0);
	gic_wr32(gicc, GICC_PMR, GIC_PRIO_ALL);
	gic_wr32(gicc, GICC_CTLR, GICC_CTLR_ENABLE);
}

static vd_err_t gicv2_probe(struct vd_device *dev)
{
	uint64_t cpu_base, cpu_size;

	if (!dev->base ||
	    !fdt_reg_phys(dev->env->fdt, dev->node, 1, &cpu_base, &cpu_size)) {
		kprintf("gicv2: node without distributor and cpu interface "
			"reg\n");
		return VD_ERR_NOT_FOUND;
	}
	dist.base = hal_map_device(dev->base, GICD_SIZE);
	dist.node = dev->node;
	gicc = hal_map_device(cpu_base, GICC_SIZE);

	gic_wr32(dist.base, GICD_CTLR, 0);
	dist.lines = gic_dist_lines(dist.base);
	gic_dist_spis_init(&dist, 0);
	/* SPIs to the boot CPU (one byte per INTID, four per register) */
	uint32_t mask = self_mask();
	for (unsigned i = GIC_FIRST_SPI; i < dist.lines; i += 4)
		gic_wr32(dist.base, GICD_ITARGETSR + i, mask * 0x01010101u);
	gic_wr32(dist.base, GICD_CTLR, GICD_CTLR_ENABLE);
	return VD_OK;
}

/* SGIs and PPIs are banked: the calling CPU's own. */
static void gicv2_unmask(unsigned irq)
{
	if (irq < dist.lines)
		gic_set_enable(dist.base, GICD_ISENABLER, irq);
}

static void gicv2_mask(unsigned irq)
{
	if (irq < dist.lines)
		gic_set_enable(dist.base, GICD_ICENABLER, irq);
}

static void gicv2_handle(void)
{
	uint32_t raw = gic_rd32(gicc, GICC_IAR);
	unsigned intid = raw & GICC_IAR_INTID;

	if (intid >= GIC_INTID_SPECIAL)
		return; /* spurious: taken by another CPU, or withdrawn */
	a64_irq_quiesce(intid);
	gic_wr32(gicc, GICC_EOIR, raw);
	if (intid == GIC_IPI_SGI)
		vd_ipi();
	else
		a64_irq_deliver(intid);
}

static void gicv2_ipi_send(unsigned cpu)
{
	if (cpu >= VD_MAX_CPUS)
		return;
	a64_dsb(ishst); /* publish what the IPI is about first */
	gic_wr32(dist.base, GICD_SGIR,
		 (uint32_t)cpu_mask[cpu] << GICD_SGIR_TARGET_SHIFT |
			 GIC_IPI_SGI);
}

static bool gicv2_xlate(int ctrl, const uint32_t *cells, unsigned ncells,
			unsigned *irq)
{
	return gic_xlate(&dist, ctrl, cells, ncells, irq);
}

static const char *const gicv2_match[] = {"arm,cortex-a15-gic", "arm,gic-400",
					  "arm,cortex-a7-gic", NULL};
static const struct vd_irq_ops gicv2_ops = {
	.cpu_init = gicv2_cpu_init,
	.unmask = gicv2_unmask,
	.mask = gicv2_mask,
	.handle = gicv2_handle,
	.ipi_send = gicv2_ipi_send,
	.xlate = gicv2_xlate,
};

VD_DRIVER(gicv2_driver) = {
	.name = "gicv2",
	.role = VD_ROLE_IRQ,
	.priority = 10,
	.compatible = gicv2_match,
	.probe = gicv2_probe,
	.ops = &gicv2_ops,
};
