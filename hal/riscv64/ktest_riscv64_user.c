/*
 * RISC-V HAL ktests, part 2: what only RISC-V user mode has (sstatus
 * bits of an ecall, sscratch and SUM back in place after it, timer
 * interrupts taken in U-mode), the harts used, SMP start and IPIs.  A PLIC
 * device interrupt is ktest_plic.c's.  The portable user-mode tests are in
 * tests/ktest/hal_user.c and use the same support (hal/ktest.h, arch/ktest.h).
 */
#include <arch/cpu.h>
#include <arch/ktest.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <veridian/boot.h>
#include <veridian/ktest.h>
#include <veridian/metrics.h>
#include <veridian/string.h>
#include <veridian/syscall.h>

static struct {
	uint64_t nr, status, arg0;
} sys;

static void record_syscall(struct vd_cpu_context *ctx)
{
	sys.nr = VD_CTX_SYSNR(ctx);
	sys.status = ctx->status;
	sys.arg0 = vd_ctx_arg(ctx, 0);
	hal_kt_user_exit(1);
}

static int run(const struct hal_kt_code *c)
{
	struct hal_kt_user u;
	if (!hal_kt_user_init(&u, c)) {
		vd_syscall_test_hook = NULL;
		return -1;
	}
	int r = hal_kt_user_run(&u, 0, 0, NULL);
	hal_kt_user_fini(&u);
	return r;
}

/* ---- ecall ---- */

VD_KTEST(rv_user_ecall_state)
{
	struct hal_kt_code c = {0};
	hal_kt_emit_syscall(&c, 0x77);
	hal_kt_emit_spin(&c);
	vd_syscall_test_hook = record_syscall;
	KT_ASSERT_EQ(run(&c), 1);
	KT_ASSERT_EQ(sys.nr, 0x77);
	KT_ASSERT_EQ(sys.status & SSTATUS_SPP, 0); /* came from U-mode */
	KT_ASSERT(sys.status & SSTATUS_SPIE);	   /* user had interrupts on */
	/* back in the kernel for good: no user window, no user tp */
	KT_ASSERT_EQ(csr_read(sstatus) & SSTATUS_SUM, 0);
	KT_ASSERT_EQ(csr_read(sscratch), 0);
}

/* ---- interrupts while in user mode ---- */

/* The program spins on rdtime for ~3 timer ticks' worth of time; the
 * tick interrupts it in U-mode and sret resumes it. */
VD_KTEST(rv_user_interrupted_by_timer)
{
	struct hal_kt_code c = {0};
	rv_kt_word(&c, rv_csrr(RV_T0, RV_CSR_TIME));
	rv_kt_word(&c, rv_lui(RV_T1, 0x100)); /* 1 Mi ticks: 100 ms at 10 MHz */
	rv_kt_word(&c, rv_add(RV_T0, RV_T0, RV_T1));
	rv_kt_word(&c, rv_csrr(RV_T2, RV_CSR_TIME));
	rv_kt_word(&c, rv_branch(RV_BLTU, RV_T2, RV_T0, -4));
	hal_kt_emit_arg(&c, 0, 1);
	hal_kt_emit_syscall(&c, 0x7a);
	hal_kt_emit_spin(&c);
	struct vd_kernel_metrics m0, m1;
	vd_syscall_test_hook = record_syscall;
	vd_kernel_metrics(&m0);
	int r = run(&c);
	vd_kernel_metrics(&m1);
	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(sys.nr, 0x7a);
	KT_ASSERT_EQ(sys.arg0, 1);
	KT_ASSERT(m1.interrupts_handled >= m0.interrupts_handled + 2);
}

/* ---- CPUs and IPIs ---- */
/* The kernel uses exactly the harts of the DTB that are enabled and have
 * an MMU (sifive_u: not the E51, hart 0), the boot hart first, and each
 * online one found its PLIC S-mode context. */
VD_KTEST(rv_harts_used)
{
	const struct fdt *f = rv_boot_fdt;
	const struct vd_boot_info *bi = vd_boot_info;
	int cpus = fdt_path(f, "/cpus");
	unsigned usable = 0;

	KT_ASSERT(cpus >= 0);
	for (int n = fdt_first_child(f, cpus); n >= 0;
	     n = fdt_next_sibling(f, n)) {
		uint64_t hartid;
		uint32_t len;
		const char *mmu = fdt_prop(f, n, "mmu-type", &len);
		if (!fdt_reg(f, n, 0, &hartid, NULL))
			continue;
		bool use = fdt_node_enabled(f, n) && mmu && len > 0 &&
			   vd_strncmp(mmu, "riscv,none", len) != 0;
		bool used = false;
		for (unsigned c = 0; c < bi->cpu_count; c++)
			used |= bi->cpu_hwid[c] == hartid;
		usable += use;
		if (bi->cpu_count < VD_MAX_CPUS)
			KT_ASSERT_EQ(used, use);
		else
			KT_ASSERT(use || !used);
	}
	KT_ASSERT_EQ(bi->cpu_count, VD_MIN(usable, (unsigned)VD_MAX_CPUS));
	KT_ASSERT_EQ(bi->cpu_hwid[0], rv_this_cpu()->hartid);
	for (unsigned c = 0; c < hal_cpu_count(); c++)
		if (vd_driver_bound(VD_ROLE_IRQ))
			KT_ASSERT(rv_percpu[c].plic_context >= 0);
}

VD_KTEST(rv_cpus_and_ipis)
{
	struct rv_percpu *self = rv_this_cpu();
	unsigned me = hal_cpu_id();
	KT_ASSERT_EQ(self, &rv_percpu[me]);
	KT_ASSERT_EQ(me, 0); /* ktests run on the boot hart */
	KT_ASSERT_EQ(self->hartid, vd_boot_info->boot_cpu_hwid);
	KT_ASSERT_EQ(vd_boot_info->cpu_hwid[0], vd_boot_info->boot_cpu_hwid);
	KT_ASSERT_EQ(hal_cpu_start(0), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_cpu_start(VD_MAX_CPUS), VD_ERR_INVALID_PARAMETER);
	for (unsigned c = 1; c < hal_cpu_count(); c++)
		KT_ASSERT_EQ(hal_cpu_start(c), VD_ERR_BUSY);

	/* every online CPU (this one too) takes an IPI */
	for (unsigned c = 0; c < hal_cpu_count(); c++) {
		uint64_t before =
			__atomic_load_n(&rv_percpu[c].ipis, __ATOMIC_ACQUIRE);
		uint64_t t0 = hal_timer_now_ns();
		hal_irqstate_t s = hal_irq_save();
		hal_ipi_send(c);
		while (__atomic_load_n(&rv_percpu[c].ipis, __ATOMIC_ACQUIRE) ==
			       before &&
		       hal_timer_now_ns() - t0 < 2000000000ull)
			hal_cpu_idle();
		hal_irq_restore(s);
		KT_ASSERT(rv_percpu[c].ipis > before);
	}
}
