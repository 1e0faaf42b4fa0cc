/*
 * The model of tests/fuzz/ipc.c (read that file's comment first): the
 * fake processes, the model's endpoints, channels, calls and parked
 * receivers, what a close, a destroy or a death does to them, and the
 * checks of the kernel's statistics and of a received message against
 * it.  Included once, by ipc.c.
 */
#ifndef TESTS_FUZZ_IPC_MODEL_H
#define TESTS_FUZZ_IPC_MODEL_H

#include <host/fake.h>
#include <host/pt_fake.h>
#include <veridian/cap.h>
#include <veridian/ipc.h>
#include <veridian/mm.h>

#include "../../core/ipc/ipc_internal.h"
#include "fuzz.h"

#define NPROC  3
#define MAX_EP 12
#define MAX_CH 12
#define MAX_CALLS 12
#define MAX_RECVS 4
#define MAX_FIFO (VD_IPC_QUEUE_DEPTH + MAX_CALLS)

struct proc {
	struct vd_ipc_actor a;
	struct vd_page_table pt;
	unsigned incarnation;
};

struct m_msg {
	uint64_t tag;
	int from; /* proc index */
	int ch;	  /* model channel index */
	int call; /* model call index, or -1 */
	bool has_cap;
};

struct m_ep {
	vd_endpoint_id_t id;
	int owner;
	bool alive;
	vd_cap_token_t cap; /* the owner's capability (GRANT) */
	struct m_msg q[MAX_FIFO];
	int n;
};

struct m_ch {
	vd_channel_id_t id;
	int ep[2];
	bool alive;
};

enum call_state { CALL_FREE, CALL_QUEUED, CALL_DELIVERED };

struct m_call {
	struct ipc_waiter w; /* the caller's thread, parked */
	struct vd_ipc_message reply;
	enum call_state state;
	int proc, ch;
	uint64_t tag;
	vd_reply_token_t token; /* DELIVERED */
	int replier;		/* DELIVERED: proc index */
	vd_pid_t replier_pid;
};

/* A receiver parked on an endpoint (its thread, blocked). */
struct m_recv {
	struct ipc_waiter w;
	bool active;
	int ep, proc;
	unsigned order; /* parking order: the first one gets the message */
};

static struct m_recv recvs[MAX_RECVS];
static unsigned recv_order;
static struct proc procs[NPROC];
static struct m_ep eps[MAX_EP];
static struct m_ch chs[MAX_CH];
static struct m_call calls[MAX_CALLS];
static int neps, nchs;
static vd_reply_token_t old_tokens[16];
static unsigned nold;
static uint64_t next_tag;
static unsigned step;

static vd_err_t no_world(struct ipc_waiter *w, uint64_t deadline)
{
	(void)w;
	host_set_time_ns(deadline); /* nobody else runs: time runs out */
	return VD_ERR_TIMEOUT;
}

static void no_wake(struct ipc_waiter *w)
{
	(void)w;
}

static void proc_init(int i)
{
	struct proc *p = &procs[i];

	memset(&p->a, 0, sizeof(p->a));
	p->incarnation++;
	p->a.pid = (vd_pid_t)(10 + i + 100 * p->incarnation);
	if (vd_cap_space_create(16, &p->a.caps) != VD_OK ||
	    vd_page_table_create(&p->pt) != VD_OK)
		abort();
	p->a.pt = &p->pt;
}

static void proc_destroy(int i)
{
	struct proc *p = &procs[i];

	vd_ipc_process_exit(&p->a);
	vd_cap_space_destroy(p->a.caps);
	vd_page_table_destroy(&p->pt);
	p->a.caps = NULL;
}

/* ---- the model ---- */

static int ch_live_channels(int e)
{
	int n = 0;

	for (int c = 0; c < nchs; c++)
		if (chs[c].alive && (chs[c].ep[0] == e || chs[c].ep[1] == e))
			n++;
	return n;
}

/* A call ends: its waiter must be done with `want` (or, when want is
 * -1, with one of the errors a close or a death gives). */
static void call_ends(int c, vd_err_t want)
{
	struct m_call *k = &calls[c];

	FUZZ_CHECK(k->w.done, "step %u: call %d (tag %llu) should be over", step,
		   c, (unsigned long long)k->tag);
	if (want == (vd_err_t)-1)
		FUZZ_CHECK(k->w.result == VD_ERR_IPC_CLOSED ||
				   k->w.result == VD_ERR_IPC_PEER_DIED,
			   "step %u: call %d ended with %d", step, c,
			   k->w.result);
	else
		FUZZ_CHECK(k->w.result == want,
			   "step %u: call %d ended with %d, model says %d", step,
			   c, k->w.result, want);
	if (k->state == CALL_DELIVERED && nold < VD_ARRAY_SIZE(old_tokens))
		old_tokens[nold++] = k->token;
	k->state = CALL_FREE;
}

/* Drop the messages of endpoint e that match (ch >= 0: of that channel,
 * else all); their calls fail. */
static void drop_msgs(int e, int ch)
{
	struct m_ep *m = &eps[e];
	int out = 0;

	for (int i = 0; i < m->n; i++) {
		if (ch < 0 || m->q[i].ch == ch) {
			if (m->q[i].call >= 0)
				call_ends(m->q[i].call, (vd_err_t)-1);
		} else {
			m->q[out++] = m->q[i];
		}
	}
	m->n = out;
}

