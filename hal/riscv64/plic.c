/*
 * Platform-Level Interrupt Controller (RISC-V PLIC spec 1.0.0).
 *
 * Register map, relative to the base in the DTB node "riscv,plic0":
 *
 *   0x000000 + 4*src              priority of source src (0 = never)
 *   0x002000 + 0x80*ctx + 4*(src/32)  enable bits of context ctx
 *   0x200000 + 0x1000*ctx         priority threshold of context ctx
 *   0x200004 + 0x1000*ctx         claim (read) / complete (write)
 *
 * A "context" is one privilege level of one hart.  The DTB says which:
 * interrupts-extended lists, per context, <&cpu-intc cause>, where cause
 * 9 is the supervisor external interrupt -- so context i belongs to the
 * hart whose interrupt-controller node has that phandle.  Nothing here
 * assumes QEMU's "context = 2 * hart + 1".
 *
 * Device interrupts are routed to the boot CPU (logical cpu 0).
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/fdt.h>
#include <veridian/printf.h>
#include <veridian/spinlock.h>

#define PLIC_PRIORITY(src)    (4u * (src))
#define PLIC_ENABLE(ctx, src) (0x2000u + 0x80u * (ctx) + 4u * ((src) / 32))
#define PLIC_THRESHOLD(ctx)   (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)	      (0x200004u + 0x1000u * (ctx))

/* ktests only: sees each claimed interrupt before core does (so a test
 * can quiet the device it made interrupt). */
void (*rv_plic_test_hook)(unsigned irq);

static uintptr_t plic;
static uint32_t plic_ndev;
static struct vd_spinlock plic_lock = VD_SPINLOCK_INIT;

static inline uint32_t plic_read(uint32_t off)
{
	return *(volatile uint32_t *)(plic + off);
}

static inline void plic_write(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(plic + off) = val;
}

/* Hart id of the CPU whose interrupt-controller node has this phandle. */
static bool hart_of_intc(const struct fdt *f, uint32_t phandle,
			 uint64_t *hartid)
{
	int cpus = fdt_path(f, "/cpus");
	for (int cpu = cpus < 0 ? -1 : fdt_first_child(f, cpus); cpu >= 0;
	     cpu = fdt_next_sibling(f, cpu)) {
		for (int ic = fdt_first_child(f, cpu); ic >= 0;
		     ic = fdt_next_sibling(f, ic)) {
			uint32_t ph;
			uint64_t size;
			if (fdt_prop_u32(f, ic, "phandle", &ph) &&
			    ph == phandle)
				return fdt_reg(f, cpu, 0, hartid, &size);
		}
	}
	return false;
}

void rv_plic_init(const struct fdt *f, const struct vd_boot_info *bi)
{
	uint64_t base, size;
	uint32_t len;
	int node = fdt_find_compatible(f, -1, "riscv,plic0");
	if (node < 0)
		node = fdt_find_compatible(f, -1, "sifive,plic-1.0.0");
	if (node < 0 || !fdt_reg(f, node, 0, &base, &size)) {
		kprintf("riscv: no PLIC in the DTB: device interrupts off\n");
		return;
	}
	plic = (uintptr_t)rv_ioremap(base, size);
	if (!fdt_prop_u32(f, node, "riscv,ndev", &plic_ndev))
		plic_ndev = 31;

	const uint8_t *ext = fdt_prop(f, node, "interrupts-extended", &len);
	for (uint32_t ctx = 0; ext && (ctx + 1) * 8 <= len; ctx++) {
		uint32_t phandle = fdt_be32(ext + ctx * 8);
		uint32_t cause = fdt_be32(ext + ctx * 8 + 4);
		uint64_t hartid;
		if (cause != IRQ_S_EXT || !hart_of_intc(f, phandle, &hartid))
			continue;
		for (unsigned c = 0; c < bi->cpu_count && c < VD_MAX_CPUS; c++)
			if (rv_percpu[c].hartid == hartid)
				rv_percpu[c].plic_context = (long)ctx;
	}

	for (uint32_t src = 1; src <= plic_ndev; src++)
		plic_write(PLIC_PRIORITY(src), 0);
	for (unsigned c = 0; c < bi->cpu_count && c < VD_MAX_CPUS; c++) {
		long ctx = rv_percpu[c].plic_context;
		if (ctx < 0)
			continue;
		for (uint32_t src = 0; src <= plic_ndev; src += 32)
			plic_write(PLIC_ENABLE(ctx, src), 0);
		plic_write(PLIC_THRESHOLD(ctx), 0);
	}
}

void rv_plic_cpu_init(struct rv_percpu *cpu)
{
	if (plic && cpu->plic_context >= 0)
		plic_write(PLIC_THRESHOLD(cpu->plic_context), 0);
}

static void plic_set_enable(unsigned irq, bool on)
{
	long ctx = rv_percpu[0].plic_context;
	if (!plic || ctx < 0 || irq == 0 || irq > plic_ndev)
		return;
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

void hal_irq_unmask(unsigned irq)
{
	plic_set_enable(irq, true);
}

void hal_irq_mask(unsigned irq)
{
	plic_set_enable(irq, false);
}

/* Supervisor external interrupt: claim, hand to core, complete. */
void rv_plic_dispatch(struct rv_percpu *cpu)
{
	long ctx = cpu->plic_context;
	uint32_t irq;
	if (!plic || ctx < 0)
		return;
	while ((irq = plic_read(PLIC_CLAIM(ctx))) != 0) {
		if (rv_plic_test_hook)
			rv_plic_test_hook(irq);
		vd_irq(irq);
		plic_write(PLIC_CLAIM(ctx), irq);
	}
}
