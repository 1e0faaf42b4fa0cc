/*
 * x86_64 HAL: interrupt controllers.  Local APIC (timer, IPIs, EOI; xAPIC
 * MMIO interface), I/O APIC (device lines -> vd_irq), and the legacy
 * 8259 PICs, which are remapped and masked.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <veridian/panic.h>
#include <veridian/spinlock.h>

/*
 * Local APIC registers (offsets from its 4 KiB MMIO page, SDM vol. 3,
 * 10.4.1; each is 32 bits on a 16-byte boundary):
 */
#define LAPIC_ID	 0x020 /* bits 31:24 APIC id */
#define LAPIC_TPR	 0x080 /* task priority: 0 accepts everything */
#define LAPIC_EOI	 0x0b0
#define LAPIC_SVR	 0x0f0 /* bit 8 software enable, 7:0 spurious vector */
#define LAPIC_ESR	 0x280 /* error status */
#define LAPIC_ICR_LO	 0x300 /* see x86_lapic_send_ipi */
#define LAPIC_ICR_HI	 0x310 /* bits 31:24 destination APIC id */
#define LAPIC_LVT_TIMER	 0x320 /* 7:0 vector, 16 mask, 18:17 mode */
#define LAPIC_LVT_LINT0	 0x350
#define LAPIC_LVT_LINT1	 0x360
#define LAPIC_LVT_ERROR	 0x370
#define LAPIC_TIMER_INIT 0x380 /* writing starts the count-down */
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0 /* 0x3 = divide by 16 */

#define LAPIC_ID_SHIFT	     24
#define LAPIC_SVR_ENABLE     (1u << 8)
#define APIC_BASE_ENABLE     (1u << 11) /* IA32_APIC_BASE: global enable */
#define LVT_MASKED	     (1u << 16)
#define ICR_DELIVERY_PENDING (1u << 12)

static volatile uint32_t *lapic;

static inline uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

static inline void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void x86_lapic_init_mapping(void)
{
	lapic = x86_mmio_map(x86_platform.lapic_base, VD_PAGE_SIZE);
}

void x86_lapic_init(void)
{
	/* global enable: set at reset; be sure */
	uint64_t base = x86_rdmsr(X86_MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE))
		x86_wrmsr(X86_MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, X86_VEC_APIC_ERROR);
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | X86_VEC_TIMER);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | X86_VEC_SPURIOUS);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
}

uint32_t x86_lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> LAPIC_ID_SHIFT;
}

void x86_lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * Interrupt command register, low half:
 *   7:0 vector   10:8 delivery mode (000 fixed, 101 INIT, 110 start-up)
 *   11 destination mode (0 physical)   12 delivery status (read-only)
 *   14 level (1 assert)   15 trigger (0 edge)   19:18 shorthand (0 none)
 * Writing the low half sends; the high half must be written first, and
 * the pair must not be interleaved with another sender on this CPU.
 */
void x86_lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	hal_irqstate_t s = hal_irq_save();
	while (lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING)
		x86_pause();
	lapic_write(LAPIC_ICR_HI, apic_id << LAPIC_ID_SHIFT);
	lapic_write(LAPIC_ICR_LO, icr_low);
	hal_irq_restore(s);
}

