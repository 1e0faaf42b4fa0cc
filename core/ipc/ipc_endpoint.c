/*
 * Endpoints, channels and the bounded message ring.
 *
 * An endpoint's queue is a ring of VD_IPC_QUEUE_DEPTH message slots inside
 * the endpoint itself, so queueing never allocates.  When the ring is
 * full, senders park on ep->senders with their message in their waiter;
 * each receive that frees a slot admits the oldest parked sender, so
 * messages keep their order and the queue bound holds.
 *
 * A channel joins ep[0] and ep[1].  The owner of ep[i] sends from end i to
 * ep[1 - i].  Tearing things down always goes channel first: closing a
 * channel removes every trace of it (queued messages, parked senders,
 * callers waiting for a reply), so destroying an endpoint is "close each
 * of its channels, then wake its receivers".
 *
 * ipc_endpoint_destroy_locked and ipc_channel_close_locked are the only
 * ways an endpoint or a channel ends, and both revoke every capability to
 * it.  The other way round, an endpoint or channel whose last capability
 * is revoked is destroyed (ipc_cap_gone, ipc_api.c) -- unless it never
 * had one (kernel actors without a capability space).
 */
#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/string.h>

#include "ipc_internal.h"

bool ipc_ring_full(const struct ipc_endpoint *ep)
{
	return ep->count == VD_IPC_QUEUE_DEPTH;
}

void ipc_ring_push(struct ipc_endpoint *ep, const struct ipc_qmsg *m)
{
	unsigned tail = (ep->head + ep->count) % VD_IPC_QUEUE_DEPTH;

	ep->ring[tail] = *m;
	ep->count++;
	if (m->reply_slot >= 0)
		ipc_reply_slots[m->reply_slot].queued_on = ep;
}

void ipc_ring_pop(struct ipc_endpoint *ep, struct ipc_qmsg *out)
{
	*out = ep->ring[ep->head];
	ep->head = (ep->head + 1) % VD_IPC_QUEUE_DEPTH;
	ep->count--;
	if (out->reply_slot >= 0)
		ipc_reply_slots[out->reply_slot].queued_on = NULL;
}

void ipc_ring_remove(struct ipc_endpoint *ep, const struct ipc_channel *ch,
		     int reply_slot,
		     void (*drop)(struct ipc_qmsg *m, vd_err_t why),
		     vd_err_t why)
{
	unsigned kept = 0, n = ep->count;

	/* Compact in place, keeping the order of the survivors. */
	for (unsigned i = 0; i < n; i++) {
		struct ipc_qmsg *m =
			&ep->ring[(ep->head + i) % VD_IPC_QUEUE_DEPTH];
		bool match = (ch == NULL || m->ch == ch) &&
			     (reply_slot < 0 || m->reply_slot == reply_slot);

		if (match) {
			struct ipc_qmsg gone = *m;

			if (gone.reply_slot >= 0)
				ipc_reply_slots[gone.reply_slot].queued_on =
					NULL;
			drop(&gone, why);
			continue;
		}
		if (kept != i)
			ep->ring[(ep->head + kept) % VD_IPC_QUEUE_DEPTH] = *m;
		kept++;
	}
	ep->count = kept;
}

vd_err_t ipc_endpoint_create_locked(const struct vd_ipc_actor *owner,
				    struct ipc_endpoint *ep,
				    vd_endpoint_id_t *id_out)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(owner != NULL && ep != NULL && id_out != NULL);
	struct vd_limits *l = owner->proc ? owner->proc->limits : NULL;
	vd_endpoint_id_t id;
	vd_err_t err;

	ep->limits = vd_limits_charge_ref(l, VD_LIMIT_ENDPOINTS, 1, &err);
	if (err)
		return err;
	id = ipc_table_insert(&ipc_endpoints, ep);
	if (id == 0) {
		vd_limits_release(ep->limits, VD_LIMIT_ENDPOINTS, 1);
		return VD_ERR_RESOURCE_EXHAUSTED;
	}
	ep->id = id;
	ep->owner = *owner;
	vd_list_init(&ep->channels);
	vd_list_init(&ep->receivers);
	vd_list_init(&ep->senders);
	*id_out = id;
	return VD_OK;
}

/* Fail every receiver of ep (the endpoint lost its last channel or dies). */
static void wake_receivers(struct ipc_endpoint *ep, vd_err_t why)
{
	struct vd_list *n;

	while ((n = vd_list_pop(&ep->receivers)) != NULL)
		ipc_waiter_complete(VD_LIST_ENTRY(n, struct ipc_waiter, link),
				    why);
}

void ipc_endpoint_destroy_locked(struct ipc_endpoint *ep, vd_err_t why)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(ep != NULL);
	struct vd_list *n;

	while ((n = ep->channels.next) != &ep->channels) {
		struct ipc_chan_link *l =
			VD_LIST_ENTRY(n, struct ipc_chan_link, node);

		ipc_channel_close_locked(l->ch, why);
	}
	/* Every message and parked sender came through a channel. */
	VD_ASSERT(ep->count == 0 && vd_list_empty(&ep->senders));
	wake_receivers(ep, VD_ERR_IPC_CLOSED);
	/* no capability outlives the endpoint, in any space */
	vd_cap_revoke_object(VD_OBJ_IPC_ENDPOINT, ep->id);
	ipc_table_remove(&ipc_endpoints, ep->id);
	vd_limits_release(ep->limits, VD_LIMIT_ENDPOINTS, 1);
	vd_kfree(ep);
}

