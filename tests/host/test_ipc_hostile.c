/*
 * cmocka suite for IPC under hostile sequences (issue 11): provisional
 * region access that must stay provisional, a receive that must not
 * lose its message when writing the header fails, reply-and-receive
 * that must deliver a valid reply whatever the endpoint, and receives
 * on an endpoint whose channels have all closed.  See test_ipc_fixture.h for
 * how blocking is simulated; the ktest ipc_user_hostile_sequences
 * (user/bin/ipc-hostile) runs the same sequences through the syscalls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <veridian/thread.h>

#include "test_ipc_pair.h"

static struct vd_ipc_message large_msg(vd_region_id_t r)
{
	struct vd_ipc_message m;

	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_LARGE;
	m.large.region = r;
	m.large.offset = 0;
	m.large.len = VD_PAGE_SIZE;
	return m;
}

/* ------------------------------------------------------------------ */
/* Provisional access (issue 11, 1)                                    */
/* ------------------------------------------------------------------ */

/*
 * B queues a large message about its region to A, who holds it only
 * provisionally until it receives that message.  A may not use the
 * access, pass it to itself (through a second endpoint of its own) or
 * to B, or answer a call with it; once the message is dropped, A holds
 * nothing and the region goes with B's release.
 */
static void test_provisional_access_stays_provisional(void **state)
{
	struct vd_ipc_message big, got, reply_out;
	struct vd_ipc_header h;
	struct vd_ipc_stats st;
	struct ipc_waiter call;
	vd_endpoint_id_t ea2;
	vd_channel_id_t self_ch;
	vd_region_id_t r;
	vaddr_t va;
	size_t size;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&B.a, VD_PAGE_SIZE,
					    VD_RIGHT_READ | VD_RIGHT_WRITE, &r),
		VD_OK);
	big = large_msg(r);
	/* first a call from B (A will hold its token), then the region */
	struct vd_ipc_message req = word_msg(7);
	ipc_lock_state_t ls = ipc_lock();
	ipc_waiter_init(&call, &B.a);
	assert_int_equal(ipc_call_begin(&call, ch, &req, 0, &reply_out, false),
			 IPC_PENDING);
	ipc_unlock(ls);
	assert_int_equal(vd_ipc_send_message(&B.a, ch, &big, 0, 0), VD_OK);
	assert_int_equal(recv_now(&A, ea, &got, &h), VD_OK);
	assert_int_equal(h.type, VD_IPC_TYPE_CALL);

	/* A's access is provisional: no map, no size, no transfer... */
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_region_size(&A.a, r, &size),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &C.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_ERR_PERMISSION_DENIED);
	/* ...no large message to itself, which would make it real... */
	assert_int_equal(vd_ipc_create_endpoint(&A.a, &ea2, NULL), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, ea2, &self_ch), VD_OK);
	assert_int_equal(vd_ipc_send_message(&A.a, self_ch, &big, 0, 0),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_receive_message(&A.a, ea2, 0, &got, NULL),
			 VD_ERR_TIMEOUT);
	/* ...none to B either, and no large reply. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &big, 0, 0),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_reply(&A.a, h.reply_token, &big),
			 VD_ERR_PERMISSION_DENIED);
	/* the token survived the refused reply: a small one goes */
	struct vd_ipc_message ok = word_msg(8);
	assert_int_equal(vd_ipc_reply(&A.a, h.reply_token, &ok), VD_OK);
	assert_true(call.done);
	assert_int_equal(call.result, VD_OK);
	assert_int_equal(reply_out.words[0], 8);

	/* B lets go; the message is dropped undelivered: nothing is left,
	 * A has no access to show for it. */
	assert_int_equal(vd_ipc_release_shared_region(&B.a, r), VD_OK);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.regions, 1); /* A's provisional holder */
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.regions, 0);
	assert_int_equal(st.region_frames, 0);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_close_channel(self_ch), VD_OK);
	assert_int_equal(vd_ipc_destroy_endpoint(ea2), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
}

