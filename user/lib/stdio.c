/*
 * Console output over SYS_WRITE with the console capability, formatted
 * by the kernel's own vd_vsnprintf (core/lib/printf.c is compiled into
 * this library too), and the TAP-style check helper of the test programs.
 */
#include <vd.h>

int vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = vd_vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

	vd_write(vd_console_cap(), buf, len);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	vd_write(vd_console_cap(), s, vd_strlen(s));
	vd_write(vd_console_cap(), "\n", 1);
	return 0;
}

bool vd_check(struct vd_utest *t, bool cond, const char *what, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, what);
	vd_vsnprintf(buf, sizeof(buf), what, ap);
	va_end(ap);
	t->n++;
	if (!cond)
		t->failed++;
	printf("%sok %u - %s: %s\n", cond ? "" : "not ", t->n, t->prog, buf);
	return cond;
}

int vd_utest_done(struct vd_utest *t)
{
	printf("%s: %u passed, %u failed\n", t->prog, t->n - t->failed,
	       t->failed);
	return (int)t->failed;
}
