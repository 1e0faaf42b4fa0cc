/*
 * SipHash-2-4 (core/cap/siphash.c) against the published test vectors:
 * key 00 01 .. 0f, message 00 01 .. (n-1).  n = 15 is the worked example
 * of the paper's appendix (0xa129ca6149be45e5); the others are the first
 * entries of the reference implementation's 64-bit vector table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <veridian/cap.h>

static const uint64_t expected[] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull,
	0x85676696d7fb7e2dull, 0xcf2794e0277187b7ull, 0x18765564cd99a68dull,
	0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull, 0x93f5f5799a932462ull,
	0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull,
	0xa129ca6149be45e5ull, 0x3f2acc7f57c29bdbull,
};

static uint8_t key[16], msg[64];

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	return 0;
}

static void test_paper_example(void **state)
{
	(void)state;
	assert_int_equal(vd_siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
}

static void test_reference_vectors(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(expected) / sizeof(expected[0]); n++) {
		uint64_t h = vd_siphash24(key, msg, n);
		if (h != expected[n])
			fail_msg("length %zu: got %#llx, want %#llx", n,
				 (unsigned long long)h,
				 (unsigned long long)expected[n]);
	}
	/* 32 bytes: four full words and an empty final block. */
	assert_int_equal(vd_siphash24(key, msg, 32), 0x7127512f72f27cceull);
}

/* The result must not depend on the alignment of the input. */
static void test_unaligned_input(void **state)
{
	uint8_t buf[64 + 8];

	(void)state;
	for (unsigned off = 1; off < 8; off++) {
		memcpy(buf + off, msg, 17);
		assert_int_equal(vd_siphash24(key, buf + off, 15),
				 expected[15]);
		assert_int_equal(vd_siphash24(key, buf + off, 16),
				 expected[16]);
	}
}

/* Any change of key or message changes the output. */
static void test_key_and_message_sensitivity(void **state)
{
	uint64_t base = vd_siphash24(key, msg, 32);

	(void)state;
	for (unsigned bit = 0; bit < 128; bit++) {
		uint8_t k2[16];
		memcpy(k2, key, sizeof(k2));
		k2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(vd_siphash24(k2, msg, 32), base);
	}
	for (unsigned bit = 0; bit < 256; bit++) {
		uint8_t m2[32];
		memcpy(m2, msg, sizeof(m2));
		m2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(vd_siphash24(key, m2, 32), base);
	}
	/* Length is part of the input: a trailing zero byte matters. */
	uint8_t z[8] = {0};
	assert_int_not_equal(vd_siphash24(key, z, 7), vd_siphash24(key, z, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_example),
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_unaligned_input),
		cmocka_unit_test(test_key_and_message_sensitivity),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
