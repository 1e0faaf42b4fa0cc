/*
 * Veridian: formatted output.
 *
 * Supported conversions: %d %i %u %x %X %o %c %s %p %% with the length
 * modifiers hh h l ll z t j, flags '-' '0' '+' ' ' '#', a field width and a
 * precision (both may be '*').  No floating point: the kernel has none.
 */
#ifndef VERIDIAN_PRINTF_H
#define VERIDIAN_PRINTF_H

#include <stdarg.h>
#include <veridian/types.h>

/* Like C99 vsnprintf: writes at most size-1 characters plus a NUL and
 * returns the length the full output would have had. */
int vd_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int vd_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print to the console (serialised between CPUs).  Returns the length. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vkprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Write a string to the console, translating "\n" to "\r\n". */
void vd_console_write(const char *s, size_t len);

#endif /* VERIDIAN_PRINTF_H */
