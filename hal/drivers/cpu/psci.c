/*
 * Starting secondary CPUs with PSCI CPU_ON (DEN0022 5.6), for the cpu
 * role: the /psci node of QEMU virt and of most Arm64 firmware.  A board
 * without that node does not bind it (a call nobody answers would hang
 * or trap).  Calls and conduit: psci.h.
 *
 * CPU_ON(target MPIDR, entry point physical address, context id): the
 * target starts at the entry with the MMU off and x0 = context id.
 */
#include <hal/driver.h>

#include "psci.h"

static enum psci_conduit conduit;
static uint32_t fn_cpu_on;

static vd_err_t psci_cpu_probe(struct vd_device *dev)
{
	const struct fdt *f = dev->env->fdt;

	conduit = psci_method(f, dev->node, "psci");
	if (conduit == PSCI_NONE)
		return VD_ERR_NOT_FOUND;
	fn_cpu_on = PSCI_0_2_CPU_ON_64;
	/* 0.1 names its own function ids */
	if (vd_strcmp(dev->compatible, "arm,psci") == 0 &&
	    !fdt_prop_u32(f, dev->node, "cpu_on", &fn_cpu_on)) {
		kprintf("psci: 0.1 node without cpu_on\n");
		return VD_ERR_NOT_FOUND;
	}
	return VD_OK;
}

static vd_err_t psci_cpu_start(uint64_t hwid, paddr_t entry, uint64_t arg)
{
	switch (psci_call(conduit, fn_cpu_on, hwid, entry, arg)) {
	case PSCI_SUCCESS:
		return VD_OK;
	case PSCI_INVALID_PARAMETERS:
		return VD_ERR_INVALID_PARAMETER;
	case PSCI_ALREADY_ON:
	case PSCI_ON_PENDING:
		return VD_ERR_BUSY;
	default: /* DENIED, INTERNAL_FAILURE, ... */
		return VD_ERR_NOT_FOUND;
	}
}

/* Newest first: a node listing several binds as the newest. */
static const char *const psci_cpu_match[] = {"arm,psci-1.0", "arm,psci-0.2",
					     "arm,psci", NULL};
static const struct vd_cpu_ops psci_cpu_ops = {.start = psci_cpu_start};

VD_DRIVER(psci_cpu_driver) = {
	.name = "psci",
	.role = VD_ROLE_CPU,
	.priority = 10,
	.compatible = psci_cpu_match,
	.probe = psci_cpu_probe,
	.ops = &psci_cpu_ops,
};
