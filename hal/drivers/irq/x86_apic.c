/*
 * x86 interrupt controller: I/O APICs route device lines (global system
 * interrupts, GSIs) to the local APICs, which the arch owns
 * (hal/x86_64/apic.c: timer, IPIs, EOI).  Matched by the ACPI MADT
 * ("APIC" table), which lists the I/O APICs and how the ISA IRQs are
 * wired to GSIs (arch/acpi.h).
 *
 * irq numbers: 0-15 are ISA IRQs, routed through the MADT's interrupt
 * source overrides (on QEMU the PIT's IRQ 0 is GSI 2); 16 and up are
 * GSIs, level-triggered active-low as PCI lines are.  Each is delivered
 * to the boot CPU as vector X86_VEC_IRQ_BASE + irq; the trap path calls
 * handle for those vectors.
 *
 * I/O APIC registers: an index (IOREGSEL, +0x00) and a data window
 * (IOWIN, +0x10).  Index 0x01 is the version register (bits 23:16 = last
 * redirection entry); 0x10 + 2n / 0x11 + 2n are the low / high halves of
 * redirection entry n:
 *   low:  7:0 vector, 10:8 delivery mode (0 fixed), 11 destination mode
 *         (0 physical), 13 polarity (1 active low), 15 trigger (1 level),
 *         16 mask
 *   high: 31:24 destination APIC id
 */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/printf.h>
#include <veridian/spinlock.h>
#include <veridian/string.h>

#define MAX_IOAPICS		4
#define IOAPIC_SIZE		0x20
#define IOAPIC_VER		0x01
#define IOAPIC_REDIR(n)		(0x10 + 2 * (n))
#define REDIR_ACTIVE_LOW	(1u << 13)
#define REDIR_LEVEL		(1u << 15)
#define REDIR_MASKED		(1u << 16)
#define REDIR_DEST_SHIFT	24		     /* high word */
#define IOAPIC_VER_MAX_REDIR(v) (((v) >> 16) & 0xff) /* lines - 1 */

/* ISA IRQ -> GSI routing from the MADT's interrupt source overrides. */
struct isa_route {
	uint32_t gsi;
	bool active_low;
	bool level;
};

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	uint32_t lines;
};

static struct ioapic ioapics[MAX_IOAPICS];
static unsigned ioapic_count;
static struct isa_route isa[16];
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

static void add_ioapic(paddr_t base, uint32_t gsi_base)
{
	if (ioapic_count == MAX_IOAPICS) {
		kprintf("x86-apic: ignoring I/O APIC at 0x%llx (max %u)\n",
			(unsigned long long)base, MAX_IOAPICS);
		return;
	}
	struct ioapic *io = &ioapics[ioapic_count++];
	io->regs = hal_map_device(base, IOAPIC_SIZE);
	io->gsi_base = gsi_base;
	io->lines = IOAPIC_VER_MAX_REDIR(ioapic_read(io, IOAPIC_VER)) + 1;
	for (uint32_t n = 0; n < io->lines; n++)
		ioapic_write(io, IOAPIC_REDIR(n), REDIR_MASKED);
}

/* Errors: VD_ERR_NOT_FOUND if there is no MADT (vd.irq=x86-apic binds
 * without the match) or it lists no I/O APIC. */
