/*
 * The IPC fast path: call and reply-and-receive between threads that find
 * their peer already waiting, as seL4's fastpath does.
 *
 * In the steady state of a client/server pair the server sits in
 * reply-and-receive and the client in call, so every message finds its
 * receiver parked with its saved user registers on record (waiter
 * user_ctx).  Then the kernel:
 *
 *   1. copies the message registers of the sender's message straight into
 *      the receiver's saved context, with the info word, sender and reply
 *      token (no queue slot, no intermediate buffer);
 *   2. marks the receiver's wait complete without waking it through the
 *      run queue;
 *   3. parks the sender (waiting for the reply, or for the next request)
 *      and switches to the receiver directly (ipc_sleep_switch_locked):
 *      the receiver's syscall returns at once with the registers set.
 *
 * Anything unusual -- a capability to pass, a large message, a queue with
 * messages in it, a receiver that wants the full header -- takes the
 * general path of ipc_message.c, which gives the same results.
 */
#include <veridian/metrics.h>

#include "ipc_internal.h"
#include "ipc_regs.h"

/* Deadline for a relative timeout; skips the clock when it is infinite. */
static uint64_t deadline_of(uint64_t timeout_ns)
{
	if (timeout_ns == VD_TIMEOUT_INFINITE)
		return VD_TIMEOUT_INFINITE;
	return vd_deadline_after(ipc_now_ns(), timeout_ns);
}

/*
 * Fast call: returns IPC_PENDING when it delivered the request and ran
 * the receiver (w now waits for the reply), VD_ERR_BUSY when the fast
 * path does not apply (nothing changed).
 */
static vd_err_t fast_call(struct ipc_waiter *w, vd_channel_id_t ch_id,
			  const struct vd_ipc_message *m, vd_cap_token_t cap,
			  uint64_t deadline, ipc_lock_state_t *st)
{
	struct ipc_channel *ch;
	struct ipc_endpoint *dst;
	struct ipc_waiter *r;
	unsigned end;
	int slot;

	if (cap != VD_CAP_TOKEN_NULL || m->kind != VD_IPC_MSG_SMALL)
		return VD_ERR_BUSY;
	ch = ipc_table_lookup(&ipc_channels, ch_id);
	if (VD_UNLIKELY(ch == NULL))
		return VD_ERR_BUSY;
	if (ch->ep[0]->owner.pid == w->self.pid)
		end = 0;
	else if (ch->ep[1]->owner.pid == w->self.pid)
		end = 1;
	else
		return VD_ERR_BUSY;
	dst = ch->ep[1 - end];
	if (dst->count != 0 || vd_list_empty(&dst->receivers))
		return VD_ERR_BUSY;
	r = VD_LIST_ENTRY(dst->receivers.next, struct ipc_waiter, link);
	if (r->user_ctx == NULL || r->want_hdr)
		return VD_ERR_BUSY;
	slot = ipc_reply_alloc(w, ch);
	if (VD_UNLIKELY(slot < 0))
		return VD_ERR_BUSY;

	/* 1. The request goes into the receiver's registers. */
	struct vd_cpu_context *rc = r->user_ctx;
	uint64_t seq = ++ch->seq[end];
	ipc_regs_put(rc, m->words, ipc_words(m->len));
	IPC_R_INFO(rc) = (uint64_t)m->len |
			 (uint64_t)VD_IPC_TYPE_CALL << VD_IPC_INFO_TYPE_SHIFT |
			 (seq & 0xffffffffull) << VD_IPC_INFO_SEQ_SHIFT;
	IPC_R_CAP(rc) = 0;
	IPC_R_SENDER(rc) = w->self.pid;
	IPC_R_RTOKEN(rc) = ipc_reply_mint(slot, r->self.pid);
	/* 2. Its wait is over. */
	r->in_regs = true;
	ipc_waiter_finish(r, VD_OK);
	/* 3. We wait for the reply; the receiver runs now. */
	w->reply_slot = slot;
	w->q.reply_slot = slot;
	w->q.ch = ch;
	w->state = IPC_WAIT_REPLY;
	ipc_messages_sent++;
	ipc_fastpath_hits++;
	vd_metrics_count(VD_METRIC_IPC_MESSAGES);
	vd_err_t err = ipc_sleep_switch_locked(w, r, deadline, st);
	if (!w->done && err != VD_OK)
		ipc_waiter_cancel(w, err);
	return IPC_PENDING;
}

