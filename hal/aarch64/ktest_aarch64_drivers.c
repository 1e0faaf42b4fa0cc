/*
 * AArch64 ktests of the driver model's arch side (hal/drivers/ bound by
 * boot.c): which drivers a board binds, the GIC's interrupt specifiers
 * with bad input, the undefined-instruction probe semihosting detection
 * relies on, and RNDR ranking above virtio-rng.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/string.h>

/* Every board must bind a console, an interrupt controller with the
 * operations the trap path and smp.c call, and a power driver. */
VD_KTEST(a64_drivers_bound_for_the_arch_roles)
{
	const struct vd_irq_ops *irq = vd_driver_ops(VD_ROLE_IRQ);

	KT_ASSERT(vd_driver_bound(VD_ROLE_CONSOLE) != NULL);
	KT_ASSERT(irq != NULL);
	KT_ASSERT(irq->cpu_init && irq->handle && irq->ipi_send && irq->xlate &&
		  irq->unmask && irq->mask);
	KT_ASSERT(vd_driver_bound(VD_ROLE_POWER) != NULL);
	/* the timer's interrupt came from the controller's xlate */
	KT_ASSERT(a64_timer_intid() != 0);
}

static bool xlate3(int ctrl, uint32_t type, uint32_t num, unsigned *irq)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);
	const uint32_t cells[3] = {type, num, 4 /* level high */};

	return ops->xlate(ctrl, cells, 3, irq);
}

/* GIC specifiers <type number flags>: SPI 32+n, PPI 16+n; anything else,
 * another controller's node, or too few cells is refused. */
VD_KTEST(a64_gic_xlate_refuses_bad_specifiers)
{
	const struct vd_driver *d = vd_driver_bound(VD_ROLE_IRQ);
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);
	const struct vd_device *dev = vd_driver_device(VD_ROLE_IRQ);
	unsigned irq = 0;

	if (!d || vd_strncmp(d->name, "gicv", 4) != 0)
		KT_SKIP("the interrupt controller is not a GIC");
	int gic = dev->node;
	KT_ASSERT(xlate3(gic, 1, 11, &irq));
	KT_ASSERT_EQ(irq, 27); /* the virtual timer's PPI */
	KT_ASSERT_EQ(a64_timer_intid(), 27);
	KT_ASSERT(xlate3(gic, 0, 1, &irq));
	KT_ASSERT_EQ(irq, 33);
	KT_ASSERT(!xlate3(gic, 2, 0, &irq));	 /* extended SPI range */
	KT_ASSERT(!xlate3(gic, 1, 16, &irq));	 /* only 16 PPIs */
	KT_ASSERT(!xlate3(gic, 0, 988, &irq));	 /* INTID 1020: special */
	KT_ASSERT(!xlate3(gic + 1, 0, 1, &irq)); /* not the GIC's node */
	const uint32_t two[2] = {0, 1};
	KT_ASSERT(!ops->xlate(gic, two, 2, &irq));
	const uint32_t partition[4] = {1, 11, 4, 7};
	KT_ASSERT(!ops->xlate(gic, partition, 4, &irq));
}

static void run_udf(void *arg)
{
	(void)arg;
	__asm__ volatile(".inst 0x00000000" ::: "memory"); /* udf #0 */
}

static void run_nop(void *arg)
{
	*(int *)arg = 1;
}

/* What semihosting detection rests on: an undefined instruction under
 * a64_probe_undefined is stepped over and reported, not a panic. */
VD_KTEST(a64_probe_undefined_steps_over_udf)
{
	int ran = 0;

	KT_ASSERT(!a64_probe_undefined(run_udf, NULL));
	KT_ASSERT(a64_probe_undefined(run_nop, &ran));
	KT_ASSERT_EQ(ran, 1);
	KT_ASSERT(!a64_probe_undefined(run_udf, NULL));
}

/* A CPU with RNDR uses it, whatever devices the board has. */
VD_KTEST(a64_rndr_outranks_virtio_rng)
{
	const struct vd_driver *d = vd_driver_bound(VD_ROLE_ENTROPY);
	uint64_t a, b;

	if (!a64_id_field(a64_read_sysreg(id_aa64isar0_el1),
			  A64_ISAR0_RNDR_SHIFT))
		KT_SKIP("the CPU has no RNDR");
	KT_ASSERT(d != NULL);
	KT_ASSERT(vd_strcmp(d->name, "rndr") == 0);
	KT_ASSERT(hal_entropy(&a));
	KT_ASSERT(hal_entropy(&b));
	KT_ASSERT(a != b);
}
