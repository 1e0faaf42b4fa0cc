/*
 * Power-off through PSCI (DEN0022 5.10/5.11), for the power role:
 * SYSTEM_OFF, and SYSTEM_RESET should the firmware return from it (it
 * must not, but a reset at least ends the run).  Under QEMU, SYSTEM_OFF
 * exits with status 0 whatever the kernel's status was: boards that need
 * the status use semihosting (power/semihosting.c), which ranks above.
 * A 0.1 node ("arm,psci" alone) has no SYSTEM_OFF and is not matched.
 * Calls and conduit: hal/drivers/cpu/psci.h.
 */
#include <hal/driver.h>

#include "../cpu/psci.h"

static enum psci_conduit conduit;

static vd_err_t psci_power_probe(struct vd_device *dev)
{
	conduit = psci_method(dev->env->fdt, dev->node, "psci");
	return conduit == PSCI_NONE ? VD_ERR_NOT_FOUND : VD_OK;
}

static void psci_power_off(int status)
{
	(void)status; /* SYSTEM_OFF has no status */
	psci_call(conduit, PSCI_0_2_SYSTEM_OFF, 0, 0, 0);
	psci_call(conduit, PSCI_0_2_SYSTEM_RESET, 0, 0, 0);
}

static const char *const psci_power_match[] = {"arm,psci-1.0", "arm,psci-0.2",
					       NULL};
static const struct vd_power_ops psci_power_ops = {.off = psci_power_off};

VD_DRIVER(psci_power_driver) = {
	.name = "psci",
	.role = VD_ROLE_POWER,
	.priority = 10,
	.compatible = psci_power_match,
	.probe = psci_power_probe,
	.ops = &psci_power_ops,
};
