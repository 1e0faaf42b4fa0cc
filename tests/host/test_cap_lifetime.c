/*
 * Capabilities and object lifetimes (core/cap/cap_object.c): an object
 * destroyed revokes every capability to it, in every space
 * (vd_cap_revoke_object); an object losing its last outside holder is
 * reported to its type's hook, once, after the lock is dropped; a
 * space's own capabilities to its object (vd_cap_create_self) do not
 * count; records are freed with their last capability.
 *
 * Every test destroys what it creates; the teardown checks that no space,
 * capability, object record or heap byte is left behind.
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

static const uint8_t test_key[VD_CAP_KEY_BYTES] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
};

#define ALL VD_RIGHTS_ALL

/* What the hooks heard: one entry per call. */
#define MAX_HEARD 2048
static struct {
	enum vd_object_type type;
	uint64_t id;
	uint32_t count_then; /* vd_cap_object_count inside the hook */
} heard[MAX_HEARD];
static unsigned nheard;

static void note(enum vd_object_type type, uint64_t id)
{
	assert_true(nheard < MAX_HEARD);
	heard[nheard].type = type;
	heard[nheard].id = id;
	/* the lock is dropped: the hook may call into core/cap */
	heard[nheard].count_then = vd_cap_object_count(type, id);
	nheard++;
}

static void thread_hook(uint64_t id)
{
	note(VD_OBJ_THREAD, id);
}

static void process_hook(uint64_t id)
{
	note(VD_OBJ_PROCESS, id);
}

static size_t heap0;

static size_t heap_used(void)
{
	struct vd_allocator_stats s;

	vd_heap_stats(&s);
	return s.current_allocated;
}

static int group_setup(void **state)
{
	struct vd_boot_info bi;

	(void)state;
	host_fake_reset();
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	assert_int_equal(vd_cap_set_key(test_key), VD_OK);
	assert_int_equal(vd_cap_set_gone_hook(VD_OBJ_THREAD, thread_hook),
			 VD_OK);
	assert_int_equal(vd_cap_set_gone_hook(VD_OBJ_PROCESS, process_hook),
			 VD_OK);
	assert_int_equal(vd_cap_set_gone_hook(VD_OBJ_TYPE_COUNT, NULL),
			 VD_ERR_INVALID_PARAMETER);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	nheard = 0;
	heap0 = heap_used();
	return 0;
}

static int check_nothing_left(void **state)
{
	struct vd_cap_stats st;

	(void)state;
	vd_cap_get_stats(&st);
	assert_int_equal(st.spaces, 0);
	assert_int_equal(st.caps, 0);
	assert_int_equal(st.objects, 0);
	assert_int_equal(heap_used(), heap0);
	return 0;
}

static struct vd_cap_space *new_space(uint32_t slots)
{
	struct vd_cap_space *s = NULL;

	assert_int_equal(vd_cap_space_create(slots, &s), VD_OK);
	return s;
}

static vd_cap_token_t mint(struct vd_cap_space *s, enum vd_object_type t,
			   uint64_t id)
{
	struct vd_capability c;

	assert_int_equal(vd_cap_create(s, t, id, ALL, &c), VD_OK);
	return c.token;
}

static vd_cap_token_t derive(struct vd_cap_space *dst, struct vd_cap_space *src,
			     vd_cap_token_t parent)
{
	struct vd_capability c;

	assert_int_equal(vd_cap_derive_into(dst, src, parent, ALL, &c), VD_OK);
	return c.token;
}

static void check(struct vd_cap_space *s)
{
	assert_int_equal(vd_cap_space_check(s), VD_OK);
}

/* Destroying an object takes every capability to it, in every space and
 * under every original, and nothing else; the hook is not told. */
