/*
 * libFuzzer harness: the capability table (core/cap) against a model.
 *
 * The input is a sequence of operations on three capability spaces:
 * create, derive (same space), derive_into (another space), revoke,
 * revoke_derived, validate and lookup with real, stale, bit-flipped,
 * foreign and made-up tokens, and space destroy (process exit, then a
 * fresh space of a size the input picks).  After every step the result
 * code and the returned capability must be what a deliberately naive
 * model says -- a flat list of every capability ever minted, in minting
 * order, with its parent -- and vd_cap_space_check must find every
 * invariant of every space intact; the live counts must agree.  At the
 * end every space is destroyed: no capability, space or heap byte stays.
 */
#include <host/fake.h>
#include <veridian/cap.h>
#include <veridian/mm.h>

#include "../host/mm_fixture.h"
#include "fuzz.h"

#define NSPACES	 3
#define MAX_RECS 2048

struct rec {
	int space;	      /* index into spaces[] */
	unsigned incarnation; /* of that space index */
	vd_cap_token_t token;
	enum vd_object_type type;
	uint64_t id;
	uint32_t rights;
	int parent; /* -1 for originals */
	bool alive;
};

static struct rec recs[MAX_RECS];
static int nrecs;
static struct vd_cap_space *spaces[NSPACES];
static unsigned incarnation[NSPACES];
static uint32_t capacity[NSPACES], used[NSPACES];
static unsigned step;

static bool live_in(const struct rec *r, int sp)
{
	return r->alive && r->space == sp && r->incarnation == incarnation[sp];
}

/* The live record of space sp with this token, if any. */
static struct rec *find_live(int sp, vd_cap_token_t tok)
{
	for (int i = nrecs - 1; i >= 0; i--)
		if (recs[i].token == tok && live_in(&recs[i], sp))
			return &recs[i];
	return NULL;
}

/* Kill the subtree of `root` (with root itself if with_root). */
static void model_revoke(int root, bool with_root)
{
	static bool dead[MAX_RECS];

	memset(dead, 0, sizeof(dead));
	dead[root] = true;
	for (int i = root + 1; i < nrecs; i++)
		if (recs[i].alive && recs[i].parent >= 0 &&
		    dead[recs[i].parent])
			dead[i] = true;
	if (!with_root)
		dead[root] = false;
	for (int i = root; i < nrecs; i++)
		if (dead[i] && recs[i].alive) {
			recs[i].alive = false;
			used[recs[i].space]--;
		}
}

static void record(int sp, const struct vd_capability *c, int parent)
{
	struct rec *r = &recs[nrecs++];

	FUZZ_CHECK(!find_live(sp, c->token),
		   "step %u: new token %#llx already live in space %d", step,
		   (unsigned long long)c->token, sp);
	*r = (struct rec){
		sp,	      incarnation[sp], c->token, c->object_type,
		c->object_id, c->rights,       parent,	 true};
	used[sp]++;
}

static void check_cap(const struct vd_capability *c, const struct rec *r,
		      vd_cap_token_t tok, const char *what)
{
	FUZZ_CHECK(c->token == tok && c->object_type == r->type &&
			   c->object_id == r->id && c->rights == r->rights &&
			   c->generation == (uint16_t)(tok >> 16),
		   "step %u: %s returned a capability the model does not "
		   "know (type %d id %llu rights %#x)",
		   step, what, c->object_type, (unsigned long long)c->object_id,
		   c->rights);
}

static void new_space(int sp, struct fuzz_in *in)
{
	static const uint32_t sizes[] = {1, 2, 3, 5, 8, 16, 33, 64};

	capacity[sp] = sizes[fuzz_below(in, VD_ARRAY_SIZE(sizes))];
	used[sp] = 0;
	incarnation[sp]++;
	FUZZ_CHECK(vd_cap_space_create(capacity[sp], &spaces[sp]) == VD_OK,
		   "space_create(%u)", capacity[sp]);
}

/* A record index (any, alive or not), or -1 if none yet. */
static int pick(struct fuzz_in *in)
{
	if (nrecs == 0)
		return -1;
	/* mostly recent ones: they are the likely live ones */
	uint8_t b = fuzz_u8(in);
	if (b & 0x80)
		return nrecs - 1 - (b & 0x7f) % nrecs;
	return (int)(((unsigned)b << 8 | fuzz_u8(in)) % (unsigned)nrecs);
}

static uint32_t pick_rights(struct fuzz_in *in, uint32_t parent_rights)
{
	uint8_t b = fuzz_u8(in);

	/* mostly within the parent's rights, sometimes beyond, rarely bits
	 * no right has */
	if (b < 0xc0)
		return parent_rights & b;
	if (b < 0xfc)
		return b & VD_RIGHTS_ALL;
	return (uint32_t)b << 4;
}

