/* cmocka suite for core/lib: formatter, strings, bitmaps, lists, locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <host/fake.h>
#include <stdio.h>
#include <string.h>
#include <veridian/bitmap.h>
#include <veridian/list.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/sched.h>
#include <veridian/spinlock.h>
#include <veridian/string.h>

#include "../../core/cap/cap_internal.h"
#include "../../core/sched/sched_internal.h"

/* Compare vd_snprintf against the C library for one format. */
#define CHECK_FMT(fmt, ...)                                                    \
	do {                                                                   \
		char a[128], b[128];                                           \
		int na = vd_snprintf(a, sizeof(a), fmt, __VA_ARGS__);          \
		int nb = snprintf(b, sizeof(b), fmt, __VA_ARGS__);             \
		assert_string_equal(a, b);                                     \
		assert_int_equal(na, nb);                                      \
	} while (0)

static void test_printf_matches_libc(void **state)
{
	(void)state;
	CHECK_FMT("%d %i %u", -42, 7, 3000000000u);
	CHECK_FMT("%x %X %o %#x %#o", 0xbeefu, 0xbeefu, 8u, 255u, 8u);
	CHECK_FMT("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	CHECK_FMT("%ld %lu %lld %llu", -1L, ~0UL, -9223372036854775807LL - 1,
		  18446744073709551615ULL);
	CHECK_FMT("%zu %zx", (size_t)12345, (size_t)0xabc);
	CHECK_FMT("%hd %hhu %hx", (short)-3, (unsigned char)250,
		  (unsigned short)0xffff);
	CHECK_FMT("[%s] [%10s] [%-10s] [%.3s] [%*s]", "abc", "abc", "abc",
		  "abcdef", 6, "x");
	CHECK_FMT("%c%c%c %%", 'a', 'b', 'c');
	CHECK_FMT("[%.5d] [%8.3d] [%.0d] [%#014llx]", 42, -7, 0, 0x1234ULL);
	CHECK_FMT("%p", (void *)0xdeadbeef);
}

static void test_printf_truncates_and_counts(void **state)
{
	char buf[8];
	(void)state;

	int n = vd_snprintf(buf, sizeof(buf), "%s", "hello world");
	assert_int_equal(n, 11);
	assert_string_equal(buf, "hello w");
	n = vd_snprintf(NULL, 0, "%d", 123456);
	assert_int_equal(n, 6);
	n = vd_snprintf(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "");
	vd_snprintf(buf, sizeof(buf), "%s", (const char *)NULL);
	assert_string_equal(buf, "(null)");
}

static void test_kprintf_goes_to_console_with_crlf(void **state)
{
	(void)state;
	host_fake_reset();
	kprintf("a=%d\nb\n", 5);
	assert_string_equal(host_console_output(), "a=5\r\nb\r\n");
}

static void test_string_functions(void **state)
{
	char buf[32];
	(void)state;

	assert_int_equal(vd_strlen(""), 0);
	assert_int_equal(vd_strlen("abc"), 3);
	assert_int_equal(vd_strnlen("abcdef", 4), 4);
	assert_true(vd_strcmp("abc", "abd") < 0);
	assert_true(vd_strcmp("b", "a") > 0);
	assert_int_equal(vd_strcmp("same", "same"), 0);
	assert_int_equal(vd_strncmp("abcX", "abcY", 3), 0);
	assert_non_null(vd_strchr("hello", 'l'));
	assert_null(vd_strchr("hello", 'z'));
	assert_int_equal(vd_strlcpy(buf, "truncate me", 5), 11);
	assert_string_equal(buf, "trun");

	/* overlapping moves in both directions */
	memcpy(buf, "0123456789", 11);
	vd_memmove(buf + 2, buf, 5);
	assert_memory_equal(buf, "0101234789", 10);
	memcpy(buf, "0123456789", 11);
	vd_memmove(buf, buf + 3, 5);
	assert_memory_equal(buf, "3456756789", 10);

	/* aligned and unaligned memset/memcpy agree with libc */
	uint64_t words[8];
	unsigned char ref[64];
	for (int off = 0; off < 8; off++) {
		vd_memset((char *)words + off, 0xa5, 40);
		memset(ref, 0, sizeof(ref));
		memset(ref + off, 0xa5, 40);
		assert_memory_equal((char *)words + off, ref + off, 40);
		vd_memset(words, 0, sizeof(words));
	}
	assert_int_equal(vd_memcmp("abc", "abd", 3), -1);
	assert_int_equal(vd_memcmp("abd", "abc", 3), 1);
	assert_int_equal(vd_memcmp("abc", "abc", 3), 0);
}

