/*
 * Power-off through the SBI System Reset extension (SBI spec v1.0,
 * chapter 10, EID "SRST"): system_reset(type, reason), type 0 = shutdown,
 * 1 = cold reboot; reason 0 = none, 1 = system failure.  The call returns
 * only if it failed (SBI_ERR_NOT_SUPPORTED for a type the platform
 * cannot do).
 *
 * Matched by detect: the firmware implements SRST.  Not every platform
 * can shut down: OpenSBI 1.1 on QEMU sifive_u has a reset device
 * (gpio-restart) and no shutdown device.  So when shutdown fails this
 * driver resets instead: under QEMU -no-reboot a reset makes QEMU exit,
 * which is how that board powers off.  Either way QEMU's exit status is
 * 0, so a failure status is printed before it is lost.
 */
#include <arch/sbi.h>
#include <hal/driver.h>
#include <veridian/printf.h>

static bool sbi_srst_detect(const struct vd_probe_env *env)
{
	(void)env;
	return sbi_probe_extension(SBI_EXT_SRST) != 0;
}

static vd_err_t sbi_srst_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

static void sbi_srst_off(int status)
{
	unsigned long reason =
		status ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE;

	if (status != 0)
		kprintf("poweroff: SBI SRST cannot pass on status %d\n",
			status);
	struct sbiret r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET,
				   SBI_SRST_TYPE_SHUTDOWN, reason, 0);
	kprintf("poweroff: SBI shutdown failed (error %ld): resetting\n",
		r.error);
	r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_COLD_REBOOT,
		     reason, 0);
	kprintf("poweroff: SBI reset failed too (error %ld)\n", r.error);
}

static const struct vd_power_ops sbi_srst_ops = {.off = sbi_srst_off};

VD_DRIVER(sbi_srst_driver) = {
	.name = "sbi-srst",
	.role = VD_ROLE_POWER,
	.priority = 10,
	.detect = sbi_srst_detect,
	.probe = sbi_srst_probe,
	.ops = &sbi_srst_ops,
};
