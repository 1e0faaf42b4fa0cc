/*
 * IPC system calls: the handlers of numbers 10-13 and 40-49 of the
 * syscall list, include/veridian/syscalls.def (arguments, rights and
 * errors are there and in docs/syscall-abi.md; A0..A3 and MR0..7 are
 * the IPC register block, ipc_regs.h).
 *
 * Endpoints and channels are reached through capabilities of type
 * VD_OBJ_IPC_ENDPOINT whose object id is the endpoint or channel id (the
 * id's kind bits tell which).  Regions are named by id; the IPC module's
 * holder list decides who may use one (see ipc_region.c).
 *
 * Blocking calls run the state machine with the waiter's user_ctx set, so
 * a peer on the fast path (ipc_fastpath.c) can write the message straight
 * into this thread's saved registers.  SYS_IPC_CALL and SYS_IPC_REPLY
 * reach the handlers here only when the fast path, which vd_syscall
 * tries first, did not apply.
 */
#include <veridian/debug.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/trace.h>
#include <veridian/uaccess.h>

#include "ipc_internal.h"
#include "ipc_regs.h"

vd_err_t ipc_current_actor(struct vd_cpu_context *ctx, struct vd_ipc_actor *a)
{
	/* ctx sits at the top of the caller's kernel stack */
	struct vd_process *p = vd_thread_of_stack(ctx)->proc;

	if (VD_UNLIKELY(p == NULL || p->caps == NULL))
		return VD_ERR_INVALID_PARAMETER;
	a->pid = p->pid;
	a->caps = p->caps;
	a->pt = &p->pt;
	a->proc = p;
	return VD_OK;
}

/* The id behind an endpoint or channel capability with `rights`. */
vd_err_t ipc_cap_object(const struct vd_ipc_actor *a, vd_cap_token_t token,
			unsigned kind, uint32_t rights, uint64_t *id)
{
	struct vd_capability c;
	vd_err_t err = vd_cap_validate_type(a->caps, token, VD_OBJ_IPC_ENDPOINT,
					    rights, &c);

	if (VD_UNLIKELY(err != VD_OK)) {
		/* a capability revoked because its endpoint or channel was
		 * destroyed (a peer exited, a close): say so */
		if (err == VD_ERR_INVALID_CAPABILITY &&
		    vd_cap_destroyed(a->caps, token))
			return VD_ERR_IPC_CLOSED;
		return err;
	}
	if (VD_UNLIKELY(IPC_ID_KIND(c.object_id) != kind))
		return VD_ERR_INVALID_CAPABILITY;
	*id = c.object_id;
	return VD_OK;
}

/* The message described by the info word and message registers. */
vd_err_t ipc_msg_from_regs(struct vd_cpu_context *ctx, uint64_t info,
			   struct vd_ipc_message *m)
{
	m->reserved0 = 0;
	m->reserved1 = 0;
	if (info & VD_IPC_INFO_LARGE) {
		m->kind = VD_IPC_MSG_LARGE;
		m->len = 0;
		ipc_regs_get(m->words, ctx, 3);
		return VD_OK;
	}
	m->kind = VD_IPC_MSG_SMALL;
	if (IPC_INFO_LEN(info) > VD_IPC_SMALL_MAX)
		return VD_ERR_IPC_MSG_TOO_LARGE;
	m->len = (uint8_t)IPC_INFO_LEN(info);
	ipc_regs_get(m->words, ctx, ipc_words(m->len));
	/* Bytes past len in the last word are the sender's register
	 * contents: keep them from reaching the receiver. */
	if (m->len % 8)
		m->words[m->len / 8] &= ~0ull >> (64 - 8 * (m->len % 8));
	return VD_OK;
}

uint64_t ipc_info_word(const struct vd_ipc_message *m, uint32_t type,
		       uint32_t flags, uint64_t seq)
{
	uint64_t info = m->kind == VD_IPC_MSG_LARGE ? VD_IPC_INFO_LARGE
						    : (uint64_t)m->len;

	return info | (uint64_t)type << VD_IPC_INFO_TYPE_SHIFT |
	       (uint64_t)(flags & 0xff) << VD_IPC_INFO_FLAGS_SHIFT |
	       (seq & 0xffffffffull) << VD_IPC_INFO_SEQ_SHIFT;
}

