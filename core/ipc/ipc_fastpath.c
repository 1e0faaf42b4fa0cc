/*
 * The IPC fast path: call and reply-and-receive between threads that find
 * their peer already waiting, the way seL4's fastpath does it.
 *
 * In the steady state of a client/server pair the server sits in
 * reply-and-receive and the client in call, so every message finds its
 * receiver blocked with its saved user registers on record (waiter
 * user_ctx).  vd_syscall calls vd_ipc_fast_call and vd_ipc_fast_reply_recv
 * for SYS_IPC_CALL and SYS_IPC_REPLY before the dispatcher, and they
 *
 *   1. check everything before they change anything: a small message
 *      (0..64 bytes) and no capability to pass, a nonzero timeout, the
 *      capability (inline, cap_fast.h), the channel or reply token, an
 *      empty queue, a waiting peer that takes it in registers (regs_ok:
 *      not one that asked for the header buffer), that the peer may
 *      take this CPU now (sched_fast.h: not a
 *      higher priority ready, affinity, caller not being killed); if one fails
 * the general path runs instead, with the same results and the precise error;
 *   2. copy the message registers straight from the caller's saved
 *      context into the peer's, with the info word, sender and reply
 *      token, and the peer's syscall status (0);
 *   3. block the caller *without keeping its kernel frames*: its wait
 *      record lives in its thread (struct fast_wait in t->ipc_wait), and
 *      if the wait ends any other way than by the peer's fast reply
 *      (timeout, kill, close, a reply through the general path), the
 *      scheduler starts it afresh in fast_resume, which finishes the
 *      syscall;
 *   4. make the peer current and, when the peer also waits without
 *      kernel frames, return to its user mode directly
 *      (hal_syscall_return_space): no context switch, no unwinding.
 *
 * So a round trip is two syscall entries, two runs of this file and two
 * syscall exits.  docs/ipc.md has the numbers.
 *
 * FAST_ORDER.  Every value the compiler keeps across a call costs a
 * callee-saved register, saved in the prologue on every run (twelve of
 * them on RISC-V once).  So the common case makes no call before the
 * never-returning exit: only the deadline of a finite timeout (a clock
 * read) and a contended lock call out, and both come first, while just
 * ctx and the deadline are live; the thread's fast wait record is set up
 * when the thread is made (vd_ipc_thread_init); timeouts to arm or cancel
 * go to one out-of-line tail (sched_fast_run_slow); and the address
 * space is switched by the HAL's exit (hal_syscall_return_space).  This
 * file is built without frame pointers (cmake/kernel.cmake).
 */
#include <veridian/metrics.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/trace.h>

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
	bool stack_done; /* hal_syscall_return's flag, unused: the stack
			  * fast_resume leaves is the thread's own */
};

_Static_assert(__builtin_offsetof(struct ipc_channel, id) == 0 &&
		       __builtin_offsetof(struct ipc_endpoint, id) == 0,
	       "ipc_objs_lookup_self needs the id first");
_Static_assert(sizeof(struct fast_wait) <=
		       sizeof(((struct vd_thread *)0)->ipc_wait),
	       "VD_THREAD_IPC_WAIT_WORDS too small for struct fast_wait");

static void fast_resume(struct vd_thread *t);

static struct fast_wait *fast_wait_of(struct vd_thread *t)
{
	return (struct fast_wait *)(void *)t->ipc_wait;
}

/*
 * Set up a new user thread's fast wait record (vd_ipc_thread_init, ipc.h):
 * the fields that never change for a thread (who waits, its registers,
 * where a reply goes).  Each wait sets the rest (fast_wait_start).
 * Between waits the record is idle: its link self-linked, no reply slot.
 */
void vd_ipc_thread_init(struct vd_thread *t)
{
	struct fast_wait *fw = fast_wait_of(t);
	struct vd_ipc_actor self = {
		.pid = t->proc->pid,
		.caps = t->proc->caps,
		.pt = &t->proc->pt,
		.proc = t->proc,
	};
	ipc_waiter_init(&fw->w, &self);
	fw->w.thread = t;
	fw->w.user_ctx = t->uctx;
	fw->w.reply_out = &fw->reply;
}

/* What may call out comes first (FAST_ORDER): the deadline of a finite
 * timeout, then the scheduler lock.  False for a zero timeout (a poll),
 * which is the general path's. */
FAST bool fast_begin(const struct vd_cpu_context *ctx, uint64_t *deadline)
{
	uint64_t timeout = IPC_R_TIMEOUT(ctx);

	if (timeout == 0)
		return false;
	*deadline = ipc_deadline_of(timeout);
	sched_fast_lock_masked();
	return true;
}