/* The access becomes real on delivery, and then A may pass it on. */
static void test_delivered_access_is_real(void **state)
{
	struct vd_ipc_message big, got;
	vd_region_id_t r;
	size_t size;
	(void)state;

	assert_int_equal(vd_ipc_create_shared_region(&B.a, VD_PAGE_SIZE,
						     VD_RIGHT_READ, &r),
			 VD_OK);
	big = large_msg(r);
	assert_int_equal(vd_ipc_send_message(&B.a, ch, &big, 0, 0), VD_OK);
	assert_int_equal(recv_now(&A, ea, &got, NULL), VD_OK);
	assert_int_equal(vd_ipc_region_size(&A.a, r, &size), VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&B.a, r), VD_OK);
	/* back to B, provisionally; B's copy of the message goes when the
	 * pair is torn down, and the region with A and B */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &big, 0, 0), VD_OK);
	assert_int_equal(vd_ipc_region_size(&B.a, r, &size),
			 VD_ERR_PERMISSION_DENIED);
}

/* ------------------------------------------------------------------ */
/* Receive into a header buffer (issue 11, 3)                          */
/* ------------------------------------------------------------------ */

static unsigned queued(void)
{
	struct vd_ipc_stats st;

	vd_ipc_get_stats(&st);
	return (unsigned)st.queued_messages;
}

/* Peek leaves the message queued: a receive whose header could not be
 * written (it stops after the peek) takes nothing away. */
static void test_peek_then_fail_leaves_message(void **state)
{
	struct vd_ipc_message m = word_msg(1), got;
	struct ipc_waiter w;
	(void)state;

	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(&w, &B.a);
	assert_int_equal(ipc_receive_peek(&w, eb, true), VD_OK);
	assert_int_equal(w.q.msg.words[0], 1);
	assert_false(w.done);
	ipc_unlock(st);
	/* ... the header copy faults here: the receive just returns ... */
	assert_int_equal(queued(), 1);
	assert_int_equal(recv_now(&B, eb, &got, NULL), VD_OK);
	assert_int_equal(got.words[0], 1);
}

/* The token a peeked call shows is the one its taker gets and replies
 * with; a message taken by someone else in between is not taken twice. */
static void test_peek_take_call_and_race(void **state)
{
	struct vd_ipc_message req = word_msg(5), m2 = word_msg(6), out, got;
	struct ipc_waiter call, w;
	struct vd_ipc_header h;
	(void)state;

	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(&call, &A.a);
	assert_int_equal(ipc_call_begin(&call, ch, &req, 0, &out, false),
			 IPC_PENDING);
	ipc_waiter_init(&w, &B.a);
	assert_int_equal(ipc_receive_peek(&w, eb, true), VD_OK);
	vd_reply_token_t peeked = w.q.hdr.reply_token;
	assert_int_not_equal(peeked, 0);
	assert_int_equal(w.q.hdr.type, VD_IPC_TYPE_CALL);
	/* not taken yet: the token is not live */
	struct vd_ipc_message resp = word_msg(9);
	assert_int_equal(ipc_reply_locked(&B.a, peeked, &resp, NULL),
			 VD_ERR_IPC_BAD_REPLY_TOKEN);
	assert_int_equal(ipc_receive_take(&w, eb), VD_OK);
	assert_true(w.done);
	assert_int_equal(w.q.hdr.reply_token, peeked);
	assert_int_equal(w.q.msg.words[0], 5);
	ipc_unlock(st);
	assert_int_equal(vd_ipc_reply(&B.a, peeked, &resp), VD_OK);
	assert_true(call.done);
	assert_int_equal(out.words[0], 9);

	/* Another thread of B takes the peeked message first. */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m2, 0, 0), VD_OK);
	st = ipc_lock();
	ipc_waiter_init(&w, &B.a);
	assert_int_equal(ipc_receive_peek(&w, eb, true), VD_OK);
	ipc_unlock(st);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_equal(got.words[0], 6);
	st = ipc_lock();
	assert_int_equal(ipc_receive_take(&w, eb), IPC_AGAIN);
	assert_int_equal(ipc_receive_peek(&w, eb, true), VD_ERR_TIMEOUT);
	ipc_unlock(st);
	assert_int_equal(queued(), 0);
}

