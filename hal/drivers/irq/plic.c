/*
 * Platform-Level Interrupt Controller (RISC-V PLIC spec 1.0.0), the
 * device-interrupt controller of QEMU virt and the SiFive FU540
 * ("sifive,plic-1.0.0", "riscv,plic0").
 *
 * Register map, relative to the node's reg:
 *
 *   0x000000 + 4*src                  priority of source src (0 = never)
 *   0x002000 + 0x80*ctx + 4*(src/32)  enable bits of context ctx
 *   0x200000 + 0x1000*ctx             priority threshold of context ctx
 *   0x200004 + 0x1000*ctx             claim (read) / complete (write)
 *
 * Sources are 1 .. riscv,ndev (0 means "none").  A "context" is one
 * privilege level of one hart.  The DTB says which: interrupts-extended
 * lists, per context, <&cpu-intc cause>, where cause 9 is the supervisor
 * external interrupt -- so context i is an S-mode context of the hart
 * whose interrupt-controller node that phandle names.  Nothing here
 * assumes QEMU virt's "context = 2 * hart + 1": on the FU540 hart 0 (the
 * E51) has an M-mode context only, so hart 1's S-mode context is 2.
 *
 * Device interrupts are routed to the boot hart's context (the hart that
 * probed the driver); the other harts' contexts get threshold 0 and no
 * enabled source.  IPIs are not the PLIC's: they go through SBI
 * (hal/riscv64/smp.c), so ipi_send is NULL.
 */
#include "plic.h"
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <hal/driver.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/spinlock.h>

#define PLIC_PRIORITY(src)    (4u * (src))
#define PLIC_ENABLE(ctx, src) (0x2000u + 0x80u * (ctx) + 4u * ((src) / 32))
#define PLIC_THRESHOLD(ctx)   (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)	      (0x200004u + 0x1000u * (ctx))
#define PLIC_MAX_SOURCES      1023
#define PLIC_MAX_CONTEXTS     15872 /* enable blocks end at 0x200000 */
#define PLIC_MAX_HARTS	      (2 * VD_MAX_CPUS) /* S contexts remembered */

#ifndef VD_PRODUCTION /* the ktests' hook (plic.h) */
void (*plic_test_hook)(unsigned irq);
#endif

static volatile uint8_t *plic;
static int plic_node = -1;
static uint32_t plic_ndev;
static long plic_boot_ctx = -1;
static struct {
	uint64_t hartid;
	uint32_t ctx;
} plic_harts[PLIC_MAX_HARTS];
static unsigned plic_nharts;
static struct vd_spinlock plic_lock = VD_SPINLOCK_INIT;

static inline uint32_t plic_read(uint32_t off)
{
	return *(volatile uint32_t *)(plic + off);
}

static inline void plic_write(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(plic + off) = val;
}

/* This hart's S-mode context, -1 if the DTB gave it none. */
static long context_of(uint64_t hartid)
{
	for (unsigned i = 0; i < plic_nharts; i++)
		if (plic_harts[i].hartid == hartid)
			return plic_harts[i].ctx;
	return -1;
}

/*
 * Record the S-mode contexts from interrupts-extended: entry i is context
 * i, <&intc cause> with the intc's own #interrupt-cells (1 on RISC-V).
 * The intc sits inside its cpu node, whose reg is the hart id.
 */
static void find_contexts(const struct fdt *f, int node, uint64_t size)
{
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n;
	int intc;

	for (unsigned ctx = 0; fdt_irq_spec(f, node, ctx, &intc, cells, &n);
	     ctx++) {
		uint64_t hartid;
		int cpu = fdt_parent(f, intc);
		if (n != 1 || cells[0] != IRQ_S_EXT)
			continue; /* an M-mode context: the firmware's */
		if (ctx >= PLIC_MAX_CONTEXTS || PLIC_CLAIM(ctx) + 4 > size ||
		    cpu < 0 || !fdt_reg(f, cpu, 0, &hartid, NULL)) {
			kprintf("plic: context %u: not usable (no hart, or "
				"beyond the registers)\n",
				ctx);
			continue;
		}
		if (plic_nharts == PLIC_MAX_HARTS) {
			kprintf("plic: more than %u S-mode contexts, hart "
				"%llu gets no device interrupts\n",
				PLIC_MAX_HARTS, (unsigned long long)hartid);
			continue;
		}
		plic_harts[plic_nharts].hartid = hartid;
		plic_harts[plic_nharts].ctx = ctx;
		plic_nharts++;
	}
}

/*
 * Errors (each logged): VD_ERR_NOT_FOUND without a DTB node (a
 * vd.irq=plic@addr option: the contexts come from the node), if the node
 * has no registers, or the boot hart no S-mode context;
 * VD_ERR_INVALID_PARAMETER for a missing or impossible riscv,ndev.
 */
