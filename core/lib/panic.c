/*
 * Panic and backtrace.
 *
 * A panic prints its message and a frame-pointer backtrace (the kernel is
 * built with -fno-omit-frame-pointer; the HAL knows each ABI's frame
 * record layout), then powers off with a failure status so QEMU test runs
 * end promptly.  A panic while panicking (e.g. a fault in the unwinder)
 * skips straight to power-off.
 */
#include <stdarg.h>
#include <veridian/hal.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

#define BACKTRACE_MAX_FRAMES 32

static volatile int panicking;

void vd_backtrace(uintptr_t fp)
{
	uintptr_t pc;

	if (!fp)
		fp = hal_frame_pointer();
	kprintf("backtrace:\n");
	for (int i = 0; i < BACKTRACE_MAX_FRAMES; i++) {
		if (!hal_unwind_frame(&fp, &pc))
			break;
		kprintf("  #%d %p\n", i, (void *)pc);
	}
}

void vd_panic(const char *fmt, ...)
{
	va_list ap;

	hal_irq_save();
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) == 0) {
		kprintf("\n*** KERNEL PANIC on cpu %u: ", hal_cpu_id());
		va_start(ap, fmt);
		vkprintf(fmt, ap);
		va_end(ap);
		kprintf("\n");
		vd_backtrace(0);
	}
	hal_poweroff(3);
}

#if VD_HOST
void vd_panic_host_reset(void)
{
	panicking = 0;
}
#endif
