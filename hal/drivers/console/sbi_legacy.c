/*
 * The SBI firmware's console (SBI spec v1.0, chapter 5 "Legacy
 * Extensions"): console_putchar (EID 0x01, a0 = the byte) and
 * console_getchar (EID 0x02, returns the byte or -1 in a0).  OpenSBI
 * prints through whatever UART it drives itself.
 *
 * The last resort for a board whose UART no console driver knows: the
 * lowest priority, matched by detect (the firmware implements the legacy
 * console extension), and logged like any other binding ("driver:
 * console sbi-legacy"), so a board that falls back to it says so.  Every
 * character is a trap into M-mode: slow, but it works wherever OpenSBI
 * does.  Deprecated by SBI 2.0's DBCN, which OpenSBI 1.1 lacks.
 */
#include <arch/sbi.h>
#include <hal/driver.h>

static bool sbi_legacy_detect(const struct vd_probe_env *env)
{
	(void)env;
	return sbi_probe_extension(SBI_EXT_LEGACY_PUTCHAR) != 0;
}

static vd_err_t sbi_legacy_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

static void sbi_legacy_putc(char c)
{
	sbi_legacy_putchar(c);
}

static int sbi_legacy_getc(void)
{
	/* legacy calls return their result in a0, the error slot */
	long c = sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0).error;

	return c < 0 ? -1 : (int)(c & 0xff);
}

static const struct vd_console_ops sbi_legacy_ops = {
	.putc = sbi_legacy_putc,
	.getc = sbi_legacy_getc,
};

VD_DRIVER(sbi_legacy_driver) = {
	.name = "sbi-legacy",
	.role = VD_ROLE_CONSOLE,
	.priority = 1,
	.detect = sbi_legacy_detect,
	.probe = sbi_legacy_probe,
	.ops = &sbi_legacy_ops,
};
