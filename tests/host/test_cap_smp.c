/*
 * Capability system under real concurrency (host threads standing in for
 * CPUs): lock-free validation racing with revocation and slot reuse, and
 * several mutators sharing the global lock and cross-space trees, and
 * objects destroyed while capabilities to them are made and revoked.
 *
 * Each capability minted here encodes a check value: for serial number n,
 * object id = n, rights = 1 + n % 63 (never 0, unlike a scrubbed slot)
 * and type = n % 6.  A validation returning contents from two lives of a
 * slot, or from a slot being scrubbed, would break that relation.
 * Linearizability: once vd_cap_revoke has returned (and the writer said so), no
 * reader may see that token validate again.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <host/fake.h>
#include <veridian/cap.h>
#include <veridian/kernel.h>
#include <veridian/mm.h>

/*
 * The build machine may have few CPUs and be busy, and a ticket lock whose
 * next holder is descheduled stalls everyone behind it: so few threads,
 * and runs bounded by wall-clock time rather than by a number of rounds.
 */
#define ENTRIES 8
#define READERS 2
#define RUN_NS	700000000ull /* per test */

/* One writer-owned cell: the current token, and the last token the
 * writer revoked (stored only after vd_cap_revoke returned). */
struct entry {
	vd_cap_token_t token;
	vd_cap_token_t revoked;
};

static struct vd_cap_space *shared;
static struct entry entries[ENTRIES];
static int writer_done;
static unsigned long reader_ok[READERS], reader_checked_dead[READERS];
static unsigned long reader_torn[READERS], reader_revived[READERS];
static unsigned long reader_bad_err[READERS], writer_errors;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int group_setup(void **state)
{
	struct vd_boot_info bi;

	(void)state;
	host_fake_reset();
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	return 0;
}

