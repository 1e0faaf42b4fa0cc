/*
 * cmocka suite for IPC message passing (core/ipc), part 1: endpoints and
 * channels, ids, the bounded queue and blocked senders, receive timeouts,
 * direct hand-off to a waiting receiver.  Calls, reply tokens, closing
 * and dying mid-call, capability transfer and large messages are in
 * test_ipc_call.c.  See test_ipc_fixture.h for how blocking is simulated;
 * every test tears down what it made and the teardown checks that no
 * object, capability or heap block is left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "test_ipc_pair.h"

/* ------------------------------------------------------------------ */
/* Endpoints and channels                                              */
/* ------------------------------------------------------------------ */

static void test_endpoint_create_and_capability(void **state)
{
	struct vd_capability c;
	vd_pid_t owner;
	(void)state;

	assert_int_not_equal(ea, 0);
	assert_int_not_equal(ea, eb);
	assert_int_equal(cap_a.object_type, VD_OBJ_IPC_ENDPOINT);
	assert_int_equal(cap_a.object_id, ea);
	assert_int_equal(cap_a.rights, VD_RIGHTS_ALL);
	assert_int_equal(vd_cap_validate_type(A.a.caps, cap_a.token,
					      VD_OBJ_IPC_ENDPOINT,
					      VD_RIGHT_READ, &c),
			 VD_OK);
	assert_int_equal(c.object_id, ea);
	/* A's capability means nothing in B's space. */
	assert_int_not_equal(vd_cap_validate(B.a.caps, cap_a.token, 0, NULL),
			     VD_OK);
	assert_int_equal(vd_ipc_endpoint_owner(eb, &owner), VD_OK);
	assert_int_equal(owner, 20);
}

