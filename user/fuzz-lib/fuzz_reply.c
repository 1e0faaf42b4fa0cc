/*
 * A reply must not be lost by a reply-and-receive whose endpoint is dead
 * (issue 11, item 4): only with FZ_KB_REPLY_RECV_DEAD clear.
 *
 * A worker thread starts a helper thread that calls on the worker's
 * private channel; the worker receives the call, then replies with
 * reply-and-receive on an endpoint it destroyed (or whose capability it
 * revoked).  Whatever that answers, the helper must get the reply:
 * either reply-and-receive delivered it, or it left the token valid and
 * a plain reply does.
 */
#include "fuzz.h"

#define MAGIC 0x7265706c79ull /* "reply" */

static uint8_t helper_stacks[FZ_THREADS_MAX][8192] __attribute__((aligned(16)));
static struct fz_helper {
	uint64_t ch;
	volatile long status;
	volatile uint64_t got;
} helpers[FZ_THREADS_MAX];

static void helper(uintptr_t i)
{
	struct vd_ipc_regs r = {0};

	r.mr[0] = MAGIC;
	helpers[i].status = vd_ipc_call(helpers[i].ch, &r, 8, 0, 2 * SEC);
	helpers[i].got = r.mr[0];
	vd_thread_exit(0);
}

void fz_op_reply_recv_dead(struct fz_thr *t)
{
	struct fz_helper *h = &helpers[t->idx];
	struct vd_ipc_regs r = {0};
	uint64_t *tok = (uint64_t *)(t->buf + 256);
	uint64_t thread, dead;
	long st, st2 = 0;

	if (!t->worker || !t->pch || t->idx >= FZ_THREADS_MAX)
		return;
	h->ch = t->pch;
	h->status = 1;
	h->got = 0;
	if (vd_is_err(fz_sys(VD_SYS_THREAD_CREATE, fz_self,
			     (uint64_t)(uintptr_t)helper,
			     (uint64_t)(uintptr_t)helper_stacks[t->idx],
			     sizeof(helper_stacks[0]), t->idx,
			     (uint64_t)(uintptr_t)tok)))
		return;
	thread = *tok;
	r.a0 = t->pep;
	r.a3 = SEC;
	st = fz_ipc(VD_SYS_IPC_RECEIVE, &r);
	if (st == 0 && vd_ipc_type(&r) == VD_IPC_TYPE_CALL &&
	    !vd_is_err(fz_sys(VD_SYS_IPC_ENDPOINT_CREATE,
			      (uint64_t)(uintptr_t)tok, 0, 0, 0, 0, 0))) {
		uint64_t rt = r.a0;

		dead = *tok;
		fz_sys(VD_SYS_IPC_ENDPOINT_DESTROY, dead, 0, 0, 0, 0, 0);
		if (fz_chance(t, 2))
			fz_sys(VD_SYS_CAPABILITY_REVOKE, dead, 0, 0, 0, 0, 0);
		r = (struct vd_ipc_regs){
			.a0 = rt, .a1 = 8, .a2 = dead, .mr = {MAGIC + 1}};
		st = fz_ipc(VD_SYS_IPC_REPLY, &r);
		if (st != 0) {
			/* the token, if still valid, answers now */
			r = (struct vd_ipc_regs){
				.a0 = rt, .a1 = 8, .mr = {MAGIC + 1}};
			st2 = fz_ipc(VD_SYS_IPC_REPLY, &r);
		}
		fz_sys(VD_SYS_CAPABILITY_REVOKE, dead, 0, 0, 0, 0, 0);
	}
	/* (another thread may have joined it through an alias) */
	if (fz_sys(VD_SYS_THREAD_JOIN, thread, 5 * SEC, 0, 0, 0, 0) ==
	    -(long)VD_ERR_TIMEOUT)
		fz_fail("the reply helper thread does not end");
	if (st != 0 && st2 != 0 && h->status == -(long)VD_ERR_TIMEOUT)
		fz_fail("reply-and-receive on a dead endpoint answered %ld, a "
			"reply then %ld, and the caller never got the reply",
			st, st2);
	if (h->status == 0 && h->got != MAGIC + 1)
		fz_fail("the caller got %llx as the reply",
			(unsigned long long)h->got);
}
