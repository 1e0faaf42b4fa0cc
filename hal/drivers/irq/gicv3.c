/*
 * Arm GICv3 ("arm,gic-v3": QEMU virt,gic-version=3), for the irq role.
 * The distributor and the specifier are in gic.h.
 *
 * reg: [0] the distributor (64 KiB), [1] the redistributor region.  Only
 * the first region is used (#redistributor-regions > 1 is not supported:
 * a CPU whose redistributor is elsewhere panics naming its MPIDR).
 *
 * Redistributor, one per CPU, 2 x 64 KiB frames (4 with GICv4 VLPIs):
 * RD_base 0x0000 CTLR (bit 31 RWP), 0x0008 TYPER ([63:32] affinity
 * Aff3.Aff2.Aff1.Aff0, bit 4 Last, bit 1 VLPIS), 0x0014 WAKER (bit 1
 * ProcessorSleep, bit 2 ChildrenAsleep); SGI_base (RD_base + 64 KiB)
 * holds IGROUPR0/ISENABLER0/ICENABLER0/ISPENDR0/IPRIORITYR for the CPU's
 * SGIs and PPIs at the distributor's offsets.
 *
 * CPU interface: system registers (ID_AA64PFR0_EL1.GIC says they exist)
 * ICC_SRE_EL1 (bit 0 SRE: use them; 1 DFB, 2 DIB), PMR (priority mask),
 * BPR1, CTLR (0: EOIR drops priority and deactivates), IGRPEN1 (enable
 * group 1), IAR1/EOIR1 (acknowledge/end: INTID in [23:0]), SGI1R (send
 * an SGI, format at gicv3_ipi_send).
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

#include "gic.h"

#define GICD_CTLR_ARE	(1u << 4)
#define GICD_CTLR_GRP1A (1u << 1)
#define GICD_CTLR_GRP1	(1u << 0)

#define GICR_CTLR	     0x0000
#define GICR_TYPER	     0x0008
#define GICR_WAKER	     0x0014
#define GICR_SGI_BASE	     0x10000
#define GICR_FRAMES	     0x20000 /* RD_base + SGI_base */
#define GICR_FRAMES_VLPI     0x40000 /* + VLPI_base + reserved (GICv4) */
#define GICR_TYPER_LAST	     (1u << 4)
#define GICR_TYPER_VLPIS     (1u << 1)
#define GICR_TYPER_AFF_SHIFT 32 /* [63:32] Aff3.Aff2.Aff1.Aff0, 8 bits each */
#define GICR_CTLR_RWP	     (1u << 31)
#define GICR_WAKER_SLEEP     (1u << 1)
#define GICR_WAKER_ASLEEP    (1u << 2)

#define ICC_SRE_ENABLE 0x7u /* SRE, DFB, DIB */
#define ICC_IAR_INTID  0xffffffu
#define ICC_IGRPEN1_EN 1u

/* ICC_SGI1R_EL1: [55:48] Aff3, [47:44] RS (range of 16 Aff0 values),
 * [39:32] Aff2, [27:24] INTID, [23:16] Aff1, [15:0] target list (one bit
 * per Aff0 value within the range). */
#define SGI1R_AFF3_SHIFT  48
#define SGI1R_RS_SHIFT	  44
#define SGI1R_AFF2_SHIFT  32
#define SGI1R_INTID_SHIFT 24
#define SGI1R_AFF1_SHIFT  16
#define SGI1R_RS_SPAN	  16 /* Aff0 values per range */

#define GICD_SIZE 0x10000

static struct gic_dist dist;
static uint8_t *gicr_base; /* the redistributor region, mapped */
static uint64_t gicr_size;
static uint8_t *gicr_sgi[VD_MAX_CPUS]; /* each CPU's SGI frame */

static void gicd_wait_rwp(void)
{
	while (gic_rd32(dist.base, GICD_CTLR) & GICD_CTLR_RWP)
		;
}

/* The redistributor whose TYPER affinity is the calling CPU's, walking
 * the region frame by frame until the one marked Last. */
