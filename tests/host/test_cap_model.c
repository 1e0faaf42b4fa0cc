/*
 * Randomized test of the capability system against a reference model.
 *
 * The model is deliberately naive: a flat array of every capability ever
 * minted (space, token, object, rights, parent index, alive), in minting
 * order, so a parent always precedes its children and a revocation is one
 * forward pass.  Random operations -- create, derive within and across
 * spaces (with rights that may or may not fit), validate with random
 * rights and types, revoke, revoke-derived, validate of random and stale
 * tokens, and process exit (space destroy + a fresh space) -- are applied
 * to both, and every result code and returned capability must agree.
 * The kernel's own self-check runs periodically on every space.
 *
 * Differential: the IPC fast path's inline check (core/cap/cap_fast.h,
 * vd_cap_fast_object) must agree with vd_cap_validate_type on every
 * token the model validates -- live, stale, garbage, the null token --
 * for every object type and the same rights: a yes with the same object
 * id exactly when the general check says VD_OK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <host/fake.h>
#include <veridian/cap.h>
#include <veridian/kernel.h>
#include <veridian/mm.h>

#include "../../core/cap/cap_fast.h"

#define NSPACES	 4
#define MAX_RECS 200000

struct rec {
	int space;	      /* index into spaces[] at minting time */
	unsigned incarnation; /* of that space index */
	vd_cap_token_t token;
	enum vd_object_type type;
	uint64_t id;
	uint32_t rights;
	int parent; /* -1 for originals */
	bool alive;
};

static struct rec *recs;
static int nrecs;
static struct vd_cap_space *spaces[NSPACES];
static unsigned incarnation[NSPACES];
static uint32_t capacity[NSPACES], used[NSPACES];
static uint64_t rng_state;
static unsigned long ops_done;

/* Coverage: how often each operation produced each result, so a change
 * that makes the generator stop reaching a path fails loudly. */
enum {
	OP_CREATE,
	OP_DERIVE,
	OP_VALIDATE,
	OP_REVOKE,
	OP_REVOKE_DERIVED,
	OP_COUNT
};
#define RESULT_SLOTS 9 /* VD_OK .. VD_ERR_INVALID_CAPABILITY */
static unsigned long seen[OP_COUNT][RESULT_SLOTS];
static unsigned long max_live, max_depth;
/* Differential checks of cap_fast.h: [0] both refused, [1] both agreed */
static unsigned long fast_agreed[2];

