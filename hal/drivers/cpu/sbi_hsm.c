/*
 * Secondary harts through the SBI Hart State Management extension (SBI
 * spec v1.0, chapter 9, EID "HSM"): hart_start(hartid, start_addr,
 * opaque) has the firmware start a stopped hart in S-mode at start_addr
 * (physical, MMU off) with a0 = its hart id and a1 = opaque.
 *
 * Matched by detect: the firmware implements HSM (OpenSBI does from SBI
 * 0.2 on).  hal/riscv64/smp.c passes head.S's rv_secondary_entry and the
 * hart's rv_percpu as opaque.
 */
#include <arch/sbi.h>
#include <hal/driver.h>

static bool sbi_hsm_detect(const struct vd_probe_env *env)
{
	(void)env;
	return sbi_probe_extension(SBI_EXT_HSM) != 0;
}

static vd_err_t sbi_hsm_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

/* Errors as hal_cpu_start lists: BUSY for a hart already started
 * (ALREADY_AVAILABLE), INVALID_PARAMETER for a hart id the firmware does
 * not know, NOT_FOUND for any other refusal. */
static vd_err_t sbi_hsm_start(uint64_t hwid, paddr_t entry, uint64_t arg)
{
	switch (sbi_hart_start(hwid, entry, arg)) {
	case SBI_SUCCESS:
		return VD_OK;
	case SBI_ERR_ALREADY_AVAILABLE:
		return VD_ERR_BUSY;
	case SBI_ERR_INVALID_PARAM:
		return VD_ERR_INVALID_PARAMETER;
	default:
		return VD_ERR_NOT_FOUND;
	}
}

static const struct vd_cpu_ops sbi_hsm_ops = {.start = sbi_hsm_start};

VD_DRIVER(sbi_hsm_driver) = {
	.name = "sbi-hsm",
	.role = VD_ROLE_CPU,
	.priority = 10,
	.detect = sbi_hsm_detect,
	.probe = sbi_hsm_probe,
	.ops = &sbi_hsm_ops,
};
