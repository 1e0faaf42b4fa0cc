/*
 * The public IPC API: endpoints, channels and the blocking message calls,
 * built from the state machine of ipc_message.c and the sleep of
 * ipc_block.c; process exit; statistics and the debug dump.
 *
 * Every blocking call has the same shape:
 *
 *   lock; step = *_begin(&waiter, ...);
 *   while step parked the waiter and nobody completed it:
 *       sleep until woken or the deadline;
 *       on timeout or kill: cancel (withdraw whatever was left behind);
 *   unlock; return waiter.result
 *
 * The waiter lives in this stack frame, which is why a thread must leave
 * its IPC call (see vd_ipc_process_exit) before its stack goes away.
 */
#include <veridian/metrics.h>
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/string.h>
#include <veridian/trace.h>

#include "ipc_internal.h"

static bool ipc_initialised;

/*
 * core/cap's hook: the last capability to endpoint or channel `id` is
 * gone (revoked, or its holders exited), so nobody can use it again:
 * destroy it, as close_channel / destroy_endpoint would.  Called without
 * any lock.  (An endpoint's owner receives through a capability too, so
 * an endpoint no capability names is unreachable.)
 */
static void ipc_cap_gone(uint64_t id)
{
	if (IPC_ID_KIND(id) == IPC_KIND_CHANNEL)
		(void)vd_ipc_close_channel(id);
	else if (IPC_ID_KIND(id) == IPC_KIND_ENDPOINT)
		(void)vd_ipc_destroy_endpoint(id);
}

void ipc_init_locked(void)
{
	VD_ASSERT_SCHED_LOCKED();
	if (VD_LIKELY(ipc_initialised))
		return;
	ipc_table_init(&ipc_endpoints);
	ipc_table_init(&ipc_channels);
	ipc_table_init(&ipc_regions);
	vd_list_init(&ipc_holders);
	ipc_reply_init();
	vd_cap_set_gone_hook(VD_OBJ_IPC_ENDPOINT, ipc_cap_gone);
	/* a region capability revoked: its holders lose their access */
	vd_cap_set_revoke_hook(VD_OBJ_MEMORY, ipc_region_caps_revoked);
	ipc_initialised = true;
}

void ipc_test_reset(void)
{
	ipc_initialised = false;
	ipc_messages_sent = 0;
	ipc_cow_copies = 0;
	ipc_region_frames = 0;
	ipc_anchor_frame = 0;
#ifndef VD_PRODUCTION
	ipc_test_sleep_hook = NULL;
	ipc_test_wake_hook = NULL;
#endif
}

vd_err_t ipc_wait_done(struct ipc_waiter *w, vd_err_t step, uint64_t deadline,
		       ipc_lock_state_t *st)
{
	VD_ASSERT_SCHED_LOCKED();
	if (step != IPC_PENDING)
		return step == VD_OK ? w->result : step;
	while (!w->done) {
		vd_err_t err = ipc_sleep_locked(w, deadline, st);

		if (w->done)
			break;
		if (err != VD_OK) {
			ipc_waiter_cancel(w, err);
			break;
		}
		if (deadline != VD_TIMEOUT_INFINITE &&
		    ipc_now_ns() >= deadline) {
			ipc_waiter_cancel(w, VD_ERR_TIMEOUT);
			break;
		}
	}
	return w->result;
}

/* ------------------------------------------------------------------ */
/* Endpoints and channels                                              */
/* ------------------------------------------------------------------ */

vd_err_t vd_ipc_create_endpoint(const struct vd_ipc_actor *owner,
				vd_endpoint_id_t *id_out,
				struct vd_capability *cap_out)
{
	struct ipc_endpoint *ep;
	vd_endpoint_id_t id;
	vd_err_t err;