static void test_revoke_object_everywhere(void **state)
{
	struct vd_cap_space *a = new_space(16), *b = new_space(16),
			    *c = new_space(16);
	vd_cap_token_t o1 = mint(a, VD_OBJ_THREAD, 7);
	vd_cap_token_t o2 = mint(b, VD_OBJ_THREAD, 7); /* a second original */
	vd_cap_token_t d1 = derive(b, a, o1), d2 = derive(c, b, d1);
	vd_cap_token_t d3 = derive(c, b, o2);
	vd_cap_token_t other = mint(a, VD_OBJ_THREAD, 8);
	vd_cap_token_t proc7 = mint(c, VD_OBJ_PROCESS, 7); /* same id */
	vd_cap_token_t gone[] = {o1, o2, d1, d2, d3};
	struct vd_cap_space *where[] = {a, b, b, c, c};
	(void)state;

	check(a);
	assert_int_equal(vd_cap_object_count(VD_OBJ_THREAD, 7), 5);
	assert_int_equal(vd_cap_revoke_object(VD_OBJ_THREAD, 7), 5);
	for (unsigned i = 0; i < VD_ARRAY_SIZE(gone); i++)
		assert_int_equal(vd_cap_lookup(where[i], gone[i], NULL),
				 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_object_count(VD_OBJ_THREAD, 7), 0);
	/* slots free again; the other objects untouched */
	assert_int_equal(vd_cap_space_used(a), 1);
	assert_int_equal(vd_cap_space_used(b), 0);
	assert_int_equal(vd_cap_space_used(c), 1);
	assert_int_equal(vd_cap_lookup(a, other, NULL), VD_OK);
	assert_int_equal(vd_cap_lookup(c, proc7, NULL), VD_OK);
	assert_int_equal(nheard, 0);
	/* an object without capabilities: nothing to do */
	assert_int_equal(vd_cap_revoke_object(VD_OBJ_THREAD, 7), 0);
	assert_int_equal(vd_cap_revoke_object(VD_OBJ_TYPE_COUNT, 7), 0);
	check(a);
	check(b);
	check(c);
	vd_cap_space_destroy(a);
	vd_cap_space_destroy(b);
	vd_cap_space_destroy(c);
	/* (a's and c's last capabilities went with their spaces) */
	assert_int_equal(nheard, 2);
}

/* A token revoked because its object was destroyed says so until its
 * slot is reused; one revoked otherwise, or never valid, does not. */
static void test_destroyed_tokens_have_an_epitaph(void **state)
{
	struct vd_cap_space *a = new_space(2), *b = new_space(2);
	vd_cap_token_t o = mint(a, VD_OBJ_IPC_ENDPOINT, 3);
	vd_cap_token_t d = derive(b, a, o);
	vd_cap_token_t other = mint(a, VD_OBJ_IPC_ENDPOINT, 4);
	(void)state;

	assert_false(vd_cap_destroyed(a, o)); /* live */
	assert_int_equal(vd_cap_revoke_object(VD_OBJ_IPC_ENDPOINT, 3), 2);
	assert_true(vd_cap_destroyed(a, o));
	assert_true(vd_cap_destroyed(b, d));
	assert_false(vd_cap_destroyed(a, d)); /* not a's */
	assert_false(vd_cap_destroyed(b, o ^ (1ull << 40)));
	assert_false(vd_cap_destroyed(a, VD_CAP_TOKEN_NULL));
	assert_false(vd_cap_destroyed(NULL, o));
	assert_int_equal(vd_cap_revoke(a, other), VD_OK);
	assert_false(vd_cap_destroyed(a, other)); /* revoked, not destroyed */
	/* reuse of both slots forgets it */
	mint(a, VD_OBJ_THREAD, 1);
	mint(a, VD_OBJ_THREAD, 2);
	assert_false(vd_cap_destroyed(a, o));
	check(a);
	check(b);
	vd_cap_space_destroy(a);
	vd_cap_space_destroy(b);
}

/* The hook hears of an object once, when its last capability goes --
 * not while a copy or another original is left. */
