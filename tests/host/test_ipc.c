/*
 * cmocka suite for IPC message passing (core/ipc): endpoints and
 * channels, the bounded queue and blocked senders, receive timeouts,
 * call/reply with reply-token misuse, closing and dying mid-call, and
 * capability transfer.  See test_ipc_fixture.h for how blocking is
 * simulated.  Every test tears down what it made; the teardown checks
 * that no object, capability or frame is left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "test_ipc_fixture.h"

/* Client A (pid 10) and server B (pid 20) joined by one channel. */
static struct fake_proc A, B, C;
static vd_endpoint_id_t ea, eb;
static vd_channel_id_t ch;
static struct vd_capability cap_a, cap_b;

static int pair_setup(void **state)
{
	ipc_test_setup(state);
	fake_proc_init(&A, 10);
	fake_proc_init(&B, 20);
	fake_proc_init(&C, 30);
	assert_int_equal(vd_ipc_create_endpoint(&A.a, &ea, &cap_a), VD_OK);
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &eb, &cap_b), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	return 0;
}

static int pair_teardown(void **state)
{
	fake_proc_exit(&A);
	fake_proc_exit(&B);
	fake_proc_exit(&C);
	return ipc_test_teardown(state);
}

static vd_err_t recv_now(struct fake_proc *p, vd_endpoint_id_t ep,
			 struct vd_ipc_message *m, struct vd_ipc_header *h)
{
	return vd_ipc_receive_message(&p->a, ep, 0, m, h);
}

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
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_ERR_TIMEOUT);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
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
	assert_int_equal(h.reply_token >> 48, t >> 48);
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
		T(test_call_reply_round_trip),
		T(test_reply_token_misuse),
		T(test_call_timeouts),
		T(test_close_channel_mid_call),
		T(test_close_wakes_queued_caller_and_receiver),
		T(test_server_killed_mid_call),
		T(test_capability_transfer_checks_grant),
		T(test_undelivered_capability_is_revoked),
		T(test_large_message_shares_region),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
