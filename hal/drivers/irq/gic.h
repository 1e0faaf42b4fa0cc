/*
 * Arm Generic Interrupt Controller: what the GICv2 and GICv3 drivers
 * (gicv2.c, gicv3.c) share, the distributor and the device-tree
 * interrupt specifier.  Private to those two drivers.
 *
 * INTIDs: 0-15 SGIs (software, used for IPIs), 16-31 PPIs (per CPU: the
 * timer), 32-1019 SPIs (devices), 1020-1023 special ("spurious").
 * Both drivers give every interrupt priority GIC_PRIO, deliver it as IRQ
 * and route SPIs to the boot CPU.
 *
 * Distributor (GICD), byte offsets (GIC architecture spec, IHI 0069,
 * 12.9; GICv2: IHI 0048, 4.3):
 *   0x0000 CTLR      v3: bit 4 ARE (affinity routing), bit 1 EnableGrp1A,
 *                    bit 0 EnableGrp1 (non-secure view); bit 31 RWP
 *                    v2: bit 0 enable
 *   0x0004 TYPER     [4:0] ITLinesNumber: 32*(N+1) INTIDs
 *   0x0080 IGROUPRn  1 bit per INTID: 1 = group 1
 *   0x0100 ISENABLERn / 0x0180 ICENABLERn  set / clear enable, 1 bit each
 *   0x0200 ISPENDRn  1 bit per INTID: pending
 *   0x0400 IPRIORITYRn  1 byte per INTID
 *   0x0800 ITARGETSRn   v2: 1 byte per INTID, CPU-interface bit mask
 *   0x0f00 SGIR         v2: [23:16] target list, [3:0] INTID
 *   0x6000 IROUTERn     v3: 8 bytes per SPI, affinity of the target CPU
 * The GICv3 redistributor's SGI frame holds the registers of INTIDs 0-31
 * at the same offsets as the distributor's first word of each array.
 */
#ifndef HAL_DRIVERS_IRQ_GIC_H
#define HAL_DRIVERS_IRQ_GIC_H

#include <hal/fdt.h>
#include <veridian/hal.h>

#define GICD_CTLR	0x0000
#define GICD_TYPER	0x0004
#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ICENABLER	0x0180
#define GICD_ISPENDR	0x0200
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR	0x0800
#define GICD_SGIR	0x0f00
#define GICD_IROUTER	0x6000

#define GICD_CTLR_RWP		(1u << 31)
#define GICD_TYPER_ITLINES_MASK 0x1fu

#define GIC_PRIO	  0xa0 /* every interrupt's priority */
#define GIC_PRIO_ALL	  0xff /* PMR: let every priority through */
#define GIC_FIRST_PPI	  16
#define GIC_FIRST_SPI	  32
#define GIC_INTID_SPECIAL 1020 /* 1020-1023: no interrupt */
#define GIC_IPI_SGI	  0    /* the SGI used for reschedule IPIs */

/*
 * Device-tree interrupt specifier of both GICs (bindings
 * arm,gic.yaml / arm,gic-v3.yaml), #interrupt-cells = 3 (GICv3 may say
 * 4: the fourth is a PPI partition phandle, 0 for none):
 *   cell 0  type: 0 = SPI, 1 = PPI (GICv3's 2/3, extended ranges, are
 *           not supported)
 *   cell 1  number within the type: INTID = 32 + n (SPI) or 16 + n (PPI)
 *   cell 2  flags: trigger type and (GICv2 PPIs) a CPU mask: ignored,
 *           the drivers keep each interrupt's reset configuration
 */
#define GIC_SPEC_SPI	 0
#define GIC_SPEC_PPI	 1
#define GIC_SPEC_MAX_SPI (GIC_INTID_SPECIAL - GIC_FIRST_SPI)
#define GIC_SPEC_MAX_PPI (GIC_FIRST_SPI - GIC_FIRST_PPI)

/* The distributor: mapped registers and how many INTIDs it has. */
struct gic_dist {
	uint8_t *base;
	unsigned lines; /* INTIDs 0..lines-1 exist, at most 1020 */
	int node;	/* its FDT node: the controller specifiers name */
};

static inline uint32_t gic_rd32(uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static inline void gic_wr32(uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* TYPER.ITLinesNumber says how many INTIDs, capped at the special ones. */
static inline unsigned gic_dist_lines(uint8_t *gicd)
{
	unsigned n =
		32 *
		((gic_rd32(gicd, GICD_TYPER) & GICD_TYPER_ITLINES_MASK) + 1);
	return n > GIC_INTID_SPECIAL ? GIC_INTID_SPECIAL : n;
}

/*
 * Every SPI disabled, in group `group` (1: GICv3 non-secure group 1; 0:
 * GICv2 without security extensions, where group 0 is IRQ), at
 * GIC_PRIO.  The distributor must be disabled (CTLR = 0).
 */
static inline void gic_dist_spis_init(const struct gic_dist *d, unsigned group)
{
	for (unsigned i = GIC_FIRST_SPI; i < d->lines; i += 32) {
		gic_wr32(d->base, GICD_ICENABLER + i / 8, 0xffffffffu);
		gic_wr32(d->base, GICD_IGROUPR + i / 8,
			 group ? 0xffffffffu : 0);
	}
	for (unsigned i = GIC_FIRST_SPI; i < d->lines; i += 4)
		gic_wr32(d->base, GICD_IPRIORITYR + i, GIC_PRIO * 0x01010101u);
}

/*
 * The INTIDs 0-31 of the calling CPU (the banked first word of each
 * array, at `base`: GICv2's distributor, GICv3's redistributor SGI
 * frame): all disabled, in `group`, at GIC_PRIO; then the IPI SGI on.
 */
static inline void gic_local_init(uint8_t *base, unsigned group)
{
	gic_wr32(base, GICD_ICENABLER, 0xffffffffu);
	gic_wr32(base, GICD_IGROUPR, group ? 0xffffffffu : 0);
	for (unsigned i = 0; i < GIC_FIRST_SPI; i += 4)
		gic_wr32(base, GICD_IPRIORITYR + i, GIC_PRIO * 0x01010101u);
	gic_wr32(base, GICD_ISENABLER, 1u << GIC_IPI_SGI);
}

/* Set (ISENABLER) or clear (ICENABLER) the enable bit of INTID irq in
 * the registers at base (distributor, or a redistributor SGI frame). */
static inline void gic_set_enable(uint8_t *base, unsigned reg, unsigned irq)
{
	gic_wr32(base, reg + (irq / 32) * 4, 1u << (irq % 32));
}

/* The specifier (see above) of controller node ctrl to an INTID: false
 * for another controller's, a type other than SPI/PPI, or out of range. */
static inline bool gic_xlate(const struct gic_dist *d, int ctrl,
			     const uint32_t *cells, unsigned ncells,
			     unsigned *irq)
{
	if (ctrl != d->node || ncells < 3)
		return false;
	if (ncells == 4 && cells[3] != 0)
		return false; /* a PPI partition: not supported */
	if (cells[0] == GIC_SPEC_SPI && cells[1] < GIC_SPEC_MAX_SPI)
		*irq = GIC_FIRST_SPI + cells[1];
	else if (cells[0] == GIC_SPEC_PPI && cells[1] < GIC_SPEC_MAX_PPI)
		*irq = GIC_FIRST_PPI + cells[1];
	else
		return false;
	return *irq < d->lines || *irq < GIC_FIRST_SPI;
}

#endif /* HAL_DRIVERS_IRQ_GIC_H */
