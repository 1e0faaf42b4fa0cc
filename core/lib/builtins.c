/*
 * The symbols the compiler may call even in -ffreestanding code (struct
 * copies, zero-initialised arrays): memcpy, memmove, memset, memcmp.
 * Kernel builds only; the host test build uses libc's.
 */
#include <veridian/string.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
	return vd_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return vd_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	return vd_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return vd_memcmp(a, b, n);
}