/* A new wait in `state` (on endpoint ep, or, with ep NULL, for the
 * reply of reply_slot: fast_wait_is_call): not done, nothing in the
 * registers yet (one store for state, flags and result, struct
 * ipc_waiter). */
FAST void fast_wait_start(struct fast_wait *fw, enum ipc_wait_state state,
			  struct ipc_endpoint *ep, int reply_slot,
			  uint64_t deadline)
{
	fw->w.state = state;
	fw->w.done = false;
	fw->w.in_regs = false;
	fw->w.regs_ok = true;
	fw->w.result = VD_OK;
	fw->w.ep = ep;
	fw->w.reply_slot = reply_slot;
	fw->deadline = deadline;
}

/* Does the fast wait (started, maybe over) wait for a reply, rather than
 * for a message?  Only fast_wait_start sets the record's ep. */
FAST bool fast_wait_is_call(const struct fast_wait *fw)
{
	return fw->w.ep == NULL;
}

/* The caller t (of process p), whose wait fast_wait_start began, blocks
 * without kernel frames until `deadline`, and next runs at once.  Never
 * returns. */
FAST VD_NORETURN void fast_hand_over(struct cpu_sched *c, struct vd_process *p,
				     struct vd_thread *t,
				     struct vd_thread *next, uint64_t deadline)
{
	p->usage.syscalls++; /* the message: sched_fast_run */
	sched_fast_block(t, VD_BLOCK_IPC, fast_resume);
	sched_fast_run(c, t, next, deadline);
}

/* Pass the message registers of a small message from ctx to d (none for
 * an empty one, the common case of a reply). */
FAST void fast_copy_mrs(struct vd_cpu_context *d,
			const struct vd_cpu_context *ctx, uint64_t info)
{
	if (info == 0)
		return;
	ipc_regs_copy(d, ctx, ipc_words((unsigned)info));
	ipc_regs_mask_tail(d, (unsigned)info);
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
	struct fast_wait *fw = fast_wait_of(t);
	struct ipc_waiter *w = &fw->w;
	struct vd_cpu_context *ctx = t->uctx;
	ipc_lock_state_t st = hal_irq_save(); /* masked: stays masked */
	vd_err_t err = t->wake_result;

	VD_ASSERT_SCHED_LOCKED();

	if (!w->done && err != VD_OK)
		ipc_waiter_cancel(w, err);
	err = ipc_wait_done(w, IPC_PENDING, fw->deadline, &st);
	ipc_unlock(st);
	if (err == VD_OK && !w->in_regs) {
		if (fast_wait_is_call(fw))
			ipc_put_reply(ctx, &fw->reply);
		else
			ipc_put_received(ctx, &w->q);
	}
	VD_CTX_RET(ctx) =
		err == VD_OK ? 0
			     : (uint64_t) - (int64_t)ipc_gone_is_closed(err);
	hal_syscall_return(ctx, &t->user_work, &fw->stack_done);
}

