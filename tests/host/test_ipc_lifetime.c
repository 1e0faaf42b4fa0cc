/*
 * cmocka suite for the lifetimes of endpoints and channels against their
 * capabilities (core/ipc with core/cap's object records):
 *   - an endpoint or channel whose last capability is revoked is
 *     destroyed, so revoking cannot fill the global tables (issue 11,
 *     item 6: 1024 endpoints created and dropped by one process);
 *   - destroying one, closing one, or the owner's exit revokes every
 *     capability to it in every space, and the stale token says Closed
 *     (vd_cap_destroyed) rather than "never yours";
 *   - a capability of a queued message that is dropped goes quietly.
 * Setup as in test_ipc.c (test_ipc_pair.h); the teardown checks that no
 * object, capability or heap block is left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "test_ipc_pair.h"

static uint64_t live_endpoints(void)
{
	struct vd_ipc_stats st;

	vd_ipc_get_stats(&st);
	return st.endpoints;
}

static uint64_t live_channels(void)
{
	struct vd_ipc_stats st;

	vd_ipc_get_stats(&st);
	return st.channels;
}

/* Dropping the only capability destroys the endpoint: 3000 rounds
 * (thrice the table) never exhaust it, and another process can create
 * endpoints afterwards. */
static void test_dropped_endpoints_are_destroyed(void **state)
{
	uint64_t base = live_endpoints();
	struct vd_capability c;
	vd_endpoint_id_t id;
	(void)state;

	for (unsigned i = 0; i < 3 * VD_IPC_MAX_ENDPOINTS; i++) {
		assert_int_equal(vd_ipc_create_endpoint(&C.a, &id, &c), VD_OK);
		assert_int_equal(live_endpoints(), base + 1);
		assert_int_equal(vd_cap_revoke(C.a.caps, c.token), VD_OK);
		assert_int_equal(live_endpoints(), base);
		assert_int_equal(vd_ipc_endpoint_owner(id, &(vd_pid_t){0}),
				 VD_ERR_NOT_FOUND);
		assert_int_equal(vd_ipc_destroy_endpoint(id), VD_ERR_NOT_FOUND);
	}
	assert_int_equal(vd_cap_space_used(C.a.caps), 0);
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &id, &c), VD_OK);
	assert_int_equal(vd_ipc_destroy_endpoint(id), VD_OK);
	assert_int_equal(vd_cap_lookup(B.a.caps, c.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
}

/* A copy given to another process keeps the endpoint; when the owner
 * revokes its original, the copy goes with it and so does the
 * endpoint. */
static void test_endpoint_lives_while_a_copy_does(void **state)
{
	uint64_t base = live_endpoints();
	struct vd_capability c, copy;
	vd_endpoint_id_t id;
	(void)state;

	assert_int_equal(vd_ipc_create_endpoint(&C.a, &id, &c), VD_OK);
	assert_int_equal(vd_cap_derive_into(B.a.caps, C.a.caps, c.token,
					    VD_RIGHT_WRITE | VD_RIGHT_GRANT,
					    &copy),
			 VD_OK);
	assert_int_equal(vd_cap_revoke_derived(C.a.caps, c.token), VD_OK);
	assert_int_equal(live_endpoints(), base + 1); /* C's original left */
	assert_int_equal(vd_cap_derive_into(B.a.caps, C.a.caps, c.token,
					    VD_RIGHT_WRITE | VD_RIGHT_GRANT,
					    &copy),
			 VD_OK);
	assert_int_equal(vd_cap_revoke(C.a.caps, c.token), VD_OK);
	assert_int_equal(live_endpoints(), base);
	assert_int_equal(vd_cap_lookup(B.a.caps, copy.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
}

/* Destroying an endpoint revokes its capabilities everywhere, and those
 * of its channels; their stale tokens remember why. */
static void test_destroy_revokes_everywhere(void **state)
{
	struct vd_capability c, copy, chc;
	vd_endpoint_id_t id;
	vd_channel_id_t c2;
	(void)state;

	assert_int_equal(vd_ipc_create_endpoint(&C.a, &id, &c), VD_OK);
	assert_int_equal(vd_cap_derive_into(A.a.caps, C.a.caps, c.token,
					    VD_RIGHT_WRITE | VD_RIGHT_GRANT,
					    &copy),
			 VD_OK);
	/* A's channel from its endpoint to C's, with A's capability */
	assert_int_equal(ipc_create_own_channel(&A.a, ea, id, &c2, &chc),
			 VD_OK);
	assert_int_equal(chc.object_id, c2);
	assert_int_equal(live_channels(), 2);
	assert_int_equal(vd_ipc_destroy_endpoint(id), VD_OK);
	assert_int_equal(live_channels(), 1);
	assert_int_equal(vd_cap_lookup(C.a.caps, c.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_lookup(A.a.caps, copy.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_lookup(A.a.caps, chc.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_true(vd_cap_destroyed(C.a.caps, c.token));
	assert_true(vd_cap_destroyed(A.a.caps, copy.token));
	assert_true(vd_cap_destroyed(A.a.caps, chc.token));
	assert_int_equal(vd_cap_space_used(C.a.caps), 0);
	assert_int_equal(vd_cap_space_used(A.a.caps), 1); /* cap_a */
	assert_int_equal(vd_cap_space_check(A.a.caps), VD_OK);
}

/* A channel's capability: revoking it closes the channel (the endpoints
 * stay); closing the channel revokes it. */
static void test_channel_and_its_capability(void **state)
{
	struct vd_capability chc;
	vd_channel_id_t c2;
	(void)state;

	assert_int_equal(ipc_create_own_channel(&A.a, ea, eb, &c2, &chc),
			 VD_OK);
	assert_int_equal(live_channels(), 2);
	assert_int_equal(vd_cap_revoke(A.a.caps, chc.token), VD_OK);
	assert_int_equal(live_channels(), 1);
	assert_int_equal(vd_ipc_close_channel(c2), VD_ERR_NOT_FOUND);
	assert_false(vd_cap_destroyed(A.a.caps, chc.token)); /* dropped */

	assert_int_equal(ipc_create_own_channel(&A.a, ea, eb, &c2, &chc),
			 VD_OK);
	assert_int_equal(vd_ipc_close_channel(c2), VD_OK);
	assert_int_equal(vd_cap_lookup(A.a.caps, chc.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_true(vd_cap_destroyed(A.a.caps, chc.token));
	assert_int_equal(live_channels(), 1);
	/* only from one's own endpoint; and nothing is left on failure */
	assert_int_equal(ipc_create_own_channel(&A.a, eb, ea, &c2, &chc),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(live_channels(), 1);
	assert_int_equal(vd_cap_space_used(A.a.caps), 1);
}

/* A full capability space: the channel is not kept. */
static void test_channel_needs_a_slot(void **state)
{
	struct vd_capability chc;
	vd_channel_id_t c2;
	unsigned n = 0;
	(void)state;

	while (vd_cap_create(A.a.caps, VD_OBJ_DEVICE, 1000 + n, 0, NULL) ==
	       VD_OK)
		n++;
	assert_int_equal(ipc_create_own_channel(&A.a, ea, eb, &c2, &chc),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(live_channels(), 1);
}

/* The owner's exit destroys its endpoints: copies elsewhere go. */
static void test_owner_exit_revokes_copies(void **state)
{
	struct vd_capability copy;
	(void)state;

	assert_int_equal(vd_cap_derive_into(C.a.caps, B.a.caps, cap_b.token,
					    VD_RIGHT_WRITE, &copy),
			 VD_OK);
	fake_proc_exit(&B);
	fake_proc_init(&B, 20); /* for the teardown */
	assert_int_equal(vd_cap_lookup(C.a.caps, copy.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_true(vd_cap_destroyed(C.a.caps, copy.token));
	assert_int_equal(live_channels(), 0); /* ch went with eb */
}

/* A queued message's capability (derived for the receiver) is revoked
 * when the message is dropped, without a hook: the sender's original
 * and its endpoint stay. */
static void test_dropped_message_capability(void **state)
{
	struct vd_ipc_message m = word_msg(7);
	struct vd_capability c;
	struct vd_cap_stats st0, st1;
	vd_endpoint_id_t id;
	(void)state;

	assert_int_equal(vd_ipc_create_endpoint(&A.a, &id, &c), VD_OK);
	vd_cap_get_stats(&st0);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, c.token, 0), VD_OK);
	assert_int_equal(vd_cap_object_count(VD_OBJ_IPC_ENDPOINT, id), 2);
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK); /* dropped */
	vd_cap_get_stats(&st1);
	assert_int_equal(st1.caps, st0.caps);
	assert_int_equal(vd_cap_object_count(VD_OBJ_IPC_ENDPOINT, id), 1);
	assert_int_equal(vd_ipc_endpoint_owner(id, &(vd_pid_t){0}), VD_OK);
	assert_int_equal(vd_cap_revoke(A.a.caps, c.token), VD_OK);
	assert_int_equal(vd_ipc_endpoint_owner(id, &(vd_pid_t){0}),
			 VD_ERR_NOT_FOUND);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
	const struct CMUnitTest tests[] = {
		T(test_dropped_endpoints_are_destroyed),
		T(test_endpoint_lives_while_a_copy_does),
		T(test_destroy_revokes_everywhere),
		T(test_channel_and_its_capability),
		T(test_channel_needs_a_slot),
		T(test_owner_exit_revokes_copies),
		T(test_dropped_message_capability),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
