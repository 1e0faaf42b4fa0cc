/*
 * The IPC fast path: call and reply-and-receive between threads that find
 * their peer already waiting, the way seL4's fastpath does it.
 *
 * In the steady state of a client/server pair the server sits in
 * reply-and-receive and the client in call, so every message finds its
 * receiver blocked with its saved user registers on record (waiter
 * user_ctx).  vd_syscall calls vd_ipc_fast_call and vd_ipc_fast_reply_recv
 * for SYS_IPC_CALL and SYS_IPC_REPLY before the dispatcher, and they:
 *
 *   1. checks everything before it changes anything: a small message
 *      (0..64 bytes) and no capability to pass, a nonzero timeout, the
 *      capability (inline, cap_fast.h), the channel or reply token, an
 *      empty queue, a waiting peer that did not ask for the header
 *      buffer, and that the peer may take this CPU now (sched_fast.h:
 *      not a higher priority ready, affinity, caller not being killed);
 *      if one fails it returns and the general path runs, with the same
 *      results and the precise error;
 *   2. copies the message registers straight from the caller's saved
 *      context into the peer's, with the info word, sender and reply
 *      token, and the peer's syscall status (0);
 *   3. blocks the caller *without keeping its kernel frames*: its wait
 *      record lives in its thread (struct fast_wait in t->ipc_wait), and
 *      if the wait ends any other way than by the peer's fast reply
 *      (timeout, kill, close, a reply through the general path), the
 *      scheduler starts it afresh in fast_resume, which finishes the
 *      syscall;
 *   4. makes the peer current and, when the peer also waits without
 *      kernel frames, returns to its user mode directly
 *      (hal_syscall_return): no context switch, no unwinding.
 *
 * So a round trip is two syscall entries, two runs of this file and two
 * syscall exits.  docs/ipc.md has the numbers.
 */
#include <veridian/metrics.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>

#include "../cap/cap_fast.h"
#include "../sched/sched_fast.h"
#include "ipc_internal.h"
#include "ipc_regs.h"

#define FAST static inline __attribute__((always_inline))

/* A wait of the fast path, kept in the waiting thread (t->ipc_wait). */
struct fast_wait {
	struct ipc_waiter w;
	struct vd_ipc_message reply; /* a call's reply, if not in registers */
	uint64_t deadline;
	bool is_call;	 /* waits for a reply; else for a message */
	bool stack_done; /* hal_syscall_return's flag, unused: the stack
			  * fast_resume leaves is the thread's own */
};

_Static_assert(__builtin_offsetof(struct ipc_channel, id) == 0 &&
		       __builtin_offsetof(struct ipc_endpoint, id) == 0,
	       "ipc_table_lookup_self needs the id first");
_Static_assert(sizeof(struct fast_wait) <=
		       sizeof(((struct vd_thread *)0)->ipc_wait),
	       "VD_THREAD_IPC_WAIT_WORDS too small for struct fast_wait");

/* Deadline for a relative timeout; skips the clock when it is infinite. */
static uint64_t deadline_of(uint64_t timeout_ns)
{
	if (timeout_ns == VD_TIMEOUT_INFINITE)
		return VD_TIMEOUT_INFINITE;
	return vd_deadline_after(ipc_now_ns(), timeout_ns);
}

/* As in ipc_syscall.c: a live capability whose object is gone means the
 * endpoint or channel was closed. */
static vd_err_t gone_is_closed(vd_err_t err)
{
	return err == VD_ERR_NOT_FOUND ? VD_ERR_IPC_CLOSED : err;
}

/*
 * t's fast wait record, ready for a new wait.  The fields that never
 * change for a thread (who waits, its registers, where a reply goes) are
 * set the first time; a wait sets the rest.  Between waits the record is
 * idle: its link self-linked, no reply slot.
 */
FAST struct fast_wait *fast_wait_of(struct vd_thread *t,
				    struct vd_cpu_context *ctx)
{
	struct fast_wait *fw = (struct fast_wait *)(void *)t->ipc_wait;

	if (VD_UNLIKELY(fw->w.thread != t)) {
		struct vd_ipc_actor self = {
			.pid = t->proc->pid,
			.caps = t->proc->caps,
			.pt = &t->proc->pt,
		};
		ipc_waiter_init(&fw->w, &self);
		fw->w.thread = t;
		fw->w.user_ctx = ctx;
		fw->w.reply_out = &fw->reply;
	}
	fw->w.done = false;
	fw->w.result = VD_OK;
	fw->w.in_regs = false;
	return fw;
}

