/*
 * SipHash-2-4, from Aumasson & Bernstein, "SipHash: a fast short-input
 * PRF" (2012).  Used as the MAC that makes capability tokens unforgeable.
 *
 * The state is four 64-bit words v0..v3, initialised from the 128-bit key
 * k = k0 || k1 (each half read little-endian) xor the ASCII constants
 * "somepseudorandomlygeneratedbytes":
 *
 *     v0 = k0 ^ 0x736f6d6570736575    v1 = k1 ^ 0x646f72616e646f6d
 *     v2 = k0 ^ 0x6c7967656e657261    v3 = k1 ^ 0x7465646279746573
 *
 * The message is cut into 8-byte little-endian words m_i; the last word
 * holds the 0..7 leftover bytes and, in its top byte, the message length
 * mod 256.  Each word is absorbed with c = 2 rounds:
 *
 *     v3 ^= m;  SipRound x 2;  v0 ^= m;
 *
 * then finalisation xors 0xff into v2, runs d = 4 rounds and returns
 * v0 ^ v1 ^ v2 ^ v3.  A SipRound is an add-rotate-xor network:
 *
 *     v0 += v1; v1 = rotl(v1,13); v1 ^= v0; v0 = rotl(v0,32);
 *     v2 += v3; v3 = rotl(v3,16); v3 ^= v2;
 *     v0 += v3; v3 = rotl(v3,21); v3 ^= v0;
 *     v2 += v1; v1 = rotl(v1,17); v1 ^= v2; v2 = rotl(v2,32);
 *
 * Bytes are assembled explicitly, so the result does not depend on the
 * host byte order or on the alignment of `data`.
 */
#include <veridian/cap.h>

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

static inline void sip_absorb(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t vd_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sip_state s = {
		.v0 = k0 ^ 0x736f6d6570736575ull,
		.v1 = k1 ^ 0x646f72616e646f6dull,
		.v2 = k0 ^ 0x6c7967656e657261ull,
		.v3 = k1 ^ 0x7465646279746573ull,
	};
	size_t full = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56;

	for (size_t i = 0; i < full; i += 8)
		sip_absorb(&s, load_le64(p + i));
	for (size_t i = full; i < len; i++)
		last |= (uint64_t)p[i] << (8 * (i - full));
	sip_absorb(&s, last);

	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
