/*
 * Arm Generic Interrupt Controller, version 3 (QEMU virt,gic-version=3)
 * with a GICv2 fallback (virt's default gic-version=2).
 *
 * INTIDs: 0-15 SGIs (software, used for IPIs), 16-31 PPIs (per CPU: the
 * timer), 32-1019 SPIs (devices), 1020-1023 special ("spurious").
 * Everything is configured as non-secure Group 1, priority 0xa0, and
 * delivered as IRQ.  hal_irq_unmask/mask take an INTID; SPIs are routed to
 * the boot CPU.
 *
 * Distributor (GICD, both versions), byte offsets:
 *   0x0000 CTLR      v3: bit 4 ARE (affinity routing), bits 1/0 enable
 *                    group 1 / group 0 (non-secure view: 1A/1); bit 31 RWP
 *                    v2: bit 0 enable
 *   0x0004 TYPER     [4:0] ITLinesNumber: 32*(N+1) INTIDs
 *   0x0080 IGROUPRn  1 bit per INTID: 1 = group 1
 *   0x0100 ISENABLERn / 0x0180 ICENABLERn  set / clear enable, 1 bit each
 *   0x0400 IPRIORITYRn  1 byte per INTID
 *   0x0800 ITARGETSRn   v2: 1 byte per INTID, CPU-interface bit mask
 *   0x0f00 SGIR         v2: [23:16] target list, [3:0] INTID
 *   0x6000 IROUTERn     v3: 8 bytes per SPI, affinity of the target CPU
 *
 * GICv3 redistributor, one per CPU, 2 x 64 KiB frames (4 with GICv4
 * VLPIs): RD_base 0x0008 TYPER ([63:32] affinity, bit 4 Last, bit 1 VLPIS),
 * 0x0014 WAKER (bit 1 ProcessorSleep, bit 2 ChildrenAsleep); SGI_base
 * (RD_base + 64 KiB) holds IGROUPR0/ISENABLER0/ICENABLER0/IPRIORITYR for
 * the CPU's SGIs and PPIs at the distributor's offsets.
 *
 * GICv3 CPU interface: system registers ICC_SRE_EL1 (enable them), PMR
 * (priority mask), IGRPEN1 (enable group 1), IAR1/EOIR1 (acknowledge/end),
 * SGI1R (send SGI: [55:48] Aff3, [39:32] Aff2, [27:24] INTID,
 * [23:16] Aff1, [47:44] RS, [15:0] target list of Aff0 values).
 * GICv2 CPU interface (GICC, MMIO): 0x00 CTLR, 0x04 PMR, 0x0c IAR,
 * 0x10 EOIR.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <veridian/panic.h>

#define GICD_CTLR	0x0000
#define GICD_TYPER	0x0004
#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ICENABLER	0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR	0x0800
#define GICD_SGIR	0x0f00
#define GICD_IROUTER	0x6000
#define GICD_CTLR_RWP	(1u << 31)

#define GICR_TYPER	  0x0008
#define GICR_WAKER	  0x0014
#define GICR_SGI_BASE	  0x10000
#define GICR_WAKER_SLEEP  (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)

#define GICC_CTLR 0x00
#define GICC_PMR  0x04
#define GICC_IAR  0x0c
#define GICC_EOIR 0x10

#define GIC_PRIO 0xa0

static int gic_version;
static uint8_t *gicd;
static uint8_t *gicr_base; /* GICv3: start of the redistributor region */
static uint64_t gicr_size;
static uint8_t *gicc; /* GICv2 */
static unsigned gic_lines;