static void *writer(void *arg)
{
	uint64_t n = 1, end = now_ns() + RUN_NS;

	(void)arg;
	for (unsigned round = 0; now_ns() < end; round++) {
		struct entry *e = &entries[round % ENTRIES];
		vd_cap_token_t old =
			__atomic_load_n(&e->token, __ATOMIC_RELAXED);
		struct vd_capability c;

		if (old) {
			if (vd_cap_revoke(shared, old) != VD_OK)
				writer_errors++;
			__atomic_store_n(&e->revoked, old, __ATOMIC_RELEASE);
		}
		n++;
		if (vd_cap_create(shared, (enum vd_object_type)(n % 6), n,
				  (uint32_t)(1 + n % 63), &c) != VD_OK) {
			writer_errors++;
			continue;
		}
		__atomic_store_n(&e->token, c.token, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *reader(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	unsigned i = id;

	while (!__atomic_load_n(&writer_done, __ATOMIC_ACQUIRE)) {
		struct entry *e = &entries[i++ % ENTRIES];
		vd_cap_token_t dead =
			__atomic_load_n(&e->revoked, __ATOMIC_ACQUIRE);
		vd_cap_token_t t = __atomic_load_n(&e->token, __ATOMIC_ACQUIRE);
		struct vd_capability c;
		vd_err_t err;

		/* Revoked before we looked: must be dead for good. */
		if (dead) {
			reader_checked_dead[id]++;
			if (vd_cap_validate(shared, dead, 0, NULL) !=
			    VD_ERR_INVALID_CAPABILITY)
				reader_revived[id]++;
		}
		/* Maybe being revoked right now: either a consistent
		 * snapshot of that capability or a clean failure. */
		err = vd_cap_validate(shared, t, 0, &c);
		if (err == VD_OK) {
			reader_ok[id]++;
			if (c.token != t || c.rights != 1 + c.object_id % 63 ||
			    (uint64_t)c.object_type != c.object_id % 6)
				reader_torn[id]++;
		} else if (err != VD_ERR_INVALID_CAPABILITY) {
			reader_bad_err[id]++;
		}
	}
	return NULL;
}

static void test_validate_races_revoke(void **state)
{
	pthread_t w, r[READERS];
	unsigned long ok = 0, dead = 0;

	(void)state;
	assert_int_equal(vd_cap_space_create(ENTRIES, &shared), VD_OK);
	for (unsigned i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader,
						(void *)(uintptr_t)i),
				 0);
	assert_int_equal(pthread_create(&w, NULL, writer, NULL), 0);
	pthread_join(w, NULL);
	assert_int_equal(writer_errors, 0);
	for (unsigned i = 0; i < READERS; i++) {
		pthread_join(r[i], NULL);
		assert_int_equal(reader_torn[i], 0);
		assert_int_equal(reader_revived[i], 0);
		assert_int_equal(reader_bad_err[i], 0);
		ok += reader_ok[i];
		dead += reader_checked_dead[i];
	}
	print_message("  %lu validations succeeded, %lu checked after revoke\n",
		      ok, dead);
	assert_true(ok > 0);
	assert_int_equal(vd_cap_space_check(shared), VD_OK);
	vd_cap_space_destroy(shared);
}

/*
 * Mutators in parallel: each thread owns a space and repeatedly derives
 * from a shared root into its own space and from its own caps into its
 * neighbour's, revokes, and occasionally revokes everything the root gave
 * out.  At the end the trees must be consistent and fully reclaimable.
 */
#define MUTATORS 3

static struct vd_cap_space *root_space, *own[MUTATORS];
static vd_cap_token_t root_token;
static unsigned long mutator_errors[MUTATORS], mutator_rounds[MUTATORS];

static void *mutator(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct vd_cap_space *mine = own[id];
	struct vd_cap_space *next = own[(id + 1) % MUTATORS];
	uint64_t x = 0x9e3779b97f4a7c15ull * (id + 1);
	uint64_t end = now_ns() + RUN_NS;

	for (; now_ns() < end; mutator_rounds[id]++) {
		struct vd_capability a, b;
		vd_err_t err;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		err = vd_cap_derive_into(mine, root_space, root_token,
					 VD_RIGHT_READ | VD_RIGHT_GRANT, &a);
		if (err == VD_ERR_RESOURCE_EXHAUSTED) {
			vd_cap_revoke_derived(root_space, root_token);
			continue;
		}
		if (err != VD_OK) {
			mutator_errors[id]++;
			continue;
		}
		/* Another thread may revoke `a` at any point from here on:
		 * then the calls below must fail cleanly. */
		err = vd_cap_derive_into(next, mine, a.token, VD_RIGHT_READ,
					 &b);
		if (err != VD_OK && err != VD_ERR_INVALID_CAPABILITY &&
		    err != VD_ERR_RESOURCE_EXHAUSTED)
			mutator_errors[id]++;
		if (x % 3 == 0) {
			err = vd_cap_revoke(mine, a.token);
			if (err != VD_OK && err != VD_ERR_INVALID_CAPABILITY)
				mutator_errors[id]++;
		}
		if (x % 97 == 0)
			vd_cap_revoke_derived(root_space, root_token);
	}
	return NULL;
}

static void test_parallel_mutators(void **state)
{
	pthread_t t[MUTATORS];
	struct vd_capability root;
	struct vd_cap_stats st0, st;

	(void)state;
	vd_cap_get_stats(&st0);
	assert_int_equal(vd_cap_space_create(4, &root_space), VD_OK);
	assert_int_equal(vd_cap_create(root_space, VD_OBJ_IPC_ENDPOINT, 1,
				       VD_RIGHTS_ALL, &root),
			 VD_OK);
	root_token = root.token;
	for (unsigned i = 0; i < MUTATORS; i++)
		assert_int_equal(vd_cap_space_create(64, &own[i]), VD_OK);
	for (unsigned i = 0; i < MUTATORS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, mutator,
						(void *)(uintptr_t)i),
				 0);
	for (unsigned i = 0; i < MUTATORS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(mutator_errors[i], 0);
		assert_true(mutator_rounds[i] > 0);
		print_message("  mutator %u: %lu rounds\n", i,
			      mutator_rounds[i]);
	}
	assert_int_equal(vd_cap_space_check(root_space), VD_OK);
	for (unsigned i = 0; i < MUTATORS; i++)
		assert_int_equal(vd_cap_space_check(own[i]), VD_OK);
	/* Everything in the mutators' spaces hangs under the root. */
	assert_int_equal(vd_cap_revoke_derived(root_space, root_token), VD_OK);
	for (unsigned i = 0; i < MUTATORS; i++) {
		assert_int_equal(vd_cap_space_used(own[i]), 0);
		vd_cap_space_destroy(own[i]);
	}
	vd_cap_space_destroy(root_space);
	vd_cap_get_stats(&st);
	assert_int_equal(st.spaces, st0.spaces);
	assert_int_equal(st.caps, st0.caps);
}

/*
 * Object lifetimes in parallel: makers mint originals for a few shared
 * objects, derive them into each other's spaces and revoke them, while a
 * destroyer keeps destroying those objects (vd_cap_revoke_object) and
 * the hook, run with the lock dropped, calls back into core/cap.  At the
 * end every record must add up (vd_cap_space_check walks them all) and
 * destroying the objects must empty every space.
 */
#define OBJECTS 4

static struct vd_cap_space *maker_space[MUTATORS];
static unsigned long maker_errors[MUTATORS], maker_rounds[MUTATORS];
static unsigned long hooks_run, destroyed_caps;
static int makers_done;

static void counting_hook(uint64_t id)
{
	/* the capability lock is not held here: this would deadlock */
	(void)vd_cap_object_count(VD_OBJ_THREAD, id);
	__atomic_fetch_add(&hooks_run, 1, __ATOMIC_RELAXED);
}

static void *maker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct vd_cap_space *mine = maker_space[id];
	struct vd_cap_space *next = maker_space[(id + 1) % MUTATORS];
	uint64_t x = 0x2545f4914f6cdd1dull * (id + 1);
	uint64_t end = now_ns() + RUN_NS;

	for (; now_ns() < end; maker_rounds[id]++) {
		struct vd_capability a, b;
		vd_err_t err;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		err = vd_cap_create(mine, VD_OBJ_THREAD, 1 + x % OBJECTS,
				    VD_RIGHTS_ALL, &a);
		if (err == VD_ERR_RESOURCE_EXHAUSTED) {
			vd_cap_revoke_object(VD_OBJ_THREAD, 1 + x % OBJECTS);
			continue;
		}
		if (err != VD_OK) {
			maker_errors[id]++;
			continue;
		}
		/* the destroyer may take `a` at any point from here on */
		err = vd_cap_derive_into(next, mine, a.token, VD_RIGHT_READ,
					 &b);
		if (err != VD_OK && err != VD_ERR_INVALID_CAPABILITY &&
		    err != VD_ERR_RESOURCE_EXHAUSTED)
			maker_errors[id]++;
		if (x % 2 == 0) {
			err = vd_cap_revoke(mine, a.token);
			if (err != VD_OK && err != VD_ERR_INVALID_CAPABILITY)
				maker_errors[id]++;
		}
	}
	return NULL;
}

