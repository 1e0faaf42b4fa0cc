/*
 * The IPC fast path: call and reply-and-receive between threads that find
 * their peer already waiting, as seL4's fastpath does.
 *
 * In the steady state of a client/server pair the server sits in
 * reply-and-receive and the client in call, so every message finds its
 * receiver parked with its saved user registers on record (waiter
 * user_ctx).  Then the kernel:
 *
 *   1. copies the message registers straight from the sender's saved
 *      context into the receiver's, with the info word, sender and reply
 *      token (no queue slot, no intermediate buffer);
 *   2. marks the receiver's wait complete without waking it through the
 *      run queue;
 *   3. parks the sender (waiting for the reply, or for the next request)
 *      and switches to the receiver directly (vd_sched_wait_switch_locked):
 *      the receiver's syscall returns at once with its registers set.
 *
 * ipc_fast_call / ipc_fast_reply_recv check every condition before they
 * change anything and return IPC_NOT_FAST when one fails -- a capability
 * to pass, a large message, a queue
 * with messages in it, a receiver that wants the full header, a bad
 * capability or token -- and the caller takes the general path
 * (ipc_call_regs / ipc_reply_recv_regs), which gives the same results and
 * the precise error.
 */
#include <veridian/metrics.h>
#include <veridian/proc.h>
#include <veridian/thread.h>

#include "ipc_internal.h"
#include "ipc_regs.h"

/* Deadline for a relative timeout; skips the clock when it is infinite. */
static uint64_t deadline_of(uint64_t timeout_ns)
{
	if (timeout_ns == VD_TIMEOUT_INFINITE)
		return VD_TIMEOUT_INFINITE;
	return vd_deadline_after(ipc_now_ns(), timeout_ns);
}

/* A small message of 0..64 bytes, no other bits. */
static bool fast_info(uint64_t info)
{
	return info <= VD_IPC_SMALL_MAX;
}

/* Minimal set-up of a waiter for the fast path (see ipc_waiter_init). */
static void fast_waiter(struct ipc_waiter *w, struct vd_thread *t,
			struct vd_process *p, struct vd_cpu_context *ctx)
{
	vd_list_init(&w->link);
	w->done = false;
	w->result = VD_OK;
	w->thread = t;
	w->ep = NULL;
	w->self.pid = p->pid;
	w->self.caps = p->caps;
	w->self.pt = &p->pt;
	w->q.hdr.flags = 0;
	w->q.reply_slot = -1;
	w->q.ch = NULL;
	w->reply_slot = -1;
	w->user_ctx = ctx;
	w->in_regs = false;
	w->want_hdr = false;
}

/* Finish a fast-path wait: the peer ran; we are back (woken, timed out
 * or killed). */
static inline vd_err_t fast_wait_rest(struct ipc_waiter *w, vd_err_t slept,
				      uint64_t deadline, ipc_lock_state_t *st)
{
	if (VD_LIKELY(w->done))
		return w->result;
	if (slept != VD_OK)
		ipc_waiter_cancel(w, slept);
	return ipc_wait_done(w, IPC_PENDING, deadline, st);
}

vd_err_t ipc_fast_call(struct vd_cpu_context *ctx, const uint64_t a[6])
{
	struct vd_thread *t = vd_thread_of_stack(ctx);
	struct vd_process *p = t->proc;
	struct vd_capability c;
	struct vd_ipc_message reply;
	struct ipc_waiter w;
	unsigned end, n = ipc_words(IPC_INFO_LEN(a[1]));

	if (!fast_info(a[1]) || a[2] != VD_CAP_TOKEN_NULL || a[3] == 0 ||
	    vd_cap_validate_type(p->caps, a[0], VD_OBJ_IPC_ENDPOINT,
				 VD_RIGHT_WRITE, &c) != VD_OK)
		return IPC_NOT_FAST;

	ipc_lock_state_t st = ipc_lock();
	struct ipc_channel *ch = ipc_table_lookup(&ipc_channels, c.object_id);
	if (VD_UNLIKELY(ch == NULL))
		goto busy;
	if (ch->ep[0]->owner.pid == p->pid)
		end = 0;
	else if (ch->ep[1]->owner.pid == p->pid)
		end = 1;
	else
		goto busy;
	struct ipc_endpoint *dst = ch->ep[1 - end];
	if (dst->count != 0 || vd_list_empty(&dst->receivers))
		goto busy;
	struct ipc_waiter *r =
		VD_LIST_ENTRY(dst->receivers.next, struct ipc_waiter, link);
	if (r->user_ctx == NULL || r->want_hdr)
		goto busy;
	fast_waiter(&w, t, p, ctx);
	int slot = ipc_reply_alloc(&w, ch);
	if (VD_UNLIKELY(slot < 0))
		goto busy;

	/* 1. The request goes into the receiver's registers. */
	struct vd_cpu_context *rc = r->user_ctx;
	uint64_t seq = ++ch->seq[end];
	ipc_regs_copy(rc, ctx, n);
	ipc_regs_mask_tail(rc, (unsigned)a[1]);
	IPC_R_INFO(rc) = a[1] |
			 (uint64_t)VD_IPC_TYPE_CALL << VD_IPC_INFO_TYPE_SHIFT |
			 (seq & 0xffffffffull) << VD_IPC_INFO_SEQ_SHIFT;
	IPC_R_CAP(rc) = 0;
	IPC_R_SENDER(rc) = p->pid;
	IPC_R_RTOKEN(rc) = ipc_reply_mint(slot, r->self.pid);
	/* 2. Its wait is over. */
	r->in_regs = true;
	ipc_waiter_finish(r, VD_OK);
	/* 3. We wait for the reply; the receiver runs now. */
	w.state = IPC_WAIT_REPLY;
	w.reply_slot = slot;
	w.q.reply_slot = slot;
	w.q.ch = ch;
	w.reply_out = &reply;
	ipc_messages_sent++;
	ipc_fastpath_hits++;
	vd_metrics_percpu[t->cpu].count[VD_METRIC_IPC_MESSAGES]++;
	uint64_t deadline = deadline_of(a[3]);
	vd_err_t err =
		vd_sched_wait_switch_locked(r->thread, VD_BLOCK_IPC, deadline);
	err = fast_wait_rest(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w.in_regs)
		ipc_put_reply(ctx, &reply);
	return err;
busy:
	ipc_unlock(st);
	return IPC_NOT_FAST;
}

