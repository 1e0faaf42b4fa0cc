/*
 * Power-off through Arm semihosting SYS_EXIT, for the power role: QEMU
 * started with -semihosting exits with the kernel's status, which is how
 * the test runner learns pass or fail (PSCI SYSTEM_OFF always exits 0).
 *
 * Semihosting ("Semihosting for AArch32 and AArch64", Arm): `hlt #0xf000`
 * with the operation in w0 and a parameter (block pointer) in x1, result
 * in x0.  Used here:
 *   SYS_ERRNO 0x13  no parameter; returns the host's last errno: a
 *                   harmless call to find out whether anyone answers
 *   SYS_EXIT  0x18  x1 -> {reason, subcode}; with reason
 *                   ADP_Stopped_ApplicationExit the host exits with
 *                   status subcode
 * No device tree node describes semihosting, so it is detected: without
 * -semihosting the hlt is an undefined instruction, which the arch's trap
 * handler steps over while a64_probe_undefined runs (hal/aarch64/trap.c).
 * Detected once, at bind time, on the boot CPU; the power-off itself then
 * needs no trap.  Ranked above PSCI.
 */
#include <arch/platform.h>
#include <hal/driver.h>

#define SEMIHOST_SYS_ERRNO	     0x13
#define SEMIHOST_SYS_EXIT	     0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static uint64_t semihost_call(uint64_t op, uint64_t param)
{
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = param;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return x0;
}

static void errno_call(void *unused)
{
	(void)unused;
	(void)semihost_call(SEMIHOST_SYS_ERRNO, 0);
}

static bool semihosting_detect(const struct vd_probe_env *env)
{
	(void)env;
	return a64_probe_undefined(errno_call, NULL);
}

static vd_err_t semihosting_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

static void semihosting_off(int status)
{
	uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)status};

	(void)semihost_call(SEMIHOST_SYS_EXIT, (uint64_t)(uintptr_t)block);
}

static const struct vd_power_ops semihosting_ops = {.off = semihosting_off};

VD_DRIVER(semihosting_driver) = {
	.name = "semihosting",
	.role = VD_ROLE_POWER,
	.priority = 20,
	.detect = semihosting_detect,
	.probe = semihosting_probe,
	.ops = &semihosting_ops,
};
