/*
 * Shared by the libFuzzer harnesses in tests/fuzz/ (see docs/fuzzing.md).
 *
 * A harness is one LLVMFuzzerTestOneInput; a failed check prints what
 * broke and aborts, which libFuzzer reports as a crash and saves the
 * input as build/fuzz/crashes/<harness>-crash-<sha1>.  Stateful harnesses
 * read their operations from the input with the byte reader below: when
 * the input runs out every read returns 0 and the harness stops.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz check failed at %s:%d: %s\n  ",  \
				__FILE__, __LINE__, #cond);                    \
			fprintf(stderr, __VA_ARGS__);                          \
			fprintf(stderr, "\n");                                 \
			abort();                                               \
		}                                                              \
	} while (0)

struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline int fuzz_more(const struct fuzz_in *in)
{
	return in->left > 0;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)(fuzz_u8(in) | fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_u16(in) | (uint32_t)fuzz_u16(in) << 16;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	return (uint64_t)fuzz_u32(in) | (uint64_t)fuzz_u32(in) << 32;
}

/* 0 .. n-1 (n > 0), from one byte when n fits in one. */
static inline unsigned fuzz_below(struct fuzz_in *in, unsigned n)
{
	return n <= 256 ? fuzz_u8(in) % n : fuzz_u16(in) % n;
}

#endif /* TESTS_FUZZ_FUZZ_H */