static vd_err_t plic_probe(struct vd_device *dev)
{
	const struct fdt *f = dev->env->fdt;

	if (!f || dev->node < 0) {
		kprintf("plic: needs its DTB node (interrupts-extended)\n");
		return VD_ERR_NOT_FOUND;
	}
	if (!dev->base || dev->size < PLIC_THRESHOLD(0)) {
		kprintf("plic: node without its registers\n");
		return VD_ERR_NOT_FOUND;
	}
	if (!fdt_prop_u32(f, dev->node, "riscv,ndev", &plic_ndev) ||
	    plic_ndev == 0 || plic_ndev > PLIC_MAX_SOURCES) {
		kprintf("plic: riscv,ndev missing or out of 1..%u\n",
			PLIC_MAX_SOURCES);
		return VD_ERR_INVALID_PARAMETER;
	}
	plic_nharts = 0;
	find_contexts(f, dev->node, dev->size);
	plic_boot_ctx = context_of(rv_this_cpu()->hartid);
	if (plic_boot_ctx < 0) {
		kprintf("plic: boot hart %llu has no S-mode context\n",
			(unsigned long long)rv_this_cpu()->hartid);
		return VD_ERR_NOT_FOUND;
	}
	plic = hal_map_device(dev->base, dev->size);
	plic_node = dev->node;

	/* everything off: no source may interrupt until unmasked */
	for (uint32_t src = 1; src <= plic_ndev; src++)
		plic_write(PLIC_PRIORITY(src), 0);
	for (unsigned i = 0; i < plic_nharts; i++) {
		for (uint32_t src = 0; src <= plic_ndev; src += 32)
			plic_write(PLIC_ENABLE(plic_harts[i].ctx, src), 0);
		plic_write(PLIC_THRESHOLD(plic_harts[i].ctx), 0);
	}
	return VD_OK;
}

/* Boot hart and secondaries: find this hart's context for handle(). */
static void plic_cpu_init(void)
{
	struct rv_percpu *cpu = rv_this_cpu();

	VD_ASSERT(plic); /* only called once the driver is bound */
	cpu->plic_context = context_of(cpu->hartid);
	if (cpu->plic_context >= 0)
		plic_write(PLIC_THRESHOLD(cpu->plic_context), 0);
}

static void plic_set_enable(unsigned irq, bool on)
{
	uint32_t ctx = (uint32_t)plic_boot_ctx;

	VD_ASSERT(plic && plic_boot_ctx >= 0);
	if (irq == 0 || irq > plic_ndev) {
		kprintf("plic: no source %u (1..%u)\n", irq, plic_ndev);
		return;
	}
	/* Priority last on unmask, first on mask: QEMU 7.2's PLIC only
	 * re-evaluates its outputs on a priority write, not on an enable
	 * write; on hardware the order does not matter. */
	hal_irqstate_t st = vd_spin_lock_irqsave(&plic_lock);
	uint32_t bits = plic_read(PLIC_ENABLE(ctx, irq));
	if (on) {
		plic_write(PLIC_ENABLE(ctx, irq), bits | 1u << (irq % 32));
		plic_write(PLIC_PRIORITY(irq), 1);
	} else {
		plic_write(PLIC_PRIORITY(irq), 0);
		plic_write(PLIC_ENABLE(ctx, irq), bits & ~(1u << (irq % 32)));
	}
	vd_spin_unlock_irqrestore(&plic_lock, st);
}

static void plic_unmask(unsigned irq)
{
	plic_set_enable(irq, true);
}

static void plic_mask(unsigned irq)
{
	plic_set_enable(irq, false);
}

/* Supervisor external interrupt: claim, hand to core, complete, until
 * nothing is pending for this hart. */
static void plic_handle(void)
{
	long ctx = rv_this_cpu()->plic_context;
	uint32_t irq;

	if (ctx < 0)
		return;
	while ((irq = plic_read(PLIC_CLAIM((uint32_t)ctx))) != 0) {
#ifndef VD_PRODUCTION
		if (plic_test_hook)
			plic_test_hook(irq);
#endif
		vd_irq(irq);
		plic_write(PLIC_CLAIM((uint32_t)ctx), irq);
	}
}

/* One cell: the source number. */
static bool plic_xlate(int ctrl, const uint32_t *cells, unsigned ncells,
		       unsigned *irq)
{
	if (ctrl != plic_node || ncells != 1 || cells[0] == 0 ||
	    cells[0] > plic_ndev)
		return false;
	*irq = cells[0];
	return true;
}

static const char *const plic_match[] = {"sifive,plic-1.0.0", "riscv,plic0",
					 NULL};
static const struct vd_irq_ops plic_ops = {
	.cpu_init = plic_cpu_init,
	.unmask = plic_unmask,
	.mask = plic_mask,
	.handle = plic_handle,
	.ipi_send = NULL,
	.xlate = plic_xlate,
};

VD_DRIVER(plic_driver) = {
	.name = "plic",
	.role = VD_ROLE_IRQ,
	.priority = 20,
	.compatible = plic_match,
	.probe = plic_probe,
	.ops = &plic_ops,
};
