/*
 * ACPI soft-off (S5) on a PC: the power-off every ACPI machine has, for
 * boards without an exit device.  QEMU exits with status 0 whatever the
 * kernel's status was, so a board relying on it reads the result from the
 * console (scripts/qemu does both).
 *
 * Matched by the FADT (signature "FACP", ACPI 6.x 5.2.9).  Fields used
 * (byte offsets):
 *    40 DSDT (u32)            140 X_DSDT (u64, ACPI 2.0+, preferred)
 *    48 SMI_CMD (u32 port)     52 ACPI_ENABLE (u8: value for SMI_CMD)
 *    64 PM1a_CNT_BLK (u32 port)  68 PM1b_CNT_BLK (u32 port, 0 if none)
 *   112 Flags (bit 20 HW_REDUCED_ACPI: no PM1 blocks)
 * PM1 control register (4.8.3.2.1): bit 0 SCI_EN (ACPI mode), bits 12:10
 * SLP_TYPx, bit 13 SLP_EN (write 1: enter the sleep state SLP_TYPx
 * names).
 *
 * The SLP_TYPa/b values for S5 are the first two elements of the DSDT's
 * \_S5 package.  Rather than an AML interpreter, the DSDT's bytes are
 * searched for the name definition, which firmware writes as
 *   NameOp 0x08, ["\"], "_S5_", PackageOp 0x12, PkgLength (1-4 bytes: the
 *   top two bits of the first say how many follow), NumElements,
 *   then each element: ZeroOp 0x00, OneOp 0x01, or BytePrefix 0x0a + byte
 * (ACPI 6.x 20.2.5 / 20.2.3).  A \_S5 built any other way (a method, a
 * wider integer) is not understood: the probe fails and says so.  The
 * DSDT is read at probe time, through the boot identity map (boot.c
 * probes power before the kernel page table replaces it).
 */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <hal/driver.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#define FADT_DSDT	     40
#define FADT_SMI_CMD	     48
#define FADT_ACPI_ENABLE     52
#define FADT_PM1A_CNT	     64
#define FADT_PM1B_CNT	     68
#define FADT_FLAGS	     112
#define FADT_X_DSDT	     140
#define FADT_HW_REDUCED	     (1u << 20)
#define PM1_SCI_EN	     (1u << 0)
#define PM1_SLP_TYP_SHIFT    10
#define PM1_SLP_TYP_MASK     (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN	     (1u << 13)
#define AML_NAME_OP	     0x08
#define AML_PACKAGE_OP	     0x12
#define AML_ZERO_OP	     0x00
#define AML_ONE_OP	     0x01
#define AML_BYTE_PREFIX	     0x0a
#define AML_PKGLEN_FOLLOW(b) ((b) >> 6)
#define SCI_EN_POLLS	     1000000u
#define IO_PORT_LIMIT	     0x10000
/* what the boot identity map covers, through which the DSDT is read */
#define BOOT_IDENTITY_LIMIT (4ull << 30)

static uint16_t pm1a_cnt, pm1b_cnt, smi_cmd;
static uint8_t acpi_enable, slp_typ_a, slp_typ_b;

static uint32_t u32_at(const uint8_t *t, unsigned off)
{
	uint32_t v;
	vd_memcpy(&v, t + off, sizeof(v));
	return v;
}

/* One package element at *p (advanced past it): false if not a constant
 * this parser knows. */
static bool aml_byte_const(const uint8_t **p, const uint8_t *end, uint8_t *out)
{
	if (*p >= end)
		return false;
	switch (**p) {
	case AML_ZERO_OP:
	case AML_ONE_OP:
		*out = **p;
		*p += 1;
		return true;
	case AML_BYTE_PREFIX:
		if (*p + 2 > end)
			return false;
		*out = (*p)[1];
		*p += 2;
		return true;
	default:
		return false;
	}
}

/* SLP_TYPa/b from the DSDT's \_S5 package; false if not found. */
static bool find_s5(const struct acpi_sdt *dsdt, uint8_t *a, uint8_t *b)
{
	const uint8_t *start = (const uint8_t *)dsdt + sizeof(*dsdt);
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;

	for (const uint8_t *p = start + 1; p + 4 < end; p++) {
		if (vd_memcmp(p, "_S5_", 4) != 0)
			continue;
		bool named = p[-1] == AML_NAME_OP ||
			     (p[-1] == '\\' && p - 2 >= start &&
			      p[-2] == AML_NAME_OP);
		const uint8_t *q = p + 4;
		if (!named || q >= end || *q != AML_PACKAGE_OP)
			continue;
		q++;
		if (q >= end)
			return false;
		q += 1 + AML_PKGLEN_FOLLOW(*q); /* PkgLength */
		q++;				/* NumElements */
		return aml_byte_const(&q, end, a) && aml_byte_const(&q, end, b);
	}
	return false;
}