vd_err_t ipc_fast_reply_recv(struct vd_cpu_context *ctx, const uint64_t a[6])
{
	struct vd_thread *t = vd_thread_of_stack(ctx);
	struct vd_process *p = t->proc;
	struct vd_capability c;
	struct ipc_waiter w;
	unsigned n = ipc_words(IPC_INFO_LEN(a[1]));

	if (!fast_info(a[1]) || a[3] == 0 ||
	    vd_cap_validate_type(p->caps, a[2], VD_OBJ_IPC_ENDPOINT,
				 VD_RIGHT_READ, &c) != VD_OK)
		return IPC_NOT_FAST;

	ipc_lock_state_t st = ipc_lock();
	int slot = ipc_reply_lookup(a[0], p->pid);
	if (slot < 0)
		goto busy;
	struct ipc_waiter *caller = ipc_reply_slots[slot].caller;
	struct ipc_endpoint *ep = ipc_table_lookup(&ipc_endpoints, c.object_id);
	if (caller->user_ctx == NULL || ep == NULL || ep->owner.pid != p->pid ||
	    ep->count != 0)
		goto busy;

	/* The reply goes into the caller's registers... */
	struct vd_cpu_context *cc = caller->user_ctx;
	ipc_regs_copy(cc, ctx, n);
	ipc_regs_mask_tail(cc, (unsigned)a[1]);
	IPC_R_INFO(cc) = a[1] | (uint64_t)VD_IPC_TYPE_REPLY
					<< VD_IPC_INFO_TYPE_SHIFT;
	caller->in_regs = true;
	ipc_reply_free(slot);
	caller->reply_slot = -1;
	ipc_waiter_finish(caller, VD_OK);
	ipc_messages_sent++;
	ipc_fastpath_hits++;
	vd_metrics_percpu[t->cpu].count[VD_METRIC_IPC_MESSAGES]++;
	/* ...we wait for the next request, and the caller runs now. */
	fast_waiter(&w, t, p, ctx);
	w.ep = ep;
	w.state = IPC_WAIT_RECV;
	vd_list_add_tail(&ep->receivers, &w.link);
	uint64_t deadline = deadline_of(a[3]);
	vd_err_t err = vd_sched_wait_switch_locked(caller->thread, VD_BLOCK_IPC,
						   deadline);
	err = fast_wait_rest(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w.in_regs)
		ipc_put_received(ctx, &w.q);
	return err;
busy:
	ipc_unlock(st);
	return IPC_NOT_FAST;
}

/* ------------------------------------------------------------------ */
/* The general paths of the same syscalls                              */
/* ------------------------------------------------------------------ */

vd_err_t ipc_call_regs(const struct vd_ipc_actor *self, vd_channel_id_t ch,
		       const struct vd_ipc_message *m, vd_cap_token_t cap,
		       uint64_t timeout_ns, struct vd_cpu_context *ctx,
		       struct vd_ipc_message *reply)
{
	struct ipc_waiter w;
	vd_err_t err;

	ipc_waiter_init(&w, self);
	w.user_ctx = ctx;
	w.thread = vd_thread_of_stack(ctx);
	w.reply_out = reply;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = deadline_of(timeout_ns);
	err = ipc_call_begin(&w, ch, m, cap, reply, false);
	if (err == IPC_PENDING && timeout_ns == 0 && !w.done)
		ipc_waiter_cancel(&w, VD_ERR_TIMEOUT);
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w.in_regs)
		ipc_put_reply(ctx, reply);
	return err;
}

vd_err_t ipc_reply_regs(const struct vd_ipc_actor *self, vd_reply_token_t token,
			const struct vd_ipc_message *m)
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
	IPC_R_INFO(cc) = (uint64_t)m->len | (uint64_t)VD_IPC_TYPE_REPLY
						    << VD_IPC_INFO_TYPE_SHIFT;
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
	w.thread = vd_thread_of_stack(ctx);
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