static void test_endpoint_bad_input(void **state)
{
	vd_endpoint_id_t id;
	vd_channel_id_t c2;
	(void)state;

	assert_int_equal(vd_ipc_create_endpoint(NULL, &id, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_endpoint(&A.a, NULL, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_channel(ea, ea, &c2),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_channel(ea, 12345, &c2),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_create_channel(ea, eb, NULL),
			 VD_ERR_INVALID_PARAMETER);
	/* A channel id is not an endpoint id and vice versa. */
	assert_int_equal(vd_ipc_create_channel(ch, eb, &c2), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_close_channel(ea), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_destroy_endpoint(ch), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_destroy_endpoint(0), VD_ERR_NOT_FOUND);
}

static void test_stale_ids_stay_dead(void **state)
{
	vd_endpoint_id_t e1, e2;
	vd_channel_id_t c1, c2;
	struct vd_ipc_message m = word_msg(1);
	(void)state;

	assert_int_equal(vd_ipc_create_endpoint(&C.a, &e1, NULL), VD_OK);
	assert_int_equal(vd_ipc_create_channel(e1, eb, &c1), VD_OK);
	assert_int_equal(vd_ipc_close_channel(c1), VD_OK);
	assert_int_equal(vd_ipc_close_channel(c1), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_destroy_endpoint(e1), VD_OK);
	/* The slots get reused, the old ids do not come back. */
	assert_int_equal(vd_ipc_create_endpoint(&C.a, &e2, NULL), VD_OK);
	assert_int_equal(vd_ipc_create_channel(e2, eb, &c2), VD_OK);
	assert_int_not_equal(e1, e2);
	assert_int_not_equal(c1, c2);
	assert_int_equal(vd_ipc_send_message(&C.a, c1, &m, 0, 0),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_receive_message(&C.a, e1, 0, &m, NULL),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_send_message(&C.a, c2, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&B, eb, &m, NULL), VD_OK);
	assert_int_equal(vd_ipc_destroy_endpoint(e2), VD_OK);
	/* Destroying an endpoint closed its channel. */
	assert_int_equal(vd_ipc_close_channel(c2), VD_ERR_NOT_FOUND);
}

static void test_endpoint_table_exhaustion(void **state)
{
	static vd_endpoint_id_t ids[VD_IPC_MAX_ENDPOINTS];
	/* A kernel-side owner without a capability space (C's 64 slots
	 * would run out first). */
	struct vd_ipc_actor k = {.pid = 99};
	struct vd_capability c;
	vd_endpoint_id_t extra;
	unsigned n = 0;
	(void)state;

	/* Two already exist (ea, eb). */
	while (n < VD_IPC_MAX_ENDPOINTS - 2) {
		assert_int_equal(vd_ipc_create_endpoint(&k, &ids[n], &c),
				 VD_OK);
		assert_int_equal(c.token, VD_CAP_TOKEN_NULL);
		n++;
	}
	assert_int_equal(vd_ipc_create_endpoint(&k, &extra, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(vd_ipc_destroy_endpoint(ids[i]), VD_OK);
	assert_int_equal(vd_ipc_create_endpoint(&k, &extra, NULL), VD_OK);
	assert_int_equal(vd_ipc_destroy_endpoint(extra), VD_OK);

	/* A full capability space: the endpoint is not kept either. */
	struct vd_ipc_stats st;
	unsigned made = 0;
	vd_err_t err;
	while ((err = vd_ipc_create_endpoint(&C.a, &ids[made], NULL)) == VD_OK)
		made++;
	assert_int_equal(err, VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(made, vd_cap_space_capacity(C.a.caps));
	vd_ipc_get_stats(&st);
	assert_int_equal(st.endpoints, 2 + made);
	vd_ipc_process_exit(&C.a); /* destroys C's endpoints */
	vd_ipc_get_stats(&st);
	assert_int_equal(st.endpoints, 2);
}

/* ------------------------------------------------------------------ */
/* Send and receive                                                    */
/* ------------------------------------------------------------------ */

static void test_send_receive_header_and_payload(void **state)
{
	struct vd_ipc_message m = small_msg("hello, server"), got;
	struct vd_ipc_header h;
	(void)state;

	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_equal(got.kind, VD_IPC_MSG_SMALL);
	assert_int_equal(got.len, 13);
	assert_memory_equal(got.data, "hello, server", 13);
	assert_int_equal(h.sender, 10);
	assert_int_equal(h.recipient, 20);
	assert_int_equal(h.type, VD_IPC_TYPE_SEND);
	assert_int_equal(h.sequence, 1);
	assert_int_equal(h.channel, ch);
	assert_int_equal(h.reply_token, 0);
	assert_int_equal(h.flags & VD_IPC_HDR_HAS_CAP, 0);

	/* Sequence numbers count per direction. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_equal(h.sequence, 2);
	m = small_msg("back");
	assert_int_equal(vd_ipc_send_message(&B.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&A, ea, &got, &h), VD_OK);
	assert_int_equal(h.sender, 20);
	assert_int_equal(h.recipient, 10);
	assert_int_equal(h.sequence, 1);
	assert_memory_equal(got.data, "back", 4);
	/* Nothing slept. */
	assert_int_equal(ipc_sleeps, 0);
}

static void test_full_64_byte_payload(void **state)
{
	struct vd_ipc_message m, got;
	(void)state;

	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_SMALL;
	m.len = VD_IPC_SMALL_MAX;
	for (unsigned i = 0; i < VD_IPC_SMALL_MAX; i++)
		m.data[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(got.len, 64);
	assert_memory_equal(got.data, m.data, 64);
	/* An empty message is fine too. */
	m.len = 0;
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(got.len, 0);
}

static void test_bad_messages_and_permissions(void **state)
{
	struct vd_ipc_message m = word_msg(5), got;
	(void)state;

	m.len = 65;
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
			 VD_ERR_IPC_MSG_TOO_LARGE);
	m.len = 8;
	m.kind = 7;
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, NULL, 0, 0),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_send_message(NULL, ch, &m, 0, 0),
			 VD_ERR_INVALID_PARAMETER);
	m.kind = VD_IPC_MSG_SMALL;
	/* C owns neither end of the channel. */
	assert_int_equal(vd_ipc_send_message(&C.a, ch, &m, 0, 0),
			 VD_ERR_PERMISSION_DENIED);
	/* Only the owner receives on an endpoint. */
	assert_int_equal(vd_ipc_receive_message(&A.a, eb, 0, &got, NULL),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, 0, NULL, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_send_message(&A.a, 0, &m, 0, 0),
			 VD_ERR_NOT_FOUND);
	/* None of that queued anything. */
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);
}

static void test_queue_is_bounded_and_fifo(void **state)
{
	struct vd_ipc_message m, got;
	struct vd_ipc_stats st;
	(void)state;

	for (uint64_t i = 0; i < VD_IPC_QUEUE_DEPTH; i++) {
		m = word_msg(100 + i);
		assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
				 VD_OK);
	}
	vd_ipc_get_stats(&st);
	assert_int_equal(st.queued_messages, VD_IPC_QUEUE_DEPTH);
	m = word_msg(999);
	/* Full, and the sender does not want to wait. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
			 VD_ERR_IPC_QUEUE_FULL);
	/* Full, and the time runs out while it waits. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 1000),
			 VD_ERR_TIMEOUT);
	assert_int_equal(ipc_sleeps, 1);
	for (uint64_t i = 0; i < VD_IPC_QUEUE_DEPTH; i++) {
		assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
		assert_int_equal(got.words[0], 100 + i);
	}
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);
}

/* The world while a sender is blocked on a full queue: B takes one. */
static vd_err_t world_b_receives_one(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message got;
	(void)dl;

	assert_int_equal(w->state, IPC_WAIT_SEND);
	assert_false(w->done);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(got.words[0], 0);
	/* Receiving admitted the blocked sender into the ring. */
	assert_true(w->done);
	assert_int_equal(w->result, VD_OK);
	return VD_OK;
}

static void test_blocked_sender_is_admitted_in_order(void **state)
{
	struct vd_ipc_message m, got;
	(void)state;

	for (uint64_t i = 0; i < VD_IPC_QUEUE_DEPTH; i++) {
		m = word_msg(i);
		assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
				 VD_OK);
	}
	m = word_msg(VD_IPC_QUEUE_DEPTH);
	ipc_world = world_b_receives_one;
	assert_int_equal(
		vd_ipc_send_message(&A.a, ch, &m, 0, VD_TIMEOUT_INFINITE),
		VD_OK);
	assert_int_equal(ipc_sleeps, 1);
	assert_int_equal(ipc_wakes, 1);
	for (uint64_t i = 1; i <= VD_IPC_QUEUE_DEPTH; i++) {
		assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
		assert_int_equal(got.words[0], i);
	}
}

/* Park several senders directly through the state machine. */
static void test_many_parked_senders_fifo_and_close(void **state)
{
	static struct ipc_waiter ws[4];
	struct vd_ipc_message m, got;
	(void)state;

	for (uint64_t i = 0; i < VD_IPC_QUEUE_DEPTH; i++) {
		m = word_msg(i);
		assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0),
				 VD_OK);
	}
	ipc_lock_state_t st = ipc_lock();
	for (unsigned i = 0; i < 4; i++) {
		m = word_msg(VD_IPC_QUEUE_DEPTH + i);
		ipc_waiter_init(&ws[i], &A.a);
		assert_int_equal(ipc_send_begin(&ws[i], ch, &m, 0, false),
				 IPC_PENDING);
	}
	ipc_unlock(st);
	/* Two receives admit the first two parked senders, in order. */
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_true(ws[0].done && ws[1].done);
	assert_false(ws[2].done || ws[3].done);
	/* Closing the channel fails the rest and drops the queue. */
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	assert_true(ws[2].done && ws[3].done);
	assert_int_equal(ws[2].result, VD_ERR_IPC_CLOSED);
	assert_int_equal(ws[3].result, VD_ERR_IPC_CLOSED);
	/* eb has no channel left: no message can come (issue 11, 9) */
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_IPC_CLOSED);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);
}

