/*
 * x86_64 HAL: the local APIC (xAPIC MMIO interface) and the legacy 8259
 * PICs, which are remapped and masked.  Every x86_64 CPU has a local
 * APIC and the arch needs it whatever else the board has: its timer is
 * the clock event, its ICR starts CPUs and sends IPIs, its EOI ends every
 * interrupt.  The I/O APIC, which routes device lines, is a driver
 * (hal/drivers/irq/x86_apic.c).
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
#define LAPIC_ISR	 0x100 /* in-service bits: LAPIC_ISR_REGS registers */
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

#define LAPIC_REG_STRIDE     0x10 /* registers sit on 16-byte boundaries */
#define LAPIC_ISR_REGS	     8	  /* 8 x 32 bits: one per vector */
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

/* ISR register i holds vectors 32i .. 32i+31, one bit each; the highest
 * set bit is the interrupt being handled. */
int x86_lapic_in_service(void)
{
	for (int i = LAPIC_ISR_REGS - 1; i >= 0; i--) {
		uint32_t v =
			lapic_read(LAPIC_ISR + LAPIC_REG_STRIDE * (unsigned)i);
		if (v)
			return i * 32 + 31 - __builtin_clz(v);
	}
	return -1;
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
