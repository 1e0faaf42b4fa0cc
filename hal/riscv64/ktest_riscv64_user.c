/*
 * RISC-V HAL ktests, part 2: what only RISC-V user mode has (sstatus
 * bits of an ecall, sscratch and SUM back in place after it, timer
 * interrupts taken in U-mode), SMP start and IPIs, and a PLIC device
 * interrupt.  The portable user-mode tests are in tests/ktest/hal_user.c
 * and use the same support (hal/ktest.h, arch/ktest.h).
 */
#include <arch/cpu.h>
#include <arch/ktest.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/fdt.h>
#include <veridian/boot.h>
#include <veridian/ktest.h>
#include <veridian/metrics.h>
#include <veridian/printf.h>
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

/* ---- PLIC: a device interrupt reaches vd_irq, masking holds it ---- */
/* QEMU virt's Goldfish RTC: an alarm at or before "now" raises its
 * level-triggered interrupt at once; CLEAR_INTERRUPT lowers it. */
#define RTC_TIME_LOW	    0
#define RTC_TIME_HIGH	    1
#define RTC_ALARM_LOW	    2
#define RTC_ALARM_HIGH	    3
#define RTC_IRQ_ENABLED	    4
#define RTC_CLEAR_INTERRUPT 7

static volatile uint32_t *rtc;
static volatile unsigned rtc_irqs, rtc_irq_seen;

static void rtc_irq_hook(unsigned irq)
{
	rtc_irq_seen = irq;
	rtc_irqs++;
	rtc[RTC_CLEAR_INTERRUPT] = 1;
}

static void wait_for_rtc_irq(uint64_t ns)
{
	uint64_t t0 = hal_timer_now_ns();
	hal_irqstate_t s = hal_irq_save();
	while (!rtc_irqs && hal_timer_now_ns() - t0 < ns)
		hal_cpu_idle();
	hal_irq_restore(s);
}

VD_KTEST(rv_plic_device_interrupt)
{
	const struct fdt *f = rv_boot_fdt;
	int node = fdt_find_compatible(f, -1, "google,goldfish-rtc");
	uint64_t base, size;
	uint32_t irq;
	if (node < 0) {
		kprintf("# no google,goldfish-rtc in the DTB: skipped\n");
		return;
	}
	KT_ASSERT(fdt_reg(f, node, 0, &base, &size));
	KT_ASSERT(fdt_prop_u32(f, node, "interrupts", &irq));
	KT_ASSERT(hal_irq_local_enabled());
	rtc = rv_ioremap(base, size);
	rtc_irqs = 0;
	rv_plic_test_hook = rtc_irq_hook;

	hal_irq_mask(irq);
	rtc[RTC_IRQ_ENABLED] = 1;
	uint32_t lo = rtc[RTC_TIME_LOW], hi = rtc[RTC_TIME_HIGH];
	rtc[RTC_ALARM_HIGH] = hi;
	rtc[RTC_ALARM_LOW] = lo;    /* now: the line goes up */
	wait_for_rtc_irq(20000000); /* masked: nothing arrives */
	unsigned while_masked = rtc_irqs;
	hal_irq_unmask(irq);
	wait_for_rtc_irq(2000000000ull);
	hal_irq_mask(irq);
	rtc[RTC_IRQ_ENABLED] = 0;
	rv_plic_test_hook = NULL;

	KT_ASSERT_EQ(while_masked, 0);
	KT_ASSERT_EQ(rtc_irqs, 1);
	KT_ASSERT_EQ(rtc_irq_seen, irq);
}
