/*
 * Veridian: in-kernel test registry (ktest).
 *
 * A test is a function registered with VD_KTEST(name) { ... } anywhere in
 * the kernel; the linker gathers the descriptors in section vd_ktests and
 * defines
 * __start_vd_ktests / __stop_vd_ktests around them (no linker-script edit).
 * The test image (veridian-test) runs them all at boot, prints TAP-like
 * "ok N - name" / "not ok N - name" / "skip N - name: why" lines, a
 * closing line "ktest: N passed, N failed, N skipped", and powers off with
 * a pass/fail status.
 *
 * Inside a test, KT_ASSERT and friends record a failure and return from
 * the test function (like cmocka), printing file, line and values.
 */
#ifndef VERIDIAN_KTEST_H
#define VERIDIAN_KTEST_H

#include <veridian/printf.h>
#include <veridian/types.h>

struct vd_ktest {
	const char *name;
	void (*fn)(void);
};

/* Set when the running test records a failure. */
extern bool vd_ktest_failed;
/* Set by KT_SKIP: the test could not run here (no such device on this
 * board, ...).  It prints "skip N - name: why" and counts as neither
 * passed nor failed. */
extern bool vd_ktest_skipped;
void vd_ktest_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_ktest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define VD_KTEST(tname)                                                        \
	static void ktest_fn_##tname(void);                                    \
	static const struct vd_ktest ktest_desc_##tname                        \
		__attribute__((used, section("vd_ktests"), aligned(8))) = {    \
			#tname, ktest_fn_##tname};                             \
	static void ktest_fn_##tname(void)

#define KT_ASSERT(cond)                                                        \
	do {                                                                   \
		if (!(cond)) {                                                 \
			vd_ktest_fail(__FILE__, __LINE__, "%s", #cond);        \
			return;                                                \
		}                                                              \
	} while (0)

#define KT_ASSERT_EQ(a, b)                                                     \
	do {                                                                   \
		uint64_t kt_a_ = (uint64_t)(a), kt_b_ = (uint64_t)(b);         \
		if (kt_a_ != kt_b_) {                                          \
			vd_ktest_fail(__FILE__, __LINE__,                      \
				      "%s == %s (0x%llx != 0x%llx)", #a, #b,   \
				      (unsigned long long)kt_a_,               \
				      (unsigned long long)kt_b_);              \
			return;                                                \
		}                                                              \
	} while (0)

/* Stop the test as skipped, saying why. */
#define KT_SKIP(...)                                                           \
	do {                                                                   \
		vd_ktest_skip(__VA_ARGS__);                                    \
		return;                                                        \
	} while (0)

#define KT_ASSERT_OK(expr) KT_ASSERT_EQ((expr), VD_OK)

/* Run every registered test; returns the number of failures. */
unsigned vd_ktest_run_all(void);

/*
 * Benchmarks: print one row of the "instructions per operation" table.
 * The ktest run collects rows from VD_KBENCH functions (section vd_kbenches),
 * run after the tests.
 */
struct vd_kbench {
	const char *name;
	void (*fn)(void);
};

#define VD_KBENCH(bname)                                                       \
	static void kbench_fn_##bname(void);                                   \
	static const struct vd_kbench kbench_desc_##bname                      \
		__attribute__((used, section("vd_kbenches"), aligned(8))) = {  \
			#bname, kbench_fn_##bname};                            \
	static void kbench_fn_##bname(void)

/* Report: `what` took `total` counter ticks for `ops` operations. */
void vd_kbench_report(const char *what, uint64_t total, uint64_t ops);
void vd_kbench_run_all(void);

#endif /* VERIDIAN_KTEST_H */
