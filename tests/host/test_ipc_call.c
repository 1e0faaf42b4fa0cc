/*
 * cmocka suite for IPC message passing (core/ipc), part 2: call and
 * reply, reply-token misuse (forged, replayed, stolen, late), call
 * timeouts, closing a channel and a server dying mid-call, capability
 * transfer (GRANT checked, undelivered copies revoked, copies revoked
 * while queued arrive as revoked), large messages.
 * See test_ipc_fixture.h for how blocking is simulated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "test_ipc_pair.h"

/* ------------------------------------------------------------------ */
/* Call and reply                                                      */
/* ------------------------------------------------------------------ */

static vd_reply_token_t seen_token;

static vd_err_t world_b_serves(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message req, resp;
	struct vd_ipc_header h;
	(void)dl;

	assert_int_equal(w->state, IPC_WAIT_REPLY);
	assert_int_equal(recv_now(&B, eb, &req, &h), VD_OK);
	assert_int_equal(h.type, VD_IPC_TYPE_CALL);
	assert_int_not_equal(h.reply_token, 0);
	seen_token = h.reply_token;
	resp = word_msg(req.words[0] * 2);
	assert_int_equal(vd_ipc_reply(&B.a, h.reply_token, &resp), VD_OK);
	assert_true(w->done);
	return VD_OK;
}