static void *destroyer(void *arg)
{
	uint64_t n = 0;

	(void)arg;
	while (!__atomic_load_n(&makers_done, __ATOMIC_ACQUIRE)) {
		destroyed_caps +=
			vd_cap_revoke_object(VD_OBJ_THREAD, 1 + n++ % OBJECTS);
		sched_yield();
	}
	return NULL;
}

static void test_object_lifetimes_in_parallel(void **state)
{
	pthread_t t[MUTATORS], d;
	struct vd_cap_stats st0, st;

	(void)state;
	vd_cap_get_stats(&st0);
	assert_int_equal(vd_cap_set_gone_hook(VD_OBJ_THREAD, counting_hook),
			 VD_OK);
	for (unsigned i = 0; i < MUTATORS; i++)
		assert_int_equal(vd_cap_space_create(32, &maker_space[i]),
				 VD_OK);
	assert_int_equal(pthread_create(&d, NULL, destroyer, NULL), 0);
	for (unsigned i = 0; i < MUTATORS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, maker,
						(void *)(uintptr_t)i),
				 0);
	for (unsigned i = 0; i < MUTATORS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(maker_errors[i], 0);
		assert_true(maker_rounds[i] > 0);
	}
	__atomic_store_n(&makers_done, 1, __ATOMIC_RELEASE);
	pthread_join(d, NULL);
	print_message("  %lu hooks run, %lu capabilities destroyed\n",
		      hooks_run, destroyed_caps);
	for (unsigned i = 0; i < MUTATORS; i++)
		assert_int_equal(vd_cap_space_check(maker_space[i]), VD_OK);
	for (uint64_t o = 1; o <= OBJECTS; o++)
		vd_cap_revoke_object(VD_OBJ_THREAD, o);
	for (unsigned i = 0; i < MUTATORS; i++) {
		assert_int_equal(vd_cap_space_used(maker_space[i]), 0);
		vd_cap_space_destroy(maker_space[i]);
	}
	vd_cap_set_gone_hook(VD_OBJ_THREAD, NULL);
	vd_cap_get_stats(&st);
	assert_int_equal(st.spaces, st0.spaces);
	assert_int_equal(st.caps, st0.caps);
	assert_int_equal(st.objects, st0.objects);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_races_revoke),
		cmocka_unit_test(test_parallel_mutators),
		cmocka_unit_test(test_object_lifetimes_in_parallel),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
