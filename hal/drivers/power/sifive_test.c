/*
 * QEMU's "sifive_test" finisher ("sifive,test0", "sifive,test1"; QEMU virt
 * has one at 0x100000) as the power-off device.  One 32-bit register;
 * writing
 *
 *   0x5555                  exits QEMU with status 0      (FINISHER_PASS)
 *   (code << 16) | 0x3333   exits QEMU with status code   (FINISHER_FAIL)
 *   0x7777                  resets the machine            (FINISHER_RESET)
 *
 * so a failing test run's status reaches the runner, which SBI SRST
 * cannot do: hence its priority above sbi-srst.
 */
#include <hal/driver.h>

#define FINISHER_PASS	    0x5555u
#define FINISHER_FAIL	    0x3333u
#define FINISHER_CODE_SHIFT 16
#define FINISHER_CODE_MASK  0xffffu

static volatile uint32_t *finisher;

/* Errors: VD_ERR_NOT_FOUND for a node without registers. */
static vd_err_t sifive_test_probe(struct vd_device *dev)
{
	if (!dev->base)
		return VD_ERR_NOT_FOUND;
	finisher = hal_map_device(dev->base, sizeof(uint32_t));
	return VD_OK;
}

static void sifive_test_off(int status)
{
	uint32_t code = (uint32_t)status & FINISHER_CODE_MASK;

	if (status != 0 && code == 0)
		code = 1; /* a failure must not read as success */
	*finisher = status == 0 ? FINISHER_PASS
				: code << FINISHER_CODE_SHIFT | FINISHER_FAIL;
}

static const char *const sifive_test_match[] = {"sifive,test0", "sifive,test1",
						NULL};
static const struct vd_power_ops sifive_test_ops = {.off = sifive_test_off};

VD_DRIVER(sifive_test_driver) = {
	.name = "sifive-test",
	.role = VD_ROLE_POWER,
	.priority = 20,
	.compatible = sifive_test_match,
	.probe = sifive_test_probe,
	.ops = &sifive_test_ops,
};