void x86_lapic_timer_oneshot(uint32_t count)
{
	lapic_write(LAPIC_LVT_TIMER, X86_VEC_TIMER); /* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INIT, count);
}

uint32_t x86_lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/* ---- 8259 PICs ---- */

void x86_pic_disable(void)
{
	if (!x86_platform.has_8259)
		return;
	/* ICW1: init + ICW4 follows; ICW2: vector base; ICW3: cascade on
	 * IRQ 2; ICW4: 8086 mode.  Then mask every line (OCW1). */
	x86_outb(0x20, 0x11);
	x86_outb(0xa0, 0x11);
	x86_outb(0x21, X86_VEC_PIC_BASE);
	x86_outb(0xa1, X86_VEC_PIC_BASE + 8);
	x86_outb(0x21, 4);
	x86_outb(0xa1, 2);
	x86_outb(0x21, 0x01);
	x86_outb(0xa1, 0x01);
	x86_outb(0x21, 0xff);
	x86_outb(0xa1, 0xff);
}

/* ---- I/O APIC ---- */

/*
 * Two registers, an index (IOREGSEL, +0x00) and a data window (IOWIN,
 * +0x10).  Index 0x01 is the version register (bits 23:16 = last
 * redirection entry); 0x10 + 2n / 0x11 + 2n are the low / high halves of
 * redirection entry n:
 *   low:  7:0 vector, 10:8 delivery mode (0 fixed), 11 destination mode
 *         (0 physical), 13 polarity (1 active low), 15 trigger (1 level),
 *         16 mask
 *   high: 31:24 destination APIC id
 */
#define IOAPIC_VER		0x01
#define IOAPIC_REDIR(n)		(0x10 + 2 * (n))
#define REDIR_ACTIVE_LOW	(1u << 13)
#define REDIR_LEVEL		(1u << 15)
#define REDIR_MASKED		(1u << 16)
#define REDIR_DEST_SHIFT	24		     /* high word */
#define IOAPIC_VER_MAX_REDIR(v) (((v) >> 16) & 0xff) /* lines - 1 */

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	uint32_t lines;
};
static struct ioapic ioapics[X86_MAX_IOAPICS];
static struct vd_spinlock ioapic_lock = VD_SPINLOCK_INIT;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[0] = reg;
	return io->regs[4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[0] = reg;
	io->regs[4] = v;
}

void x86_ioapic_init(void)
{
	for (unsigned i = 0; i < x86_platform.ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		io->regs = x86_mmio_map(x86_platform.ioapic[i].base, 0x20);
		io->gsi_base = x86_platform.ioapic[i].gsi_base;
		io->lines =
			IOAPIC_VER_MAX_REDIR(ioapic_read(io, IOAPIC_VER)) + 1;
		for (uint32_t n = 0; n < io->lines; n++)
			ioapic_write(io, IOAPIC_REDIR(n), REDIR_MASKED);
	}
}

/*
 * irq numbers: 0-15 are ISA IRQs, routed through the MADT overrides (on
 * QEMU the PIT's IRQ 0 is GSI 2); 16 and up are GSIs, level-triggered
 * active-low as PCI lines are.  Delivered to the boot CPU as vector
 * X86_VEC_IRQ_BASE + irq.
 */
static struct ioapic *route(unsigned irq, uint32_t *pin, uint32_t *flags)
{
	uint32_t gsi = irq;
	*flags = 0;
	if (irq < 16) {
		const struct x86_isa_route *r = &x86_platform.isa[irq];
		gsi = r->gsi;
		*flags = (r->active_low ? REDIR_ACTIVE_LOW : 0) |
			 (r->level ? REDIR_LEVEL : 0);
	} else {
		*flags = REDIR_ACTIVE_LOW | REDIR_LEVEL;
	}
	for (unsigned i = 0; i < x86_platform.ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->lines) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

/* Program irq's redirection entry: to the boot CPU, masked or not. */
static void ioapic_set(unsigned irq, bool masked)
{
	uint32_t pin, flags;
	struct ioapic *io = irq < X86_NR_IRQS ? route(irq, &pin, &flags) : NULL;
	if (!io)
		return;
	hal_irqstate_t s = vd_spin_lock_irqsave(&ioapic_lock);
	if (!masked)
		ioapic_write(io, IOAPIC_REDIR(pin) + 1,
			     x86_percpu[0].apic_id << REDIR_DEST_SHIFT);
	ioapic_write(io, IOAPIC_REDIR(pin),
		     (masked ? REDIR_MASKED : 0) | flags |
			     (X86_VEC_IRQ_BASE + irq));
	vd_spin_unlock_irqrestore(&ioapic_lock, s);
}

void hal_irq_unmask(unsigned irq)
{
	ioapic_set(irq, false);
}

void hal_irq_mask(unsigned irq)
{
	ioapic_set(irq, true);
}

/* For the ktests: the low half of the redirection entry behind irq. */
uint32_t x86_ioapic_redir_low(unsigned irq)
{
	uint32_t pin, flags;
	struct ioapic *io = route(irq, &pin, &flags);
	return io ? ioapic_read(io, IOAPIC_REDIR(pin)) : 0;
}
