/*
 * PSCI (Arm Power State Coordination Interface, DEN0022) calls: CPU_ON to
 * start secondaries, SYSTEM_OFF as the last-resort power-off.
 *
 * The conduit is an SMCCC call: function id in x0, arguments in x1..x3,
 * result in x0; x4..x17 may be clobbered.  The DTB's /psci "method" says
 * whether it is "hvc" (QEMU virt at EL1) or "smc" (EL3 firmware, or QEMU
 * with virtualization=on where the kernel itself ran at EL2).
 */
#include <arch/platform.h>
#include <veridian/string.h>

static bool psci_use_smc;

void a64_psci_init(const struct fdt *f)
{
	int node = fdt_path(f, "/psci");
	if (node < 0)
		node = fdt_find_compatible(f, -1, "arm,psci-0.2");
	if (node < 0)
		return; /* keep hvc, QEMU's default */
	uint32_t len;
	const char *method = fdt_prop(f, node, "method", &len);
	psci_use_smc = method && len >= 3 && vd_strncmp(method, "smc", 3) == 0;
}

const char *a64_psci_conduit(void)
{
	return psci_use_smc ? "smc" : "hvc";
}

int64_t a64_psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	if (psci_use_smc)
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10",
				   "x11", "x12", "x13", "x14", "x15", "x16",
				   "x17", "memory");
	else
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10",
				   "x11", "x12", "x13", "x14", "x15", "x16",
				   "x17", "memory");
	return (int64_t)x0;
}

#define PSCI_SYSTEM_OFF 0x84000008u

void a64_psci_system_off(void)
{
	a64_psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}
