/*
 * In-kernel tests of the boot path every board shares: the firmware memory
 * map made it into boot info, the timer ticks, interrupts are counted, and
 * the formatter works in the freestanding build.
 */
#include <hal/driver.h>
#include <veridian/boot.h>
#include <veridian/hal.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/metrics.h>
#include <veridian/string.h>

VD_KTEST(boot_info_has_memory_map)
{
	const struct vd_boot_info *bi = vd_boot_info;
	uint64_t usable = 0;
	bool kernel_reserved = false;

	KT_ASSERT(bi != NULL);
	KT_ASSERT(bi->mem_count > 0);
	KT_ASSERT(bi->cpu_count >= 1);
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == VD_MEM_USABLE)
			usable += bi->mem[i].size;
	/* every board gives the kernel at least 128 MiB (board.conf) */
	KT_ASSERT(usable >= (128ull << 20));
	for (unsigned i = 0; i < bi->reserved_count; i++)
		kernel_reserved |= bi->reserved[i].type == VD_MEM_KERNEL;
	KT_ASSERT(kernel_reserved);
	KT_ASSERT(vd_strcmp(bi->arch, VD_ARCH_NAME) == 0);
}

VD_KTEST(timer_ticks_with_interrupts_enabled)
{
	unsigned cpu = hal_cpu_id();
	struct vd_kernel_metrics m0, m1;
	uint64_t start, t0;
	hal_irqstate_t s;

	/* metrics first: a tick between the two reads then counts in the
	 * interrupts but not in the ticks, never the other way round */
	vd_kernel_metrics(&m0);
	start = hal_timer_now_ns();
	t0 = vd_ticks(cpu);
	KT_ASSERT(hal_irq_local_enabled());
	/*
	 * Wait for two ticks of this CPU, not for a fixed window of three
	 * tick periods: a tick that comes late (the host did not run this
	 * vCPU for a while, or the interrupt waited for the scheduler lock)
	 * stands for every period it missed and counts once, so on a loaded
	 * host a fixed 30 ms window can hold fewer than two ticks.  The
	 * wall-clock bound only keeps a dead timer from hanging the test.
	 */
	s = hal_irq_save();
	while (vd_ticks(cpu) < t0 + 2 &&
	       hal_timer_now_ns() - start < 200 * VD_TICK_NS)
		hal_cpu_idle();
	hal_irq_restore(s);
	vd_kernel_metrics(&m1);
	KT_ASSERT(vd_ticks(cpu) >= t0 + 2);
	KT_ASSERT(m1.interrupts_handled >= m0.interrupts_handled + 2);
}

VD_KTEST(timer_is_monotonic)
{
	uint64_t prev = hal_timer_now_ns();

	for (int i = 0; i < 1000; i++) {
		uint64_t now = hal_timer_now_ns();
		KT_ASSERT(now >= prev);
		prev = now;
	}
	uint64_t c0 = hal_cycles(), c1 = hal_cycles();
	KT_ASSERT(c1 > c0);
}

/* The hardware random source, where there is one: the x86_64 board runs
 * QEMU's "max" CPU, which has RDRAND; AArch64 RNDR comes with "max" too;
 * the Cortex-A72 and RISC-V boards have a virtio-rng device instead.  A
 * device the HAL found must answer, and two draws that agree would be a
 * 2^-64 coincidence, or a broken source.  (That the x86_64 board has
 * one is hal/x86_64/ktest_x86_64.c's x86_entropy_rdrand.) */
VD_KTEST(hal_entropy_draws_differ)
{
	uint64_t a = 0, b = 0;

	if (!vd_driver_bound(VD_ROLE_ENTROPY))
		KT_SKIP("no entropy driver bound on this board");
	KT_ASSERT(hal_entropy(&a));
	KT_ASSERT(hal_entropy(&b));
	KT_ASSERT(a != b);
}

VD_KTEST(formatter_in_kernel)
{
	char buf[64];

	vd_snprintf(buf, sizeof(buf), "%d|%llx|%s|%5u", -5,
		    0x123456789abcdefull, "ok", 42u);
	KT_ASSERT(vd_strcmp(buf, "-5|123456789abcdef|ok|   42") == 0);
}

VD_KBENCH(timer_read)
{
	const unsigned n = 1000;
	uint64_t c0 = hal_cycles();

	for (unsigned i = 0; i < n; i++)
		(void)hal_timer_now_ns();
	vd_kbench_report("hal_timer_now_ns", hal_cycles() - c0, n);
}
