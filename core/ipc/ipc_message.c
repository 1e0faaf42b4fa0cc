/*
 * The message-passing state machine: send, call, receive, reply, cancel.
 *
 * Nothing here sleeps (see ipc_internal.h).  The one rule that shapes it:
 * a message is complete -- header built, capability already derived into
 * the receiver's space, reply slot attached -- before it goes anywhere, so
 * it can be handed to a waiting receiver, put in the ring, or parked with
 * its sender, and moved between those places by plain copies.  Anything
 * that removes a message before delivery goes through ipc_qmsg_drop(),
 * which undoes the capability and fails the caller.
 */
#include <veridian/metrics.h>
#include <veridian/panic.h>
#include <veridian/string.h>
#include <veridian/trace.h>

#include "ipc_internal.h"

uint64_t ipc_messages_sent;

void ipc_waiter_init(struct ipc_waiter *w, const struct vd_ipc_actor *self)
{
	/* Field by field: the message buffer q (most of the struct) is
	 * written before it is read -- by prepare() for a sender, by the
	 * sender for a receiver -- and this runs on every IPC syscall. */
	vd_list_init(&w->link);
	w->state = IPC_WAIT_NONE;
	w->done = false;
	w->result = VD_OK;
	w->thread = NULL;
	w->ep = NULL;
	w->self = *self;
	w->q.hdr.flags = 0;
	w->q.reply_slot = -1;
	w->q.ch = NULL;
	w->q.region_in_flight = false;
	w->reply_slot = -1;
	w->take_self = false;
	w->reply_out = NULL;
	w->user_ctx = NULL;
	w->in_regs = false;
	w->regs_ok = false;
}

void ipc_waiter_complete(struct ipc_waiter *w, vd_err_t result)
{
	ipc_waiter_finish(w, result);
	ipc_wake_locked(w);
}

/* The region part of ipc_check_message, out of line: the small case,
 * every message of the hot paths, stays small enough to inline. */
static __attribute__((noinline)) vd_err_t
check_large(const struct vd_ipc_actor *from, const struct vd_ipc_message *msg)
{
	struct ipc_region *r =
		ipc_table_lookup(&ipc_regions, msg->large.region);

	if (r == NULL)
		return VD_ERR_NOT_FOUND;
	/* Access a large message gives while it is queued is not the
	 * receiver's yet (share_large): passed on -- to itself or anyone
	 * else -- it would become real, and outlive the message if that is
	 * dropped. */
	struct ipc_holder *h = ipc_region_holder(r, from->pid);
	if (h == NULL || h->provisional || h->no_grant)
		return VD_ERR_PERMISSION_DENIED;
	if (msg->large.offset > r->size ||
	    msg->large.len > r->size - msg->large.offset)
		return VD_ERR_INVALID_PARAMETER;
	return VD_OK;
}

vd_err_t ipc_check_message(const struct vd_ipc_actor *from,
			   const struct vd_ipc_message *msg)
{
	if (msg == NULL)
		return VD_ERR_INVALID_PARAMETER;
	switch (msg->kind) {
	case VD_IPC_MSG_SMALL:
		return msg->len <= VD_IPC_SMALL_MAX ? VD_OK
						    : VD_ERR_IPC_MSG_TOO_LARGE;
	case VD_IPC_MSG_LARGE:
		return check_large(from, msg);
	default:
		return VD_ERR_INVALID_PARAMETER;
	}
}

/*
 * A large message gives its receiver access to the region it names (a
 * holder).  A reply is delivered at once; a message that may wait in a
 * queue gives provisional access, and *in_flight says it relies on it:
 * the access becomes the receiver's when the message is delivered
 * (large_delivered), and goes again if every message that would give it
 * is dropped undelivered (large_dropped) -- a sender whose message never
 * arrives must not leave the receiver holding, and pinning, its region.
 */
static vd_err_t share_large(const struct vd_ipc_actor *from,
			    const struct vd_ipc_message *msg,
			    const struct vd_ipc_actor *to, bool *in_flight)
{
	bool created;

	if (in_flight)
		*in_flight = false;
	if (msg->kind != VD_IPC_MSG_LARGE)
		return VD_OK;
	struct ipc_region *r =
		ipc_table_lookup(&ipc_regions, msg->large.region);
	struct ipc_holder *h = ipc_region_share_locked(
		r, ipc_region_holder(r, from->pid), to, &created);
	if (h == NULL)
		return VD_ERR_OUT_OF_MEMORY;
	if (in_flight == NULL) { /* delivered now: given for real */
		h->provisional = false;
	} else {
		h->provisional |= created;
		if (h->provisional) {
			h->in_flight++;
			*in_flight = true;
		}
	}
	return VD_OK;
}

