/*
 * PSCI (Arm Power State Coordination Interface, DEN0022): what the cpu
 * and power drivers of that name (cpu/psci.c, power/psci.c) share.
 *
 * A call is an SMCCC call: function id in x0, arguments in x1..x3,
 * result in x0; x4..x17 may be clobbered.  The conduit is the node's
 * "method": "hvc" (QEMU virt with the kernel at EL1: the hypervisor
 * level answers) or "smc" (EL3 firmware, or QEMU with virtualization=on).
 * The node's compatible says the version: "arm,psci-0.2" and later use
 * the standard function ids; plain "arm,psci" (0.1) names its own in
 * properties (cpu_on, cpu_off, ...) and has no SYSTEM_OFF.
 */
#ifndef HAL_DRIVERS_CPU_PSCI_H
#define HAL_DRIVERS_CPU_PSCI_H

#include <hal/driver.h>
#include <veridian/printf.h>
#include <veridian/string.h>

#define PSCI_0_2_CPU_ON_64    0xc4000003u
#define PSCI_0_2_SYSTEM_OFF   0x84000008u
#define PSCI_0_2_SYSTEM_RESET 0x84000009u

/* Return values (DEN0022 5.2.2) */
#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED		(-3)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_ON_PENDING		(-5)

enum psci_conduit { PSCI_NONE, PSCI_HVC, PSCI_SMC };

/* The node's "method", or PSCI_NONE (logged) if absent or unknown:
 * guessing one could hang in a call nothing answers. */
static inline enum psci_conduit psci_method(const struct fdt *f, int node,
					    const char *who)
{
	uint32_t len;
	const char *m = fdt_prop(f, node, "method", &len);

	if (m && len == 4 && vd_strcmp(m, "hvc") == 0)
		return PSCI_HVC;
	if (m && len == 4 && vd_strcmp(m, "smc") == 0)
		return PSCI_SMC;
	kprintf("%s: psci node without method \"hvc\" or \"smc\"\n", who);
	return PSCI_NONE;
}

static inline int64_t psci_call(enum psci_conduit c, uint64_t fn, uint64_t a1,
				uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (c == PSCI_SMC)
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10",
				   "x11", "x12", "x13", "x14", "x15", "x16",
				   "x17", "memory");
	else if (c == PSCI_HVC)
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10",
				   "x11", "x12", "x13", "x14", "x15", "x16",
				   "x17", "memory");
	else
		return PSCI_NOT_SUPPORTED;
	return (int64_t)x0;
}

#endif /* HAL_DRIVERS_CPU_PSCI_H */
