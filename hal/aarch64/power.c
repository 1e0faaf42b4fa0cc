/*
 * Power-off: semihosting SYS_EXIT (QEMU passes the status on), else PSCI
 * SYSTEM_OFF.
 */
#include <arch/platform.h>

/*
 * Semihosting (Arm DUI0471 / "Semihosting for AArch64"): hlt #0xf000 with
 * the operation in w0 and a parameter-block pointer in x1.  SYS_EXIT
 * (0x18) on AArch64 takes {reason, subcode}; with ADP_Stopped_ApplicationExit
 * QEMU exits with status = subcode.  Without -semihosting the hlt is an
 * undefined instruction: the trap handler sees a64_semihosting_probe and
 * steps over it, and we fall back to PSCI SYSTEM_OFF (exit status 0).
 */
#define SEMIHOST_SYS_EXIT	     0x18
#define SEMIHOST_SYS_EXIT_EXTENDED   0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

volatile bool a64_semihosting_probe;

static void semihost_exit(uint64_t op, int status)
{
	uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)status};
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
}

VD_NORETURN void hal_poweroff(int status)
{
	hal_irq_save();
	a64_semihosting_probe = true;
	semihost_exit(SEMIHOST_SYS_EXIT, status);
	semihost_exit(SEMIHOST_SYS_EXIT_EXTENDED, status);
	a64_psci_system_off();
	for (;;)
		__asm__ volatile("wfi");
}
