/*
 * x86 CPU start: INIT-SIPI-SIPI through the local APIC's interrupt
 * command register (SDM vol. 3, 8.4.4; the MP specification's "universal
 * start-up algorithm").  Matched by the ACPI MADT ("APIC"), which is what
 * lists the other CPUs.
 *
 * INIT resets the target into the wait-for-SIPI state; a start-up IPI
 * then starts it in real mode at CS:IP = (vector << 8):0, i.e. physical
 * vector * 4 KiB, so the entry must be a page below 1 MiB (the arch's
 * trampoline, hal/x86_64/trampoline.S).  The second SIPI is what the
 * algorithm prescribes for CPUs that missed the first; a CPU already
 * running is no longer waiting for a SIPI and ignores it.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/driver.h>

#define SIPI_ENTRY_LIMIT 0x100000 /* real mode: below 1 MiB */
/* the SIPI vector is the entry's 4 KiB page number (CS = vector << 8) */
#define SIPI_VECTOR_SHIFT 12
#define XAPIC_ID_MAX	  0xff	/* ICR destination field: 8 bits */
#define INIT_DELAY_US	  10000 /* 10 ms after INIT */
#define SIPI_DELAY_US	  200	/* 200 us after each SIPI */

/* ICR low words: INIT, level assert; start-up with the entry's page
 * number as the vector */
#define ICR_INIT	  (X86_ICR_INIT | X86_ICR_ASSERT)
#define ICR_STARTUP(page) (X86_ICR_STARTUP | X86_ICR_ASSERT | (page))

static vd_err_t init_sipi_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

/*
 * hwid is the target's APIC id; arg is unused (the trampoline carries
 * its own data).  Errors: VD_ERR_INVALID_PARAMETER for an entry that is
 * not a page below 1 MiB or an APIC id above 255 (xAPIC destinations are
 * 8 bits).  There is no answer to wait for: a CPU that does not start is
 * seen only by core's wait for it.
 */
static vd_err_t init_sipi_start(uint64_t hwid, paddr_t entry, uint64_t arg)
{
	(void)arg;
	if (entry >= SIPI_ENTRY_LIMIT || entry % VD_PAGE_SIZE || entry == 0 ||
	    hwid > XAPIC_ID_MAX)
		return VD_ERR_INVALID_PARAMETER;
	uint32_t apic = (uint32_t)hwid;
	x86_lapic_send_ipi(apic, ICR_INIT);
	x86_delay_us(INIT_DELAY_US);
	uint32_t vector = (uint32_t)(entry >> SIPI_VECTOR_SHIFT);
	x86_lapic_send_ipi(apic, ICR_STARTUP(vector));
	x86_delay_us(SIPI_DELAY_US);
	x86_lapic_send_ipi(apic, ICR_STARTUP(vector));
	return VD_OK;
}

static const struct vd_cpu_ops init_sipi_ops = {.start = init_sipi_start};

VD_DRIVER(init_sipi_driver) = {
	.name = "init-sipi",
	.role = VD_ROLE_CPU,
	.priority = 10,
	.acpi = "APIC",
	.probe = init_sipi_probe,
	.ops = &init_sipi_ops,
};