/* m no longer in flight: the holder it relied on, if any is left. */
static struct ipc_holder *land(struct ipc_qmsg *m)
{
	struct ipc_region *r;

	if (!m->region_in_flight)
		return NULL;
	m->region_in_flight = false;
	r = ipc_table_lookup(&ipc_regions, m->msg.large.region);
	return r ? ipc_region_holder(r, m->hdr.recipient) : NULL;
}

/* m reached its receiver: the access it gave is the receiver's. */
static void large_delivered(struct ipc_qmsg *m)
{
	struct ipc_holder *h = land(m);

	if (h != NULL) {
		h->provisional = false;
		h->in_flight--;
	}
}

/*
 * The capability m carries is the receiver's copy, derived when m was
 * sent; it dies with its object or with the sender's original, also
 * while m waits in a queue.  A message that arrives says so
 * (VD_IPC_HDR_CAP_REVOKED) rather than handing over a token that never
 * validates.  Revocation is final, so a capability found live here was
 * live at delivery; one revoked after is the receiver's ordinary lot.
 */
static void cap_arrives(struct ipc_qmsg *m)
{
	if (VD_LIKELY(!(m->hdr.flags & VD_IPC_HDR_HAS_CAP)))
		return;
	if (vd_cap_lookup(m->cap_space, m->hdr.capability.token, NULL) == VD_OK)
		return;
	m->hdr.flags =
		(m->hdr.flags & ~VD_IPC_HDR_HAS_CAP) | VD_IPC_HDR_CAP_REVOKED;
	vd_memset(&m->hdr.capability, 0, sizeof(m->hdr.capability));
}

/* m will never arrive: take back the access if nothing else gives it. */
static void large_dropped(struct ipc_qmsg *m)
{
	struct ipc_holder *h = land(m);

	if (h != NULL && --h->in_flight == 0 && h->provisional)
		ipc_holder_release_locked(h);
}

void ipc_qmsg_drop(struct ipc_qmsg *m, vd_err_t why)
{
	large_dropped(m);
	if (m->hdr.flags & VD_IPC_HDR_HAS_CAP) {
		/* scheduler lock held: no hook (see vd_cap_revoke_quiet) */
		vd_cap_revoke_quiet(m->cap_space, m->hdr.capability.token);
		m->hdr.flags &= ~VD_IPC_HDR_HAS_CAP;
	}
	if (m->reply_slot >= 0) {
		struct ipc_waiter *caller =
			ipc_reply_slots[m->reply_slot].caller;

		ipc_reply_free(m->reply_slot);
		m->reply_slot = -1;
		caller->reply_slot = -1;
		ipc_waiter_complete(caller, why);
	}
}

/*
 * Build w->q for a message from w->self through channel ch_id: direction,
 * header, capability transfer, region access.  On success *dst_out is
 * the destination endpoint.
 */
static vd_err_t prepare(struct ipc_waiter *w, vd_channel_id_t ch_id,
			const struct vd_ipc_message *msg, vd_cap_token_t cap,
			uint32_t type, struct ipc_endpoint **dst_out)
{
	struct ipc_channel *ch = ipc_table_lookup(&ipc_channels, ch_id);
	struct ipc_qmsg *q = &w->q;
	unsigned end;
	vd_err_t err;

	if (ch == NULL)
		return VD_ERR_NOT_FOUND;
	if (ch->ep[0]->owner.pid == w->self.pid)
		end = 0;
	else if (ch->ep[1]->owner.pid == w->self.pid)
		end = 1;
	else
		return VD_ERR_PERMISSION_DENIED;
	err = ipc_check_message(&w->self, msg);
	if (err != VD_OK)
		return err;

	struct ipc_endpoint *dst = ch->ep[1 - end];
	vd_memset(&q->hdr, 0, sizeof(q->hdr));
	if (cap != VD_CAP_TOKEN_NULL) {
		struct vd_capability c;

		if (w->self.caps == NULL || dst->owner.caps == NULL)
			return VD_ERR_INVALID_CAPABILITY;
		err = vd_cap_validate(w->self.caps, cap, VD_RIGHT_GRANT, &c);
		if (err != VD_OK)
			return err;
		err = vd_cap_derive_into(dst->owner.caps, w->self.caps, cap,
					 c.rights, &q->hdr.capability);
		if (err != VD_OK)
			return err;
		q->hdr.flags |= VD_IPC_HDR_HAS_CAP;
	}
	err = share_large(&w->self, msg, &dst->owner, &q->region_in_flight);
	if (err != VD_OK) {
		if (q->hdr.flags & VD_IPC_HDR_HAS_CAP)
			vd_cap_revoke_quiet(dst->owner.caps,
					    q->hdr.capability.token);
		return err;
	}
	q->msg = *msg;
	q->ch = ch;
	q->cap_space = dst->owner.caps;
	q->reply_slot = -1;
	q->hdr.sender = w->self.pid;
	q->hdr.recipient = dst->owner.pid;
	q->hdr.type = type;
	q->hdr.sequence = ++ch->seq[end];
	q->hdr.channel = ch->id;
	*dst_out = dst;
	return VD_OK;
}

