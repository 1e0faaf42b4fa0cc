/*
 * In-kernel tests of the capability system (core/cap) on real hardware
 * models: the same invariants as the host suites (tests/host/test_cap*.c),
 * run with the kernel heap, the boot-time MAC key and the target's atomics.
 */
#include <veridian/cap.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>

#define ALL VD_RIGHTS_ALL

static uint64_t kt_rng_state = 0x243f6a8885a308d3ull;

static uint64_t kt_rng(void)
{
	kt_rng_state ^= kt_rng_state >> 12;
	kt_rng_state ^= kt_rng_state << 25;
	kt_rng_state ^= kt_rng_state >> 27;
	return kt_rng_state * 0x2545f4914f6cdd1dull;
}

VD_KTEST(cap_siphash_paper_vector)
{
	uint8_t key[16], msg[15];

	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	KT_ASSERT_EQ(vd_siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
	KT_ASSERT_EQ(vd_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ull);
}

VD_KTEST(cap_create_validate_rights)
{
	struct vd_cap_space *s;
	struct vd_capability c, v;

	KT_ASSERT_OK(vd_cap_space_create(VD_CAP_DEFAULT_SLOTS, &s));
	KT_ASSERT_OK(vd_cap_create(s, VD_OBJ_IPC_ENDPOINT, 1234,
				   VD_RIGHT_READ | VD_RIGHT_GRANT, &c));
	KT_ASSERT(c.token != VD_CAP_TOKEN_NULL);
	KT_ASSERT_OK(vd_cap_validate(s, c.token, VD_RIGHT_READ, &v));
	KT_ASSERT_EQ(v.object_id, 1234);
	KT_ASSERT_EQ(v.object_type, VD_OBJ_IPC_ENDPOINT);
	KT_ASSERT_EQ(vd_cap_validate(s, c.token, VD_RIGHT_WRITE, NULL),
		     VD_ERR_PERMISSION_DENIED);
	KT_ASSERT_OK(vd_cap_validate_type(s, c.token, VD_OBJ_IPC_ENDPOINT,
					  VD_RIGHT_GRANT, NULL));
	KT_ASSERT_EQ(vd_cap_validate_type(s, c.token, VD_OBJ_MEMORY, 0, NULL),
		     VD_ERR_INVALID_CAPABILITY);
	KT_ASSERT_EQ(vd_cap_derive(s, c.token, VD_RIGHT_WRITE, NULL),
		     VD_ERR_PERMISSION_DENIED);
	KT_ASSERT_OK(vd_cap_space_check(s));
	vd_cap_space_destroy(s);
}

/* root(a) -> x(b) -> y(c), root -> z(a); revoking x kills x and y only. */
VD_KTEST(cap_derive_revoke_across_spaces)
{
	struct vd_cap_space *a, *b, *c;
	struct vd_capability root, x, y, z;

	KT_ASSERT_OK(vd_cap_space_create(16, &a));
	KT_ASSERT_OK(vd_cap_space_create(16, &b));
	KT_ASSERT_OK(vd_cap_space_create(16, &c));
	KT_ASSERT_OK(vd_cap_create(a, VD_OBJ_MEMORY, 0x1000, ALL, &root));
	KT_ASSERT_OK(vd_cap_derive_into(b, a, root.token,
					VD_RIGHT_READ | VD_RIGHT_GRANT, &x));
	KT_ASSERT_OK(vd_cap_derive_into(c, b, x.token, VD_RIGHT_READ, &y));
	KT_ASSERT_OK(vd_cap_derive(a, root.token, VD_RIGHT_MAP, &z));
	KT_ASSERT_EQ(y.object_id, 0x1000);
	KT_ASSERT_EQ(vd_cap_derive(c, y.token, VD_RIGHT_READ, NULL),
		     VD_ERR_PERMISSION_DENIED);

	KT_ASSERT_OK(vd_cap_revoke(b, x.token));
	KT_ASSERT_EQ(vd_cap_validate(b, x.token, 0, NULL),
		     VD_ERR_INVALID_CAPABILITY);
	KT_ASSERT_EQ(vd_cap_validate(c, y.token, 0, NULL),
		     VD_ERR_INVALID_CAPABILITY);
	KT_ASSERT_OK(vd_cap_validate(a, z.token, VD_RIGHT_MAP, NULL));
	KT_ASSERT_OK(vd_cap_validate(a, root.token, ALL, NULL));
	KT_ASSERT_EQ(vd_cap_space_used(a), 2);
	KT_ASSERT_EQ(vd_cap_space_used(b), 0);
	KT_ASSERT_EQ(vd_cap_space_used(c), 0);
	KT_ASSERT_OK(vd_cap_space_check(a));
	KT_ASSERT_OK(vd_cap_space_check(b));
	vd_cap_space_destroy(c);
	vd_cap_space_destroy(b);
	vd_cap_space_destroy(a);
}

VD_KTEST(cap_forged_tokens_rejected)
{
	struct vd_cap_space *s, *other;
	struct vd_capability c, o;

	KT_ASSERT_OK(vd_cap_space_create(32, &s));
	KT_ASSERT_OK(vd_cap_space_create(32, &other));
	KT_ASSERT_OK(vd_cap_create(s, VD_OBJ_DEVICE, 7, ALL, &c));
	KT_ASSERT_OK(vd_cap_create(other, VD_OBJ_DEVICE, 7, ALL, &o));
	/* same slot and generation in both spaces, different MAC */
	KT_ASSERT_EQ(c.token & 0xffffffffull, o.token & 0xffffffffull);
	KT_ASSERT(c.token != o.token);
	KT_ASSERT_EQ(vd_cap_validate(s, o.token, 0, NULL),
		     VD_ERR_INVALID_CAPABILITY);
	for (unsigned bit = 0; bit < 64; bit++)
		KT_ASSERT_EQ(
			vd_cap_validate(s, c.token ^ (1ull << bit), 0, NULL),
			VD_ERR_INVALID_CAPABILITY);
	for (unsigned n = 0; n < 20000; n++) {
		vd_cap_token_t t = kt_rng();
		if (n & 1) /* right slot and generation, guessed MAC */
			t = (c.token & 0xffffffffull) | (t << 32);
		if (t != c.token)
			KT_ASSERT_EQ(vd_cap_validate(s, t, 0, NULL),
				     VD_ERR_INVALID_CAPABILITY);
	}
	KT_ASSERT_OK(vd_cap_validate(s, c.token, ALL, NULL));
	vd_cap_space_destroy(other);
	vd_cap_space_destroy(s);
}

VD_KTEST(cap_stale_token_after_slot_reuse)
{
	struct vd_cap_space *s;
	struct vd_capability old, now;

	KT_ASSERT_OK(vd_cap_space_create(1, &s));
	KT_ASSERT_OK(vd_cap_create(s, VD_OBJ_FILE, 3, ALL, &old));
	KT_ASSERT_EQ(vd_cap_create(s, VD_OBJ_FILE, 4, ALL, NULL),
		     VD_ERR_RESOURCE_EXHAUSTED);
	KT_ASSERT_OK(vd_cap_revoke(s, old.token));
	KT_ASSERT_OK(vd_cap_create(s, VD_OBJ_FILE, 3, ALL, &now));
	KT_ASSERT_EQ(now.token & 0xffff, old.token & 0xffff);
	KT_ASSERT_EQ(now.generation, (uint16_t)(old.generation + 1));
	KT_ASSERT_EQ(vd_cap_validate(s, old.token, 0, NULL),
		     VD_ERR_INVALID_CAPABILITY);
	KT_ASSERT_EQ(vd_cap_revoke(s, old.token), VD_ERR_INVALID_CAPABILITY);
	KT_ASSERT_OK(vd_cap_validate(s, now.token, ALL, NULL));
	vd_cap_space_destroy(s);
}

/* Process exit with live children elsewhere leaks neither capabilities
 * nor heap memory. */
VD_KTEST(cap_space_destroy_leaks_nothing)
{
	struct vd_cap_stats st0, st1;
	struct vd_allocator_stats h0, h1;
	struct vd_cap_space *p, *q;
	struct vd_capability c, d;

	vd_cap_get_stats(&st0);
	vd_heap_stats(&h0);
	KT_ASSERT_OK(vd_cap_space_create(VD_CAP_DEFAULT_SLOTS, &p));
	KT_ASSERT_OK(vd_cap_space_create(VD_CAP_DEFAULT_SLOTS, &q));
	for (unsigned i = 0; i < 100; i++) {
		KT_ASSERT_OK(vd_cap_create(p, VD_OBJ_THREAD, i, ALL, &c));
		KT_ASSERT_OK(vd_cap_derive_into(q, p, c.token, ALL, &d));
		KT_ASSERT_OK(
			vd_cap_derive_into(p, q, d.token, VD_RIGHT_READ, NULL));
	}
	KT_ASSERT_EQ(vd_cap_space_used(p), 200);
	KT_ASSERT_EQ(vd_cap_space_used(q), 100);
	vd_cap_space_destroy(p);
	KT_ASSERT_EQ(vd_cap_space_used(q), 0);
	KT_ASSERT_OK(vd_cap_space_check(q));
	vd_cap_space_destroy(q);
	vd_cap_get_stats(&st1);
	vd_heap_stats(&h1);
	KT_ASSERT_EQ(st1.spaces, st0.spaces);
	KT_ASSERT_EQ(st1.caps, st0.caps);
	KT_ASSERT_EQ(st1.revoked - st0.revoked, 300);
	KT_ASSERT_EQ(h1.current_allocated, h0.current_allocated);
}
