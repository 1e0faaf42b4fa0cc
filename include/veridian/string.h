/*
 * Veridian: string and memory helpers.
 *
 * The vd_ names are what core code calls.  The kernel build also exports
 * memcpy/memset/memmove/memcmp (core/lib/builtins.c) because the compiler
 * emits calls to them for structure copies even in freestanding code.
 */
#ifndef VERIDIAN_STRING_H
#define VERIDIAN_STRING_H

#include <veridian/types.h>

void *vd_memcpy(void *dst, const void *src, size_t n);
void *vd_memmove(void *dst, const void *src, size_t n);
void *vd_memset(void *dst, int c, size_t n);
int vd_memcmp(const void *a, const void *b, size_t n);
size_t vd_strlen(const char *s);
size_t vd_strnlen(const char *s, size_t max);
int vd_strcmp(const char *a, const char *b);
int vd_strncmp(const char *a, const char *b, size_t n);
char *vd_strchr(const char *s, int c);
/* Copies at most size-1 characters and always NUL-terminates (size > 0).
 * Returns strlen(src), so truncation is detectable as ret >= size. */
size_t vd_strlcpy(char *dst, const char *src, size_t size);

#endif /* VERIDIAN_STRING_H */
