/*
 * Capability system (core/cap): spaces, create/validate, derivation and
 * revocation trees within and across spaces, forged and stale tokens,
 * rights escalation, exhaustion, space destruction.
 *
 * Every test destroys what it creates; the teardown checks that no space
 * or capability is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <host/fake.h>
#include <veridian/cap.h>
#include <veridian/kernel.h>
#include <veridian/mm.h>

#include "../../core/cap/cap_internal.h" /* only for the corruption test */

static const uint8_t test_key[VD_CAP_KEY_BYTES] = {
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

#define ALL VD_RIGHTS_ALL
#define RW  (VD_RIGHT_READ | VD_RIGHT_WRITE)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: plenty for picking test inputs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int group_setup(void **state)
{
	struct vd_boot_info bi;

	(void)state;
	host_fake_reset();
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	assert_int_equal(vd_cap_set_key(test_key), VD_OK);
	return 0;
}

static int check_nothing_left(void **state)
{
	struct vd_cap_stats st;

	(void)state;
	vd_cap_get_stats(&st);
	assert_int_equal(st.spaces, 0);
	assert_int_equal(st.caps, 0);
	return 0;
}

static struct vd_cap_space *new_space(uint32_t slots)
{
	struct vd_cap_space *s = NULL;

	assert_int_equal(vd_cap_space_create(slots, &s), VD_OK);
	assert_non_null(s);
	return s;
}

static vd_cap_token_t new_cap(struct vd_cap_space *s, enum vd_object_type t,
			      uint64_t id, uint32_t rights)
{
	struct vd_capability c;

	assert_int_equal(vd_cap_create(s, t, id, rights, &c), VD_OK);
	return c.token;
}

static vd_cap_token_t derive(struct vd_cap_space *dst, struct vd_cap_space *src,
			     vd_cap_token_t parent, uint32_t rights)
{
	struct vd_capability c;

	assert_int_equal(vd_cap_derive_into(dst, src, parent, rights, &c),
			 VD_OK);
	return c.token;
}

static bool valid(struct vd_cap_space *s, vd_cap_token_t t)
{
	return vd_cap_validate(s, t, 0, NULL) == VD_OK;
}

/* ------------------------------------------------------------------ */

static void test_space_create_params(void **state)
{
	struct vd_cap_space *a, *b, *s = (struct vd_cap_space *)1;

	(void)state;
	assert_int_equal(vd_cap_space_create(0, &s), VD_ERR_INVALID_PARAMETER);
	assert_null(s);
	assert_int_equal(vd_cap_space_create(VD_CAP_MAX_SLOTS + 1, &s),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_space_create(16, NULL),
			 VD_ERR_INVALID_PARAMETER);

	a = new_space(VD_CAP_DEFAULT_SLOTS);
	b = new_space(1);
	assert_int_equal(vd_cap_space_capacity(a), VD_CAP_DEFAULT_SLOTS);
	assert_int_equal(vd_cap_space_capacity(b), 1);
	assert_int_equal(vd_cap_space_used(a), 0);
	assert_int_not_equal(vd_cap_space_id(a), 0);
	assert_int_not_equal(vd_cap_space_id(a), vd_cap_space_id(b));
	assert_int_equal(vd_cap_space_check(a), VD_OK);
	/* The key cannot change under live tokens. */
	assert_int_equal(vd_cap_set_key(test_key), VD_ERR_BUSY);
	vd_cap_space_destroy(a);
	vd_cap_space_destroy(b);
	vd_cap_space_destroy(NULL);
	assert_int_equal(vd_cap_space_check(NULL), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_space_used(NULL), 0);
}

static void test_space_max_size(void **state)
{
	struct vd_cap_space *s = new_space(VD_CAP_MAX_SLOTS);
	vd_cap_token_t last = 0;

	(void)state;
	for (uint32_t i = 0; i < VD_CAP_MAX_SLOTS; i++)
		last = new_cap(s, VD_OBJ_MEMORY, i, VD_RIGHT_READ);
	assert_int_equal(vd_cap_create(s, VD_OBJ_MEMORY, 0, 0, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_true(valid(s, last));
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	vd_cap_space_destroy(s);
}

static void test_create_and_validate(void **state)
{
	struct vd_cap_space *s = new_space(16);
	struct vd_capability c, v;

	(void)state;
	assert_int_equal(vd_cap_create(NULL, VD_OBJ_FILE, 1, 0, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_create(s, VD_OBJ_TYPE_COUNT, 1, 0, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_create(s, VD_OBJ_ANY, 1, 0, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_create(s, VD_OBJ_FILE, 1, ALL + 1, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_create(s, VD_OBJ_FILE, 1, 1u << 31, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_space_used(s), 0);

	assert_int_equal(vd_cap_create(s, VD_OBJ_FILE, 0x1234567890ull, RW, &c),
			 VD_OK);
	assert_int_equal(c.object_type, VD_OBJ_FILE);
	assert_int_equal(c.object_id, 0x1234567890ull);
	assert_int_equal(c.rights, RW);
	assert_int_not_equal(c.token, VD_CAP_TOKEN_NULL);
	assert_int_equal(c.generation, (uint16_t)(c.token >> 16));
	assert_int_equal(vd_cap_space_used(s), 1);

	/* Rights: any subset passes, anything more is denied. */
	assert_int_equal(vd_cap_validate(s, c.token, 0, NULL), VD_OK);
	assert_int_equal(vd_cap_validate(s, c.token, VD_RIGHT_READ, NULL),
			 VD_OK);
	memset(&v, 0, sizeof(v));
	assert_int_equal(vd_cap_validate(s, c.token, RW, &v), VD_OK);
	assert_memory_equal(&v, &c, sizeof(v));
	for (uint32_t r = 1; r <= ALL; r++) {
		vd_err_t want = (r & ~RW) ? VD_ERR_PERMISSION_DENIED : VD_OK;
		assert_int_equal(vd_cap_validate(s, c.token, r, NULL), want);
	}
	assert_int_equal(vd_cap_validate(s, c.token, 1u << 20, NULL),
			 VD_ERR_PERMISSION_DENIED);

	/* Type checks. */
	assert_int_equal(vd_cap_validate_type(s, c.token, VD_OBJ_FILE,
					      VD_RIGHT_READ, &v),
			 VD_OK);
	assert_int_equal(vd_cap_validate_type(s, c.token, VD_OBJ_ANY, 0, NULL),
			 VD_OK);
	for (int t = 0; t < VD_OBJ_TYPE_COUNT; t++) {
		if (t == VD_OBJ_FILE)
			continue;
		assert_int_equal(vd_cap_validate_type(s, c.token,
						      (enum vd_object_type)t, 0,
						      NULL),
				 VD_ERR_INVALID_CAPABILITY);
	}
	assert_int_equal(vd_cap_lookup(s, c.token, &v), VD_OK);
	assert_int_equal(v.object_id, c.object_id);

	/* Bad inputs give errors, not crashes. */
	assert_int_equal(vd_cap_validate(NULL, c.token, 0, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_validate(s, VD_CAP_TOKEN_NULL, 0, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_lookup(s, VD_CAP_TOKEN_NULL, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	/* out may be NULL for create too */
	assert_int_equal(vd_cap_create(s, VD_OBJ_DEVICE, 7, 0, NULL), VD_OK);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	vd_cap_space_destroy(s);
}

/* Every object type round-trips; ids use all 64 bits. */
static void test_all_object_types(void **state)
{
	struct vd_cap_space *s = new_space(32);
	struct vd_capability c;

	(void)state;
	for (int t = 0; t < VD_OBJ_TYPE_COUNT; t++) {
		uint64_t id = ~0ull - (uint64_t)t;
		vd_cap_token_t tok =
			new_cap(s, (enum vd_object_type)t, id, ALL);
		assert_int_equal(vd_cap_validate_type(s, tok,
						      (enum vd_object_type)t,
						      ALL, &c),
				 VD_OK);
		assert_int_equal(c.object_id, id);
		assert_int_equal((int)c.object_type, t);
	}
	vd_cap_space_destroy(s);
}

static void test_forged_random_tokens(void **state)
{
	struct vd_cap_space *s = new_space(64);
	vd_cap_token_t live[64];
	unsigned accepted = 0;

	(void)state;
	for (unsigned i = 0; i < 64; i++)
		live[i] = new_cap(s, VD_OBJ_MEMORY, i, ALL);
	for (unsigned n = 0; n < 1000000; n++) {
		vd_cap_token_t t = rng();
		bool is_live = false;
		for (unsigned i = 0; i < 64 && !is_live; i++)
			is_live = live[i] == t;
		if (!is_live &&
		    vd_cap_validate(s, t, 0, NULL) != VD_ERR_INVALID_CAPABILITY)
			accepted++;
	}
	assert_int_equal(accepted, 0);

	/* Right slot and generation, random MAC: the MAC alone stops it. */
	for (unsigned i = 0; i < 64; i++) {
		for (unsigned n = 0; n < 4096; n++) {
			vd_cap_token_t t =
				(live[i] & 0xffffffffull) | (rng() << 32);
			if (t != live[i])
				assert_int_equal(vd_cap_validate(s, t, 0, NULL),
						 VD_ERR_INVALID_CAPABILITY);
		}
	}
	/* Out-of-range slot indices. */
	for (uint64_t idx = 64; idx < 0x10000; idx += 97)
		assert_int_equal(vd_cap_validate(s,
						 (live[0] & ~0xffffull) | idx,
						 0, NULL),
				 VD_ERR_INVALID_CAPABILITY);
	vd_cap_space_destroy(s);
}

static void test_forged_bit_flips(void **state)
{
	struct vd_cap_space *s = new_space(32);
	vd_cap_token_t live[32];

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		live[i] = new_cap(s, VD_OBJ_IPC_ENDPOINT, 100 + i, ALL);
	for (unsigned i = 0; i < 32; i++) {
		for (unsigned a = 0; a < 64; a++) {
			vd_cap_token_t t = live[i] ^ (1ull << a);
			assert_int_equal(vd_cap_validate(s, t, 0, NULL),
					 VD_ERR_INVALID_CAPABILITY);
			for (unsigned b = a + 1; b < 64; b++)
				assert_false(valid(s, t ^ (1ull << b)));
		}
		assert_true(valid(s, live[i]));
	}
	vd_cap_space_destroy(s);
}

/* Same slot, same generation, same object and rights: only the space
 * differs, and the token of one is useless in the other. */
static void test_token_from_another_space(void **state)
{
	struct vd_cap_space *a = new_space(8), *b = new_space(8);

	(void)state;
	for (unsigned i = 0; i < 8; i++) {
		vd_cap_token_t ta = new_cap(a, VD_OBJ_PROCESS, 42, ALL);
		vd_cap_token_t tb = new_cap(b, VD_OBJ_PROCESS, 42, ALL);
		assert_int_equal(ta & 0xffffffffull, tb & 0xffffffffull);
		assert_int_not_equal(ta, tb);
		assert_int_equal(vd_cap_validate(b, ta, 0, NULL),
				 VD_ERR_INVALID_CAPABILITY);
		assert_int_equal(vd_cap_validate(a, tb, 0, NULL),
				 VD_ERR_INVALID_CAPABILITY);
		assert_true(valid(a, ta));
		assert_true(valid(b, tb));
	}
	vd_cap_space_destroy(a);
	vd_cap_space_destroy(b);
}

static void test_stale_after_revoke_and_reuse(void **state)
{
	struct vd_cap_space *s = new_space(1);
	struct vd_capability c1, c2;

	(void)state;
	assert_int_equal(vd_cap_create(s, VD_OBJ_THREAD, 9, ALL, &c1), VD_OK);
	assert_int_equal(vd_cap_revoke(s, c1.token), VD_OK);
	assert_int_equal(vd_cap_validate(s, c1.token, 0, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_revoke(s, c1.token), VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_derive(s, c1.token, 0, NULL),
			 VD_ERR_INVALID_CAPABILITY);

	/* The one slot is reused for the very same object and rights. */
	assert_int_equal(vd_cap_create(s, VD_OBJ_THREAD, 9, ALL, &c2), VD_OK);
	assert_int_equal(c2.token & 0xffff, c1.token & 0xffff);
	assert_int_equal(c2.generation, (uint16_t)(c1.generation + 1));
	assert_int_not_equal(c2.token, c1.token);
	assert_int_equal(vd_cap_validate(s, c1.token, 0, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_true(valid(s, c2.token));
	vd_cap_space_destroy(s);
}

/*
 * The token carries only 16 generation bits.  After 65536 reuses of a
 * slot they repeat, but the MAC covers the full generation, so the old
 * token stays dead even for an identical object and rights.
 */
static void test_generation_wraps_without_revival(void **state)
{
	struct vd_cap_space *s = new_space(1);
	struct vd_capability first, c;

	(void)state;
	assert_int_equal(vd_cap_create(s, VD_OBJ_MEMORY, 5, RW, &first), VD_OK);
	assert_int_equal(vd_cap_revoke(s, first.token), VD_OK);
	for (unsigned i = 1; i < 0x10000; i++) {
		assert_int_equal(vd_cap_create(s, VD_OBJ_MEMORY, 5, RW, &c),
				 VD_OK);
		assert_false(valid(s, first.token));
		assert_int_equal(vd_cap_revoke(s, c.token), VD_OK);
	}
	assert_int_equal(vd_cap_create(s, VD_OBJ_MEMORY, 5, RW, &c), VD_OK);
	assert_int_equal(c.generation, first.generation);
	assert_int_equal(c.token & 0xffffffffull, first.token & 0xffffffffull);
	assert_int_not_equal(c.token, first.token);
	assert_false(valid(s, first.token));
	assert_true(valid(s, c.token));
	vd_cap_space_destroy(s);
}

static void test_derive_rights_only_shrink(void **state)
{
	struct vd_cap_space *s = new_space(64);
	uint32_t parent_rights = VD_RIGHT_READ | VD_RIGHT_MAP | VD_RIGHT_GRANT;
	vd_cap_token_t root = new_cap(s, VD_OBJ_MEMORY, 77, parent_rights);
	struct vd_capability c;

	(void)state;
	/* Every subset is allowed, every superset denied. */
	for (uint32_t r = 0; r <= ALL; r++) {
		vd_err_t err = vd_cap_derive(s, root, r, &c);
		if (r & ~parent_rights) {
			assert_int_equal(err, VD_ERR_PERMISSION_DENIED);
			continue;
		}
		assert_int_equal(err, VD_OK);
		assert_int_equal(c.rights, r);
		assert_int_equal(c.object_type, VD_OBJ_MEMORY);
		assert_int_equal(c.object_id, 77);
		assert_int_equal(vd_cap_validate(s, c.token, r, NULL), VD_OK);
		if (r != parent_rights)
			assert_int_equal(vd_cap_validate(s, c.token,
							 parent_rights, NULL),
					 VD_ERR_PERMISSION_DENIED);
	}
	assert_int_equal(vd_cap_derive(s, root, ALL + 1, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_derive(s, root, 1u << 31, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_derive(NULL, root, 0, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_derive_into(s, NULL, root, 0, &c),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_derive(s, root ^ 1, 0, &c),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_derive(s, VD_CAP_TOKEN_NULL, 0, &c),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	vd_cap_space_destroy(s);
}

static void test_derive_needs_grant(void **state)
{
	struct vd_cap_space *s = new_space(8), *t = new_space(8);
	vd_cap_token_t nogrant =
		new_cap(s, VD_OBJ_FILE, 1, ALL & ~VD_RIGHT_GRANT);
	vd_cap_token_t grant = new_cap(s, VD_OBJ_FILE, 2, ALL);
	vd_cap_token_t child, grandchild;

	(void)state;
	assert_int_equal(vd_cap_derive(s, nogrant, 0, NULL),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_cap_derive_into(t, s, nogrant, VD_RIGHT_READ, NULL),
			 VD_ERR_PERMISSION_DENIED);
	/* A child without GRANT cannot pass the object on... */
	child = derive(t, s, grant, RW);
	assert_int_equal(vd_cap_derive(t, child, VD_RIGHT_READ, NULL),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_cap_derive_into(s, t, child, 0, NULL),
			 VD_ERR_PERMISSION_DENIED);
	/* ...and cannot regain GRANT by asking for it. */
	assert_int_equal(vd_cap_derive(t, child, RW | VD_RIGHT_GRANT, NULL),
			 VD_ERR_PERMISSION_DENIED);
	/* A child that kept GRANT can. */
	child = derive(t, s, grant, VD_RIGHT_READ | VD_RIGHT_GRANT);
	grandchild = derive(t, t, child, VD_RIGHT_READ);
	assert_true(valid(t, grandchild));
	/* The parent token means nothing in the child's space. */
	assert_int_equal(vd_cap_derive(t, grant, 0, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_space_used(s), 2);
	assert_int_equal(vd_cap_space_used(t), 3);
	vd_cap_space_destroy(t);
	vd_cap_space_destroy(s);
}

/*
 *   s: A ─┬─ B ─── C
 *         │    └── (t) E ── (u) F
 *         └─ D
 * Revoking B kills B, C, E, F and leaves A and D.
 */
static void test_revoke_multilevel_across_spaces(void **state)
{
	struct vd_cap_space *s = new_space(16), *t = new_space(16),
			    *u = new_space(16);
	vd_cap_token_t a, b, c, d, e, f;
	struct vd_cap_stats before, after;

	(void)state;
	a = new_cap(s, VD_OBJ_IPC_ENDPOINT, 3, ALL);
	b = derive(s, s, a, ALL);
	c = derive(s, s, b, VD_RIGHT_READ);
	d = derive(s, s, a, VD_RIGHT_WRITE);
	e = derive(t, s, b, VD_RIGHT_READ | VD_RIGHT_GRANT);
	f = derive(u, t, e, VD_RIGHT_READ);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	assert_int_equal(vd_cap_space_check(t), VD_OK);
	assert_int_equal(vd_cap_space_check(u), VD_OK);

	vd_cap_get_stats(&before);
	assert_int_equal(vd_cap_revoke(s, b), VD_OK);
	vd_cap_get_stats(&after);
	assert_int_equal(before.caps - after.caps, 4);
	assert_int_equal(after.revoked - before.revoked, 4);
	assert_true(valid(s, a));
	assert_true(valid(s, d));
	assert_false(valid(s, b));
	assert_false(valid(s, c));
	assert_false(valid(t, e));
	assert_false(valid(u, f));
	assert_int_equal(vd_cap_space_used(s), 2);
	assert_int_equal(vd_cap_space_used(t), 0);
	assert_int_equal(vd_cap_space_used(u), 0);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	assert_int_equal(vd_cap_space_check(t), VD_OK);
	assert_int_equal(vd_cap_space_check(u), VD_OK);

	/* Revoke the root: the rest goes. */
	e = derive(t, s, a, VD_RIGHT_READ);
	assert_int_equal(vd_cap_revoke(s, a), VD_OK);
	assert_false(valid(s, a));
	assert_false(valid(s, d));
	assert_false(valid(t, e));
	assert_int_equal(vd_cap_space_used(s), 0);
	assert_int_equal(vd_cap_space_used(t), 0);
	assert_int_equal(vd_cap_revoke(NULL, a), VD_ERR_INVALID_PARAMETER);
	vd_cap_space_destroy(u);
	vd_cap_space_destroy(t);
	vd_cap_space_destroy(s);
}

/* Revoking a leaf or a middle child leaves its siblings linked. */
static void test_revoke_keeps_siblings(void **state)
{
	struct vd_cap_space *s = new_space(16);
	vd_cap_token_t root = new_cap(s, VD_OBJ_DEVICE, 1, ALL), kid[5];

	(void)state;
	for (int i = 0; i < 5; i++)
		kid[i] = derive(s, s, root, ALL);
	/* Children are kept newest first: 4 3 2 1 0.  Remove the middle,
	 * the head and the tail. */
	assert_int_equal(vd_cap_revoke(s, kid[2]), VD_OK);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	assert_int_equal(vd_cap_revoke(s, kid[4]), VD_OK);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	assert_int_equal(vd_cap_revoke(s, kid[0]), VD_OK);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	assert_true(valid(s, kid[1]));
	assert_true(valid(s, kid[3]));
	assert_true(valid(s, root));
	assert_int_equal(vd_cap_space_used(s), 3);
	vd_cap_space_destroy(s);
}

static void test_revoke_derived_keeps_self(void **state)
{
	struct vd_cap_space *s = new_space(16), *t = new_space(16);
	vd_cap_token_t root = new_cap(s, VD_OBJ_MEMORY, 1, ALL);
	vd_cap_token_t mid = derive(s, s, root, ALL);
	vd_cap_token_t leaf1 = derive(t, s, mid, VD_RIGHT_READ);
	vd_cap_token_t leaf2 = derive(s, s, mid, VD_RIGHT_READ);

	(void)state;
	assert_int_equal(vd_cap_revoke_derived(s, mid), VD_OK);
	assert_true(valid(s, root));
	assert_true(valid(s, mid));
	assert_false(valid(t, leaf1));
	assert_false(valid(s, leaf2));
	/* mid can derive again afterwards */
	leaf1 = derive(t, s, mid, VD_RIGHT_READ);
	assert_true(valid(t, leaf1));
	assert_int_equal(vd_cap_revoke_derived(s, root), VD_OK);
	assert_true(valid(s, root));
	assert_false(valid(s, mid));
	assert_false(valid(t, leaf1));
	assert_int_equal(vd_cap_revoke_derived(s, mid),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_revoke_derived(NULL, root),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	assert_int_equal(vd_cap_space_check(t), VD_OK);
	vd_cap_space_destroy(t);
	vd_cap_space_destroy(s);
}

/* A 10000-deep chain through three spaces and a 10000-wide fan-out: the
 * revocation walk is iterative, so neither depth nor width matters. */
static void test_revoke_deep_and_wide(void **state)
{
	struct vd_cap_space *sp[3];
	vd_cap_token_t t, root, mid = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		sp[i] = new_space(VD_CAP_MAX_SLOTS);
	root = t = new_cap(sp[0], VD_OBJ_PROCESS, 1, ALL);
	for (int i = 1; i <= 10000; i++) {
		t = derive(sp[i % 3], sp[(i - 1) % 3], t, ALL);
		if (i == 5000)
			mid = t;
	}
	assert_int_equal(vd_cap_revoke(sp[5000 % 3], mid), VD_OK);
	assert_false(valid(sp[10000 % 3], t));
	assert_int_equal(vd_cap_space_used(sp[0]) + vd_cap_space_used(sp[1]) +
				 vd_cap_space_used(sp[2]),
			 5000);
	for (int i = 0; i < 10000; i++)
		derive(sp[i % 3], sp[0], root, VD_RIGHT_READ);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vd_cap_space_check(sp[i]), VD_OK);
	assert_int_equal(vd_cap_revoke(sp[0], root), VD_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vd_cap_space_used(sp[i]), 0);
		assert_int_equal(vd_cap_space_check(sp[i]), VD_OK);
		vd_cap_space_destroy(sp[i]);
	}
}

static void test_exhaustion(void **state)
{
	struct vd_cap_space *s = new_space(8), *t = new_space(2);
	vd_cap_token_t tok[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		tok[i] = new_cap(s, VD_OBJ_MEMORY, (uint64_t)i, ALL);
	assert_int_equal(vd_cap_create(s, VD_OBJ_MEMORY, 99, ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_cap_derive(s, tok[0], ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	/* Into another space: exhaustion is about the destination. */
	derive(t, s, tok[0], ALL);
	derive(t, s, tok[1], ALL);
	assert_int_equal(vd_cap_derive_into(t, s, tok[2], ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_cap_space_used(s), 8);
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	/* Freeing one slot makes room for exactly one. */
	assert_int_equal(vd_cap_revoke(s, tok[5]), VD_OK);
	tok[5] = new_cap(s, VD_OBJ_MEMORY, 5, ALL);
	assert_int_equal(vd_cap_create(s, VD_OBJ_MEMORY, 99, ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	/* Revoking tok[0] frees its child in t too. */
	assert_int_equal(vd_cap_revoke(s, tok[0]), VD_OK);
	assert_int_equal(vd_cap_space_used(t), 1);
	derive(t, s, tok[2], ALL);
	vd_cap_space_destroy(t);
	vd_cap_space_destroy(s);
}

/* Freed slots are reused oldest first, spreading generation wear. */
static void test_free_list_is_fifo(void **state)
{
	struct vd_cap_space *s = new_space(4);
	vd_cap_token_t t[4];
	struct vd_capability c;

	(void)state;
	for (int i = 0; i < 4; i++)
		t[i] = new_cap(s, VD_OBJ_FILE, (uint64_t)i, 0);
	assert_int_equal(vd_cap_revoke(s, t[2]), VD_OK);
	assert_int_equal(vd_cap_revoke(s, t[0]), VD_OK);
	assert_int_equal(vd_cap_create(s, VD_OBJ_FILE, 9, 0, &c), VD_OK);
	assert_int_equal(c.token & 0xffff, t[2] & 0xffff);
	assert_int_equal(vd_cap_create(s, VD_OBJ_FILE, 9, 0, &c), VD_OK);
	assert_int_equal(c.token & 0xffff, t[0] & 0xffff);
	vd_cap_space_destroy(s);
}

/*
 * Process exit with capabilities granted to others (their copies die) and
 * capabilities received from others (the senders' trees are unlinked, the
 * senders' own capabilities live on).
 */
static void test_destroy_with_children_elsewhere(void **state)
{
	struct vd_cap_space *p = new_space(16), *q = new_space(16),
			    *r = new_space(16);
	vd_cap_token_t pr, qc, rc, qown, rgot;
	struct vd_cap_stats st;

	(void)state;
	pr = new_cap(p, VD_OBJ_MEMORY, 10, ALL);
	qc = derive(q, p, pr, VD_RIGHT_READ | VD_RIGHT_GRANT);
	rc = derive(r, q, qc, VD_RIGHT_READ);
	qown = new_cap(q, VD_OBJ_FILE, 11, ALL);
	rgot = derive(r, q, qown, VD_RIGHT_WRITE);
	derive(p, q, qown, VD_RIGHT_READ); /* p holds a child of q's cap */

	/* p exits: its own cap, and q's and r's copies of it, die; q's
	 * own file cap survives, minus the copy p held. */
	vd_cap_space_destroy(p);
	assert_false(valid(q, qc));
	assert_false(valid(r, rc));
	assert_true(valid(q, qown));
	assert_true(valid(r, rgot));
	assert_int_equal(vd_cap_space_used(q), 1);
	assert_int_equal(vd_cap_space_used(r), 1);
	assert_int_equal(vd_cap_space_check(q), VD_OK);
	assert_int_equal(vd_cap_space_check(r), VD_OK);

	/* r exits holding a child of q's cap: q's cap stays, childless. */
	vd_cap_space_destroy(r);
	assert_true(valid(q, qown));
	assert_int_equal(vd_cap_space_check(q), VD_OK);
	derive(q, q, qown, VD_RIGHT_READ);
	vd_cap_space_destroy(q);

	vd_cap_get_stats(&st);
	assert_int_equal(st.spaces, 0);
	assert_int_equal(st.caps, 0);
}

/* The self-check notices a slot whose contents no longer match its MAC
 * (e.g. memory corruption) and broken tree links. */
static void test_check_detects_corruption(void **state)
{
	struct vd_cap_space *s = new_space(4);
	vd_cap_token_t root = new_cap(s, VD_OBJ_MEMORY, 1, VD_RIGHT_GRANT);
	vd_cap_token_t kid = derive(s, s, root, 0);
	struct vd_cap_slot *slot = &s->slots[kid & 0xffff];

	(void)state;
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	slot->rights |= VD_RIGHT_WRITE;
	assert_int_equal(vd_cap_space_check(s), VD_ERR_INVALID_CAPABILITY);
	slot->rights &= ~VD_RIGHT_WRITE;
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	slot->prev_sibling = slot;
	assert_int_equal(vd_cap_space_check(s), VD_ERR_INVALID_CAPABILITY);
	slot->prev_sibling = NULL;
	s->used++;
	assert_int_equal(vd_cap_space_check(s), VD_ERR_INVALID_CAPABILITY);
	s->used--;
	assert_int_equal(vd_cap_space_check(s), VD_OK);
	vd_cap_space_destroy(s);
}

#define T(fn) cmocka_unit_test_teardown(fn, check_nothing_left)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_space_create_params),
		T(test_space_max_size),
		T(test_create_and_validate),
		T(test_all_object_types),
		T(test_forged_random_tokens),
		T(test_forged_bit_flips),
		T(test_token_from_another_space),
		T(test_stale_after_revoke_and_reuse),
		T(test_generation_wraps_without_revival),
		T(test_derive_rights_only_shrink),
		T(test_derive_needs_grant),
		T(test_revoke_multilevel_across_spaces),
		T(test_revoke_keeps_siblings),
		T(test_revoke_derived_keeps_self),
		T(test_revoke_deep_and_wide),
		T(test_exhaustion),
		T(test_free_list_is_fifo),
		T(test_destroy_with_children_elsewhere),
		T(test_check_detects_corruption),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