static void count(int op, vd_err_t err)
{
	assert_true((unsigned)err < RESULT_SLOTS);
	seen[op][err]++;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

static int group_setup(void **state)
{
	static const uint8_t key[VD_CAP_KEY_BYTES] = "model-test-key!";
	struct vd_boot_info bi;

	(void)state;
	host_fake_reset();
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	assert_int_equal(vd_cap_set_key(key), VD_OK);
	recs = calloc(MAX_RECS, sizeof(*recs));
	assert_non_null(recs);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(recs);
	return 0;
}

static bool rec_live_in(const struct rec *r, int sp)
{
	return r->alive && r->space == sp && r->incarnation == incarnation[sp];
}

/* Kill every live record in the subtree of `root` (and root itself if
 * `with_root`), counting freed slots per space. */
static void model_revoke(int root, bool with_root)
{
	static bool *dead_now;

	if (!dead_now)
		dead_now = calloc(MAX_RECS, sizeof(bool));
	memset(dead_now, 0, (size_t)nrecs);
	dead_now[root] = true;
	for (int i = root + 1; i < nrecs; i++)
		if (recs[i].alive && recs[i].parent >= 0 &&
		    dead_now[recs[i].parent])
			dead_now[i] = true;
	if (!with_root)
		dead_now[root] = false;
	for (int i = root; i < nrecs; i++) {
		if (dead_now[i] && recs[i].alive) {
			recs[i].alive = false;
			used[recs[i].space]--;
		}
	}
}

/* vd_cap_fast_object against vd_cap_validate_type: the fast check takes
 * a concrete type (no VD_OBJ_ANY), so every type is tried. */
static void check_fast_agrees(int sp, vd_cap_token_t tok, uint32_t req)
{
	for (unsigned t = 0; t < VD_OBJ_TYPE_COUNT; t++) {
		struct vd_capability c;
		uint64_t oid = 0xdeadbeef;
		vd_err_t general = vd_cap_validate_type(
			spaces[sp], tok, (enum vd_object_type)t, req, &c);
		bool fast = vd_cap_fast_object(spaces[sp], tok, t, req, &oid);

		if (fast != (general == VD_OK))
			fail_msg("op %lu: space %d token %#llx rights %#x type "
				 "%u: fast check says %d, general %d",
				 ops_done, sp, (unsigned long long)tok, req, t,
				 fast, general);
		if (fast)
			assert_int_equal(oid, c.object_id);
		fast_agreed[fast]++;
	}
}

static void check_validate(int sp, vd_cap_token_t tok, uint32_t req,
			   enum vd_object_type type, const struct rec *r)
{
	struct vd_capability c;
	vd_err_t want, got;

	if (!r)
		want = VD_ERR_INVALID_CAPABILITY;
	else if (type != VD_OBJ_ANY && type != r->type)
		want = VD_ERR_INVALID_CAPABILITY;
	else if (req & ~r->rights)
		want = VD_ERR_PERMISSION_DENIED;
	else
		want = VD_OK;
	memset(&c, 0xa5, sizeof(c));
	got = vd_cap_validate_type(spaces[sp], tok, type, req, &c);
	count(OP_VALIDATE, got);
	if (got != want)
		fail_msg("op %lu: validate(space %d, %#llx, rights %#x, type "
			 "%d) = %d, model says %d",
			 ops_done, sp, (unsigned long long)tok, req, type, got,
			 want);
	if (got == VD_OK) {
		assert_int_equal(c.token, tok);
		assert_int_equal(c.object_type, r->type);
		assert_int_equal(c.object_id, r->id);
		assert_int_equal(c.rights, r->rights);
		assert_int_equal(c.generation, (uint16_t)(tok >> 16));
	}
	check_fast_agrees(sp, tok, req);
}

static const struct rec *find_live(int sp, vd_cap_token_t tok)
{
	for (int i = nrecs - 1; i >= 0; i--)
		if (recs[i].token == tok && rec_live_in(&recs[i], sp))
			return &recs[i];
	return NULL;
}

static void record(int sp, const struct vd_capability *c, int parent)
{
	struct rec *r = &recs[nrecs++];

	assert_true(nrecs < MAX_RECS);
	r->space = sp;
	r->incarnation = incarnation[sp];
	r->token = c->token;
	r->type = c->object_type;
	r->id = c->object_id;
	r->rights = c->rights;
	r->parent = parent;
	r->alive = true;
	used[sp]++;
	{
		unsigned long depth = 0, live = 0;
		for (int a = parent; a >= 0; a = recs[a].parent)
			depth++;
		for (int a = 0; a < NSPACES; a++)
			live += used[a];
		max_depth = depth > max_depth ? depth : max_depth;
		max_live = live > max_live ? live : max_live;
	}
	/* A fresh token must not collide with any live one in its space. */
	for (int i = 0; i < nrecs - 1; i++)
		if (recs[i].token == c->token)
			assert_false(rec_live_in(&recs[i], sp));
}

static void op_create(void)
{
	int sp = (int)rnd(NSPACES);
	enum vd_object_type t = (enum vd_object_type)rnd(VD_OBJ_TYPE_COUNT);
	uint64_t id = rnd(8) ? rnd(16) : rng();
	uint32_t rights = rnd(VD_RIGHTS_ALL + 1);
	struct vd_capability c;
	vd_err_t err;

	if (rnd(4) == 0)
		rights |= VD_RIGHT_GRANT;
	err = vd_cap_create(spaces[sp], t, id, rights, &c);
	count(OP_CREATE, err);
	if (used[sp] == capacity[sp]) {
		assert_int_equal(err, VD_ERR_RESOURCE_EXHAUSTED);
		return;
	}
	assert_int_equal(err, VD_OK);
	assert_int_equal(c.object_type, t);
	assert_int_equal(c.object_id, id);
	assert_int_equal(c.rights, rights);
	record(sp, &c, -1);
}

/* Any record: usually a live one, often a recent one. */
static int pick_rec(void)
{
	int ri = -1;

	if (nrecs == 0)
		return -1;
	for (int tries = rnd(4) ? 16 : 1; tries > 0; tries--) {
		if (rnd(2))
			ri = nrecs - 1 -
			     (int)rnd((uint32_t)(nrecs < 64 ? nrecs : 64));
		else
			ri = (int)rnd((uint32_t)nrecs);
		if (recs[ri].alive)
			break;
	}
	return ri;
}

static void op_derive(void)
{
	int pi = pick_rec(), src, dst = (int)rnd(NSPACES);
	const struct rec *p;
	uint32_t rights;
	struct vd_capability c;
	vd_err_t err, want;

	if (pi < 0)
		return;
	p = &recs[pi];
	src = rnd(8) ? p->space : (int)rnd(NSPACES);
	/* Mostly a subset of the parent's rights, sometimes more. */
	rights = rnd(4) ? (p->rights & rnd(VD_RIGHTS_ALL + 1))
			: rnd(VD_RIGHTS_ALL + 1);
	if (rnd(2)) /* keep chains growing */
		rights |= p->rights & VD_RIGHT_GRANT;
	if (!rec_live_in(p, src))
		want = VD_ERR_INVALID_CAPABILITY;
	else if (!(p->rights & VD_RIGHT_GRANT) || (rights & ~p->rights))
		want = VD_ERR_PERMISSION_DENIED;
	else if (used[dst] == capacity[dst])
		want = VD_ERR_RESOURCE_EXHAUSTED;
	else
		want = VD_OK;
	err = vd_cap_derive_into(spaces[dst], spaces[src], p->token, rights,
				 &c);
	count(OP_DERIVE, err);
	if (err != want)
		fail_msg("op %lu: derive rec %d (space %d) -> space %d rights "
			 "%#x: got %d, model says %d",
			 ops_done, pi, src, dst, rights, err, want);
	if (err == VD_OK) {
		assert_int_equal(c.object_type, p->type);
		assert_int_equal(c.object_id, p->id);
		assert_int_equal(c.rights, rights);
		record(dst, &c, pi);
	}
}

static void op_validate(void)
{
	int ri = pick_rec(), sp;
	const struct rec *r;
	enum vd_object_type type;
	uint32_t req;

	if (ri < 0)
		return;
	sp = rnd(8) ? recs[ri].space : (int)rnd(NSPACES);
	r = rec_live_in(&recs[ri], sp) ? &recs[ri] : NULL;
	type = rnd(2) ? VD_OBJ_ANY
		      : (enum vd_object_type)rnd(VD_OBJ_TYPE_COUNT);
	req = rnd(3) ? (recs[ri].rights & rnd(VD_RIGHTS_ALL + 1))
		     : rnd(VD_RIGHTS_ALL + 1);
	check_validate(sp, recs[ri].token, req, type, r);
}

static void op_validate_garbage(void)
{
	int sp = (int)rnd(NSPACES);
	vd_cap_token_t t = rng();

	if (nrecs && rnd(2)) /* near miss: a real token, one bit off */
		t = recs[pick_rec()].token ^ (1ull << rnd(64));
	check_validate(sp, t, 0, VD_OBJ_ANY, find_live(sp, t));
}

static void op_revoke(bool derived_only)
{
	int ri = pick_rec(), sp;
	vd_err_t err, want;

	if (ri < 0)
		return;
	sp = rnd(8) ? recs[ri].space : (int)rnd(NSPACES);
	want = rec_live_in(&recs[ri], sp) ? VD_OK : VD_ERR_INVALID_CAPABILITY;
	err = derived_only ? vd_cap_revoke_derived(spaces[sp], recs[ri].token)
			   : vd_cap_revoke(spaces[sp], recs[ri].token);
	count(derived_only ? OP_REVOKE_DERIVED : OP_REVOKE, err);
	if (err != want)
		fail_msg("op %lu: revoke%s rec %d in space %d: got %d, model "
			 "says %d",
			 ops_done, derived_only ? "_derived" : "", ri, sp, err,
			 want);
	if (err == VD_OK)
		model_revoke(ri, !derived_only);
}

static void new_space_at(int sp)
{
	static const uint32_t sizes[] = {1, 4, 16, 64, 256};

	capacity[sp] = sizes[rnd(5)];
	used[sp] = 0;
	incarnation[sp]++;
	assert_int_equal(vd_cap_space_create(capacity[sp], &spaces[sp]), VD_OK);
}

static void op_exit(void)
{
	int sp = (int)rnd(NSPACES);

	vd_cap_space_destroy(spaces[sp]);
	for (int i = 0; i < nrecs; i++)
		if (rec_live_in(&recs[i], sp))
			model_revoke(i, true);
	assert_int_equal(used[sp], 0);
	new_space_at(sp);
}

static void check_all_spaces(void)
{
	struct vd_cap_stats st;
	uint64_t total = 0;

	for (int sp = 0; sp < NSPACES; sp++) {
		assert_int_equal(vd_cap_space_check(spaces[sp]), VD_OK);
		assert_int_equal(vd_cap_space_used(spaces[sp]), used[sp]);
		total += used[sp];
	}
	vd_cap_get_stats(&st);
	assert_int_equal(st.caps, total);
	assert_int_equal(st.spaces, NSPACES);
}

static void run_model(uint64_t seed, unsigned long steps)
{
	struct vd_cap_stats st;

	rng_state = seed;
	nrecs = 0;
	for (int sp = 0; sp < NSPACES; sp++)
		new_space_at(sp);
	for (ops_done = 0; ops_done < steps && nrecs < MAX_RECS - 8;
	     ops_done++) {
		/* Alternate growing and mixed phases, so that trees get deep
		 * and spaces fill up before revocations prune them. */
		bool growing = (ops_done / 2000) % 2 == 0;
		uint32_t op = rnd(100);
		if (growing && op >= 80 && op < 97)
			op = 20 + rnd(25); /* derive instead */
		if (op < 20)
			op_create();
		else if (op < 45)
			op_derive();
		else if (op < 70)
			op_validate();
		else if (op < 80)
			op_validate_garbage();
		else if (op < 92)
			op_revoke(false);
		else if (op < 97)
			op_revoke(true);
		else if (op < 98)
			op_exit();
		/* else: nothing, just check */
		if (ops_done % 128 == 0)
			check_all_spaces();
	}
	check_all_spaces();
	/* Stale tokens: everything the model says is dead stays dead. */
	for (int i = 0; i < nrecs; i++) {
		if (recs[i].alive &&
		    recs[i].incarnation == incarnation[recs[i].space])
			continue;
		for (int sp = 0; sp < NSPACES; sp++) {
			if (vd_cap_validate(spaces[sp], recs[i].token, 0,
					    NULL) == VD_OK)
				assert_non_null(find_live(sp, recs[i].token));
			check_fast_agrees(sp, recs[i].token, 0);
		}
	}
	/* The null token names slot 0 with its token null: refused by
	 * both, whatever slot 0 holds. */
	for (int sp = 0; sp < NSPACES; sp++)
		check_fast_agrees(sp, VD_CAP_TOKEN_NULL, 0);
	for (int sp = 0; sp < NSPACES; sp++)
		vd_cap_space_destroy(spaces[sp]);
	vd_cap_get_stats(&st);
	assert_int_equal(st.spaces, 0);
	assert_int_equal(st.caps, 0);
}

static void test_model_seed1(void **state)
{
	(void)state;
	run_model(0x0123456789abcdefull, 60000);
}

static void test_model_seed2(void **state)
{
	(void)state;
	run_model(0xfeedfacecafebeefull, 60000);
}

static void test_model_seed3(void **state)
{
	(void)state;
	run_model(0x5eed5eed5eed5eedull, 60000);
}

/* Many short runs: more process exits with small, often-full spaces. */
static void test_model_many_short_runs(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 200; seed++)
		run_model(seed * 0x9e3779b97f4a7c15ull, 1500);
}