static void op_create(struct fuzz_in *in)
{
	int sp = (int)fuzz_below(in, NSPACES);
	unsigned t = fuzz_below(in, VD_OBJ_TYPE_COUNT + 1);
	uint64_t id = fuzz_u8(in);
	uint32_t rights = pick_rights(in, VD_RIGHTS_ALL);
	struct vd_capability c;
	vd_err_t err, want;

	if (id == 0xff)
		id = fuzz_u64(in);
	if (t >= VD_OBJ_TYPE_COUNT || (rights & ~VD_RIGHTS_ALL))
		want = VD_ERR_INVALID_PARAMETER;
	else if (used[sp] == capacity[sp])
		want = VD_ERR_RESOURCE_EXHAUSTED;
	else
		want = VD_OK;
	err = vd_cap_create(spaces[sp], (enum vd_object_type)t, id, rights, &c);
	FUZZ_CHECK(err == want,
		   "step %u: create(space %d, type %u, rights "
		   "%#x) = %d, model says %d",
		   step, sp, t, rights, err, want);
	if (err == VD_OK) {
		struct rec r = {sp, 0,	    c.token, (enum vd_object_type)t,
				id, rights, -1,	     true};
		check_cap(&c, &r, c.token, "create");
		record(sp, &c, -1);
	}
}

static void op_derive(struct fuzz_in *in, bool into)
{
	int pi = pick(in), src, dst;
	struct vd_capability c;
	struct rec *p, *live;
	uint32_t rights;
	vd_err_t err, want;

	if (pi < 0)
		return;
	p = &recs[pi];
	src = fuzz_u8(in) < 0xe0 ? p->space : (int)fuzz_below(in, NSPACES);
	dst = into ? (int)fuzz_below(in, NSPACES) : src;
	rights = pick_rights(in, p->rights);
	live = find_live(src, p->token);
	if (rights & ~VD_RIGHTS_ALL)
		want = VD_ERR_INVALID_PARAMETER;
	else if (!live)
		want = VD_ERR_INVALID_CAPABILITY;
	else if (!(live->rights & VD_RIGHT_GRANT) || (rights & ~live->rights))
		want = VD_ERR_PERMISSION_DENIED;
	else if (used[dst] == capacity[dst])
		want = VD_ERR_RESOURCE_EXHAUSTED;
	else
		want = VD_OK;
	err = into ? vd_cap_derive_into(spaces[dst], spaces[src], p->token,
					rights, &c)
		   : vd_cap_derive(spaces[src], p->token, rights, &c);
	FUZZ_CHECK(err == want,
		   "step %u: derive%s rec %d (space %d) -> space %d rights "
		   "%#x: %d, model says %d",
		   step, into ? "_into" : "", pi, src, dst, rights, err, want);
	if (err == VD_OK) {
		struct rec r = *live;
		r.rights = rights;
		check_cap(&c, &r, c.token, "derive");
		record(dst, &c, (int)(live - recs));
	}
}

static void op_revoke(struct fuzz_in *in, bool derived_only)
{
	int ri = pick(in), sp;
	struct rec *live;
	vd_err_t err, want;

	if (ri < 0)
		return;
	sp = fuzz_u8(in) < 0xe0 ? recs[ri].space : (int)fuzz_below(in, NSPACES);
	live = find_live(sp, recs[ri].token);
	want = live ? VD_OK : VD_ERR_INVALID_CAPABILITY;
	err = derived_only ? vd_cap_revoke_derived(spaces[sp], recs[ri].token)
			   : vd_cap_revoke(spaces[sp], recs[ri].token);
	FUZZ_CHECK(err == want,
		   "step %u: revoke%s rec %d in space %d: %d, "
		   "model says %d",
		   step, derived_only ? "_derived" : "", ri, sp, err, want);
	if (err == VD_OK)
		model_revoke((int)(live - recs), !derived_only);
}

/* A token to validate: a real one (live or stale), one with bits
 * flipped, one from another space, or whatever the input says. */
static vd_cap_token_t pick_token(struct fuzz_in *in)
{
	int ri = pick(in);
	uint8_t how = fuzz_u8(in) % 8;

	if (ri < 0 || how == 7)
		return fuzz_u64(in);
	if (how == 6)
		return recs[ri].token ^ (1ull << (fuzz_u8(in) % 64));
	if (how == 5) /* same slot and generation, another MAC */
		return (recs[ri].token & 0xffffffffull) | (uint64_t)fuzz_u32(in)
								  << 32;
	return recs[ri].token;
}