/* Parked receivers of endpoint e wake with Closed. */
static void recvs_closed(int e)
{
	for (int r = 0; r < MAX_RECVS; r++)
		if (recvs[r].active && recvs[r].ep == e) {
			FUZZ_CHECK(recvs[r].w.done &&
					   recvs[r].w.result == VD_ERR_IPC_CLOSED,
				   "step %u: receiver %d on %d: done %d result "
				   "%d, model says Closed",
				   step, r, e, recvs[r].w.done, recvs[r].w.result);
			recvs[r].active = false;
		}
}

/* The receiver parked first on endpoint e, or -1. */
static int first_recv(int e)
{
	int best = -1;

	for (int r = 0; r < MAX_RECVS; r++)
		if (recvs[r].active && recvs[r].ep == e &&
		    (best < 0 || recvs[r].order < recvs[best].order))
			best = r;
	return best;
}

static int ch_live_channels(int e);

static void model_close(int c)
{
	chs[c].alive = false;
	drop_msgs(chs[c].ep[0], c);
	drop_msgs(chs[c].ep[1], c);
	for (int k = 0; k < MAX_CALLS; k++)
		if (calls[k].state == CALL_DELIVERED && calls[k].ch == c)
			call_ends(k, (vd_err_t)-1);
	for (int end = 0; end < 2; end++)
		if (ch_live_channels(chs[c].ep[end]) == 0)
			recvs_closed(chs[c].ep[end]);
}

static void model_destroy_ep(int e)
{
	eps[e].alive = false;
	for (int c = 0; c < nchs; c++)
		if (chs[c].alive && (chs[c].ep[0] == e || chs[c].ep[1] == e))
			model_close(c);
	drop_msgs(e, -1);
	recvs_closed(e);
}

static void check_stats(void)
{
	struct vd_ipc_stats st;
	uint64_t e = 0, c = 0, q = 0, r = 0;

	for (int i = 0; i < neps; i++)
		if (eps[i].alive) {
			e++;
			q += (uint64_t)VD_MIN(eps[i].n, VD_IPC_QUEUE_DEPTH);
		}
	for (int i = 0; i < nchs; i++)
		c += chs[i].alive;
	for (int i = 0; i < MAX_CALLS; i++)
		r += calls[i].state != CALL_FREE;
	vd_ipc_get_stats(&st);
	FUZZ_CHECK(st.endpoints == e && st.channels == c &&
			   st.queued_messages == q && st.pending_replies == r,
		   "step %u: stats endpoints %llu channels %llu queued %llu "
		   "replies %llu; model %llu %llu %llu %llu",
		   step, (unsigned long long)st.endpoints,
		   (unsigned long long)st.channels,
		   (unsigned long long)st.queued_messages,
		   (unsigned long long)st.pending_replies,
		   (unsigned long long)e, (unsigned long long)c,
		   (unsigned long long)q, (unsigned long long)r);
	for (int k = 0; k < MAX_CALLS; k++)
		if (calls[k].state != CALL_FREE)
			FUZZ_CHECK(!calls[k].w.done,
				   "step %u: call %d is over (%d), the model "
				   "says it waits", step, k, calls[k].w.result);
	for (int k = 0; k < MAX_RECVS; k++)
		if (recvs[k].active)
			FUZZ_CHECK(!recvs[k].w.done,
				   "step %u: receiver %d is woken (%d), the "
				   "model says it waits", step, k,
				   recvs[k].w.result);
}

/* Receiver proc p got message mm (header h, message m) from the model
 * FIFO or directly: check it, and a call's token now belongs to p. */
static void check_received(int p, const struct m_msg *mm,
			   const struct vd_ipc_message *m,
			   const struct vd_ipc_header *h)
{
	FUZZ_CHECK(m->kind == VD_IPC_MSG_SMALL && m->len == 8 &&
			   m->words[0] == mm->tag,
		   "step %u: received tag %llu, model says %llu", step,
		   (unsigned long long)m->words[0], (unsigned long long)mm->tag);
	FUZZ_CHECK(h->sender == procs[mm->from].a.pid &&
			   h->recipient == procs[p].a.pid &&
			   h->channel == chs[mm->ch].id &&
			   h->type == (mm->call >= 0 ? VD_IPC_TYPE_CALL
						     : VD_IPC_TYPE_SEND),
		   "step %u: header of tag %llu", step,
		   (unsigned long long)mm->tag);
	FUZZ_CHECK(!!(h->flags & VD_IPC_HDR_HAS_CAP) == mm->has_cap,
		   "step %u: capability flag", step);
	if (mm->has_cap)
		FUZZ_CHECK(vd_cap_validate_type(procs[p].a.caps,
						h->capability.token,
						VD_OBJ_IPC_ENDPOINT, 0,
						NULL) == VD_OK,
			   "step %u: the received capability does not "
			   "validate", step);
	if (mm->call >= 0) {
		struct m_call *k = &calls[mm->call];
		FUZZ_CHECK(h->reply_token != 0, "step %u: call without token",
			   step);
		k->state = CALL_DELIVERED;
		k->token = h->reply_token;
		k->replier = p;
		k->replier_pid = procs[p].a.pid;
	} else {
		FUZZ_CHECK(h->reply_token == 0, "step %u: send with a token",
			   step);
	}
}

#endif /* TESTS_FUZZ_IPC_MODEL_H */