static void test_call_reply_round_trip(void **state)
{
	struct vd_ipc_message req = word_msg(21), resp;
	(void)state;

	ipc_world = world_b_serves;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_OK);
	assert_int_equal(resp.words[0], 42);
	/* Single use: the same token a second time is refused. */
	assert_int_equal(vd_ipc_reply(&B.a, seen_token, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
}

static struct ipc_waiter *parked_caller(struct ipc_waiter *w,
					const struct vd_ipc_message *req,
					struct vd_ipc_message *reply_out)
{
	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(w, &A.a);
	assert_int_equal(ipc_call_begin(w, ch, req, 0, reply_out, false),
			 IPC_PENDING);
	ipc_unlock(st);
	return w;
}

static void test_reply_token_misuse(void **state)
{
	struct ipc_waiter w;
	struct vd_ipc_message req = word_msg(1), resp = word_msg(2), out, got;
	struct vd_ipc_header h;
	(void)state;

	parked_caller(&w, &req, &out);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	vd_reply_token_t t = h.reply_token;

	/* Forged tokens: zero, bit flips everywhere, a neighbour slot. */
	assert_int_equal(vd_ipc_reply(&B.a, 0, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	for (unsigned bit = 0; bit < 64; bit++)
		assert_int_equal(vd_ipc_reply(&B.a, t ^ (1ull << bit), &resp),
				 VD_ERR_IPC_BAD_REPLY_TOKEN);
	assert_int_equal(vd_ipc_reply(&B.a, ~0ull, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	/* The right token in the wrong hands. */
	assert_int_equal(vd_ipc_reply(&C.a, t, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	assert_int_equal(vd_ipc_reply(&A.a, t, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	/* A bad response does not burn the token. */
	struct vd_ipc_message bad = resp;
	bad.len = 200;
	assert_int_equal(vd_ipc_reply(&B.a, t, &bad), VD_ERR_IPC_MSG_TOO_LARGE);
	assert_false(w.done);
	/* The owner's reply still works, exactly once. */
	assert_int_equal(vd_ipc_reply(&B.a, t, &resp), VD_OK);
	assert_true(w.done);
	assert_int_equal(w.result, VD_OK);
	assert_int_equal(out.words[0], 2);
	assert_int_equal(vd_ipc_reply(&B.a, t, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);

	/* The slot is reused by the next call; the old token stays dead. */
	parked_caller(&w, &req, &out);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_not_equal(h.reply_token, t);
	assert_int_equal(h.reply_token & 0xffff, t & 0xffff); /* slot */
	assert_int_equal(vd_ipc_reply(&B.a, t, &resp),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	assert_int_equal(vd_ipc_reply(&B.a, h.reply_token, &resp), VD_OK);
}

static vd_err_t world_b_receives_then_time_runs_out(struct ipc_waiter *w,
						    uint64_t dl)
{
	struct vd_ipc_message got;
	struct vd_ipc_header h;

	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	seen_token = h.reply_token;
	host_set_time_ns(dl);
	(void)w;
	return VD_ERR_TIMEOUT;
}

static void test_call_timeouts(void **state)
{
	struct vd_ipc_message req = word_msg(3), resp, got;
	struct vd_ipc_stats st;
	(void)state;

	/* Nobody receives: the request is withdrawn from the queue. */
	assert_int_equal(vd_ipc_call(&A.a, ch, &req, 0, 1000000, &resp),
			 VD_ERR_TIMEOUT);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.queued_messages, 0);
	assert_int_equal(st.pending_replies, 0);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);

	/* Timeout 0: same, without sleeping. */
	unsigned sleeps = ipc_sleeps;
	assert_int_equal(vd_ipc_call(&A.a, ch, &req, 0, 0, &resp),
			 VD_ERR_TIMEOUT);
	assert_int_equal(ipc_sleeps, sleeps);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);

	/* The server got it but answers too late: its token is dead. */
	ipc_world = world_b_receives_then_time_runs_out;
	assert_int_equal(vd_ipc_call(&A.a, ch, &req, 0, 1000000, &resp),
			 VD_ERR_TIMEOUT);
	assert_int_equal(vd_ipc_reply(&B.a, seen_token, &req),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.pending_replies, 0);
}

static vd_err_t world_b_receives_then_closes(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message got;
	struct vd_ipc_header h;
	(void)dl;

	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	seen_token = h.reply_token;
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	assert_true(w->done);
	return VD_OK; /* it was woken */
}

static void test_close_channel_mid_call(void **state)
{
	struct vd_ipc_message req = word_msg(3), resp;
	(void)state;

	ipc_world = world_b_receives_then_closes;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_ERR_IPC_CLOSED);
	assert_int_equal(vd_ipc_reply(&B.a, seen_token, &req),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &req, 0, 0),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
}

static vd_err_t world_close(struct ipc_waiter *w, uint64_t dl)
{
	(void)dl;
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	assert_true(w->done);
	return VD_OK;
}

static void test_close_wakes_queued_caller_and_receiver(void **state)
{
	struct vd_ipc_message req = word_msg(3), resp, got;
	(void)state;

	/* A call still in the queue fails with Closed. */
	ipc_world = world_close;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_ERR_IPC_CLOSED);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	/* A receiver whose endpoint loses its last channel wakes up. */
	ipc_world = world_close;
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, VD_TIMEOUT_INFINITE,
						&got, NULL),
			 VD_ERR_IPC_CLOSED);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
}

static vd_err_t world_server_dies(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message got;
	struct vd_ipc_header h;
	(void)dl;

	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	seen_token = h.reply_token;
	fake_proc_exit(&B);
	assert_true(w->done);
	return VD_OK;
}

static vd_err_t world_server_dies_before_receiving(struct ipc_waiter *w,
						   uint64_t dl)
{
	(void)dl;
	fake_proc_exit(&B);
	assert_true(w->done);
	return VD_OK;
}

static void test_server_killed_mid_call(void **state)
{
	struct vd_ipc_message req = word_msg(3), resp;
	struct vd_ipc_stats st;
	(void)state;

	ipc_world = world_server_dies;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_ERR_IPC_PEER_DIED);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.endpoints, 1); /* only A's is left */
	assert_int_equal(st.channels, 0);
	assert_int_equal(st.pending_replies, 0);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &req, 0, 0),
			 VD_ERR_NOT_FOUND);

	/* Again, dying with the call still queued. */
	fake_proc_init(&B, 21);
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &eb, NULL), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	ipc_world = world_server_dies_before_receiving;
	assert_int_equal(
		vd_ipc_call(&A.a, ch, &req, 0, VD_TIMEOUT_INFINITE, &resp),
		VD_ERR_IPC_PEER_DIED);
	fake_proc_init(&B, 22); /* for the teardown */
}

/* ------------------------------------------------------------------ */
/* Capability transfer                                                 */
/* ------------------------------------------------------------------ */