/* Receiver r (off every list) gets message m: the access m gave is
 * r's, a call's token is minted for r, and r's wait is over. */
static void receiver_gets(struct ipc_waiter *r, const struct ipc_qmsg *m)
{
	r->q = *m;
	large_delivered(&r->q);
	cap_arrives(&r->q);
	if (r->q.reply_slot >= 0)
		r->q.hdr.reply_token =
			ipc_reply_mint(r->q.reply_slot, r->self.pid);
	ipc_waiter_complete(r, VD_OK);
}

void ipc_endpoint_feed(struct ipc_endpoint *ep)
{
	struct vd_list *n;
	bool popped = false;

	while (ep->count > 0 && (n = vd_list_pop(&ep->receivers)) != NULL) {
		struct ipc_waiter *r =
			VD_LIST_ENTRY(n, struct ipc_waiter, link);
		struct ipc_qmsg m;

		if (r->take_self) {
			/* it peeks again; every one is woken, as it may
			 * leave without the message (ipc_receive_peek) */
			ipc_waiter_complete(r, VD_OK);
			continue;
		}
		ipc_ring_pop(ep, &m);
		receiver_gets(r, &m);
		popped = true;
	}
	if (popped)
		ipc_endpoint_admit(ep);
}

/* Hand w->q to a receiver parked on dst, if there is one. */
static bool hand_to_receiver(struct ipc_waiter *w, struct ipc_endpoint *dst)
{
	if (vd_list_empty(&dst->receivers))
		return false;
	struct ipc_waiter *r =
		VD_LIST_ENTRY(dst->receivers.next, struct ipc_waiter, link);
	if (r->take_self) {
		/* It takes the message from the queue itself: queued,
		 * which the receivers invariant says is empty now. */
		VD_ASSERT(dst->count == 0);
		ipc_ring_push(dst, &w->q);
		ipc_endpoint_feed(dst);
		return true;
	}
	vd_list_remove(&r->link);
	receiver_gets(r, &w->q);
	return true;
}

/*
 * Deliver a prepared message: to a waiting receiver, else into the ring,
 * else park the sender.  For a call, what follows delivery is waiting
 * for the reply.
 */
static vd_err_t deliver(struct ipc_waiter *w, struct ipc_endpoint *dst,
			bool nonblocking)
{
	if (!hand_to_receiver(w, dst)) {
		if (ipc_ring_full(dst)) {
			if (nonblocking) {
				/* Undo the capability; a caller frees its
				 * own reply slot. */
				w->q.reply_slot = -1;
				ipc_qmsg_drop(&w->q, VD_ERR_IPC_QUEUE_FULL);
				return VD_ERR_IPC_QUEUE_FULL;
			}
			w->ep = dst;
			w->state = IPC_WAIT_SEND;
			vd_list_add_tail(&dst->senders, &w->link);
			ipc_messages_sent++;
			return IPC_PENDING;
		}
		ipc_ring_push(dst, &w->q);
	}
	ipc_messages_sent++;
	vd_metrics_count(VD_METRIC_IPC_MESSAGES);
	if (w->reply_slot >= 0) {
		w->state = IPC_WAIT_REPLY;
		return IPC_PENDING;
	}
	w->done = true;
	w->result = VD_OK;
	return VD_OK;
}