/* Errors: VD_ERR_NOT_FOUND if there is no FADT (vd.power=acpi-s5 binds
 * without the match), the FADT has no PM1 control block (a
 * hardware-reduced platform) or the DSDT has no \_S5 this parser reads;
 * VD_ERR_INVALID_PARAMETER for ports outside the I/O space. */
static vd_err_t acpi_s5_probe(struct vd_device *dev)
{
	const struct acpi_sdt *fadt =
		dev->env->acpi_find ? dev->env->acpi_find("FACP") : NULL;
	const uint8_t *f = (const uint8_t *)fadt;
	uint64_t dsdt_pa = 0;

	if (!fadt) {
		kprintf("acpi-s5: no ACPI FADT\n");
		return VD_ERR_NOT_FOUND;
	}
	if (fadt->length < FADT_FLAGS + 4 ||
	    (u32_at(f, FADT_FLAGS) & FADT_HW_REDUCED) ||
	    u32_at(f, FADT_PM1A_CNT) == 0) {
		kprintf("acpi-s5: the FADT has no PM1 control block\n");
		return VD_ERR_NOT_FOUND;
	}
	if (u32_at(f, FADT_PM1A_CNT) >= IO_PORT_LIMIT ||
	    u32_at(f, FADT_PM1B_CNT) >= IO_PORT_LIMIT ||
	    u32_at(f, FADT_SMI_CMD) >= IO_PORT_LIMIT)
		return VD_ERR_INVALID_PARAMETER;
	if (fadt->length >= FADT_X_DSDT + 8)
		vd_memcpy(&dsdt_pa, f + FADT_X_DSDT, 8);
	if (!dsdt_pa)
		dsdt_pa = u32_at(f, FADT_DSDT);
	const struct acpi_sdt *dsdt =
		dsdt_pa && dsdt_pa <= BOOT_IDENTITY_LIMIT - sizeof(*dsdt)
			? vd_phys_to_virt((paddr_t)dsdt_pa)
			: NULL;
	/* the whole table must lie in the identity map: find_s5 reads all
	 * of it */
	if (!dsdt || vd_memcmp(dsdt->signature, "DSDT", 4) != 0 ||
	    dsdt->length > BOOT_IDENTITY_LIMIT - dsdt_pa ||
	    !find_s5(dsdt, &slp_typ_a, &slp_typ_b)) {
		kprintf("acpi-s5: no \\_S5 package the parser reads in the "
			"DSDT\n");
		return VD_ERR_NOT_FOUND;
	}
	pm1a_cnt = (uint16_t)u32_at(f, FADT_PM1A_CNT);
	pm1b_cnt = (uint16_t)u32_at(f, FADT_PM1B_CNT);
	smi_cmd = (uint16_t)u32_at(f, FADT_SMI_CMD);
	acpi_enable = f[FADT_ACPI_ENABLE];
	return VD_OK;
}

static void write_slp(uint16_t port, uint8_t typ)
{
	uint16_t v = x86_inw(port);
	v = (uint16_t)((v & ~PM1_SLP_TYP_MASK) |
		       ((unsigned)typ << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
	x86_outw(port, v);
}

/* The status cannot be said: S5 is S5.  Returns if the machine did not
 * turn off. */
static void acpi_s5_off(int status)
{
	(void)status;
	/* ACPI mode first, as the firmware expects of an OS (a legacy
	 * machine ignores SLP_EN until SCI_EN is set); bounded wait */
	if (!(x86_inw(pm1a_cnt) & PM1_SCI_EN) && smi_cmd && acpi_enable) {
		x86_outb(smi_cmd, acpi_enable);
		for (uint32_t i = 0;
		     i < SCI_EN_POLLS && !(x86_inw(pm1a_cnt) & PM1_SCI_EN); i++)
			x86_pause();
	}
	write_slp(pm1a_cnt, slp_typ_a);
	if (pm1b_cnt)
		write_slp(pm1b_cnt, slp_typ_b);
}

static const struct vd_power_ops acpi_s5_ops = {.off = acpi_s5_off};

/* The default on a PC: an exit device outranks it only when the command
 * line names one (vd.power=isa-debug-exit@port), since nothing else can. */
VD_DRIVER(acpi_s5_driver) = {
	.name = "acpi-s5",
	.role = VD_ROLE_POWER,
	.priority = 10,
	.acpi = "FACP",
	.probe = acpi_s5_probe,
	.ops = &acpi_s5_ops,
};