static void test_bitmap(void **state)
{
	unsigned long map[VD_BITMAP_WORDS(130)];
	(void)state;

	vd_bitmap_zero(map, 130);
	assert_int_equal(vd_bitmap_find_first_set(map, 130), 130);
	assert_int_equal(vd_bitmap_find_last_set(map, 130), 130);
	assert_int_equal(vd_bitmap_find_first_clear(map, 130), 0);
	vd_bitmap_set(map, 129);
	vd_bitmap_set(map, 64);
	vd_bitmap_set(map, 3);
	assert_true(vd_bitmap_test(map, 64));
	assert_false(vd_bitmap_test(map, 65));
	assert_int_equal(vd_bitmap_find_first_set(map, 130), 3);
	assert_int_equal(vd_bitmap_find_last_set(map, 130), 129);
	assert_int_equal(vd_bitmap_weight(map, 130), 3);
	vd_bitmap_clear(map, 3);
	assert_int_equal(vd_bitmap_find_first_set(map, 130), 64);

	vd_bitmap_fill(map, 130);
	assert_int_equal(vd_bitmap_weight(map, 130), 130);
	assert_int_equal(vd_bitmap_find_first_clear(map, 130), 130);
	vd_bitmap_clear_range(map, 60, 10);
	assert_int_equal(vd_bitmap_find_first_clear(map, 130), 60);
	assert_int_equal(vd_bitmap_weight(map, 130), 120);
	vd_bitmap_set_range(map, 60, 10);
	assert_int_equal(vd_bitmap_weight(map, 130), 130);
}

struct item {
	int value;
	struct vd_list link;
};

static void test_list(void **state)
{
	struct vd_list head = VD_LIST_INIT(head);
	struct item items[4];
	struct vd_list *it, *tmp;
	int expect = 0;
	(void)state;

	assert_true(vd_list_empty(&head));
	assert_null(vd_list_pop(&head));
	for (int i = 0; i < 4; i++) {
		items[i].value = i;
		vd_list_add_tail(&head, &items[i].link);
	}
	assert_int_equal(vd_list_length(&head), 4);
	vd_list_for_each(it, &head) assert_int_equal(
		VD_LIST_ENTRY(it, struct item, link)->value, expect++);
	vd_list_remove(&items[1].link);
	vd_list_remove(&items[1].link); /* second remove is harmless */
	assert_int_equal(vd_list_length(&head), 3);
	vd_list_add(&head, &items[1].link);
	it = vd_list_pop(&head);
	assert_ptr_equal(it, &items[1].link);
	vd_list_for_each_safe(it, tmp, &head) vd_list_remove(it);
	assert_true(vd_list_empty(&head));
}

static void test_spinlock_tickets(void **state)
{
	struct vd_spinlock l = VD_SPINLOCK_INIT;
	(void)state;

	host_fake_reset();
	hal_irq_local_enable();
	assert_false(vd_spin_is_held(&l));
	hal_irqstate_t st = vd_spin_lock_irqsave(&l);
	assert_true(vd_spin_is_held(&l));
	assert_false(hal_irq_local_enabled());
	assert_false(vd_spin_trylock(&l));
	vd_spin_unlock_irqrestore(&l, st);
	assert_true(hal_irq_local_enabled());
	assert_false(vd_spin_is_held(&l));
	assert_true(vd_spin_trylock(&l));
	vd_spin_unlock(&l);
	assert_int_equal(l.next, l.owner);
}

/* vd_spin_is_held says whether THIS CPU holds the lock, not merely
 * whether someone does. */