vd_err_t ipc_send_begin(struct ipc_waiter *w, vd_channel_id_t ch,
			const struct vd_ipc_message *msg, vd_cap_token_t cap,
			bool nonblocking)
{
	VD_ASSERT_SCHED_LOCKED();
	struct ipc_endpoint *dst;
	vd_err_t err = prepare(w, ch, msg, cap, VD_IPC_TYPE_SEND, &dst);

	if (err != VD_OK)
		return err;
	VD_TRACE_EVENT(VD_TRACE_IPC_SEND, ch, 0);
	return deliver(w, dst, nonblocking);
}

vd_err_t ipc_call_begin(struct ipc_waiter *w, vd_channel_id_t ch,
			const struct vd_ipc_message *msg, vd_cap_token_t cap,
			struct vd_ipc_message *reply_out, bool nonblocking)
{
	VD_ASSERT_SCHED_LOCKED();
	struct ipc_endpoint *dst;
	vd_err_t err = prepare(w, ch, msg, cap, VD_IPC_TYPE_CALL, &dst);

	if (err != VD_OK)
		return err;
	VD_TRACE_EVENT(VD_TRACE_IPC_SEND, ch, 1);
	w->reply_slot = ipc_reply_alloc(w, w->q.ch);
	if (w->reply_slot < 0) {
		ipc_qmsg_drop(&w->q, VD_ERR_RESOURCE_EXHAUSTED);
		return VD_ERR_RESOURCE_EXHAUSTED;
	}
	w->q.reply_slot = w->reply_slot;
	w->reply_out = reply_out;
	err = deliver(w, dst, nonblocking);
	if (err != IPC_PENDING && w->reply_slot >= 0) {
		ipc_reply_free(w->reply_slot);
		w->reply_slot = -1;
	}
	return err;
}

/* Endpoint ep_id if w's process owns it (else *err says why). */
static struct ipc_endpoint *own_endpoint(const struct ipc_waiter *w,
					 vd_endpoint_id_t ep_id, vd_err_t *err)
{
	struct ipc_endpoint *ep = ipc_table_lookup(&ipc_endpoints, ep_id);

	*err = VD_OK;
	if (ep == NULL)
		*err = VD_ERR_NOT_FOUND;
	else if (ep->owner.pid != w->self.pid)
		*err = VD_ERR_PERMISSION_DENIED;
	return *err == VD_OK ? ep : NULL;
}

/* Nothing queued on ep: wait for a message, unless none can come. */
static vd_err_t park_receiver(struct ipc_waiter *w, struct ipc_endpoint *ep,
			      bool nonblocking)
{
	if (ep->closed)
		return VD_ERR_IPC_CLOSED;
	if (nonblocking)
		return VD_ERR_TIMEOUT;
	w->ep = ep;
	w->state = IPC_WAIT_RECV;
	vd_list_add_tail(&ep->receivers, &w->link);
	return IPC_PENDING;
}

/* w takes the first queued message of ep. */
static void take_first(struct ipc_waiter *w, struct ipc_endpoint *ep)
{
	ipc_ring_pop(ep, &w->q);
	large_delivered(&w->q);
	if (w->q.reply_slot >= 0)
		w->q.hdr.reply_token =
			ipc_reply_mint(w->q.reply_slot, w->self.pid);
	ipc_endpoint_admit(ep);
	w->done = true;
	w->result = VD_OK;
}

vd_err_t ipc_receive_begin(struct ipc_waiter *w, vd_endpoint_id_t ep_id,
			   bool nonblocking)
{
	VD_ASSERT_SCHED_LOCKED();
	vd_err_t err;
	struct ipc_endpoint *ep = own_endpoint(w, ep_id, &err);

	if (ep == NULL)
		return err;
	if (ep->count == 0)
		return park_receiver(w, ep, nonblocking);
	take_first(w, ep);
	cap_arrives(&w->q);
	return VD_OK;
}

