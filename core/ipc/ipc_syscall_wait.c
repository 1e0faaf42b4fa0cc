/*
 * The general paths of call, reply and reply-and-receive with registers:
 * where ipc_fastpath.c falls back to, and what runs for everything it
 * does not take (a capability to pass, a large message, a full queue, no
 * peer waiting, a zero timeout...).  They go through the state machine
 * (ipc_message.c) and sleep on the kernel stack, but still deliver into
 * the peer's registers when it waits with them on record, and switch to
 * it directly (ipc_sleep_switch_locked) when nothing else is to be done.
 */
#include <veridian/metrics.h>
#include <veridian/thread.h>
#include <veridian/trace.h>

#include "ipc_internal.h"
#include "ipc_regs.h"

vd_err_t ipc_call_regs(const struct vd_ipc_actor *self, vd_channel_id_t ch,
		       const struct vd_ipc_message *m, vd_cap_token_t cap,
		       uint64_t timeout_ns, struct vd_cpu_context *ctx,
		       struct vd_ipc_message *reply)
{
	struct ipc_waiter w;
	vd_err_t err;
	uint64_t t0 = hal_timer_now_ns();

	ipc_waiter_init(&w, self);
	w.user_ctx = ctx;
	w.regs_ok = true;
	w.thread = vd_thread_of_stack(ctx);
	w.reply_out = reply;
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = ipc_deadline_of(timeout_ns);
	err = ipc_call_begin(&w, ch, m, cap, reply, false);
	if (err == IPC_PENDING && timeout_ns == 0 && !w.done)
		ipc_waiter_cancel(&w, VD_ERR_TIMEOUT);
	err = ipc_wait_done(&w, err, deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w.in_regs)
		ipc_put_reply(ctx, reply);
	/* call to reply, as the caller sees it (docs/benchmarks.md) */
	if (err == VD_OK)
		vd_metrics_record_latency(VD_LATENCY_IPC,
					  hal_timer_now_ns() - t0);
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
	VD_TRACE_EVENT(VD_TRACE_IPC_REPLY, token, caller->self.pid);
	ipc_waiter_finish(caller, VD_OK);
	ipc_messages_sent++;
	vd_metrics_count(VD_METRIC_IPC_MESSAGES);
	*woken_out = caller;
	return VD_OK;
}

vd_err_t ipc_reply_recv_regs(const struct vd_ipc_actor *self,
			     vd_reply_token_t token,
			     const struct vd_ipc_message *m,
			     vd_endpoint_id_t ep, vd_err_t ep_err,
			     uint64_t timeout_ns, struct vd_cpu_context *ctx)
{
	struct ipc_waiter w, *caller;
	vd_err_t err;

	ipc_waiter_init(&w, self);
	w.user_ctx = ctx;
	w.regs_ok = true;
	w.thread = vd_thread_of_stack(ctx);
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	/* The reply first: its errors are returned as they are, and then
	 * nothing happened. */
	err = reply_step(self, token, m, &caller);
	if (err != VD_OK) {
		ipc_unlock(st);
		return err;
	}
	/* It is delivered; from here on the status is the receive's. */
	uint64_t deadline = ipc_deadline_of(timeout_ns);
	err = ep_err != VD_OK ? ep_err
			      : ipc_receive_begin(&w, ep, timeout_ns == 0);
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
	if (err == VD_OK) {
		VD_TRACE_EVENT(VD_TRACE_IPC_RECEIVE, ep, w.q.hdr.sender);
		if (!w.in_regs)
			ipc_put_received(ctx, &w.q);
	}
	return ipc_gone_is_closed(err);
}