/*
 * A thread whose fast wait ended some other way than by its peer's fast
 * path (which returns it to user mode itself): the scheduler runs this
 * on a fresh stack, lock held, interrupts masked.  It is the tail of the
 * general syscall: finish the wait, put the result in the registers, and
 * leave the way the syscall would have.
 */
static void fast_resume(struct vd_thread *t)
{
	struct fast_wait *fw = (struct fast_wait *)(void *)t->ipc_wait;
	struct ipc_waiter *w = &fw->w;
	struct vd_cpu_context *ctx = t->uctx;
	ipc_lock_state_t st = hal_irq_save(); /* masked: stays masked */
	vd_err_t err = t->wake_result;

	if (!w->done && err != VD_OK)
		ipc_waiter_cancel(w, err);
	err = ipc_wait_done(w, IPC_PENDING, fw->deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w->in_regs) {
		if (fw->is_call)
			ipc_put_reply(ctx, &fw->reply);
		else
			ipc_put_received(ctx, &w->q);
	}
	VD_CTX_RET(ctx) =
		err == VD_OK ? 0 : (uint64_t) - (int64_t)gone_is_closed(err);
	hal_syscall_return(ctx, &t->user_work, &fw->stack_done);
}

/* Book-keeping of a message that went the fast way.  (The context
 * switch is counted by sched_fast_run.) */
FAST void fast_count(struct vd_thread *t)
{
	struct vd_metrics_cpu *m = &vd_metrics_percpu[t->cpu];

	m->count[VD_METRIC_IPC_MESSAGES]++;
	t->proc->usage.syscalls++;
	ipc_fastpath_hits++; /* messages_sent adds them (ipc_api.c) */
}

/* SYS_IPC_CALL: A0 channel cap, A1 info, A2 0, A3 timeout, MRs. */
const volatile uint32_t *vd_ipc_fast_call(struct vd_cpu_context *ctx)
{
	/* Only user threads make syscalls: t->proc is set. */
	struct vd_thread *t = vd_thread_of_stack(ctx);
	struct vd_process *p = t->proc;
	uint64_t info = IPC_R_INFO(ctx), oid;

	if (info > VD_IPC_SMALL_MAX || IPC_R_CAP(ctx) != VD_CAP_TOKEN_NULL ||
	    IPC_R_TIMEOUT(ctx) == 0 ||
	    !vd_cap_fast_object(p->caps, IPC_R_TOKEN(ctx), VD_OBJ_IPC_ENDPOINT,
				VD_RIGHT_WRITE, &oid))
		return vd_syscall_general(ctx);
	uint64_t deadline = deadline_of(IPC_R_TIMEOUT(ctx));
	sched_fast_lock_masked();
	struct ipc_channel *ch = ipc_table_lookup_self(&ipc_channels, oid);
	if (VD_UNLIKELY(ch == NULL))
		goto not_fast;
	/* our end: 0 if we own ep[0], else 1 if we own ep[1] */
	unsigned end = ch->pid[0] != p->pid;
	if (VD_UNLIKELY(ch->pid[end] != p->pid))
		goto not_fast;
	struct ipc_endpoint *dst = ch->ep[end ^ 1];
	if (dst->count != 0 || vd_list_empty(&dst->receivers))
		goto not_fast;
	struct ipc_waiter *r =
		VD_LIST_ENTRY(dst->receivers.next, struct ipc_waiter, link);
	struct vd_thread *next = r->thread;
	struct cpu_sched *c = sched_fast_cpu(t);
	if (r->user_ctx == NULL || r->want_hdr ||
	    !sched_fast_can_run(c, t, next, deadline))
		goto not_fast;
	int slot = ipc_reply_free_head;
	if (VD_UNLIKELY(slot < 0))
		goto not_fast;

	/* A reply slot, delivered at once: ipc_reply_alloc + _mint. */
	struct fast_wait *fw = fast_wait_of(t, ctx);
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	vd_reply_token_t token = ipc_reply_token(slot, rs);
	ipc_reply_free_head = rs->next_free;
	ipc_reply_used++;
	rs->used = true;
	rs->delivered = true;
	rs->caller = &fw->w;
	rs->ch = ch;
	rs->queued_on = NULL;
	rs->replier = r->self.pid;
	rs->token = token;

	/* The request goes into the receiver's registers; its wait is
	 * over. */
	struct vd_cpu_context *rc = r->user_ctx;
	uint64_t seq = ++ch->seq[end];
	ipc_regs_copy(rc, ctx, ipc_words((unsigned)info));
	ipc_regs_mask_tail(rc, (unsigned)info);
	IPC_R_INFO(rc) = info |
			 (uint64_t)VD_IPC_TYPE_CALL << VD_IPC_INFO_TYPE_SHIFT |
			 (seq & 0xffffffffull) << VD_IPC_INFO_SEQ_SHIFT;
	IPC_R_CAP(rc) = 0;
	IPC_R_SENDER(rc) = p->pid;
	IPC_R_RTOKEN(rc) = token;
	VD_CTX_RET(rc) = 0;
	r->in_regs = true;
	ipc_waiter_finish(r, VD_OK);
	/* We wait for the reply, without kernel frames; it runs now. */
	fw->w.state = IPC_WAIT_REPLY;
	fw->w.ep = NULL;
	fw->w.reply_slot = slot;
	fw->deadline = deadline;
	fw->is_call = true;
	fast_count(t);
	sched_fast_block(c, t, VD_BLOCK_IPC, deadline, fast_resume);
	sched_fast_run(c, t, next);
not_fast:
	sched_fast_unlock_masked();
	return vd_syscall_general(ctx);
}