static void op_validate(struct fuzz_in *in)
{
	vd_cap_token_t tok = pick_token(in);
	int sp = (int)fuzz_below(in, NSPACES);
	unsigned t = fuzz_below(in, VD_OBJ_TYPE_COUNT + 1);
	enum vd_object_type type =
		t == VD_OBJ_TYPE_COUNT ? VD_OBJ_ANY : (enum vd_object_type)t;
	uint32_t req = fuzz_u8(in) & VD_RIGHTS_ALL;
	const struct rec *r = find_live(sp, tok);
	struct vd_capability c;
	vd_err_t err, want;

	if (!r || (type != VD_OBJ_ANY && type != r->type))
		want = VD_ERR_INVALID_CAPABILITY;
	else if (req & ~r->rights)
		want = VD_ERR_PERMISSION_DENIED;
	else
		want = VD_OK;
	memset(&c, 0xa5, sizeof(c));
	err = vd_cap_validate_type(spaces[sp], tok, type, req, &c);
	FUZZ_CHECK(err == want,
		   "step %u: validate(space %d, %#llx, type %d, "
		   "rights %#x) = %d, model says %d",
		   step, sp, (unsigned long long)tok, type, req, err, want);
	if (err == VD_OK)
		check_cap(&c, r, tok, "validate");
	err = vd_cap_lookup(spaces[sp], tok, &c);
	FUZZ_CHECK(err == (r ? VD_OK : VD_ERR_INVALID_CAPABILITY),
		   "step %u: lookup = %d", step, err);
	if (err == VD_OK)
		check_cap(&c, r, tok, "lookup");
}

static void op_exit(struct fuzz_in *in)
{
	int sp = (int)fuzz_below(in, NSPACES);

	vd_cap_space_destroy(spaces[sp]);
	for (int i = 0; i < nrecs; i++)
		if (live_in(&recs[i], sp))
			model_revoke(i, true);
	FUZZ_CHECK(used[sp] == 0, "model: space %d not empty", sp);
	new_space(sp, in);
}

static void op_null_space(struct fuzz_in *in)
{
	vd_cap_token_t tok = pick_token(in);

	FUZZ_CHECK(vd_cap_validate(NULL, tok, 0, NULL) ==
			   VD_ERR_INVALID_PARAMETER,
		   "validate(NULL)");
	FUZZ_CHECK(vd_cap_revoke(NULL, tok) == VD_ERR_INVALID_PARAMETER,
		   "revoke(NULL)");
	FUZZ_CHECK(vd_cap_derive_into(NULL, spaces[0], tok, 0, NULL) ==
			   VD_ERR_INVALID_PARAMETER,
		   "derive_into(NULL)");
	FUZZ_CHECK(vd_cap_create(NULL, VD_OBJ_MEMORY, 1, 0, NULL) ==
			   VD_ERR_INVALID_PARAMETER,
		   "create(NULL)");
}

static void check_all(void)
{
	struct vd_cap_stats st;
	uint64_t total = 0;

	for (int sp = 0; sp < NSPACES; sp++) {
		FUZZ_CHECK(vd_cap_space_check(spaces[sp]) == VD_OK,
			   "step %u: space %d fails its self-check", step, sp);
		FUZZ_CHECK(vd_cap_space_used(spaces[sp]) == used[sp],
			   "step %u: space %d holds %u, model says %u", step,
			   sp, vd_cap_space_used(spaces[sp]), used[sp]);
		total += used[sp];
	}
	vd_cap_get_stats(&st);
	FUZZ_CHECK(st.caps == total && st.spaces == NSPACES,
		   "step %u: stats %llu caps in %llu spaces, model %llu", step,
		   (unsigned long long)st.caps, (unsigned long long)st.spaces,
		   (unsigned long long)total);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t key[VD_CAP_KEY_BYTES] = "fuzz-cap-key-01";

	(void)argc;
	(void)argv;
	mm_boot_default(NULL);
	if (vd_cap_set_key(key) != VD_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct vd_allocator_stats hs;
	struct vd_cap_stats st;
	size_t heap0;

	vd_heap_stats(&hs);
	heap0 = hs.current_allocated;
	nrecs = 0;
	for (int sp = 0; sp < NSPACES; sp++)
		new_space(sp, &in);
	for (step = 0; fuzz_more(&in) && nrecs < MAX_RECS; step++) {
		switch (fuzz_u8(&in) % 10) {
		case 0:
		case 1:
			op_create(&in);
			break;
		case 2:
			op_derive(&in, false);
			break;
		case 3:
			op_derive(&in, true);
			break;
		case 4:
			op_revoke(&in, false);
			break;
		case 5:
			op_revoke(&in, true);
			break;
		case 6:
		case 7:
			op_validate(&in);
			break;
		case 8:
			op_exit(&in);
			break;
		default:
			op_null_space(&in);
			break;
		}
		check_all();
	}
	/* stale tokens stay dead in every space */
	for (int i = 0; i < nrecs; i++)
		for (int sp = 0; sp < NSPACES; sp++)
			if (vd_cap_validate(spaces[sp], recs[i].token, 0,
					    NULL) == VD_OK)
				FUZZ_CHECK(find_live(sp, recs[i].token),
					   "a dead token validates");
	for (int sp = 0; sp < NSPACES; sp++)
		vd_cap_space_destroy(spaces[sp]);
	vd_cap_get_stats(&st);
	FUZZ_CHECK(st.spaces == 0 && st.caps == 0,
		   "left: %llu spaces, %llu "
		   "caps",
		   (unsigned long long)st.spaces, (unsigned long long)st.caps);
	vd_heap_stats(&hs);
	FUZZ_CHECK(hs.current_allocated == heap0, "heap %zu -> %zu bytes",
		   heap0, (size_t)hs.current_allocated);
	return 0;
}