/* SYS_IPC_CALL: A0 channel cap, A1 info, A2 0, A3 timeout, MRs. */
const volatile uint32_t *vd_ipc_fast_call(struct vd_cpu_context *ctx)
{
	uint64_t oid, deadline;

	if (!fast_begin(ctx, &deadline))
		return vd_syscall(ctx);
	/* Only user threads make syscalls: t->proc is set. */
	struct vd_thread *t = vd_thread_of_stack(ctx);
	struct vd_process *p = t->proc;
	struct fast_wait *fw = fast_wait_of(t);
	uint64_t info = IPC_R_INFO(ctx);
	/* While tracing is on, the general path takes every message: the
	 * fast path has no trace points, which would cost it registers
	 * (docs/tracing.md).  The size limit is 0 then, so the size test
	 * is the trace test too. */
	if (info >= vd_ipc_fast_info_end ||
	    IPC_R_CAP(ctx) != VD_CAP_TOKEN_NULL ||
	    !vd_cap_fast_object(p->caps, IPC_R_TOKEN(ctx), VD_OBJ_IPC_ENDPOINT,
				VD_RIGHT_WRITE, &oid))
		goto not_fast;
	struct ipc_channel *ch = ipc_objs_lookup_self(ipc_channel_objs,
						      VD_IPC_MAX_CHANNELS, oid);
	if (VD_UNLIKELY(ch == NULL))
		goto not_fast;
	/* our end: 0 if we own ep[0], else 1 if we own ep[1]; dst the
	 * other */
	unsigned end = 0;
	struct ipc_endpoint *dst = ch->ep[1];
	if (ch->pid[0] != p->pid) {
		if (VD_UNLIKELY(ch->pid[1] != p->pid))
			goto not_fast;
		end = 1;
		dst = ch->ep[0];
	}
	if (dst->count != 0 || vd_list_empty(&dst->receivers))
		goto not_fast;
	struct ipc_waiter *r =
		VD_LIST_ENTRY(dst->receivers.next, struct ipc_waiter, link);
	struct vd_thread *next = r->thread;
	struct cpu_sched *c = sched_fast_cpu(t);
	if (!r->regs_ok || !sched_fast_can_run(c, t, next))
		goto not_fast;
	int slot = ipc_reply_free_head;
	if (VD_UNLIKELY(slot < 0))
		goto not_fast;

	/* A reply slot, delivered at once: ipc_reply_alloc + _mint. */
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	vd_reply_token_t token = ipc_reply_token(slot, rs);
	ipc_reply_free_head = rs->next_free;
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
	fast_copy_mrs(rc, ctx, info);
	IPC_R_INFO(rc) = info |
			 (uint64_t)VD_IPC_TYPE_CALL << VD_IPC_INFO_TYPE_SHIFT |
			 (seq & 0xffffffffull) << VD_IPC_INFO_SEQ_SHIFT;
	IPC_R_CAP(rc) = 0;
	IPC_R_SENDER(rc) = p->pid;
	IPC_R_RTOKEN(rc) = token;
	VD_CTX_RET(rc) = 0;
	vd_list_remove(&r->link);
	ipc_waiter_done_in_regs(r);
	/* We wait for the reply, without kernel frames; it runs now. */
	fast_wait_start(fw, IPC_WAIT_REPLY, NULL, slot, deadline);
	fast_hand_over(c, p, t, next, deadline);
not_fast:
	sched_fast_unlock_masked();
	return vd_syscall(ctx);
}

/* SYS_IPC_REPLY with an endpoint: A0 reply token, A1 info, MRs; A2
 * endpoint cap to receive on, A3 its timeout.  (Without one, a plain
 * reply, A2 is 0, which no capability is.) */
const volatile uint32_t *vd_ipc_fast_reply_recv(struct vd_cpu_context *ctx)
{
	uint64_t oid, deadline;

	if (!fast_begin(ctx, &deadline))
		return vd_syscall(ctx);
	struct vd_thread *t = vd_thread_of_stack(ctx);
	struct vd_process *p = t->proc;
	struct fast_wait *fw = fast_wait_of(t);
	uint64_t info = IPC_R_INFO(ctx);
	if (info >= vd_ipc_fast_info_end ||
	    !vd_cap_fast_object(p->caps, IPC_R_CAP(ctx), VD_OBJ_IPC_ENDPOINT,
				VD_RIGHT_READ, &oid))
		goto not_fast;
	int slot = ipc_reply_lookup(IPC_R_TOKEN(ctx), p->pid);
	if (slot < 0)
		goto not_fast;
	struct ipc_reply_slot *rs = &ipc_reply_slots[slot];
	struct ipc_waiter *caller = rs->caller;
	struct vd_thread *next = caller->thread;
	struct ipc_endpoint *ep = ipc_objs_lookup_self(
		ipc_endpoint_objs, VD_IPC_MAX_ENDPOINTS, oid);
	struct cpu_sched *c = sched_fast_cpu(t);
	/* count_closed: nothing queued, and messages can still come (an
	 * endpoint whose channels all closed fails the receive with
	 * IpcError(Closed), on the general path) */
	if (caller->user_ctx == NULL || ep == NULL || ep->owner.pid != p->pid ||
	    ep->count_closed != 0 || !sched_fast_can_run(c, t, next))
		goto not_fast;

	/* The reply goes into the caller's registers; its wait is over
	 * (it waits on no list), and its slot is free. */
	struct vd_cpu_context *cc = caller->user_ctx;
	fast_copy_mrs(cc, ctx, info);
	IPC_R_INFO(cc) = info | (uint64_t)VD_IPC_TYPE_REPLY
					<< VD_IPC_INFO_TYPE_SHIFT;
	VD_CTX_RET(cc) = 0;
	ipc_waiter_done_in_regs(caller);
	caller->reply_slot = -1;
	ipc_reply_release(slot);
	/* We wait for the next request, without kernel frames; the caller
	 * runs now. */
	fast_wait_start(fw, IPC_WAIT_RECV, ep, -1, deadline);
	vd_list_add_tail(&ep->receivers, &fw->w.link);
	fast_hand_over(c, p, t, next, deadline);
not_fast:
	sched_fast_unlock_masked();
	return vd_syscall(ctx);
}