/* SYS_IPC_REPLY with an endpoint: A0 reply token, A1 info, MRs; A2
 * endpoint cap to receive on, A3 its timeout.  (Without one, a plain
 * reply, A2 is 0, which no capability is.) */
const volatile uint32_t *vd_ipc_fast_reply_recv(struct vd_cpu_context *ctx)
{
	struct vd_thread *t = vd_thread_of_stack(ctx);
	struct vd_process *p = t->proc;
	uint64_t info = IPC_R_INFO(ctx), oid;

	if (info > VD_IPC_SMALL_MAX || IPC_R_TIMEOUT(ctx) == 0 ||
	    !vd_cap_fast_object(p->caps, IPC_R_CAP(ctx), VD_OBJ_IPC_ENDPOINT,
				VD_RIGHT_READ, &oid))
		return vd_syscall_general(ctx);
	uint64_t deadline = deadline_of(IPC_R_TIMEOUT(ctx));
	sched_fast_lock_masked();
	int slot = ipc_reply_lookup(IPC_R_TOKEN(ctx), p->pid);
	if (slot < 0)
		goto not_fast;
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	struct ipc_waiter *caller = rs->caller;
	struct vd_thread *next = caller->thread;
	struct ipc_endpoint *ep = ipc_table_lookup_self(&ipc_endpoints, oid);
	struct cpu_sched *c = sched_fast_cpu(t);
	if (caller->user_ctx == NULL || ep == NULL || ep->owner.pid != p->pid ||
	    ep->count != 0 || !sched_fast_can_run(c, t, next, deadline))
		goto not_fast;

	/* The reply goes into the caller's registers; its wait is over. */
	struct vd_cpu_context *cc = caller->user_ctx;
	ipc_regs_copy(cc, ctx, ipc_words((unsigned)info));
	ipc_regs_mask_tail(cc, (unsigned)info);
	IPC_R_INFO(cc) = info | (uint64_t)VD_IPC_TYPE_REPLY
					<< VD_IPC_INFO_TYPE_SHIFT;
	VD_CTX_RET(cc) = 0;
	/* Its wait record is on no list: ipc_waiter_finish without the
	 * unlink. */
	caller->in_regs = true;
	caller->reply_slot = -1;
	caller->state = IPC_WAIT_NONE;
	caller->result = VD_OK;
	caller->done = true;
	/* ipc_reply_free of a slot known to be in use; the other fields
	 * are only read while it is. */
	rs->used = false;
	rs->token = 0;
	ipc_reply_gen_next(rs);
	rs->next_free = ipc_reply_free_head;
	ipc_reply_free_head = slot;
	ipc_reply_used--;
	/* We wait for the next request, without kernel frames; the caller
	 * runs now. */
	struct fast_wait *fw = fast_wait_of(t, ctx);
	fw->w.state = IPC_WAIT_RECV;
	fw->w.ep = ep;
	fw->w.reply_slot = -1;
	vd_list_add_tail(&ep->receivers, &fw->w.link);
	fw->deadline = deadline;
	fw->is_call = false;
	fast_count(t);
	sched_fast_block(c, t, VD_BLOCK_IPC, deadline, fast_resume);
	sched_fast_run(c, t, next);
not_fast:
	sched_fast_unlock_masked();
	return vd_syscall_general(ctx);
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