vd_err_t ipc_call_regs(const struct vd_ipc_actor *self, vd_channel_id_t ch,
		       const struct vd_ipc_message *m, vd_cap_token_t cap,
		       uint64_t timeout_ns, struct vd_cpu_context *ctx,
		       struct vd_ipc_message *reply)
{
	struct ipc_waiter w;
	vd_err_t err;

	ipc_waiter_init(&w, self);
	w.user_ctx = ctx;
	w.reply_out = reply;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = deadline_of(timeout_ns);
	err = timeout_ns ? fast_call(&w, ch, m, cap, deadline, &st)
			 : VD_ERR_BUSY;
	if (err == VD_ERR_BUSY) {
		err = ipc_call_begin(&w, ch, m, cap, reply, false);
		if (err == IPC_PENDING && timeout_ns == 0 && !w.done)
			ipc_waiter_cancel(&w, VD_ERR_TIMEOUT);
	}
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w.in_regs)
		ipc_put_reply(ctx, reply);
	return err;
}

vd_err_t ipc_reply_regs(const struct vd_ipc_actor *self,
			vd_reply_token_t token, const struct vd_ipc_message *m)
{
	return vd_ipc_reply(self, token, m);
}

/*
 * Reply into the caller's registers if it waits with them on record (no
 * wake-up yet: *woken_out is the caller to run), else through the general
 * path (the caller is woken there; *woken_out is NULL).
 */
static vd_err_t reply_step(const struct vd_ipc_actor *self,
			   vd_reply_token_t token,
			   const struct vd_ipc_message *m,
			   struct ipc_waiter **woken_out)
{
	int slot = ipc_reply_lookup(token, self->pid);
	struct ipc_waiter *caller;

	*woken_out = NULL;
	if (slot < 0)
		return VD_ERR_IPC_BAD_REPLY_TOKEN;
	caller = ipc_reply_slots[slot].caller;
	if (m->kind != VD_IPC_MSG_SMALL || caller->user_ctx == NULL ||
	    m->len > VD_IPC_SMALL_MAX)
		return ipc_reply_locked(self, token, m, NULL);

	struct vd_cpu_context *cc = caller->user_ctx;
	ipc_regs_put(cc, m->words, ipc_words(m->len));
	IPC_R_INFO(cc) = (uint64_t)m->len |
			 (uint64_t)VD_IPC_TYPE_REPLY << VD_IPC_INFO_TYPE_SHIFT;
	caller->in_regs = true;
	ipc_reply_free(slot);
	caller->reply_slot = -1;
	ipc_waiter_finish(caller, VD_OK);
	ipc_messages_sent++;
	vd_metrics_count(VD_METRIC_IPC_MESSAGES);
	*woken_out = caller;
	return VD_OK;
}

vd_err_t ipc_reply_recv_regs(const struct vd_ipc_actor *self,
			     vd_reply_token_t token,
			     const struct vd_ipc_message *m,
			     vd_endpoint_id_t ep, uint64_t timeout_ns,
			     struct vd_cpu_context *ctx)
{
	struct ipc_waiter w, *caller;
	vd_err_t err;

	ipc_waiter_init(&w, self);
	w.user_ctx = ctx;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	err = reply_step(self, token, m, &caller);
	if (err != VD_OK) {
		ipc_unlock(st);
		return err;
	}
	uint64_t deadline = deadline_of(timeout_ns);
	err = ipc_receive_begin(&w, ep, timeout_ns == 0);
	if (caller != NULL) {
		if (err == IPC_PENDING) {
			/* Nothing to receive yet: run the caller at once. */
			ipc_fastpath_hits++;
			vd_err_t e = ipc_sleep_switch_locked(&w, caller,
							     deadline, &st);
			if (!w.done && e != VD_OK)
				ipc_waiter_cancel(&w, e);
		} else {
			ipc_wake_locked(caller);
		}
	}
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w.in_regs)
		ipc_put_received(ctx, &w.q);
	return err;
}

vd_err_t ipc_channel_peer_actor(vd_channel_id_t id, vd_pid_t pid,
				struct vd_ipc_actor *out)
{
	vd_err_t err = VD_ERR_NOT_FOUND;

	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	struct ipc_channel *ch = ipc_table_lookup(&ipc_channels, id);
	if (ch != NULL) {
		err = VD_ERR_PERMISSION_DENIED;
		for (unsigned end = 0; end < 2; end++) {
			if (ch->ep[end]->owner.pid == pid) {
				*out = ch->ep[1 - end]->owner;
				err = VD_OK;
				break;
			}
		}
	}
	ipc_unlock(st);
	return err;
}