static void test_capability_transfer_checks_grant(void **state)
{
	struct vd_capability obj, weak, got_cap;
	struct vd_ipc_message m = small_msg("cap"), got;
	struct vd_ipc_header h;
	struct vd_cap_stats cs0, cs1;
	(void)state;

	assert_int_equal(
		vd_cap_create(A.a.caps, VD_OBJ_DEVICE, 0xd1,
			      VD_RIGHT_READ | VD_RIGHT_WRITE | VD_RIGHT_GRANT,
			      &obj),
		VD_OK);
	assert_int_equal(
		vd_cap_derive(A.a.caps, obj.token, VD_RIGHT_READ, &weak),
		VD_OK);
	vd_cap_get_stats(&cs0);

	/* Without GRANT: refused, nothing sent, nothing derived. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, weak.token, 0),
			 VD_ERR_PERMISSION_DENIED);
	/* A forged token. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token ^ 4, 0),
			 VD_ERR_INVALID_CAPABILITY);
	/* B's capability is not A's to send. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, cap_b.token, 0),
			 VD_ERR_INVALID_CAPABILITY);
	vd_cap_get_stats(&cs1);
	assert_int_equal(cs1.caps, cs0.caps);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);

	/* With GRANT: B gets its own copy, valid in B's space only. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token, 0),
			 VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_true(h.flags & VD_IPC_HDR_HAS_CAP);
	assert_int_equal(h.capability.object_type, VD_OBJ_DEVICE);
	assert_int_equal(h.capability.object_id, 0xd1);
	assert_int_equal(h.capability.rights, obj.rights);
	assert_int_equal(vd_cap_validate(B.a.caps, h.capability.token,
					 VD_RIGHT_READ, &got_cap),
			 VD_OK);
	assert_int_not_equal(
		vd_cap_validate(A.a.caps, h.capability.token, 0, NULL), VD_OK);
	/* It hangs under A's capability: revoking that revokes B's copy. */
	assert_int_equal(vd_cap_revoke(A.a.caps, obj.token), VD_OK);
	assert_int_not_equal(
		vd_cap_validate(B.a.caps, h.capability.token, 0, NULL), VD_OK);
}

static void test_undelivered_capability_is_revoked(void **state)
{
	struct vd_capability obj;
	struct vd_ipc_message m = small_msg("cap");
	struct vd_cap_stats cs0, cs1;
	(void)state;

	assert_int_equal(
		vd_cap_create(A.a.caps, VD_OBJ_MEMORY, 7, VD_RIGHTS_ALL, &obj),
		VD_OK);
	uint32_t b_used = vd_cap_space_used(B.a.caps);
	vd_cap_get_stats(&cs0);
	/* Queued with a capability, then the channel closes. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token, 0),
			 VD_OK);
	assert_int_equal(vd_cap_space_used(B.a.caps), b_used + 1);
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	assert_int_equal(vd_cap_space_used(B.a.caps), b_used);
	vd_cap_get_stats(&cs1);
	assert_int_equal(cs1.caps, cs0.caps);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);

	/* A blocked sender with a capability times out. */
	for (unsigned i = 0; i < VD_IPC_QUEUE_DEPTH; i++)
		assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
				 VD_OK);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token, 100),
			 VD_ERR_TIMEOUT);
	assert_int_equal(vd_cap_space_used(B.a.caps), b_used);
	/* And a call carrying one is withdrawn on timeout. */
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	struct vd_ipc_message resp;
	assert_int_equal(vd_ipc_call(&A.a, ch, &m, obj.token, 100, &resp),
			 VD_ERR_TIMEOUT);
	assert_int_equal(vd_cap_space_used(B.a.caps), b_used);
}

/* A capability revoked while its message waits arrives as revoked
 * (VD_IPC_HDR_CAP_REVOKED, no token), not as a token that never
 * validates: the host IPC fuzzer's first finding (docs/fuzzing.md). */