static void test_receive_timeouts(void **state)
{
	struct vd_ipc_message got;
	(void)state;

	/* 0: a poll, never sleeps. */
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, 0, &got, NULL),
			 VD_ERR_TIMEOUT);
	assert_int_equal(ipc_sleeps, 0);
	/* A finite timeout sleeps and reports Timeout. */
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, 5000000, &got, NULL),
			 VD_ERR_TIMEOUT);
	assert_int_equal(ipc_sleeps, 1);
	/* The timed-out waiter is gone: a later send queues normally. */
	struct vd_ipc_message m = word_msg(77);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_int_equal(ipc_wakes, 0);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(got.words[0], 77);
}

static vd_err_t world_a_sends(struct ipc_waiter *w, uint64_t dl)
{
	struct vd_ipc_message m = small_msg("direct");
	(void)dl;

	assert_int_equal(w->state, IPC_WAIT_RECV);
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	/* Handed straight to the waiting receiver, not queued. */
	assert_true(w->done);
	assert_int_equal(w->ep->count, 0);
	return VD_OK;
}

static void test_waiting_receiver_gets_message_directly(void **state)
{
	struct vd_ipc_message got;
	struct vd_ipc_header h;
	(void)state;

	ipc_world = world_a_sends;
	assert_int_equal(
		vd_ipc_receive_message(&B.a, eb, VD_TIMEOUT_INFINITE, &got, &h),
		VD_OK);
	assert_int_equal(ipc_wakes, 1);
	assert_memory_equal(got.data, "direct", 6);
	assert_int_equal(h.sender, 10);
	assert_int_equal(h.sequence, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
	const struct CMUnitTest tests[] = {
		T(test_endpoint_create_and_capability),
		T(test_endpoint_bad_input),
		T(test_stale_ids_stay_dead),
		T(test_endpoint_table_exhaustion),
		T(test_send_receive_header_and_payload),
		T(test_full_64_byte_payload),
		T(test_bad_messages_and_permissions),
		T(test_queue_is_bounded_and_fifo),
		T(test_blocked_sender_is_admitted_in_order),
		T(test_many_parked_senders_fifo_and_close),
		T(test_receive_timeouts),
		T(test_waiting_receiver_gets_message_directly),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