static uint8_t *gicr_find(uint64_t mpidr)
{
	/* TYPER packs Aff3.Aff2.Aff1.Aff0 a byte each; MPIDR's Aff3 sits
	 * higher, apart from the others */
	uint64_t aff = 0;
	aff = aff << 8 | A64_MPIDR_AFF(mpidr, 3);
	aff = aff << 8 | A64_MPIDR_AFF(mpidr, 2);
	aff = aff << 8 | A64_MPIDR_AFF(mpidr, 1);
	aff = aff << 8 | A64_MPIDR_AFF(mpidr, 0);

	for (uint64_t off = 0; off + GICR_FRAMES <= gicr_size;) {
		uint8_t *rd = gicr_base + off;
		uint64_t typer = *(volatile uint64_t *)(rd + GICR_TYPER);
		if ((typer >> GICR_TYPER_AFF_SHIFT) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		off += (typer & GICR_TYPER_VLPIS) ? GICR_FRAMES_VLPI
						  : GICR_FRAMES;
	}
	return NULL;
}

static void gicv3_cpu_init(void)
{
	uint64_t mpidr = a64_mpidr_aff();
	uint8_t *rd = gicr_find(mpidr);

	if (!rd)
		vd_panic("gicv3: no redistributor for mpidr 0x%llx",
			 (unsigned long long)mpidr);
	gic_wr32(rd, GICR_WAKER, gic_rd32(rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
	while (gic_rd32(rd, GICR_WAKER) & GICR_WAKER_ASLEEP)
		;
	uint8_t *sgi = rd + GICR_SGI_BASE;
	gicr_sgi[hal_cpu_id()] = sgi;
	gic_local_init(sgi, 1);
	while (gic_rd32(rd, GICR_CTLR) & GICR_CTLR_RWP)
		;
	a64_write_sysreg(icc_sre_el1,
			 a64_read_sysreg(icc_sre_el1) | ICC_SRE_ENABLE);
	a64_isb();
	a64_write_sysreg(icc_pmr_el1, GIC_PRIO_ALL);
	a64_write_sysreg(icc_bpr1_el1, 0);
	a64_write_sysreg(icc_ctlr_el1, 0);
	a64_write_sysreg(icc_igrpen1_el1, ICC_IGRPEN1_EN);
	a64_isb();
}

static vd_err_t gicv3_probe(struct vd_device *dev)
{
	const struct fdt *f = dev->env->fdt;
	uint64_t base;

	if (!a64_id_field(a64_read_sysreg(id_aa64pfr0_el1),
			  A64_PFR0_GIC_SHIFT)) {
		kprintf("gicv3: the CPU has no GIC system registers\n");
		return VD_ERR_NOT_FOUND;
	}
	if (!dev->base || !fdt_reg_phys(f, dev->node, 1, &base, &gicr_size)) {
		kprintf("gicv3: node without distributor and redistributor "
			"reg\n");
		return VD_ERR_NOT_FOUND;
	}
	/* only the frames of the CPUs we may run */
	if (gicr_size > (uint64_t)VD_MAX_CPUS * GICR_FRAMES_VLPI)
		gicr_size = (uint64_t)VD_MAX_CPUS * GICR_FRAMES_VLPI;
	gicr_base = hal_map_device(base, gicr_size);
	dist.base = hal_map_device(dev->base, GICD_SIZE);
	dist.node = dev->node;

	gic_wr32(dist.base, GICD_CTLR, 0);
	gicd_wait_rwp();
	dist.lines = gic_dist_lines(dist.base);
	gic_dist_spis_init(&dist, 1);
	uint64_t boot = a64_mpidr_aff();
	/* IROUTER takes the MPIDR's affinity fields at their places */
	uint64_t route = boot;
	for (unsigned i = GIC_FIRST_SPI; i < dist.lines; i++)
		*(volatile uint64_t *)(dist.base + GICD_IROUTER + i * 8) =
			route;
	gic_wr32(dist.base, GICD_CTLR,
		 GICD_CTLR_ARE | GICD_CTLR_GRP1A | GICD_CTLR_GRP1);
	gicd_wait_rwp();
	return VD_OK;
}

/* SGIs and PPIs are the calling CPU's own, in its redistributor (found
 * by cpu_init, which each CPU runs before unmasking anything). */
static void gicv3_unmask(unsigned irq)
{
	if (irq < GIC_FIRST_SPI) {
		VD_ASSERT(gicr_sgi[hal_cpu_id()]);
		gic_set_enable(gicr_sgi[hal_cpu_id()], GICD_ISENABLER, irq);
	} else if (irq < dist.lines)
		gic_set_enable(dist.base, GICD_ISENABLER, irq);
}

static void gicv3_mask(unsigned irq)
{
	if (irq < GIC_FIRST_SPI) {
		VD_ASSERT(gicr_sgi[hal_cpu_id()]);
		gic_set_enable(gicr_sgi[hal_cpu_id()], GICD_ICENABLER, irq);
	} else if (irq < dist.lines) {
		gic_set_enable(dist.base, GICD_ICENABLER, irq);
		gicd_wait_rwp(); /* masked once this returns */
	}
}

static void gicv3_handle(void)
{
	unsigned raw = (unsigned)a64_read_sysreg(icc_iar1_el1);
	unsigned intid = raw & ICC_IAR_INTID;

	if (intid >= GIC_INTID_SPECIAL)
		return; /* spurious: taken by another CPU, or withdrawn */
	a64_irq_quiesce(intid);
	a64_write_sysreg(icc_eoir1_el1, raw);
	if (intid == GIC_IPI_SGI)
		vd_ipi();
	else
		a64_irq_deliver(intid);
}

static void gicv3_ipi_send(unsigned cpu)
{
	if (cpu >= a64_cpu_total)
		return;
	uint64_t mpidr = a64_cpu_hwid[cpu];
	uint64_t aff0 = A64_MPIDR_AFF(mpidr, 0);
	uint64_t v = A64_MPIDR_AFF(mpidr, 3) << SGI1R_AFF3_SHIFT |
		     A64_MPIDR_AFF(mpidr, 2) << SGI1R_AFF2_SHIFT |
		     A64_MPIDR_AFF(mpidr, 1) << SGI1R_AFF1_SHIFT |
		     (uint64_t)GIC_IPI_SGI << SGI1R_INTID_SHIFT |
		     (aff0 / SGI1R_RS_SPAN) << SGI1R_RS_SHIFT |
		     (1ull << (aff0 % SGI1R_RS_SPAN));
	a64_dsb(ishst); /* publish what the IPI is about first */
	a64_write_sysreg(icc_sgi1r_el1, v);
	a64_isb();
}

static bool gicv3_xlate(int ctrl, const uint32_t *cells, unsigned ncells,
			unsigned *irq)
{
	return gic_xlate(&dist, ctrl, cells, ncells, irq);
}

static const char *const gicv3_match[] = {"arm,gic-v3", NULL};
static const struct vd_irq_ops gicv3_ops = {
	.cpu_init = gicv3_cpu_init,
	.unmask = gicv3_unmask,
	.mask = gicv3_mask,
	.handle = gicv3_handle,
	.ipi_send = gicv3_ipi_send,
	.xlate = gicv3_xlate,
};

VD_DRIVER(gicv3_driver) = {
	.name = "gicv3",
	.role = VD_ROLE_IRQ,
	.priority = 10,
	.compatible = gicv3_match,
	.probe = gicv3_probe,
	.ops = &gicv3_ops,
};
