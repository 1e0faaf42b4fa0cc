/*
 * In-kernel test runner (see include/veridian/ktest.h).
 *
 * The linker collects VD_KTEST descriptors into section vd_ktests and
 * VD_KBENCH descriptors into vd_kbenches; lld defines __start_/__stop_
 * symbols for such C-identifier-named sections and keeps them alive under
 * --gc-sections.  Weak references keep an image without tests linking.
 */
#include <stdarg.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/printf.h>

extern const struct vd_ktest __start_vd_ktests[] __attribute__((weak));
extern const struct vd_ktest __stop_vd_ktests[] __attribute__((weak));
extern const struct vd_kbench __start_vd_kbenches[] __attribute__((weak));
extern const struct vd_kbench __stop_vd_kbenches[] __attribute__((weak));

bool vd_ktest_failed;
bool vd_ktest_skipped;
static char skip_reason[96];

/* A build tree configured with -DVD_KTEST_FILTER=prefix (scripts/fuzz's)
 * runs only the tests whose names start with it, and no benchmark. */
static bool selected(const char *name)
{
#ifdef VD_KTEST_FILTER
	const char *f = VD_KTEST_FILTER;

	while (*f && *f == *name) {
		f++;
		name++;
	}
	return *f == '\0';
#else
	(void)name;
	return true;
#endif
}

void vd_ktest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	vd_ktest_failed = true;
	kprintf("#   %s:%d: assertion failed: ", file, line);
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

void vd_ktest_skip(const char *fmt, ...)
{
	va_list ap;

	vd_ktest_skipped = true;
	va_start(ap, fmt);
	vd_vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
}

unsigned vd_ktest_run_all(void)
{
	unsigned passed = 0, failed = 0, skipped = 0, n = 0;
	const struct vd_ktest *t;

	kprintf("ktest: running %u tests\n",
		(unsigned)(__stop_vd_ktests - __start_vd_ktests));
	for (t = __start_vd_ktests; t < __stop_vd_ktests; t++) {
		if (!selected(t->name))
			continue;
		n++;
		vd_ktest_failed = false;
		vd_ktest_skipped = false;
		t->fn();
		if (vd_ktest_skipped && !vd_ktest_failed) {
			skipped++;
			kprintf("skip %u - %s: %s\n", n, t->name, skip_reason);
		} else if (vd_ktest_failed) {
			failed++;
			kprintf("not ok %u - %s\n", n, t->name);
		} else {
			passed++;
			kprintf("ok %u - %s\n", n, t->name);
		}
	}
	kprintf("ktest: %u passed, %u failed, %u skipped\n", passed, failed,
		skipped);
	return failed;
}

void vd_kbench_report(const char *what, uint64_t total, uint64_t ops)
{
	uint64_t per = ops ? total / ops : 0;

	kprintf("bench: %-40s %8llu instr/op  (%llu ops)\n", what,
		(unsigned long long)per, (unsigned long long)ops);
}

void vd_kbench_run_all(void)
{
	const struct vd_kbench *b;

	if (!selected("")) /* a filtered run: tests only */
		return;
	kprintf("bench: instructions per operation (exact under -icount)\n");
	for (b = __start_vd_kbenches; b < __stop_vd_kbenches; b++)
		b->fn();
}
