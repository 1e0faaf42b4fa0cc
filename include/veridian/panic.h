/*
 * Veridian: panic and assertions.
 *
 * vd_panic prints the message, the CPU, and a frame-pointer backtrace, then
 * powers the machine off with a failure status so that a test run ends
 * instead of hanging.
 */
#ifndef VERIDIAN_PANIC_H
#define VERIDIAN_PANIC_H

#include <veridian/types.h>

VD_NORETURN void vd_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#if VD_HOST
/* Host tests: a test that caught a panic (hal/host's hal_poweroff) lets
 * the next one print its message again (only the first panic prints). */
void vd_panic_host_reset(void);
#endif

/* Print a backtrace starting at frame pointer fp (0 = the caller's). */
void vd_backtrace(uintptr_t fp);

#define VD_ASSERT(cond)                                                        \
	do {                                                                   \
		if (VD_UNLIKELY(!(cond)))                                      \
			vd_panic("assertion failed: %s at %s:%d", #cond,       \
				 __FILE__, __LINE__);                          \
	} while (0)

/*
 * VD_DEBUG_ASSERT: a contract (a lock held, a precondition a header
 * comment states) checked in debug builds and compiled out of the
 * production image.  VD_DEBUG is 1 in the test image (veridian-test.elf,
 * whose core is compiled a second time for it: cmake/kernel.cmake) and in
 * the host suites (cmake/host.cmake); the production image
 * (veridian.elf) is built without it.  Compiled out, the condition is
 * still type-checked (inside sizeof, never evaluated), so it cannot rot.
 * The IPC fast path's hot functions carry none: the bench runs the test
 * image.
 */
#ifndef VD_DEBUG
#define VD_DEBUG 0
#endif
#if VD_DEBUG
#define VD_DEBUG_ASSERT(cond) VD_ASSERT(cond)
#else
#define VD_DEBUG_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#define VD_BUG(msg) vd_panic("BUG: %s at %s:%d", (msg), __FILE__, __LINE__)

#endif /* VERIDIAN_PANIC_H */