static void put_payload(struct vd_cpu_context *ctx,
			const struct vd_ipc_message *m)
{
	if (m->kind == VD_IPC_MSG_LARGE)
		ipc_regs_put(ctx, m->words, 3);
	else
		ipc_regs_put(ctx, m->words, ipc_words(m->len));
}

/* A received message into the receiver's registers (slow path). */
void ipc_put_received(struct vd_cpu_context *ctx, const struct ipc_qmsg *q)
{
	IPC_R_INFO(ctx) = ipc_info_word(&q->msg, q->hdr.type, q->hdr.flags,
					q->hdr.sequence);
	IPC_R_CAP(ctx) = (q->hdr.flags & VD_IPC_HDR_HAS_CAP)
				 ? q->hdr.capability.token
				 : 0;
	IPC_R_SENDER(ctx) = q->hdr.sender;
	IPC_R_RTOKEN(ctx) = q->hdr.reply_token;
	put_payload(ctx, &q->msg);
}

void ipc_put_reply(struct vd_cpu_context *ctx,
		   const struct vd_ipc_message *reply)
{
	IPC_R_INFO(ctx) = ipc_info_word(reply, VD_IPC_TYPE_REPLY, 0, 0);
	put_payload(ctx, reply);
}

/* ------------------------------------------------------------------ */
/* Message passing                                                     */
/* ------------------------------------------------------------------ */

/* The arguments of a send or a call: the caller, the channel behind the
 * capability in a[0] (which must allow writing), the message a[1]
 * describes. */
static vd_err_t channel_message_args(const uint64_t a[6],
				     struct vd_cpu_context *ctx,
				     struct vd_ipc_actor *self, uint64_t *ch,
				     struct vd_ipc_message *m)
{
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, self)) != VD_OK ||
	    (err = ipc_cap_object(self, a[0], IPC_KIND_CHANNEL, VD_RIGHT_WRITE,
				  ch)) != VD_OK)
		return err;
	return ipc_msg_from_regs(ctx, a[1], m);
}

vd_err_t sys_ipc_send(const uint64_t a[6], struct vd_cpu_context *ctx,
		      uint64_t *ret)
{
	struct vd_ipc_actor self;
	struct vd_ipc_message m;
	uint64_t ch;
	vd_err_t err;

	if ((err = channel_message_args(a, ctx, &self, &ch, &m)) != VD_OK)
		return err;
	*ret = 0;
	return ipc_gone_is_closed(
		vd_ipc_send_message(&self, ch, &m, a[2], a[3]));
}

/*
 * A receive into a header buffer.  Another thread may unmap the buffer
 * while this one waits, and a message taken off the queue cannot be put
 * back where it was (calls behind it, senders admitted, its reply token
 * out), so the header is written while the message is still queued
 * (ipc_receive_peek), without the lock (the copy may fault), and the
 * message is taken only after that (ipc_receive_take).  A failed copy
 * leaves it queued and the registers as they were; a message taken
 * meanwhile by another thread means looking again.  On failure the
 * buffer's contents are unspecified.
 */
static vd_err_t receive_with_header(struct ipc_waiter *w, vd_endpoint_id_t ep,
				    uint64_t hdr_ptr, uint64_t timeout)
{
	ipc_lock_state_t st = ipc_lock();
	ipc_init_locked();
	uint64_t deadline = vd_deadline_after(ipc_now_ns(), timeout);
	vd_err_t err;

	for (;;) {
		err = ipc_receive_peek(w, ep, timeout == 0);
		if (err == IPC_PENDING) {
			/* woken (w->done) when a message is queued */
			err = ipc_wait_done(w, err, deadline, &st);
			if (err != VD_OK)
				break;
			continue;
		}
		if (err != VD_OK)
			break;
		struct vd_ipc_header hdr = w->q.hdr;
		ipc_unlock(st);
		err = vd_copy_to_user((void *)(uintptr_t)hdr_ptr, &hdr,
				      sizeof(hdr));
		st = ipc_lock();
		if (err != VD_OK)
			break; /* still queued, for the next receive */
		err = ipc_receive_take(w, ep);
		if (err != IPC_AGAIN)
			break;
	}
	ipc_unlock(st);
	return err;
}