/* A parked sender that will never be admitted: fail it with `why`. */
static void fail_parked_sender(struct ipc_waiter *s, vd_err_t why)
{
	vd_list_remove(&s->link);
	s->q.reply_slot = -1; /* its slot is freed by the cancel below */
	ipc_qmsg_drop(&s->q, why);
	if (s->reply_slot >= 0) {
		ipc_reply_free(s->reply_slot);
		s->reply_slot = -1;
	}
	ipc_waiter_complete(s, why);
}

void ipc_channel_close_locked(struct ipc_channel *ch, vd_err_t why)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(ch != NULL);
	for (unsigned end = 0; end < 2; end++) {
		struct ipc_endpoint *ep = ch->ep[end];
		struct vd_list *it, *tmp;

		ipc_ring_remove(ep, ch, -1, ipc_qmsg_drop, why);
		vd_list_for_each_safe(it, tmp, &ep->senders)
		{
			struct ipc_waiter *s =
				VD_LIST_ENTRY(it, struct ipc_waiter, link);
			if (s->q.ch == ch)
				fail_parked_sender(s, why);
		}
	}
	/* Calls already handed to a receiver wait for a reply that can no
	 * longer come through this channel. */
	for (int i = 0; i < VD_IPC_MAX_REPLIES; i++) {
		struct ipc_reply_slot *rs = &ipc_reply_slots[i];

		if (rs->used && rs->ch == ch && rs->delivered) {
			struct ipc_waiter *caller = rs->caller;

			ipc_reply_free(i);
			caller->reply_slot = -1;
			ipc_waiter_complete(caller, why);
		}
	}
	for (unsigned end = 0; end < 2; end++) {
		struct ipc_endpoint *ep = ch->ep[end];

		vd_list_remove(&ch->link[end].node);
		if (--ep->nchannels == 0) {
			/* no message can come any more: receivers waiting
			 * now and later fail (until a channel joins) */
			ep->closed = 1;
			wake_receivers(ep, VD_ERR_IPC_CLOSED);
		}
	}
	/* Admit parked senders of other channels into the freed ring slots. */
	for (unsigned end = 0; end < 2; end++)
		ipc_endpoint_admit(ch->ep[end]);
	/* no capability outlives the channel, in any space */
	vd_cap_revoke_object(VD_OBJ_IPC_ENDPOINT, ch->id);
	ipc_table_remove(&ipc_channels, ch->id);
	vd_limits_release(ch->limits, VD_LIMIT_CHANNELS, 1);
	vd_kfree(ch);
}

void ipc_endpoint_admit(struct ipc_endpoint *ep)
{
	while (!ipc_ring_full(ep) && !vd_list_empty(&ep->senders)) {
		struct ipc_waiter *s = VD_LIST_ENTRY(vd_list_pop(&ep->senders),
						     struct ipc_waiter, link);

		ipc_ring_push(ep, &s->q);
		if (s->reply_slot >= 0)
			s->state = IPC_WAIT_REPLY; /* a caller keeps waiting */
		else
			ipc_waiter_complete(s, VD_OK);
	}
}

vd_err_t ipc_channel_create_locked(struct ipc_channel *ch, vd_endpoint_id_t e1,
				   vd_endpoint_id_t e2, vd_channel_id_t *out)
{
	VD_ASSERT_SCHED_LOCKED();
	VD_DEBUG_ASSERT(ch != NULL && out != NULL);
	struct ipc_endpoint *a = ipc_table_lookup(&ipc_endpoints, e1);
	struct ipc_endpoint *b = ipc_table_lookup(&ipc_endpoints, e2);
	vd_channel_id_t id;
	vd_err_t err;

	if (a == NULL || b == NULL)
		return VD_ERR_NOT_FOUND;
	if (a == b)
		return VD_ERR_INVALID_PARAMETER;
	ch->limits =
		vd_limits_charge_ref(a->limits, VD_LIMIT_CHANNELS, 1, &err);
	if (err)
		return err;
	id = ipc_table_insert(&ipc_channels, ch);
	if (id == 0) {
		vd_limits_release(ch->limits, VD_LIMIT_CHANNELS, 1);
		return VD_ERR_RESOURCE_EXHAUSTED;
	}
	ch->id = id;
	ch->ep[0] = a;
	ch->ep[1] = b;
	for (unsigned end = 0; end < 2; end++) {
		ch->link[end].ch = ch;
		ch->seq[end] = 0;
		ch->pid[end] = ch->ep[end]->owner.pid;
		vd_list_add_tail(&ch->ep[end]->channels, &ch->link[end].node);
		ch->ep[end]->nchannels++;
		ch->ep[end]->closed = 0;
	}
	*out = id;
	return VD_OK;
}