	if (owner == NULL || id_out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ep = vd_kzalloc(sizeof(*ep));
	if (ep == NULL)
		return VD_ERR_OUT_OF_MEMORY;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	err = ipc_endpoint_create_locked(owner, ep, &id);
	if (err != VD_OK) {
		ipc_unlock(st);
		vd_kfree(ep);
		return err;
	}
	if (owner->caps != NULL) {
		err = vd_cap_create(owner->caps, VD_OBJ_IPC_ENDPOINT, id,
				    VD_RIGHTS_ALL, cap_out);
		if (err != VD_OK) {
			ipc_endpoint_destroy_locked(ep, VD_ERR_IPC_CLOSED);
			ipc_unlock(st);
			return err;
		}
	} else if (cap_out != NULL) {
		vd_memset(cap_out, 0, sizeof(*cap_out));
	}
	*id_out = id;
	ipc_unlock(st);
	return VD_OK;
}

vd_err_t vd_ipc_destroy_endpoint(vd_endpoint_id_t id)
{
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	struct ipc_endpoint *ep = ipc_table_lookup(&ipc_endpoints, id);
	if (ep != NULL)
		ipc_endpoint_destroy_locked(ep, VD_ERR_IPC_CLOSED);
	ipc_unlock(st);
	return ep ? VD_OK : VD_ERR_NOT_FOUND;
}

vd_err_t vd_ipc_endpoint_owner(vd_endpoint_id_t id, vd_pid_t *out)
{
	if (out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	struct ipc_endpoint *ep = ipc_table_lookup(&ipc_endpoints, id);
	if (ep != NULL)
		*out = ep->owner.pid;
	ipc_unlock(st);
	return ep ? VD_OK : VD_ERR_NOT_FOUND;
}

/*
 * A channel between e1 and e2.  With `owner` set, only if e1 is owner's,
 * and with its capability minted in owner->caps under the same hold of
 * the lock, so that the channel cannot be closed (its endpoint destroyed)
 * before the capability exists: the close would miss it.
 */
static vd_err_t create_channel(const struct vd_ipc_actor *owner,
			       vd_endpoint_id_t e1, vd_endpoint_id_t e2,
			       vd_channel_id_t *out,
			       struct vd_capability *cap_out)
{
	struct ipc_channel *ch;
	vd_err_t err = VD_OK;

	if (out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ch = vd_kzalloc(sizeof(*ch));
	if (ch == NULL)
		return VD_ERR_OUT_OF_MEMORY;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	if (owner != NULL) {
		struct ipc_endpoint *own = ipc_table_lookup(&ipc_endpoints, e1);
		if (own == NULL)
			err = VD_ERR_NOT_FOUND;
		else if (own->owner.pid != owner->pid)
			err = VD_ERR_PERMISSION_DENIED;
	}
	if (err == VD_OK)
		err = ipc_channel_create_locked(ch, e1, e2, out);
	if (err == VD_OK && owner != NULL) {
		err = vd_cap_create(owner->caps, VD_OBJ_IPC_ENDPOINT, *out,
				    VD_RIGHTS_ALL, cap_out);
		if (err != VD_OK) {
			ipc_channel_close_locked(ch, VD_ERR_IPC_CLOSED);
			ch = NULL; /* freed by the close */
		}
	}
	ipc_unlock(st);
	if (err != VD_OK)
		vd_kfree(ch);
	return err;
}

vd_err_t vd_ipc_create_channel(vd_endpoint_id_t e1, vd_endpoint_id_t e2,
			       vd_channel_id_t *out)
{
	return create_channel(NULL, e1, e2, out, NULL);
}

vd_err_t ipc_create_own_channel(const struct vd_ipc_actor *owner,
				vd_endpoint_id_t own, vd_endpoint_id_t peer,
				vd_channel_id_t *out,
				struct vd_capability *cap_out)
{
	return create_channel(owner, own, peer, out, cap_out);
}

vd_err_t vd_ipc_close_channel(vd_channel_id_t id)
{
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	struct ipc_channel *ch = ipc_table_lookup(&ipc_channels, id);
	if (ch != NULL)
		ipc_channel_close_locked(ch, VD_ERR_IPC_CLOSED);
	ipc_unlock(st);
	return ch ? VD_OK : VD_ERR_NOT_FOUND;
}

/* The endpoint at the other end of channel id from pid's end (lock
 * held): NOT_FOUND without the channel, PERMISSION_DENIED if pid owns
 * neither end. */
static vd_err_t channel_peer_locked(vd_channel_id_t id, vd_pid_t pid,
				    struct ipc_endpoint **peer)
{
	VD_ASSERT_SCHED_LOCKED();
	ipc_init_locked();
	struct ipc_channel *ch = ipc_table_lookup(&ipc_channels, id);
	if (ch == NULL)
		return VD_ERR_NOT_FOUND;
	for (unsigned end = 0; end < 2; end++) {
		if (ch->ep[end]->owner.pid == pid) {
			*peer = ch->ep[1 - end];
			return VD_OK;
		}
	}
	return VD_ERR_PERMISSION_DENIED;
}

vd_err_t vd_ipc_channel_peer(vd_channel_id_t id, vd_pid_t pid,
			     vd_endpoint_id_t *ep_out, vd_pid_t *owner_out)
{
	struct ipc_endpoint *peer;
	ipc_lock_state_t st = ipc_lock();
	vd_err_t err = channel_peer_locked(id, pid, &peer);

	if (err == VD_OK) {
		if (ep_out)
			*ep_out = peer->id;
		if (owner_out)
			*owner_out = peer->owner.pid;
	}
	ipc_unlock(st);
	return err;
}

vd_err_t ipc_transfer_on_channel(const struct vd_ipc_actor *self,
				 vd_channel_id_t id, vd_region_id_t region,
				 enum vd_ipc_transfer_mode mode)
{
	struct ipc_endpoint *peer;
	ipc_lock_state_t st = ipc_lock();
	vd_err_t err = channel_peer_locked(id, self->pid, &peer);

	if (err == VD_OK)
		err = ipc_transfer_locked(self, &peer->owner, region, mode);
	else
		err = ipc_gone_is_closed(err);
	ipc_unlock(st);
	return err;
}

/* ------------------------------------------------------------------ */
/* Message passing                                                     */
/* ------------------------------------------------------------------ */

vd_err_t vd_ipc_send_message(const struct vd_ipc_actor *sender,
			     vd_channel_id_t ch,
			     const struct vd_ipc_message *msg,
			     vd_cap_token_t cap, uint64_t timeout_ns)
{
	struct ipc_waiter w;
	vd_err_t err;

	if (sender == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_waiter_init(&w, sender);
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = vd_deadline_after(ipc_now_ns(), timeout_ns);
	err = ipc_send_begin(&w, ch, msg, cap, timeout_ns == 0);
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	return err;
}

vd_err_t vd_ipc_receive_message(const struct vd_ipc_actor *receiver,
				vd_endpoint_id_t ep, uint64_t timeout_ns,
				struct vd_ipc_message *msg_out,
				struct vd_ipc_header *hdr_out)
{
	struct ipc_waiter w;
	vd_err_t err;

	if (receiver == NULL || msg_out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_waiter_init(&w, receiver);
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = vd_deadline_after(ipc_now_ns(), timeout_ns);
	err = ipc_receive_begin(&w, ep, timeout_ns == 0);
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK) {
		VD_TRACE_EVENT(VD_TRACE_IPC_RECEIVE, ep, w.q.hdr.sender);
		*msg_out = w.q.msg;
		if (hdr_out)
			*hdr_out = w.q.hdr;
	}
	return err;
}

vd_err_t vd_ipc_call(const struct vd_ipc_actor *caller, vd_channel_id_t ch,
		     const struct vd_ipc_message *request, vd_cap_token_t cap,
		     uint64_t timeout_ns, struct vd_ipc_message *reply_out)
{
	struct ipc_waiter w;
	vd_err_t err;
	uint64_t t0 = hal_timer_now_ns();

	if (caller == NULL || reply_out == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_waiter_init(&w, caller);
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = vd_deadline_after(ipc_now_ns(), timeout_ns);
	err = ipc_call_begin(&w, ch, request, cap, reply_out, false);
	if (err == IPC_PENDING && timeout_ns == 0 && !w.done)
		ipc_waiter_cancel(&w, VD_ERR_TIMEOUT);
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	/* call to reply, as the caller sees it (docs/benchmarks.md) */
	if (err == VD_OK)
		vd_metrics_record_latency(VD_LATENCY_IPC,
					  hal_timer_now_ns() - t0);
	return err;
}

vd_err_t vd_ipc_reply(const struct vd_ipc_actor *replier,
		      vd_reply_token_t token,
		      const struct vd_ipc_message *response)
{
	vd_err_t err;

	if (replier == NULL)
		return VD_ERR_INVALID_PARAMETER;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	err = ipc_reply_locked(replier, token, response, NULL);
	ipc_unlock(st);
	return err;
}

/* ------------------------------------------------------------------ */
/* Process exit, statistics, dump                                      */
/* ------------------------------------------------------------------ */

void vd_ipc_process_exit(const struct vd_ipc_actor *p)
{
	if (p == NULL)
		return;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	for (uint32_t slot = 0; slot < ipc_endpoints.size; slot++) {
		struct ipc_endpoint *ep = ipc_endpoints.obj[slot];

		if (ep != NULL && ep->owner.pid == p->pid)
			ipc_endpoint_destroy_locked(ep, VD_ERR_IPC_PEER_DIED);
	}
	/* Calls this process received and will now never answer. */
	for (int i = 0; i < VD_IPC_MAX_REPLIES; i++) {
		struct ipc_reply_slot *rs = &ipc_reply_slots[i];

		if (rs->used && rs->delivered && rs->replier == p->pid) {
			struct ipc_waiter *caller = rs->caller;

			ipc_reply_free(i);
			caller->reply_slot = -1;
			ipc_waiter_complete(caller, VD_ERR_IPC_PEER_DIED);
		}
	}
	ipc_region_process_exit_locked(p->pid);
	ipc_unlock(st);
}

void vd_ipc_get_stats(struct vd_ipc_stats *out)
{
	uint64_t queued = 0;
	unsigned replies = ipc_reply_count_used();

	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	for (uint32_t slot = 0; slot < ipc_endpoints.size; slot++) {
		struct ipc_endpoint *ep = ipc_endpoints.obj[slot];
		if (ep != NULL)
			queued += ep->count;
	}
	out->endpoints = ipc_endpoints.used;
	out->channels = ipc_channels.used;
	out->regions = ipc_regions.used;
	out->pending_replies = replies;
	out->region_frames = ipc_region_frames;
	out->queued_messages = queued;
	/* one per hand-over of the fast path (sched_fast_run) */
	out->fastpath_hits = vd_sched_fast_handoffs(NULL);
	out->messages_sent = ipc_messages_sent + out->fastpath_hits;
	out->cow_copies = ipc_cow_copies;
	ipc_unlock(st);
}

void vd_ipc_dump_state(void)
{
	unsigned replies = ipc_reply_count_used();
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	kprintf("ipc: %u endpoints, %u channels, %u regions, %u pending "
		"calls\n",
		ipc_endpoints.used, ipc_channels.used, ipc_regions.used,
		replies);
	for (uint32_t slot = 0; slot < ipc_endpoints.size; slot++) {
		struct ipc_endpoint *ep = ipc_endpoints.obj[slot];
		if (ep == NULL)
			continue;
		kprintf("  endpoint %#llx owner %llu: %u queued, %u channels, "
			"%zu receivers, %zu blocked senders\n",
			(unsigned long long)ep->id,
			(unsigned long long)ep->owner.pid, ep->count,
			ep->nchannels, vd_list_length(&ep->receivers),
			vd_list_length(&ep->senders));
	}
	for (uint32_t slot = 0; slot < ipc_channels.size; slot++) {
		struct ipc_channel *ch = ipc_channels.obj[slot];
		if (ch == NULL)
			continue;
		kprintf("  channel %#llx: %#llx <-> %#llx, seq %llu/%llu\n",
			(unsigned long long)ch->id,
			(unsigned long long)ch->ep[0]->id,
			(unsigned long long)ch->ep[1]->id,
			(unsigned long long)ch->seq[0],
			(unsigned long long)ch->seq[1]);
	}
	for (uint32_t slot = 0; slot < ipc_regions.size; slot++) {
		struct ipc_region *r = ipc_regions.obj[slot];
		if (r == NULL)
			continue;
		kprintf("  region %#llx: %u pages, %zu holders\n",
			(unsigned long long)r->id, r->npages,
			vd_list_length(&r->holders));
	}
	ipc_unlock(st);
}