/* A waiter that takes its message itself is woken with the message
 * still queued; a receiver waiting behind it is not left waiting while
 * a message is queued (ipc_endpoint_feed); a call withdrawn after the
 * peek is not taken. */
static void test_take_self_waiter(void **state)
{
	struct vd_ipc_message m = word_msg(3), out;
	struct ipc_waiter h, r, call;
	(void)state;

	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(&h, &B.a);
	assert_int_equal(ipc_receive_peek(&h, eb, false), IPC_PENDING);
	ipc_waiter_init(&r, &B.a);
	assert_int_equal(ipc_receive_begin(&r, eb, false), IPC_PENDING);
	ipc_unlock(st);

	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	/* both woken: h to look, r with the message (it waited behind h) */
	assert_true(h.done && r.done);
	assert_int_equal(r.result, VD_OK);
	assert_int_equal(r.q.msg.words[0], 3);
	assert_int_equal(queued(), 0);
	st = ipc_lock();
	assert_int_equal(ipc_receive_peek(&h, eb, false), IPC_PENDING);
	ipc_unlock(st);

	/* alone, h is woken and the message waits for it */
	assert_int_equal(vd_ipc_send_message(&A.a, ch, &m, 0, 0), VD_OK);
	assert_true(h.done);
	assert_int_equal(queued(), 1);
	st = ipc_lock();
	assert_int_equal(ipc_receive_peek(&h, eb, false), VD_OK);
	assert_int_equal(ipc_receive_take(&h, eb), VD_OK);
	assert_int_equal(h.q.msg.words[0], 3);

	/* a call peeked, then withdrawn (its caller timed out) */
	ipc_waiter_init(&call, &A.a);
	assert_int_equal(ipc_call_begin(&call, ch, &m, 0, &out, false),
			 IPC_PENDING);
	ipc_waiter_init(&h, &B.a);
	assert_int_equal(ipc_receive_peek(&h, eb, false), VD_OK);
	ipc_waiter_cancel(&call, VD_ERR_TIMEOUT);
	assert_int_equal(ipc_receive_take(&h, eb), IPC_AGAIN);
	ipc_unlock(st);
	assert_int_equal(queued(), 0);
}

/* ------------------------------------------------------------------ */
/* Reply-and-receive on a dead endpoint (issue 11, 4)                  */
/* ------------------------------------------------------------------ */

/* The syscall's general path (ipc_reply_recv_regs), with its saved user
 * registers on a fake kernel stack (vd_thread_of_stack reads its second
 * word).  A pending call of A's, received by B: *token. */
static struct vd_cpu_context *fake_ctx(void **kstack)
{
	*kstack = aligned_alloc(VD_KSTACK_SIZE, VD_KSTACK_SIZE);
	assert_non_null(*kstack);
	memset(*kstack, 0, VD_KSTACK_SIZE);
	return (struct vd_cpu_context *)((char *)*kstack + VD_KSTACK_SIZE -
					 sizeof(struct vd_cpu_context));
}

static void call_received_by_b(struct ipc_waiter *call, uint64_t word,
			       struct vd_ipc_message *out,
			       vd_reply_token_t *token)
{
	struct vd_ipc_message req = word_msg(word), got;
	struct vd_ipc_header h;

	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(call, &A.a);
	assert_int_equal(ipc_call_begin(call, ch, &req, 0, out, false),
			 IPC_PENDING);
	ipc_unlock(st);
	assert_int_equal(recv_now(&B, eb, &got, &h), VD_OK);
	assert_int_equal(got.words[0], word);
	*token = h.reply_token;
}