static inline uint32_t rd32(uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static inline void wr32(uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static inline void wr64(uint8_t *base, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(base + off) = v;
}

static void gicd_wait_rwp(void)
{
	if (gic_version == 3)
		while (rd32(gicd, GICD_CTLR) & GICD_CTLR_RWP)
			;
}

void a64_gic_init(const struct fdt *f)
{
	uint64_t base, size;
	int node = fdt_find_compatible(f, -1, "arm,gic-v3");
	if (node >= 0) {
		gic_version = 3;
		if (!fdt_reg(f, node, 0, &base, &size))
			vd_panic("gicv3: no distributor reg");
		gicd = a64_map_device(base, 0x10000);
		if (!fdt_reg(f, node, 1, &base, &gicr_size))
			vd_panic("gicv3: no redistributor reg");
		/* Only the frames of the CPUs we may run. */
		uint64_t need = (uint64_t)VD_MAX_CPUS * 0x40000;
		if (gicr_size > need)
			gicr_size = need;
		gicr_base = a64_map_device(base, gicr_size);
	} else {
		node = fdt_find_compatible(f, -1, "arm,cortex-a15-gic");
		if (node < 0)
			node = fdt_find_compatible(f, -1, "arm,gic-400");
		if (node < 0)
			vd_panic("no GICv3 or GICv2 in the device tree");
		gic_version = 2;
		if (!fdt_reg(f, node, 0, &base, &size))
			vd_panic("gicv2: no distributor reg");
		gicd = a64_map_device(base, 0x1000);
		if (!fdt_reg(f, node, 1, &base, &size))
			vd_panic("gicv2: no cpu interface reg");
		gicc = a64_map_device(base, 0x2000);
	}

	wr32(gicd, GICD_CTLR, 0);
	gicd_wait_rwp();
	gic_lines = 32 * ((rd32(gicd, GICD_TYPER) & 0x1f) + 1);
	if (gic_lines > 1020)
		gic_lines = 1020;
	uint64_t boot_aff = a64_mpidr_aff();
	for (unsigned i = 32; i < gic_lines; i += 32) {
		wr32(gicd, GICD_ICENABLER + i / 8, 0xffffffff);
		/* v3: non-secure group 1; v2 (no security): group 0 = IRQ */
		wr32(gicd, GICD_IGROUPR + i / 8,
		     gic_version == 3 ? 0xffffffff : 0);
	}
	for (unsigned i = 32; i < gic_lines; i += 4)
		wr32(gicd, GICD_IPRIORITYR + i, GIC_PRIO * 0x01010101u);
	if (gic_version == 3) {
		/* IROUTER takes Aff3 at [39:32], the rest as in MPIDR. */
		for (unsigned i = 32; i < gic_lines; i++)
			wr64(gicd, GICD_IROUTER + i * 8, boot_aff);
		wr32(gicd, GICD_CTLR, (1u << 4) | 3u);
	} else {
		wr32(gicd, GICD_CTLR, 1u);
	}
	gicd_wait_rwp();
	a64_gic_cpu_init();
	if (gic_version == 2) {
		uint32_t mask = 1u << a64_this_cpu()->gic_cpu;
		for (unsigned i = 32; i < gic_lines; i += 4)
			wr32(gicd, GICD_ITARGETSR + i, mask * 0x01010101u);
	}
}

/* Find this CPU's redistributor by its affinity. */
static uint8_t *gicr_find(uint64_t mpidr)
{
	uint64_t aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);
	for (uint64_t off = 0; off + 0x20000 <= gicr_size;) {
		uint8_t *rd = gicr_base + off;
		uint64_t typer = *(volatile uint64_t *)(rd + GICR_TYPER);
		if ((typer >> 32) == aff)
			return rd;
		if (typer & (1u << 4))
			break; /* Last */
		off += (typer & (1u << 1)) ? 0x40000 : 0x20000;
	}
	return NULL;
}

void a64_gic_cpu_init(void)
{
	struct a64_percpu *pc = a64_this_cpu();
	if (gic_version == 3) {
		uint8_t *rd = gicr_find(pc->mpidr);
		if (!rd)
			vd_panic("gicv3: no redistributor for mpidr 0x%llx",
				 (unsigned long long)pc->mpidr);
		pc->gicr_rd = rd;
		wr32(rd, GICR_WAKER, rd32(rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
		while (rd32(rd, GICR_WAKER) & GICR_WAKER_ASLEEP)
			;
		uint8_t *sgi = rd + GICR_SGI_BASE;
		wr32(sgi, GICD_ICENABLER, 0xffffffff);
		wr32(sgi, GICD_IGROUPR, 0xffffffff);
		for (unsigned i = 0; i < 32; i += 4)
			wr32(sgi, GICD_IPRIORITYR + i, GIC_PRIO * 0x01010101u);
		while (rd32(rd, 0) & GICD_CTLR_RWP) /* GICR_CTLR.RWP */
			;
		a64_write_sysreg(icc_sre_el1, a64_read_sysreg(icc_sre_el1) | 7);
		a64_isb();
		a64_write_sysreg(icc_pmr_el1, 0xff);
		a64_write_sysreg(icc_bpr1_el1, 0);
		a64_write_sysreg(icc_ctlr_el1,
				 0); /* EOIR drops and deactivates */
		a64_write_sysreg(icc_igrpen1_el1, 1);
		a64_isb();
		/* The SGI used for IPIs. */
		wr32(sgi, GICD_ISENABLER, 1u << A64_IPI_SGI);
	} else {
		/* ITARGETSR0 reads back this CPU's own interface bit. */
		uint32_t self = rd32(gicd, GICD_ITARGETSR) & 0xff;
		pc->gic_cpu = self ? (unsigned)__builtin_ctz(self) : 0;
		wr32(gicd, GICD_ICENABLER, 0xffffffff);
		wr32(gicd, GICD_IGROUPR, 0); /* v2 without security: group 0 */
		for (unsigned i = 0; i < 32; i += 4)
			wr32(gicd, GICD_IPRIORITYR + i, GIC_PRIO * 0x01010101u);
		wr32(gicc, GICC_PMR, 0xff);
		wr32(gicc, GICC_CTLR, 1);
		wr32(gicd, GICD_ISENABLER, 1u << A64_IPI_SGI);
	}
}

/* Is SGI/PPI intid pending on the calling CPU?  (GICR/GICD ISPENDR0,
 * offset 0x200, one bit per INTID; banked per CPU.) */
bool a64_gic_local_pending(unsigned intid)
{
	uint8_t *base = gic_version == 3 ? (uint8_t *)a64_this_cpu()->gicr_rd +
						   GICR_SGI_BASE
					 : gicd;
	return rd32(base, 0x200) & (1u << intid);
}

int a64_gic_version(void)
{
	return gic_version;
}

void a64_gic_enable_ppi(unsigned intid)
{
	if (gic_version == 3)
		wr32((uint8_t *)a64_this_cpu()->gicr_rd + GICR_SGI_BASE,
		     GICD_ISENABLER, 1u << intid);
	else
		wr32(gicd, GICD_ISENABLER, 1u << intid);
}

void a64_gic_send_sgi(unsigned cpu, unsigned intid)
{
	if (gic_version == 3) {
		uint64_t mpidr = a64_cpu_hwid[cpu];
		uint64_t aff0 = mpidr & 0xff;
		uint64_t v = ((mpidr >> 32) & 0xff) << 48 |
			     ((mpidr >> 16) & 0xff) << 32 |
			     ((mpidr >> 8) & 0xff) << 16 |
			     (uint64_t)intid << 24 | (aff0 >> 4) << 44 |
			     (1ull << (aff0 & 15));
		a64_dsb(ishst); /* publish what the IPI is about first */
		a64_write_sysreg(icc_sgi1r_el1, v);
		a64_isb();
	} else {
		a64_dsb(ishst);
		wr32(gicd, GICD_SGIR,
		     (1u << (a64_percpu[cpu].gic_cpu + 16)) | intid);
	}
}

/* Returns the raw acknowledge value (GICv2 adds the source CPU of an SGI
 * in [12:10], which EOIR wants back); the INTID is its low bits. */
unsigned a64_gic_ack(void)
{
	if (gic_version == 3)
		return (unsigned)a64_read_sysreg(icc_iar1_el1);
	return rd32(gicc, GICC_IAR);
}

void a64_gic_eoi(unsigned raw)
{
	if (gic_version == 3)
		a64_write_sysreg(icc_eoir1_el1, raw);
	else
		wr32(gicc, GICC_EOIR, raw);
}

unsigned a64_gic_intid(unsigned raw)
{
	return gic_version == 3 ? (raw & 0xffffff) : (raw & 0x3ff);
}

static void set_enable(unsigned irq, unsigned reg)
{
	if (irq < 32 && gic_version == 3)
		wr32((uint8_t *)a64_this_cpu()->gicr_rd + GICR_SGI_BASE, reg,
		     1u << irq);
	else if (irq < gic_lines)
		wr32(gicd, reg + (irq / 32) * 4, 1u << (irq % 32));
}

void hal_irq_unmask(unsigned irq)
{
	set_enable(irq, GICD_ISENABLER);
}

void hal_irq_mask(unsigned irq)
{
	set_enable(irq, GICD_ICENABLER);
	gicd_wait_rwp();
}
