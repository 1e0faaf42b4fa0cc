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

/* Print a backtrace starting at frame pointer fp (0 = the caller's). */
void vd_backtrace(uintptr_t fp);

#define VD_ASSERT(cond)                                                    \
	do {                                                               \
		if (VD_UNLIKELY(!(cond)))                                  \
			vd_panic("assertion failed: %s at %s:%d", #cond,   \
				 __FILE__, __LINE__);                      \
	} while (0)

#define VD_BUG(msg) vd_panic("BUG: %s at %s:%d", (msg), __FILE__, __LINE__)

#endif /* VERIDIAN_PANIC_H */
