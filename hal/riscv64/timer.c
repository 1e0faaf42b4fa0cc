/*
 * Time and the per-CPU one-shot timer.
 *
 * The `time` CSR counts at the DTB's /cpus timebase-frequency (10 MHz on
 * QEMU virt).  Conversions use 32.32 fixed-point multipliers so neither
 * direction divides at run time.  The deadline is programmed through the
 * SBI TIME extension: OpenSBI raises STIP once time >= the value and a
 * new set_timer call clears it, so the interrupt handler disarms with
 * set_timer(UINT64_MAX) before calling core.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <arch/sbi.h>
#include <hal/fdt.h>
#include <hal/q32.h>
#include <veridian/printf.h>

#define NSEC_PER_SEC	 1000000000ull
#define DEFAULT_TIMEBASE 10000000ull

static uint64_t boot_ticks;
static uint64_t ns_per_tick;  /* 32.32 fixed point */
static uint64_t ticks_per_ns; /* 32.32 fixed point, rounded up */

static inline uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

void rv_timer_init(const struct fdt *f)
{
	uint64_t hz = 0;
	int cpus = fdt_path(f, "/cpus");
	if (cpus < 0 || !fdt_prop_u64(f, cpus, "timebase-frequency", &hz) ||
	    hz == 0) {
		kprintf("riscv: no /cpus/timebase-frequency, assuming %llu "
			"Hz\n",
			DEFAULT_TIMEBASE);
		hz = DEFAULT_TIMEBASE;
	}
	ns_per_tick = hal_q32_div(NSEC_PER_SEC, hz);
	ticks_per_ns = hal_q32_div_up(hz, NSEC_PER_SEC);
	boot_ticks = rdtime();
	sbi_set_timer(UINT64_MAX);
}

uint64_t hal_timer_now_ns(void)
{
	return hal_q32_mul(rdtime() - boot_ticks, ns_per_tick);
}

void hal_timer_set_deadline(uint64_t deadline_ns)
{
	if (deadline_ns == UINT64_MAX)
		sbi_set_timer(UINT64_MAX);
	else
		sbi_set_timer(boot_ticks +
			      hal_q32_mul(deadline_ns, ticks_per_ns));
}

void rv_timer_irq(void)
{
	sbi_set_timer(UINT64_MAX);
	vd_timer_irq();
}