static vd_err_t x86_apic_probe(struct vd_device *dev)
{
	const struct acpi_madt *madt =
		dev->env->acpi_find ? dev->env->acpi_find("APIC") : NULL;
	uint32_t u32, gsi_base;
	uint16_t flags;

	if (!madt) {
		kprintf("x86-apic: no ACPI MADT\n");
		return VD_ERR_NOT_FOUND;
	}
	/* defaults: identity ISA routing, bus default (edge, active high) */
	for (unsigned i = 0; i < 16; i++)
		isa[i] = (struct isa_route){i, false, false};
	ACPI_MADT_FOR_EACH(madt, p)
	{
		switch (p[0]) {
		case ACPI_MADT_IOAPIC:
			vd_memcpy(&u32, p + 4, 4);
			vd_memcpy(&gsi_base, p + 8, 4);
			add_ioapic(u32, gsi_base);
			break;
		case ACPI_MADT_ISO:
			if (p[2] != 0 || p[3] >= 16)
				break; /* not an ISA IRQ */
			vd_memcpy(&isa[p[3]].gsi, p + 4, 4);
			vd_memcpy(&flags, p + 8, 2);
			isa[p[3]].active_low = ACPI_MADT_ISO_POLARITY(flags) ==
					       ACPI_MADT_ISO_ACTIVE_LOW;
			isa[p[3]].level = ACPI_MADT_ISO_TRIGGER(flags) ==
					  ACPI_MADT_ISO_LEVEL;
			break;
		}
	}
	if (ioapic_count == 0) {
		kprintf("x86-apic: the MADT lists no I/O APIC\n");
		return VD_ERR_NOT_FOUND;
	}
	return VD_OK;
}

static struct ioapic *route(unsigned irq, uint32_t *pin, uint32_t *flags)
{
	uint32_t gsi = irq;
	if (irq < 16) {
		gsi = isa[irq].gsi;
		*flags = (isa[irq].active_low ? REDIR_ACTIVE_LOW : 0) |
			 (isa[irq].level ? REDIR_LEVEL : 0);
	} else {
		*flags = REDIR_ACTIVE_LOW | REDIR_LEVEL;
	}
	for (unsigned i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->lines) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

/* Program irq's redirection entry: to the boot CPU, masked or not.  An
 * irq no I/O APIC serves is ignored (hal_irq_unmask has no error). */
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

static void x86_apic_unmask(unsigned irq)
{
	ioapic_set(irq, false);
}

static void x86_apic_mask(unsigned irq)
{
	ioapic_set(irq, true);
}

/*
 * A device vector was delivered: the highest in-service bit of the local
 * APIC is the one being handled.  EOI first: vd_irq may switch threads
 * before returning.  The lines programmed here are edge-triggered ISA
 * lines or masked, so an early EOI loses nothing.
 */
static void x86_apic_handle(void)
{
	int vec = x86_lapic_in_service();

	if (vec < X86_VEC_IRQ_BASE || vec >= X86_VEC_IRQ_BASE + X86_NR_IRQS) {
		if (vec >= 0)
			x86_lapic_eoi();
		return;
	}
	x86_lapic_eoi();
	x86_irq_counts[vec - X86_VEC_IRQ_BASE]++;
	vd_irq((unsigned)(vec - X86_VEC_IRQ_BASE));
}

/* Fixed-delivery IPI through the local APIC's ICR.  A slot of no CPU has
 * apic_id 0, which is a real CPU's: only online CPUs are sent to. */
static void x86_apic_ipi_send(unsigned cpu)
{
	if (cpu >= VD_MAX_CPUS || !x86_percpu[cpu].online)
		return;
	x86_lapic_send_ipi(x86_percpu[cpu].apic_id,
			   X86_ICR_FIXED | X86_ICR_ASSERT | X86_VEC_IPI);
}

/* For the ktests: the low half of the redirection entry behind irq. */
uint32_t x86_ioapic_redir_low(unsigned irq)
{
	uint32_t pin, flags;
	struct ioapic *io = route(irq, &pin, &flags);
	return io ? ioapic_read(io, IOAPIC_REDIR(pin)) : 0;
}

/* cpu_init is NULL: the local APIC of each CPU is the arch's
 * (x86_lapic_init), since its timer is needed even without this driver. */
static const struct vd_irq_ops x86_apic_ops = {
	.unmask = x86_apic_unmask,
	.mask = x86_apic_mask,
	.handle = x86_apic_handle,
	.ipi_send = x86_apic_ipi_send,
};

VD_DRIVER(x86_apic_driver) = {
	.name = "x86-apic",
	.role = VD_ROLE_IRQ,
	.priority = 10,
	.acpi = "APIC",
	.probe = x86_apic_probe,
	.ops = &x86_apic_ops,
};
