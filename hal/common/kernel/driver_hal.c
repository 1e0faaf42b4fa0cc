/*
 * The HAL functions that are nothing but the bound driver of their role
 * (hal/common/include/hal/driver.h): console, power-off, entropy and the
 * interrupt controller's mask/unmask.  The arch keeps what needs its own
 * code around the driver (CPU start, IPIs, the trap path).
 */
#include <hal/driver.h>
#include <veridian/hal.h>
#include <veridian/printf.h>

void hal_console_putc(char c)
{
	const struct vd_console_ops *ops = vd_driver_ops(VD_ROLE_CONSOLE);

	if (ops)
		ops->putc(c);
}

int hal_console_getc(void)
{
	const struct vd_console_ops *ops = vd_driver_ops(VD_ROLE_CONSOLE);

	return ops && ops->getc ? ops->getc() : -1;
}

bool hal_entropy(uint64_t *out)
{
	const struct vd_entropy_ops *ops = vd_driver_ops(VD_ROLE_ENTROPY);

	return ops && ops->read(out);
}

void hal_irq_unmask(unsigned irq)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);

	if (ops)
		ops->unmask(irq);
}

void hal_irq_mask(unsigned irq)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);

	if (ops)
		ops->mask(irq);
}

VD_NORETURN void hal_poweroff(int status)
{
	const struct vd_power_ops *ops = vd_driver_ops(VD_ROLE_POWER);

	hal_irq_save();
	if (ops)
		ops->off(status);
	/* no driver, or it could not: say so (a test run would otherwise
	 * just hang to its timeout), then stop here, interrupts off */
	kprintf("poweroff: %s: halted, status %d\n",
		ops ? "the power driver returned" : "no power driver", status);
	for (;;)
		hal_cpu_idle();
}