static void test_reply_recv_dead_endpoint_still_replies(void **state)
{
	struct vd_ipc_message out, resp;
	struct ipc_waiter call;
	vd_endpoint_id_t dead, lonely;
	vd_channel_id_t gone;
	vd_reply_token_t tok;
	void *kstack;
	struct vd_cpu_context *ctx = fake_ctx(&kstack);
	(void)state;

	/* The endpoint capability was bad (the syscall found it so): the
	 * reply is delivered, the status is the capability's error. */
	call_received_by_b(&call, 1, &out, &tok);
	resp = word_msg(101);
	assert_int_equal(ipc_reply_recv_regs(&B.a, tok, &resp, 0,
					     VD_ERR_INVALID_CAPABILITY,
					     VD_TIMEOUT_INFINITE, ctx),
			 VD_ERR_INVALID_CAPABILITY);
	assert_true(call.done);
	assert_int_equal(call.result, VD_OK);
	assert_int_equal(out.words[0], 101);
	/* the token is spent: a second reply-and-receive fails in the
	 * reply, and then does not receive either */
	assert_int_equal(
		ipc_reply_recv_regs(&B.a, tok, &resp, eb, VD_OK, 0, ctx),
		VD_ERR_IPC_BAD_REPLY_TOKEN);

	/* A destroyed endpoint: Closed, reply delivered. */
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &dead, NULL), VD_OK);
	assert_int_equal(vd_ipc_destroy_endpoint(dead), VD_OK);
	call_received_by_b(&call, 2, &out, &tok);
	resp = word_msg(102);
	assert_int_equal(ipc_reply_recv_regs(&B.a, tok, &resp, dead, VD_OK,
					     VD_TIMEOUT_INFINITE, ctx),
			 VD_ERR_IPC_CLOSED);
	assert_true(call.done);
	assert_int_equal(out.words[0], 102);

	/* One whose channels all closed: Closed at once, reply delivered. */
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &lonely, NULL), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, lonely, &gone), VD_OK);
	assert_int_equal(vd_ipc_close_channel(gone), VD_OK);
	call_received_by_b(&call, 3, &out, &tok);
	resp = word_msg(103);
	ipc_sleeps = 0;
	assert_int_equal(ipc_reply_recv_regs(&B.a, tok, &resp, lonely, VD_OK,
					     VD_TIMEOUT_INFINITE, ctx),
			 VD_ERR_IPC_CLOSED);
	assert_int_equal(ipc_sleeps, 0);
	assert_true(call.done);
	assert_int_equal(out.words[0], 103);
	assert_int_equal(vd_ipc_destroy_endpoint(lonely), VD_OK);
	free(kstack);
}

/* ------------------------------------------------------------------ */
/* Closed endpoints (issue 11, 9)                                      */
/* ------------------------------------------------------------------ */

static void test_receive_after_last_channel_closed(void **state)
{
	struct vd_ipc_message got;
	struct ipc_waiter w;
	vd_endpoint_id_t fresh;
	(void)state;

	/* A fresh endpoint waits for its first channel. */
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &fresh, NULL), VD_OK);
	assert_int_equal(vd_ipc_receive_message(&B.a, fresh, 0, &got, NULL),
			 VD_ERR_TIMEOUT);
	ipc_sleeps = 0;
	assert_int_equal(vd_ipc_receive_message(&B.a, fresh, 1000, &got, NULL),
			 VD_ERR_TIMEOUT);
	assert_int_equal(ipc_sleeps, 1);

	/* eb loses its only channel: receives fail at once, blocking or
	 * not, through either kind of receive, without sleeping. */
	assert_int_equal(vd_ipc_close_channel(ch), VD_OK);
	ipc_sleeps = 0;
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, 0, &got, NULL),
			 VD_ERR_IPC_CLOSED);
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, VD_TIMEOUT_INFINITE,
						&got, NULL),
			 VD_ERR_IPC_CLOSED);
	assert_int_equal(ipc_sleeps, 0);
	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_init(&w, &B.a);
	assert_int_equal(ipc_receive_peek(&w, eb, false), VD_ERR_IPC_CLOSED);
	ipc_unlock(st);

	/* A new channel makes it an endpoint one can wait on again. */
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	assert_int_equal(vd_ipc_receive_message(&B.a, eb, 0, &got, NULL),
			 VD_ERR_TIMEOUT);
	assert_int_equal(vd_ipc_destroy_endpoint(fresh), VD_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
	const struct CMUnitTest tests[] = {
		T(test_provisional_access_stays_provisional),
		T(test_delivered_access_is_real),
		T(test_peek_then_fail_leaves_message),
		T(test_peek_take_call_and_race),
		T(test_take_self_waiter),
		T(test_reply_recv_dead_endpoint_still_replies),
		T(test_receive_after_last_channel_closed),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