static void test_capability_revoked_while_queued(void **state)
{
	struct vd_capability obj, ecap;
	struct vd_ipc_message m = small_msg("cap"), got;
	struct vd_ipc_header h;
	vd_endpoint_id_t e2;
	(void)state;

	/* The sender revokes its original: the queued copy goes with it. */
	assert_int_equal(vd_cap_create(A.a.caps, VD_OBJ_DEVICE, 0xd2,
				       VD_RIGHTS_ALL, &obj),
			 VD_OK);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token, 0),
			 VD_OK);
	assert_int_equal(vd_cap_revoke(A.a.caps, obj.token), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_memory_equal(got.data, "cap", 3);
	assert_int_equal(h.flags & VD_IPC_HDR_HAS_CAP, 0);
	assert_true(h.flags & VD_IPC_HDR_CAP_REVOKED);
	assert_int_equal(h.capability.token, VD_CAP_TOKEN_NULL);

	/* The endpoint it names is destroyed while a call carrying it
	 * waits (what the fuzzer did); the call itself is unharmed. */
	assert_int_equal(vd_ipc_create_endpoint(&A.a, &e2, &ecap), VD_OK);
	struct ipc_waiter w;
	struct vd_ipc_message out;
	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(&w, &A.a);
	assert_int_equal(ipc_call_begin(&w, ch, &m, ecap.token, &out, false),
			 IPC_PENDING);
	ipc_unlock(st);
	assert_int_equal(vd_ipc_destroy_endpoint(e2), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_equal(h.type, VD_IPC_TYPE_CALL);
	assert_int_equal(h.flags, VD_IPC_HDR_CAP_REVOKED);
	assert_int_equal(h.capability.token, VD_CAP_TOKEN_NULL);
	assert_int_equal(vd_ipc_reply(&B.a, h.reply_token, &m), VD_OK);
	assert_true(w.done && w.result == VD_OK);

	/* Revoked between the peek (which wrote a header with HAS_CAP) and
	 * the take: the take says look again, and the second look agrees
	 * with what is taken. */
	assert_int_equal(vd_cap_create(A.a.caps, VD_OBJ_DEVICE, 0xd3,
				       VD_RIGHTS_ALL, &obj),
			 VD_OK);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token, 0),
			 VD_OK);
	st = ipc_lock();
	ipc_waiter_init(&w, &B.a);
	assert_int_equal(ipc_receive_peek(&w, eb, true), VD_OK);
	assert_true(w.q.hdr.flags & VD_IPC_HDR_HAS_CAP);
	assert_int_equal(vd_cap_revoke(A.a.caps, obj.token), VD_OK);
	assert_int_equal(ipc_receive_take(&w, eb), IPC_AGAIN);
	assert_int_equal(ipc_receive_peek(&w, eb, true), VD_OK);
	assert_int_equal(w.q.hdr.flags, VD_IPC_HDR_CAP_REVOKED);
	assert_int_equal(ipc_receive_take(&w, eb), VD_OK);
	assert_int_equal(w.q.hdr.flags, VD_IPC_HDR_CAP_REVOKED);
	assert_int_equal(w.q.hdr.capability.token, VD_CAP_TOKEN_NULL);
	ipc_unlock(st);

	/* A live one still arrives as it always did. */
	assert_int_equal(vd_cap_create(A.a.caps, VD_OBJ_DEVICE, 0xd4,
				       VD_RIGHTS_ALL, &obj),
			 VD_OK);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, obj.token, 0),
			 VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_equal(h.flags, VD_IPC_HDR_HAS_CAP);
	assert_int_equal(vd_cap_validate(B.a.caps, h.capability.token, 0, NULL),
			 VD_OK);
}

/* ------------------------------------------------------------------ */
/* Large messages                                                      */
/* ------------------------------------------------------------------ */

static void test_large_message_shares_region(void **state)
{
	vd_region_id_t r;
	struct vd_ipc_message m, got;
	size_t size;
	vaddr_t va;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 3 * VD_PAGE_SIZE,
					    VD_RIGHT_READ | VD_RIGHT_WRITE, &r),
		VD_OK);
	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_LARGE;
	m.large.region = r;
	m.large.offset = VD_PAGE_SIZE;
	m.large.len = 2 * VD_PAGE_SIZE + 1;
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
			 VD_ERR_INVALID_PARAMETER);
	m.large.offset = ~0ull;
	m.large.len = 2;
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
			 VD_ERR_INVALID_PARAMETER);
	m.large.offset = VD_PAGE_SIZE;
	m.large.len = 100;
	/* B has no access yet, so B cannot send it either. */
	assert_int_equal(vd_ipc_region_size(&B.a, r, &size),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_send_message(&B.a, ch, &m, 0, 0),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(got.kind, VD_IPC_MSG_LARGE);
	assert_int_equal(got.large.region, r);
	assert_int_equal(got.large.offset, VD_PAGE_SIZE);
	assert_int_equal(got.large.len, 100);
	assert_int_equal(vd_ipc_region_size(&B.a, r, &size), VD_OK);
	assert_int_equal(size, 3 * VD_PAGE_SIZE);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &va), VD_OK);
	/* Process exit (teardown) releases both holders and the frames. */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
	const struct CMUnitTest tests[] = {
		T(test_call_reply_round_trip),
		T(test_reply_token_misuse),
		T(test_call_timeouts),
		T(test_close_channel_mid_call),
		T(test_close_wakes_queued_caller_and_receiver),
		T(test_server_killed_mid_call),
		T(test_capability_transfer_checks_grant),
		T(test_undelivered_capability_is_revoked),
		T(test_capability_revoked_while_queued),
		T(test_large_message_shares_region),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