vd_err_t ipc_receive_peek(struct ipc_waiter *w, vd_endpoint_id_t ep_id,
			  bool nonblocking)
{
	VD_ASSERT_SCHED_LOCKED();
	vd_err_t err;
	struct ipc_endpoint *ep = own_endpoint(w, ep_id, &err);

	if (ep == NULL)
		return err;
	/* a new wait (this may be the next turn of the same receive) */
	w->take_self = true;
	w->state = IPC_WAIT_NONE;
	w->done = false;
	w->result = VD_OK;
	if (ep->count == 0)
		return park_receiver(w, ep, nonblocking);
	w->q = ep->ring[ep->head];
	cap_arrives(&w->q); /* the header written is the one delivered */
	/* the token take_first will mint: a queued call's slot keeps its
	 * generation until it is taken or withdrawn (then it is no longer
	 * first, and ipc_receive_take says so) */
	if (w->q.reply_slot >= 0)
		w->q.hdr.reply_token = ipc_reply_token(
			w->q.reply_slot, &ipc_reply_slots[w->q.reply_slot]);
	return VD_OK;
}

vd_err_t ipc_receive_take(struct ipc_waiter *w, vd_endpoint_id_t ep_id)
{
	VD_ASSERT_SCHED_LOCKED();
	vd_err_t err;
	struct ipc_endpoint *ep = own_endpoint(w, ep_id, &err);

	if (ep == NULL)
		return err;
	/* Channel and sequence name one message: sequences only grow,
	 * and every message on ep's queue came through one end of its
	 * channel. */
	const struct vd_ipc_header *first = &ep->ring[ep->head].hdr;
	if (ep->count == 0 || first->channel != w->q.hdr.channel ||
	    first->sequence != w->q.hdr.sequence)
		return IPC_AGAIN;
	/* The capability is judged once, on the queued message itself:
	 * revoked since the peek, the header written says HAS_CAP and the
	 * message will not -- peek again. */
	cap_arrives(&ep->ring[ep->head]);
	if (first->flags != w->q.hdr.flags)
		return IPC_AGAIN;
	vd_reply_token_t peeked = w->q.hdr.reply_token;
	take_first(w, ep);
	VD_ASSERT(w->q.hdr.reply_token == peeked);
	(void)peeked;
	return VD_OK;
}

vd_err_t ipc_reply_locked(const struct vd_ipc_actor *replier,
			  vd_reply_token_t token,
			  const struct vd_ipc_message *resp,
			  struct ipc_waiter **woken)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(replier != NULL && resp != NULL);
	int slot = ipc_reply_lookup(token, replier->pid);
	vd_err_t err;

	if (slot < 0)
		return VD_ERR_IPC_BAD_REPLY_TOKEN;
	err = ipc_check_message(replier, resp);
	if (err != VD_OK)
		return err;
	struct ipc_waiter *caller = ipc_reply_slots[slot].caller;
	err = share_large(replier, resp, &caller->self, NULL);
	if (err != VD_OK)
		return err;
	*caller->reply_out = *resp;
	ipc_reply_free(slot);
	caller->reply_slot = -1;
	VD_TRACE_EVENT(VD_TRACE_IPC_REPLY, token, caller->self.pid);
	ipc_messages_sent++;
	vd_metrics_count(VD_METRIC_IPC_MESSAGES);
	if (woken)
		*woken = caller;
	ipc_waiter_complete(caller, VD_OK);
	return VD_OK;
}

/* A caller withdrew its request: undo the capability, nothing else. */
static void drop_withdrawn(struct ipc_qmsg *m, vd_err_t why)
{
	m->reply_slot = -1;
	ipc_qmsg_drop(m, why);
}

void ipc_waiter_cancel(struct ipc_waiter *w, vd_err_t why)
{
	VD_ASSERT_SCHED_LOCKED();
	if (w->done)
		return;
	switch (w->state) {
	case IPC_WAIT_RECV:
		vd_list_remove(&w->link);
		break;
	case IPC_WAIT_SEND:
		vd_list_remove(&w->link);
		w->q.reply_slot = -1;
		ipc_qmsg_drop(&w->q, why);
		break;
	case IPC_WAIT_REPLY: {
		struct ipc_reply_slot *rs = &ipc_reply_slots[w->reply_slot];
		struct ipc_endpoint *ep = rs->queued_on;

		if (ep != NULL) {
			/* Withdraw the request; the slot is freed below. */
			ipc_ring_remove(ep, NULL, w->reply_slot, drop_withdrawn,
					why);
			ipc_endpoint_admit(ep);
		}
		break;
	}
	case IPC_WAIT_NONE:
		break;
	}
	if (w->reply_slot >= 0) {
		ipc_reply_free(w->reply_slot);
		w->reply_slot = -1;
	}
	w->state = IPC_WAIT_NONE;
	w->done = true;
	w->result = why;
}