vd_err_t sys_ipc_receive(const uint64_t a[6], struct vd_cpu_context *ctx,
			 uint64_t *ret)
{
	struct vd_ipc_actor self;
	struct ipc_waiter w;
	uint64_t ep, hdr_ptr = a[1], timeout = a[3];
	vd_err_t err;

	/* a[] may alias ctx, which a sender may fill while we wait: the
	 * arguments are read first. */
	if ((err = ipc_current_actor(ctx, &self)) != VD_OK ||
	    (err = ipc_cap_object(&self, a[0], IPC_KIND_ENDPOINT, VD_RIGHT_READ,
				  &ep)) != VD_OK)
		return err;
	/* a header buffer that cannot take the copy fails before any wait
	 * (one that stops taking it while we wait: receive_with_header) */
	if (hdr_ptr != 0 &&
	    vd_user_probe_out(hdr_ptr, sizeof(struct vd_ipc_header)) != VD_OK)
		return VD_ERR_MEM_BAD_ADDRESS;
	ipc_waiter_init(&w, &self);
	w.user_ctx = ctx;
	w.thread = vd_thread_of_stack(ctx);
	if (hdr_ptr != 0) {
		err = receive_with_header(&w, ep, hdr_ptr, timeout);
	} else {
		/* a small message may come straight into the registers */
		w.regs_ok = true;
		ipc_lock_state_t st = ipc_lock();
		ipc_init_locked();
		uint64_t deadline = vd_deadline_after(ipc_now_ns(), timeout);
		err = ipc_receive_begin(&w, ep, timeout == 0);
		err = ipc_wait_done(&w, err, deadline, &st);
		ipc_unlock(st);
	}
	if (err != VD_OK)
		return ipc_gone_is_closed(err);
	VD_TRACE_EVENT(VD_TRACE_IPC_RECEIVE, ep, w.q.hdr.sender);
	*ret = 0;
	if (!w.in_regs)
		ipc_put_received(ctx, &w.q);
	return VD_OK;
}

vd_err_t sys_ipc_call(const uint64_t a[6], struct vd_cpu_context *ctx,
		      uint64_t *ret)
{
	struct vd_ipc_actor self;
	struct vd_ipc_message m, reply;
	uint64_t ch;
	vd_err_t err;

	/* (vd_syscall already tried the fast path.) */
	if ((err = channel_message_args(a, ctx, &self, &ch, &m)) != VD_OK)
		return err;
	*ret = 0;
	return ipc_gone_is_closed(
		ipc_call_regs(&self, ch, &m, a[2], a[3], ctx, &reply));
}

vd_err_t sys_ipc_reply(const uint64_t a[6], struct vd_cpu_context *ctx,
		       uint64_t *ret)
{
	struct vd_ipc_actor self;
	struct vd_ipc_message m;
	uint64_t ep = 0;
	vd_err_t err;

	/* (vd_syscall already tried the fast path.) */
	if ((err = ipc_current_actor(ctx, &self)) != VD_OK ||
	    (err = ipc_msg_from_regs(ctx, a[1], &m)) != VD_OK)
		return err;
	*ret = 0;
	if (a[2] == 0)
		return ipc_reply_regs(&self, a[0], &m);
	/* Reply-and-receive: the endpoint is the receive's business, which
	 * comes after the reply -- a dead or wrong endpoint capability
	 * fails the receive, not the reply (docs/ipc.md). */
	vd_err_t ep_err = ipc_cap_object(&self, a[2], IPC_KIND_ENDPOINT,
					 VD_RIGHT_READ, &ep);
	return ipc_reply_recv_regs(&self, a[0], &m, ep_err == VD_OK ? ep : 0,
				   ep_err, a[3], ctx);
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */
/* ------------------------------------------------------------------ */

static vd_err_t put_token(uint64_t uptr, vd_cap_token_t token)
{
	return vd_copy_to_user((void *)(uintptr_t)uptr, &token, sizeof(token));
}

vd_err_t sys_endpoint_create(const uint64_t a[6], struct vd_cpu_context *ctx,
			     uint64_t *ret)
{
	struct vd_ipc_actor self;
	struct vd_capability cap;
	vd_endpoint_id_t id;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK)
		return err;
	if (a[0] == 0)
		return VD_ERR_MEM_BAD_ADDRESS;
	/* checked before the endpoint exists; undone below if the buffer
	 * went away after all (another thread may unmap it) */
	if ((err = vd_user_probe_out(a[0], sizeof(vd_cap_token_t))) != VD_OK)
		return err;
	if ((err = vd_ipc_create_endpoint(&self, &id, &cap)) != VD_OK)
		return err;
	if ((err = put_token(a[0], cap.token)) != VD_OK) {
		vd_ipc_destroy_endpoint(id); /* and its capability */
		return err;
	}
	*ret = id;
	return VD_OK;
}