/* After the runs above: every interesting outcome was produced. */
static void test_model_coverage(void **state)
{
	static const char *const names[OP_COUNT] = {
		"create", "derive", "validate", "revoke", "revoke_derived"};

	(void)state;
	for (int op = 0; op < OP_COUNT; op++) {
		printf("  %-15s", names[op]);
		for (int e = 0; e < RESULT_SLOTS; e++)
			if (seen[op][e])
				printf(" %s=%lu", vd_strerror((vd_err_t)e),
				       seen[op][e]);
		printf("\n");
	}
	printf("  max live capabilities %lu, max derivation depth %lu\n",
	       max_live, max_depth);
	assert_true(seen[OP_CREATE][VD_OK] > 1000);
	assert_true(seen[OP_CREATE][VD_ERR_RESOURCE_EXHAUSTED] > 100);
	assert_true(seen[OP_DERIVE][VD_OK] > 1000);
	assert_true(seen[OP_DERIVE][VD_ERR_PERMISSION_DENIED] > 1000);
	assert_true(seen[OP_DERIVE][VD_ERR_INVALID_CAPABILITY] > 1000);
	assert_true(seen[OP_DERIVE][VD_ERR_RESOURCE_EXHAUSTED] > 100);
	assert_true(seen[OP_VALIDATE][VD_OK] > 1000);
	assert_true(seen[OP_VALIDATE][VD_ERR_PERMISSION_DENIED] > 1000);
	assert_true(seen[OP_VALIDATE][VD_ERR_INVALID_CAPABILITY] > 1000);
	assert_true(seen[OP_REVOKE][VD_OK] > 1000);
	assert_true(seen[OP_REVOKE][VD_ERR_INVALID_CAPABILITY] > 1000);
	assert_true(seen[OP_REVOKE_DERIVED][VD_OK] > 100);
	assert_true(max_depth >= 8);
	printf("  fast check agreed: %lu yes, %lu no\n", fast_agreed[1],
	       fast_agreed[0]);
	assert_true(fast_agreed[1] > 1000);
	assert_true(fast_agreed[0] > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_seed1),
		cmocka_unit_test(test_model_seed2),
		cmocka_unit_test(test_model_seed3),
		cmocka_unit_test(test_model_many_short_runs),
		cmocka_unit_test(test_model_coverage),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