static void test_spin_is_held_is_per_cpu(void **state)
{
	struct vd_spinlock l = VD_SPINLOCK_INIT;
	(void)state;

	host_fake_reset();
	host_set_cpu_count(2);
	host_set_cpu(1);
	vd_spin_lock(&l);
	assert_true(vd_spin_is_held(&l));
	host_set_cpu(0);
	assert_false(vd_spin_is_held(&l)); /* taken, but by cpu 1 */
	host_set_cpu(1);
	vd_spin_unlock(&l);
	assert_false(vd_spin_is_held(&l));
	host_set_cpu(0);
}

/* Run fn, which must panic with a message containing `what`. */
static void expect_contract_panic(void (*fn)(void), const char *what)
{
	jmp_buf jb;

	vd_panic_host_reset();
	host_console_clear();
	host_poweroff_jmp = &jb;
	if (setjmp(jb) == 0) {
		fn();
		fail_msg("no contract violation caught (%s)", what);
	}
	host_poweroff_jmp = NULL;
	assert_int_not_equal(host_poweroff_status, 0);
	assert_non_null(strstr(host_console_output(), "assertion failed"));
	assert_non_null(strstr(host_console_output(), what));
}

static struct vd_waitqueue contract_wq;

static void wake_without_sched_lock(void)
{
	(void)vd_sched_wake_one_locked(&contract_wq);
}

static void wake_with_sched_lock_of_other_cpu(void)
{
	host_set_cpu(1);
	vd_sched_lock_state_t st = vd_sched_lock();
	host_set_cpu(0);
	(void)st; /* cpu 1 never gets it back: the test resets the lock */
	(void)vd_sched_wake_one_locked(&contract_wq);
}

static void cap_lookup_without_cap_lock(void)
{
	struct vd_cap_space space = {0};

	(void)cap_lookup_locked(&space, 1);
}

/* The *_locked contracts check themselves in this (debug) build: a call
 * without the lock, or with it held by another CPU, panics. */
static void test_locked_contracts_are_checked(void **state)
{
	(void)state;

	assert_int_equal(VD_DEBUG, 1);
	host_fake_reset();
	host_set_cpu_count(2);
	vd_waitqueue_init(&contract_wq);
	expect_contract_panic(wake_without_sched_lock, "vd_sched_lock_held");
	expect_contract_panic(wake_with_sched_lock_of_other_cpu,
			      "vd_sched_lock_held");
	vd_spin_init(&vd_sched_lock_word);
	expect_contract_panic(cap_lookup_without_cap_lock, "vd_cap_lock");
	/* and with the lock, the same call is fine */
	vd_sched_lock_state_t st = vd_sched_lock();
	assert_int_equal(vd_sched_wake_one_locked(&contract_wq), 0);
	vd_sched_unlock(st);
}

static void test_panic_powers_off_with_failure(void **state)
{
	jmp_buf jb;
	(void)state;

	host_fake_reset();
	vd_panic_host_reset();
	host_poweroff_jmp = &jb;
	if (setjmp(jb) == 0) {
		vd_panic("boom %d", 7);
		fail_msg("vd_panic returned");
	}
	assert_int_not_equal(host_poweroff_status, 0);
	assert_non_null(strstr(host_console_output(), "KERNEL PANIC"));
	assert_non_null(strstr(host_console_output(), "boom 7"));
}

static void test_strerror_names(void **state)
{
	(void)state;
	assert_string_equal(vd_strerror(VD_ERR_TIMEOUT), "Timeout");
	assert_string_equal(vd_strerror(VD_ERR_INVALID_CAPABILITY),
			    "InvalidCapability");
	assert_string_equal(vd_strerror((vd_err_t)999), "UnknownError");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printf_matches_libc),
		cmocka_unit_test(test_printf_truncates_and_counts),
		cmocka_unit_test(test_kprintf_goes_to_console_with_crlf),
		cmocka_unit_test(test_string_functions),
		cmocka_unit_test(test_bitmap),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_spinlock_tickets),
		cmocka_unit_test(test_spin_is_held_is_per_cpu),
		cmocka_unit_test(test_locked_contracts_are_checked),
		cmocka_unit_test(test_panic_powers_off_with_failure),
		cmocka_unit_test(test_strerror_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