/* Destroy the endpoint or channel (kind) a capability with DELETE names. */
static vd_err_t destroy_by_cap(struct vd_cpu_context *ctx, uint64_t token,
			       unsigned kind, vd_err_t (*destroy)(uint64_t id),
			       uint64_t *ret)
{
	struct vd_ipc_actor self;
	uint64_t id;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK ||
	    (err = ipc_cap_object(&self, token, kind, VD_RIGHT_DELETE, &id)) !=
		    VD_OK)
		return err;
	*ret = 0;
	return ipc_gone_is_closed(destroy(id));
}

vd_err_t sys_endpoint_destroy(const uint64_t a[6], struct vd_cpu_context *ctx,
			      uint64_t *ret)
{
	return destroy_by_cap(ctx, a[0], IPC_KIND_ENDPOINT,
			      vd_ipc_destroy_endpoint, ret);
}

vd_err_t sys_channel_create(const uint64_t a[6], struct vd_cpu_context *ctx,
			    uint64_t *ret)
{
	struct vd_ipc_actor self;
	struct vd_capability cap;
	uint64_t own, peer;
	vd_channel_id_t ch;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK ||
	    (err = ipc_cap_object(&self, a[0], IPC_KIND_ENDPOINT, VD_RIGHT_READ,
				  &own)) != VD_OK ||
	    (err = ipc_cap_object(&self, a[1], IPC_KIND_ENDPOINT,
				  VD_RIGHT_WRITE, &peer)) != VD_OK)
		return err;
	if (a[2] == 0)
		return VD_ERR_MEM_BAD_ADDRESS;
	if ((err = vd_user_probe_out(a[2], sizeof(vd_cap_token_t))) != VD_OK)
		return err; /* before the channel exists (see endpoint) */
	if ((err = ipc_create_own_channel(&self, own, peer, &ch, &cap)) !=
	    VD_OK)
		return ipc_gone_is_closed(err);
	if ((err = put_token(a[2], cap.token)) != VD_OK) {
		vd_ipc_close_channel(ch); /* and its capability */
		return err;
	}
	*ret = ch;
	return VD_OK;
}

vd_err_t sys_channel_close(const uint64_t a[6], struct vd_cpu_context *ctx,
			   uint64_t *ret)
{
	return destroy_by_cap(ctx, a[0], IPC_KIND_CHANNEL, vd_ipc_close_channel,
			      ret);
}

vd_err_t sys_region_create(const uint64_t a[6], struct vd_cpu_context *ctx,
			   uint64_t *ret)
{
	struct vd_ipc_actor self;
	vd_region_id_t r;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK)
		return err;
	if (a[1] > UINT32_MAX)
		return VD_ERR_INVALID_PARAMETER;
	/* the token out (optional) is probed first, so that a bad pointer
	 * fails before anything is made */
	if (a[2] && (err = vd_user_probe_out(a[2], sizeof(uint64_t))) != VD_OK)
		return err;
	err = vd_ipc_create_shared_region(&self, a[0], (uint32_t)a[1], &r);
	if (err != VD_OK)
		return err;
	if (a[2]) {
		vd_cap_token_t tok = VD_CAP_TOKEN_NULL;

		err = vd_ipc_region_cap(&self, r, &tok);
		if (err == VD_OK)
			err = vd_copy_to_user((void *)(uintptr_t)a[2], &tok,
					      sizeof(tok));
		if (err != VD_OK) {
			/* unmapped meanwhile: nobody got the region */
			vd_ipc_release_shared_region(&self, r);
			return err;
		}
	}
	*ret = r;
	return VD_OK;
}