static void test_hook_on_last_capability(void **state)
{
	struct vd_cap_space *a = new_space(16), *b = new_space(16);
	vd_cap_token_t o = mint(a, VD_OBJ_THREAD, 42);
	vd_cap_token_t d = derive(b, a, o), dd = derive(b, b, d);
	vd_cap_token_t o2;
	(void)state;

	assert_int_equal(vd_cap_revoke(b, dd), VD_OK);
	assert_int_equal(vd_cap_revoke_derived(a, o), VD_OK);
	assert_int_equal(vd_cap_lookup(b, d, NULL), VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(nheard, 0);
	o2 = mint(b, VD_OBJ_THREAD, 42);
	assert_int_equal(vd_cap_revoke(a, o), VD_OK);
	assert_int_equal(nheard, 0); /* o2 is left */
	assert_int_equal(vd_cap_revoke(b, o2), VD_OK);
	assert_int_equal(nheard, 1);
	assert_int_equal(heard[0].type, VD_OBJ_THREAD);
	assert_int_equal(heard[0].id, 42);
	assert_int_equal(heard[0].count_then, 0);
	/* a type without a hook: nothing heard */
	o = mint(a, VD_OBJ_DEVICE, 42);
	assert_int_equal(vd_cap_revoke(a, o), VD_OK);
	/* revoke_quiet: never heard */
	o = mint(a, VD_OBJ_THREAD, 43);
	assert_int_equal(vd_cap_revoke_quiet(a, o), VD_OK);
	assert_int_equal(vd_cap_revoke_quiet(a, o), VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(nheard, 1);
	vd_cap_space_destroy(a);
	vd_cap_space_destroy(b);
	assert_int_equal(nheard, 1);
}

/* A process's own capabilities to itself do not count: the hook hears
 * when the last one held elsewhere goes, even by revoke_derived, and
 * not when the process's own space goes afterwards. */
static void test_owner_space_does_not_count(void **state)
{
	struct vd_cap_space *child = new_space(16), *parent = new_space(16),
			    *server = new_space(16);
	struct vd_capability self;
	vd_cap_token_t pc, copy, own2;
	(void)state;

	assert_int_equal(
		vd_cap_create_self(child, VD_OBJ_PROCESS, 5, ALL, &self),
		VD_OK);
	pc = mint(parent, VD_OBJ_PROCESS, 5);
	own2 = derive(child, child, self.token);  /* the child's own copy */
	copy = derive(server, child, self.token); /* passed to a server */
	assert_int_equal(vd_cap_object_count(VD_OBJ_PROCESS, 5), 4);
	/* another space cannot claim it */
	assert_int_equal(
		vd_cap_create_self(parent, VD_OBJ_PROCESS, 5, ALL, NULL),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_cap_revoke(parent, pc), VD_OK);
	assert_int_equal(nheard, 0); /* the server's copy is left */
	/* the child takes back what it gave: no outside holder left */
	assert_int_equal(vd_cap_revoke_derived(child, self.token), VD_OK);
	assert_int_equal(nheard, 1);
	assert_int_equal(heard[0].type, VD_OBJ_PROCESS);
	assert_int_equal(heard[0].id, 5);
	assert_int_equal(heard[0].count_then, 1); /* its self capability */
	assert_int_equal(vd_cap_lookup(server, copy, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_lookup(child, own2, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	/* its own caps again: still not outside holders */
	assert_int_equal(
		vd_cap_create_self(child, VD_OBJ_PROCESS, 5, ALL, NULL), VD_OK);
	check(child);
	vd_cap_space_destroy(child);
	assert_int_equal(nheard, 1);
	vd_cap_space_destroy(parent);
	vd_cap_space_destroy(server);
}

/* An owner claimed after others hold the object: what the owner already
 * holds stops counting as outside. */
static void test_owner_claimed_late(void **state)
{
	struct vd_cap_space *p = new_space(8), *q = new_space(8);
	vd_cap_token_t mine = mint(p, VD_OBJ_PROCESS, 9);
	vd_cap_token_t theirs = mint(q, VD_OBJ_PROCESS, 9);
	(void)state;

	assert_int_equal(vd_cap_create_self(p, VD_OBJ_PROCESS, 9, ALL, NULL),
			 VD_OK);
	check(p);
	assert_int_equal(vd_cap_revoke(q, theirs), VD_OK);
	assert_int_equal(nheard, 1);
	assert_int_equal(vd_cap_revoke(p, mine), VD_OK);
	assert_int_equal(nheard, 1);
	vd_cap_space_destroy(p);
	vd_cap_space_destroy(q);
	assert_int_equal(nheard, 1);
}

/* A space's destruction tells the hook of every object whose last
 * capability it held, each once, and of no other. */
static void test_space_destroy_reports_each_object(void **state)
{
	struct vd_cap_space *dying = new_space(64), *other = new_space(16);
	vd_cap_token_t kept;
	(void)state;

	for (uint64_t id = 100; id < 110; id++) {
		vd_cap_token_t t = mint(dying, VD_OBJ_THREAD, id);

		derive(dying, dying, t);
		if (id == 105)
			kept = derive(other, dying, t); /* goes with it */
	}
	(void)kept;
	mint(other, VD_OBJ_THREAD, 106); /* a second original: 106 lives */
	vd_cap_space_destroy(dying);
	assert_int_equal(nheard, 9);
	for (unsigned i = 0; i < nheard; i++) {
		assert_int_equal(heard[i].type, VD_OBJ_THREAD);
		assert_true(heard[i].id >= 100 && heard[i].id < 110 &&
			    heard[i].id != 106);
		for (unsigned j = 0; j < i; j++)
			assert_true(heard[j].id != heard[i].id);
	}
	assert_int_equal(vd_cap_space_used(other), 1);
	assert_int_equal(vd_cap_object_count(VD_OBJ_THREAD, 106), 1);
	check(other);
	vd_cap_space_destroy(other);
	assert_int_equal(nheard, 10);
}

/* The case: a long-lived space that makes objects and lets them
 * die, 2000 times over, in 256 slots -- with the object destroyed while
 * only a derived copy was used (the original must go too). */
static void test_objects_die_with_their_slots(void **state)
{
	struct vd_cap_space *s = new_space(256);
	struct vd_cap_stats st0, st;
	(void)state;

	vd_cap_get_stats(&st0);
	for (uint64_t id = 1; id <= 2000; id++) {
		vd_cap_token_t o = mint(s, VD_OBJ_THREAD, id);
		vd_cap_token_t d = derive(s, s, o);

		(void)d;
		/* joined through d: the object is reaped */
		assert_int_equal(vd_cap_revoke_object(VD_OBJ_THREAD, id), 2);
		assert_int_equal(vd_cap_lookup(s, o, NULL),
				 VD_ERR_INVALID_CAPABILITY);
	}
	vd_cap_get_stats(&st);
	assert_int_equal(st.caps, st0.caps);
	assert_int_equal(st.objects, st0.objects);
	assert_int_equal(vd_cap_space_used(s), 0);
	assert_int_equal(nheard, 0);
	check(s);
	vd_cap_space_destroy(s);
}

/* More live objects than the static pool of records holds: the rest
 * come from the heap and go back to it. */
static void test_many_live_objects(void **state)
{
	struct vd_cap_space *s = new_space(2048);
	struct vd_cap_stats st;
	(void)state;

	for (uint64_t id = 0; id < 1500; id++)
		mint(s, VD_OBJ_THREAD, id);
	vd_cap_get_stats(&st);
	assert_int_equal(st.objects, 1500);
	assert_true(heap_used() > heap0);
	check(s);
	for (uint64_t id = 0; id < 1500; id += 2)
		assert_int_equal(vd_cap_revoke_object(VD_OBJ_THREAD, id), 1);
	for (uint64_t id = 0; id < 1500; id += 2)
		mint(s, VD_OBJ_PROCESS, id);
	check(s);
	vd_cap_space_destroy(s);
	assert_int_equal(nheard, 1500);
}

/* A record is made with an object's first capability: a full space or a
 * heap without room leaves none behind. */
static void test_failed_create_leaves_no_record(void **state)
{
	struct vd_cap_space *s = new_space(1);
	struct vd_cap_stats st;
	vd_cap_token_t t = mint(s, VD_OBJ_THREAD, 1);
	(void)state;

	assert_int_equal(vd_cap_create(s, VD_OBJ_THREAD, 2, ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_cap_create_self(s, VD_OBJ_PROCESS, 2, ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	vd_cap_get_stats(&st);
	assert_int_equal(st.objects, 1);
	assert_int_equal(vd_cap_derive(s, t, ALL, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_cap_object_count(VD_OBJ_THREAD, 1), 1);
	check(s);
	vd_cap_space_destroy(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, check_nothing_left)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_revoke_object_everywhere),
		T(test_destroyed_tokens_have_an_epitaph),
		T(test_hook_on_last_capability),
		T(test_owner_space_does_not_count),
		T(test_owner_claimed_late),
		T(test_space_destroy_reports_each_object),
		T(test_objects_die_with_their_slots),
		T(test_many_live_objects),
		T(test_failed_create_leaves_no_record),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
