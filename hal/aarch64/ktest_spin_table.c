/*
 * The spin-table cpu driver's refusals (hal/drivers/cpu/spin_table.c),
 * through its start operation: an MPIDR no spin-table cpu node has, a
 * CPU already released, the boot CPU.  None of them writes a release
 * word.  Skipped where another cpu driver is bound (PSCI on virt).
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <hal/driver.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/string.h>

#define NO_SUCH_MPIDR 0xff00ffffffull /* Aff3..Aff0 all 0xff */

VD_KTEST(spin_table_refuses_unknown_running_and_boot_cpus)
{
	const struct vd_driver *d = vd_driver_bound(VD_ROLE_CPU);
	const struct vd_cpu_ops *ops = vd_driver_ops(VD_ROLE_CPU);
	paddr_t nowhere = 0x1000; /* never reached: every call is refused */

	if (!d || vd_strcmp(d->name, "spin-table") != 0)
		KT_SKIP("the cpu driver is %s, not spin-table",
			d ? d->name : "none");
	KT_ASSERT_EQ(ops->start(NO_SUCH_MPIDR, nowhere, 0), VD_ERR_NOT_FOUND);
	/* the boot CPU runs: it was never waiting in the spin table */
	KT_ASSERT_EQ(ops->start(a64_cpu_hwid[0], nowhere, 0), VD_ERR_BUSY);
	if (hal_cpu_count() < 2)
		return; /* no secondary came up to ask about */
	KT_ASSERT_EQ(ops->start(a64_cpu_hwid[1], nowhere, 1), VD_ERR_BUSY);
}
