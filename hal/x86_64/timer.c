/*
 * x86_64 HAL: time.  The clock is the TSC, the per-CPU deadline is the
 * local APIC timer in one-shot mode; both rates are measured once against
 * the PIT (8254), whose input clock is a fixed 1.193182 MHz.
 *
 * Under QEMU -icount shift=0 the TSC counts executed instructions and the
 * PIT and LAPIC timer run on the same virtual clock, so calibration sees a
 * 1 GHz TSC and time stays consistent (and monotonic) with the counter.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/q32.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

#define PIT_HZ		    1193182
#define PIT_CALIBRATE_TICKS 11932 /* 10 ms */

uint64_t x86_tsc_hz, x86_lapic_hz;
static uint64_t tsc_base;
static uint64_t ns_per_tsc_q32;	  /* ns per TSC tick, 32.32 fixed point */
static uint64_t lapic_per_ns_q32; /* LAPIC ticks per ns, 32.32 */

/*
 * PIT channel 2 in mode 0 ("interrupt on terminal count"): its OUT pin,
 * readable at port 0x61 bit 5, rises when the count written to port 0x42
 * reaches 0.  Port 0x61 bit 0 gates channel 2, bit 1 would drive the
 * speaker.  Command 0xb0 on port 0x43 = channel 2, lobyte/hibyte, mode 0,
 * binary.
 */
static void calibrate(void)
{
	x86_outb(0x61, (x86_inb(0x61) & ~0x02) | 0x01);
	x86_outb(0x43, 0xb0);
	x86_outb(0x42, PIT_CALIBRATE_TICKS & 0xff);
	x86_lapic_timer_oneshot(0); /* stop, then run masked from max */
	x86_lapic_timer_oneshot(0xffffffff);
	x86_outb(0x42, PIT_CALIBRATE_TICKS >> 8); /* starts counting */
	uint64_t t0 = x86_rdtsc();
	uint32_t l0 = x86_lapic_timer_current();
	while (!(x86_inb(0x61) & 0x20))
		;
	uint64_t t1 = x86_rdtsc();
	uint32_t l1 = x86_lapic_timer_current();
	x86_lapic_timer_oneshot(0);

	x86_tsc_hz = (t1 - t0) * PIT_HZ / PIT_CALIBRATE_TICKS;
	x86_lapic_hz = (uint64_t)(l0 - l1) * PIT_HZ / PIT_CALIBRATE_TICKS;
	if (!x86_tsc_hz || !x86_lapic_hz)
		vd_panic("x86: timer calibration failed (tsc %llu, lapic %llu)",
			 (unsigned long long)x86_tsc_hz,
			 (unsigned long long)x86_lapic_hz);
}

void x86_timer_init(void)
{
	calibrate();
	ns_per_tsc_q32 = hal_q32_div(1000000000ull, x86_tsc_hz);
	lapic_per_ns_q32 = hal_q32_div(x86_lapic_hz, 1000000000ull);
	tsc_base = x86_rdtsc();
}

void x86_timer_init_cpu(void)
{
	x86_this_cpu()->timer_deadline = UINT64_MAX;
	x86_lapic_timer_oneshot(0);
}

uint64_t hal_timer_now_ns(void)
{
	return hal_q32_mul(x86_rdtsc() - tsc_base, ns_per_tsc_q32);
}

void x86_delay_us(uint64_t us)
{
	uint64_t end = x86_rdtsc() + us * x86_tsc_hz / 1000000;
	while (x86_rdtsc() < end)
		x86_pause();
}

void hal_timer_set_deadline(uint64_t deadline_ns)
{
	hal_irqstate_t s = hal_irq_save();
	x86_this_cpu()->timer_deadline = deadline_ns;
	if (deadline_ns == UINT64_MAX) {
		x86_lapic_timer_oneshot(0); /* initial count 0 stops it */
	} else {
		uint64_t now = hal_timer_now_ns();
		uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
		/* +1: never 0 (stopped), and round up so it rarely fires
		 * early; if it does, the interrupt re-arms */
		uint64_t ticks = hal_q32_mul(delta, lapic_per_ns_q32) + 1;
		x86_lapic_timer_oneshot(ticks > 0xffffffff ? 0xffffffff
							   : (uint32_t)ticks);
	}
	hal_irq_restore(s);
}

void x86_timer_interrupt(void)
{
	x86_lapic_eoi();
	struct x86_percpu *p = x86_this_cpu();
	uint64_t deadline = p->timer_deadline;
	if (deadline == UINT64_MAX)
		return; /* disarmed after it fired */
	if (hal_timer_now_ns() < deadline) {
		hal_timer_set_deadline(deadline); /* early or clamped */
		return;
	}
	p->timer_deadline = UINT64_MAX;
	vd_timer_irq();
}