vd_err_t sys_region_map(const uint64_t a[6], struct vd_cpu_context *ctx,
			uint64_t *ret)
{
	struct vd_ipc_actor self;
	vaddr_t va;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK)
		return err;
	err = vd_ipc_map_shared_region(&self, a[0], a[1], &va);
	if (err == VD_OK)
		*ret = va;
	return err;
}

vd_err_t sys_region_unmap(const uint64_t a[6], struct vd_cpu_context *ctx,
			  uint64_t *ret)
{
	struct vd_ipc_actor self;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK)
		return err;
	*ret = 0;
	return vd_ipc_unmap_shared_region(&self, a[0], a[1]);
}

vd_err_t sys_region_transfer(const uint64_t a[6], struct vd_cpu_context *ctx,
			     uint64_t *ret)
{
	struct vd_ipc_actor self;
	uint64_t ch;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK ||
	    (err = ipc_cap_object(&self, a[1], IPC_KIND_CHANNEL, VD_RIGHT_WRITE,
				  &ch)) != VD_OK)
		return err;
	if (a[2] > VD_IPC_TRANSFER_COW)
		return VD_ERR_INVALID_PARAMETER;
	*ret = 0;
	/* the peer found and the region handed over under one lock: a
	 * peer that exits meanwhile cannot be given a region */
	return ipc_transfer_on_channel(&self, ch, a[0],
				       (enum vd_ipc_transfer_mode)a[2]);
}

vd_err_t sys_region_release(const uint64_t a[6], struct vd_cpu_context *ctx,
			    uint64_t *ret)
{
	struct vd_ipc_actor self;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK)
		return err;
	*ret = 0;
	return vd_ipc_release_shared_region(&self, a[0]);
}

/*
 * The debug device: a Device capability to VD_DEVICE_DEBUG with READ.
 * No capability at all (token 0) is PermissionDenied, as is a capability
 * to another device or without READ; a token that does not validate is
 * InvalidCapability, as everywhere.
 */
static vd_err_t ipc_debug_allowed(struct vd_cpu_context *ctx,
				  vd_cap_token_t token)
{
	struct vd_ipc_actor self;
	struct vd_capability c;
	vd_err_t err;

	if ((err = ipc_current_actor(ctx, &self)) != VD_OK)
		return err;
	if (token == VD_CAP_TOKEN_NULL)
		return VD_ERR_PERMISSION_DENIED;
	err = vd_cap_validate_type(self.caps, token, VD_OBJ_DEVICE,
				   VD_RIGHT_READ, &c);
	if (err)
		return err;
	return c.object_id == VD_DEVICE_DEBUG ? VD_OK
					      : VD_ERR_PERMISSION_DENIED;
}

vd_err_t sys_ipc_debug(const uint64_t a[6], struct vd_cpu_context *ctx,
		       uint64_t *ret)
{
	struct vd_ipc_stats st;
	vd_err_t err;

	*ret = 0;
	if (a[0] > VD_IPC_DEBUG_DUMP)
		return VD_ERR_INVALID_PARAMETER;
	if ((err = ipc_debug_allowed(ctx, a[2])) != VD_OK)
		return err;
	switch (a[0]) {
	case VD_IPC_DEBUG_STATS:
		vd_ipc_get_stats(&st);
		return vd_copy_to_user((void *)(uintptr_t)a[1], &st,
				       sizeof(st));
	case VD_IPC_DEBUG_CYCLES:
		*ret = hal_cycles();
		return VD_OK;
	case VD_IPC_DEBUG_DUMP:
		vd_ipc_dump_state();
		return VD_OK;
	default:
		return VD_ERR_INVALID_PARAMETER;
	}
}

static void dump_ipc(uint64_t arg)
{
	(void)arg;
	vd_ipc_dump_state();
}

/* (The syscalls are in the one table, include/veridian/syscalls.def.) */
void vd_ipc_init(void)
{
	vd_debug_register_dump(VD_DUMP_IPC, dump_ipc);
}
