/*
 * Fuzz operations on IPC: endpoints, channels, messages (send, call,
 * receive, reply, reply-and-receive; small, oversized and large ones,
 * with capabilities attached), shared regions, and the debug call.
 *
 * Oracles beyond "a documented error": a reply token used twice, a
 * capability the kernel said it revoked, and (unless avoided) the known
 * bugs of issue 11 that show up as wrong answers.
 */
#include "fuzz.h"

#define AVOID(bit) (fz_cfg.avoid & (bit))

static void fill_msg(struct fz_thr *t, struct vd_ipc_regs *r)
{
	for (unsigned i = 0; i < VD_IPC_SMALL_WORDS; i++)
		r->mr[i] = fz_chance(t, 2) ? fz_rand(t) : i;
}

static uint64_t info_word(struct fz_thr *t)
{
	switch (fz_below(t, 8)) {
	case 0:
		return fz_rand(t); /* garbage, maybe LARGE */
	case 1:
		return 65 + fz_below(t, 190); /* too large */
	default:
		return fz_below(t, VD_IPC_SMALL_MAX + 1);
	}
}

/* Did a call change the registers of the block?  Not a0: on return it is
 * the register that carries a received call's reply token, which on
 * AArch64 and RISC-V is the number register (x8, a7), on x86_64 rdi. */
static bool regs_changed(const struct vd_ipc_regs *in,
			 const struct vd_ipc_regs *out)
{
	return vd_memcmp(&in->a1, &out->a1,
			 sizeof(*in) - offsetof(struct vd_ipc_regs, a1)) != 0;
}

/* A token to use as channel, endpoint, or anything. */
static uint64_t token_of(struct fz_thr *t, enum fz_kind k, struct fz_obj *o)
{
	if (!fz_chance(t, 8) && fz_pick(t, k, o, NULL))
		return o->tok;
	o->used = false;
	return fz_any_token(t);
}

/* After a call that used a token the kernel certainly revoked, the
 * answer must be InvalidCapability (a MAC'd token never comes back). */
static void stale_oracle(const struct fz_obj *o, long r, const char *what)
{
	if (o->used && o->certain_dead && !vd_is_err(r))
		fz_fail("%s with a revoked capability %llx succeeded", what,
			(unsigned long long)o->tok);
}

static void op_endpoint_create(struct fz_thr *t)
{
	struct fz_obj o = {.live = true};
	uint64_t out = fz_out_ptr(t, true);
	long r = fz_sys(VD_SYS_IPC_ENDPOINT_CREATE, out, 0, 0, 0, 0, 0);

	if (r == -(long)VD_ERR_RESOURCE_EXHAUSTED) {
		/* (a full capability space, or a full table) a process keeps
		 * at most FZ_SLOTS + 1 + 2 T + FZ_LOST_MAX + 1 endpoints, and
		 * a run has at most 3 P + 4 processes: if that is below the
		 * table's size, a full table means endpoints leak (issue 11,
		 * item 6) */
		uint64_t bound =
			(3ull * fz_cfg.procs + 4) *
			(FZ_SLOTS + 2 + 2 * fz_cfg.threads + FZ_LOST_MAX);
		struct vd_ipc_stats st;

		if (vd_ipc_stats(&st) == 0 &&
		    st.endpoints >= VD_IPC_MAX_ENDPOINTS &&
		    bound < VD_IPC_MAX_ENDPOINTS)
			fz_fail("endpoint_create: table exhausted (%llu "
				"endpoints, "
				"%llu channels)",
				(unsigned long long)st.endpoints,
				(unsigned long long)st.channels);
	}
	if (!vd_is_err(r) && fz_read_out(t, out, &o.tok))
		fz_put(t, FZ_EP, &o);
}

static void op_endpoint_destroy(struct fz_thr *t)
{
	struct fz_obj o;

	if (!AVOID(FZ_KB_ENDPOINT_TABLE) && fz_chance(t, 64)) {
		/* endpoints whose only capability is revoked, not destroyed:
		 * they must go (issue 11, item 6), or the table fills for
		 * every process ("table exhausted" in op_endpoint_create) */
		uint64_t *tok = (uint64_t *)(t->buf + 256);

		for (int i = 0; i < 64; i++)
			if (!vd_is_err(fz_sys(VD_SYS_IPC_ENDPOINT_CREATE,
					      (uint64_t)(uintptr_t)tok, 0, 0, 0,
					      0, 0)))
				fz_sys(VD_SYS_CAPABILITY_REVOKE, *tok, 0, 0, 0,
				       0, 0);
		return;
	}
	uint64_t tok = token_of(t, FZ_EP, &o);
	long r = fz_sys(VD_SYS_IPC_ENDPOINT_DESTROY, tok, 0, 0, 0, 0, 0);

	stale_oracle(&o, r, "endpoint_destroy");
	if (!vd_is_err(r) && o.used) {
		/* the object is gone; its capability is ours to drop */
		fz_kill(FZ_EP, tok, false);
		if (fz_chance(t, 2) &&
		    fz_sys(VD_SYS_CAPABILITY_REVOKE, tok, 0, 0, 0, 0, 0) == 0)
			fz_kill(FZ_EP, tok, true);
	}
}

static void op_channel_create(struct fz_thr *t)
{
	struct fz_obj own, peer, o = {.live = true};
	uint64_t a = token_of(t, FZ_EP, &own);
	uint64_t b = fz_chance(t, 2) ? token_of(t, FZ_PEER, &peer)
				     : token_of(t, FZ_EP, &peer);
	uint64_t out = fz_out_ptr(t, true);
	long r;

	if (fz_chance(t, 8))
		b = fz_parent_ep ? fz_parent_ep : fz_home_ep;
	r = fz_sys(VD_SYS_IPC_CHANNEL_CREATE, a, b, out, 0, 0, 0);
	stale_oracle(&own, r, "channel_create");
	if (!vd_is_err(r) && fz_read_out(t, out, &o.tok))
		fz_put(t, FZ_CH, &o);
}

static void op_channel_close(struct fz_thr *t)
{
	struct fz_obj o;
	uint64_t tok = token_of(t, FZ_CH, &o);
	long r = fz_sys(VD_SYS_IPC_CHANNEL_CLOSE, tok, 0, 0, 0, 0, 0);

	stale_oracle(&o, r, "channel_close");
	if (!vd_is_err(r) && o.used) {
		fz_kill(FZ_CH, tok, false);
		if (fz_chance(t, 2) &&
		    fz_sys(VD_SYS_CAPABILITY_REVOKE, tok, 0, 0, 0, 0, 0) == 0)
			fz_kill(FZ_CH, tok, true);
	}
}

/* A large message: MR0..2 = region, offset, length. */
static void large_msg(struct fz_thr *t, struct vd_ipc_regs *r)
{
	struct fz_obj o;

	r->a1 = VD_IPC_INFO_LARGE;
	r->mr[0] = fz_rand(t);
	if (fz_pick(t, FZ_REGION, &o, NULL) &&
	    (o.own || !AVOID(FZ_KB_PROVISIONAL_REGION)))
		r->mr[0] = o.tok;
	r->mr[1] = fz_chance(t, 2) ? 0 : fz_rand(t) % (8 * VD_PAGE_SIZE);
	r->mr[2] = fz_chance(t, 4) ? fz_rand(t) : fz_below(t, 8 * 4096);
}

static void op_send(struct fz_thr *t, bool call)
{
	struct vd_ipc_regs r = {0}, in;
	struct fz_obj ch, cap;
	long st;

	fill_msg(t, &r);
	r.a0 = token_of(t, FZ_CH, &ch);
	r.a1 = info_word(t);
	if (AVOID(FZ_KB_PROVISIONAL_REGION) && (r.a1 & VD_IPC_INFO_LARGE))
		r.mr[0] = fz_rand(t) | 1ull << 63; /* no region of ours */
	if (fz_chance(t, 5))
		large_msg(t, &r);
	r.a2 = fz_chance(t, 3) ? token_of(t, FZ_EP, &cap) : 0;
	if (fz_chance(t, 8))
		r.a2 = fz_any_token(t);
	r.a3 = fz_timeout(t);
	in = r;
	st = fz_ipc(call ? VD_SYS_IPC_CALL : VD_SYS_IPC_SEND, &r);
	stale_oracle(&ch, st, call ? "call" : "send");
	if (st != 0 && regs_changed(&in, &r))
		fz_fail("a failed %s (%ld) changed the caller's registers",
			call ? "call" : "send", st);
}

/* What a received message leaves us: a reply token, a capability, a
 * region id. */
static void keep_received(struct fz_thr *t, const struct vd_ipc_regs *r)
{
	struct fz_obj o = {.live = true};
	unsigned type = vd_ipc_type(r);

	if (type == VD_IPC_TYPE_CALL) {
		o.tok = r->a0;
		fz_put(t, FZ_RTOKEN, &o);
	}
	if (vd_ipc_has_cap(r)) {
		o.tok = r->a2;
		/* an endpoint capability (a child's hello, or a peer's):
		 * a channel can go there */
		fz_put(t, fz_chance(t, 2) ? FZ_PEER : FZ_CAP, &o);
	}
	if (r->a1 & VD_IPC_INFO_LARGE) {
		o.tok = r->mr[0];
		o.own = false;
		fz_put(t, FZ_REGION, &o);
	}
}

static void op_receive(struct fz_thr *t)
{
	struct vd_ipc_regs r = {0}, in;
	struct fz_obj ep;
	long st;

	r.a0 = fz_chance(t, 4) ? fz_home_ep : token_of(t, FZ_EP, &ep);
	if (r.a0 == fz_home_ep)
		ep.used = false;
	r.a1 = fz_chance(t, 2) ? 0
			       : fz_any_ptr(t, sizeof(struct vd_ipc_header),
					    !AVOID(FZ_KB_RECV_HEADER));
	r.a3 = fz_timeout(t);
	fill_msg(t, &r);
	in = r;
	st = fz_ipc(VD_SYS_IPC_RECEIVE, &r);
	stale_oracle(&ep, st, "receive");
	if (st == 0)
		keep_received(t, &r);
	/* a failed call leaves every register but the status as it was
	 * (docs/syscall-abi.md; issue 11, item 3) */
	else if (regs_changed(&in, &r))
		fz_fail("a failed receive (%ld) changed the caller's registers",
			st);
}

static void op_reply(struct fz_thr *t, bool recv)
{
	struct vd_ipc_regs r = {0};
	struct fz_obj rt, ep;
	long st;

	fill_msg(t, &r);
	if (fz_pick(t, FZ_RTOKEN, &rt, NULL) && !fz_chance(t, 8)) {
		r.a0 = rt.tok;
	} else {
		rt.used = false;
		r.a0 = fz_chance(t, 2) ? fz_rand(t) : fz_any_token(t);
	}
	r.a1 = fz_chance(t, 4) ? info_word(t) : fz_below(t, 65);
	if (recv) {
		if (AVOID(FZ_KB_REPLY_RECV_DEAD) || fz_chance(t, 3)) {
			r.a2 = fz_home_ep;
		} else {
			r.a2 = token_of(t, FZ_EP, &ep);
		}
		r.a3 = fz_timeout(t);
	}
	st = fz_ipc(VD_SYS_IPC_REPLY, &r);
	if (!rt.used)
		return;
	/* a token the reply consumed (or one already consumed) */
	if (!rt.live && st == 0)
		fz_fail("reply token %llx accepted twice",
			(unsigned long long)rt.tok);
	/* consumed: by a reply, or by the reply half of a reply-and-receive
	 * whose receive then timed out */
	if (st == 0 || (recv && st == -(long)VD_ERR_TIMEOUT))
		fz_kill(FZ_RTOKEN, rt.tok, true);
	if (recv && st == 0)
		keep_received(t, &r);
}

/* ---- shared regions ---- */

static void op_region_create(struct fz_thr *t)
{
	struct fz_obj o = {.live = true, .own = true};
	uint64_t size = fz_chance(t, 4) ? fz_any_len(t)
					: VD_PAGE_SIZE * (1 + fz_below(t, 8));
	uint64_t perms = fz_chance(t, 4) ? fz_rand(t) & 0xffffffffffull
					 : VD_RIGHT_READ | VD_RIGHT_WRITE;
	long r = fz_sys(VD_SYS_IPC_REGION_CREATE, size, perms, 0, 0, 0, 0);

	if (vd_is_err(r))
		return;
	o.tok = (uint64_t)r;
	o.len = size;
	fz_put(t, FZ_REGION, &o);
}

static uint64_t region_id(struct fz_thr *t, struct fz_obj *o)
{
	if (!fz_chance(t, 8) && fz_pick(t, FZ_REGION, o, NULL))
		return o->tok;
	o->used = false;
	return fz_chance(t, 2) ? fz_rand(t) : fz_below(t, 4096);
}

static void op_region_map(struct fz_thr *t)
{
	struct fz_obj reg, m = {.live = true};
	uint64_t id = region_id(t, &reg);
	uint64_t addr = 0;
	long r;

	if (AVOID(FZ_KB_PROVISIONAL_REGION) && reg.used && !reg.own)
		return; /* learned from a message that may be undelivered */
	if (fz_chance(t, 3))
		addr = fz_chance(t, 2) ? fz_map_garbage(t)
				       : 0x100000000ull +
						 VD_PAGE_SIZE * fz_below(t, 64);
	r = fz_sys(VD_SYS_IPC_REGION_MAP, id, addr, 0, 0, 0, 0);
	if (vd_is_err(r))
		return;
	m.tok = (uint64_t)r;
	m.addr = (uint64_t)r;
	m.aux = id;
	fz_put(t, FZ_RMAP, &m);
}

static void op_region_unmap(struct fz_thr *t)
{
	struct fz_obj m;
	uint64_t id, addr;

	if (fz_pick(t, FZ_RMAP, &m, NULL) && !fz_chance(t, 6)) {
		id = m.aux;
		addr = m.addr;
		if (fz_chance(t, 8))
			addr += VD_PAGE_SIZE * (1 + fz_below(t, 2));
	} else {
		struct fz_obj reg;

		m.used = false;
		id = region_id(t, &reg);
		addr = fz_garbage_ptr(t);
	}
	if (fz_sys(VD_SYS_IPC_REGION_UNMAP, id, addr, 0, 0, 0, 0) == 0 &&
	    m.used)
		fz_kill(FZ_RMAP, m.tok, true);
}

static void op_region_transfer(struct fz_thr *t)
{
	struct fz_obj reg, ch;
	uint64_t id = region_id(t, &reg);
	uint64_t tok = token_of(t, FZ_CH, &ch);
	uint64_t mode = fz_chance(t, 8) ? fz_rand(t) : fz_below(t, 3);
	long r;

	if (AVOID(FZ_KB_PROVISIONAL_REGION) && reg.used && !reg.own)
		return;
	r = fz_sys(VD_SYS_IPC_REGION_TRANSFER, id, tok, mode, 0, 0, 0);
	stale_oracle(&ch, r, "region_transfer");
	if (r == 0 && mode == VD_IPC_TRANSFER_MOVE && reg.used)
		fz_kill(FZ_REGION, id, false);
}

static void op_region_release(struct fz_thr *t)
{
	struct fz_obj reg;
	uint64_t id = region_id(t, &reg);

	if (fz_sys(VD_SYS_IPC_REGION_RELEASE, id, 0, 0, 0, 0, 0) == 0 &&
	    reg.used)
		fz_kill(FZ_REGION, id, false);
}

static void op_ipc_debug(struct fz_thr *t)
{
	uint64_t op = fz_chance(t, 4) ? fz_rand(t) : fz_below(t, 2) * 1;

	/* op 2 (dump) prints the whole IPC state: too loud for a loop */
	if (op == VD_IPC_DEBUG_DUMP)
		op = 3;
	/* with the debug capability, none, or any token */
	uint64_t dbg = fz_chance(t, 4)	? fz_rand(t)
		       : fz_below(t, 2) ? vd_debug_cap()
					: 0;
	fz_sys(VD_SYS_IPC_DEBUG, op,
	       fz_any_ptr(t, sizeof(struct vd_ipc_stats), true), dbg, 0, 0, 0);
}

/*
 * Messages that nobody else touches: this thread's own endpoint and a
 * channel to it, kept out of the pool.  What is sent must be what is
 * received, in order; a receive that fails (its header buffer unmapped
 * by another thread meanwhile) must leave the message queued (issue 11,
 * item 3); a receive once the last channel is closed must say Closed
 * rather than wait out its timeout (item 9).
 */
static void private_drop(const uint64_t e[2])
{
	for (int i = 0; i < 2; i++)
		if (e[i]) {
			fz_sys(VD_SYS_IPC_ENDPOINT_DESTROY, e[i], 0, 0, 0, 0,
			       0);
			fz_sys(VD_SYS_CAPABILITY_REVOKE, e[i], 0, 0, 0, 0, 0);
		}
}

static void op_private(struct fz_thr *t)
{
	struct vd_ipc_regs r = {0};
	uint64_t *tok = (uint64_t *)(t->buf + 256);
	long st;

	if (!t->worker)
		return; /* short threads: the pool is theirs */
	if (!t->pep) {
		uint64_t e[2] = {0, 0};

		for (int i = 0; i < 2; i++)
			if (!vd_is_err(fz_sys(VD_SYS_IPC_ENDPOINT_CREATE,
					      (uint64_t)(uintptr_t)tok, 0, 0, 0,
					      0, 0)))
				e[i] = *tok;
		if (e[0] && e[1] &&
		    !vd_is_err(fz_sys(VD_SYS_IPC_CHANNEL_CREATE, e[1], e[0],
				      (uint64_t)(uintptr_t)tok, 0, 0, 0))) {
			t->pep = e[0];
			t->pep2 = e[1];
			t->pch = *tok;
		} else {
			private_drop(e);
			return;
		}
	}
	if (fz_chance(t, 16)) { /* close the channel, then receive */
		fz_sys(VD_SYS_IPC_CHANNEL_CLOSE, t->pch, 0, 0, 0, 0, 0);
		fz_sys(VD_SYS_CAPABILITY_REVOKE, t->pch, 0, 0, 0, 0, 0);
		r.a0 = t->pep;
		r.a3 = 1 * MS;
		st = fz_ipc(VD_SYS_IPC_RECEIVE, &r);
		if (st == 0)
			fz_fail("a message came through a closed channel");
		if (st != -(long)VD_ERR_IPC_CLOSED &&
		    !(st == -(long)VD_ERR_TIMEOUT &&
		      AVOID(FZ_KB_RECV_AFTER_CLOSE)))
			fz_fail("receive with no channel left: %ld, not Closed",
				st);
		private_drop((uint64_t[2]){t->pep, t->pep2});
		t->pep = 0;
		return;
	}
	fill_msg(t, &r);
	r.mr[0] = ++t->pseq;
	r.a0 = t->pch;
	r.a1 = 8 * (1 + fz_below(t, 8));
	st = fz_ipc(VD_SYS_IPC_SEND, &r);
	if (st != 0) {
		t->pseq--;
		fz_expect(st,
			  FZ_E(VD_ERR_RESOURCE_EXHAUSTED) |
				  FZ_E(VD_ERR_OUT_OF_MEMORY),
			  "private send");
		return;
	}
	/* receive it: with a header buffer that may go away meanwhile */
	for (int tries = 0;; tries++) {
		struct vd_ipc_regs q = {0};

		q.a0 = t->pep;
		q.a1 = fz_chance(t, 2)
			       ? 0
			       : fz_any_ptr(t, sizeof(struct vd_ipc_header),
					    !AVOID(FZ_KB_RECV_HEADER));
		st = fz_ipc(VD_SYS_IPC_RECEIVE, &q);
		if (st == 0) {
			if (q.mr[0] != t->pseq)
				fz_fail("private message %llu received as %llu",
					(unsigned long long)t->pseq,
					(unsigned long long)q.mr[0]);
			return;
		}
		if (st == -(long)VD_ERR_TIMEOUT)
			fz_fail("private message %llu lost after a failed "
				"receive",
				(unsigned long long)t->pseq);
		fz_expect(st,
			  FZ_E(VD_ERR_MEM_FAULT) | FZ_E(VD_ERR_MEM_BAD_ADDRESS),
			  "private receive");
		if (tries > 8)
			fz_fail("private receive keeps failing");
	}
}

void fz_op_ipc(struct fz_thr *t)
{
	if (fz_chance(t, 16)) {
		op_private(t);
		return;
	}
	if (!AVOID(FZ_KB_REPLY_RECV_DEAD) && fz_chance(t, 256)) {
		fz_op_reply_recv_dead(t);
		return;
	}
	switch (fz_below(t, 20)) {
	case 0:
	case 1:
		op_endpoint_create(t);
		break;
	case 2:
		op_endpoint_destroy(t);
		break;
	case 3:
	case 4:
		op_channel_create(t);
		break;
	case 5:
		op_channel_close(t);
		break;
	case 6:
	case 7:
		op_send(t, false);
		break;
	case 8:
		op_send(t, true);
		break;
	case 9:
	case 10:
	case 11:
		op_receive(t);
		break;
	case 12:
		op_reply(t, false);
		break;
	case 13:
		op_reply(t, true);
		break;
	case 14:
		op_region_create(t);
		break;
	case 15:
		op_region_map(t);
		break;
	case 16:
		op_region_unmap(t);
		break;
	case 17:
		op_region_transfer(t);
		break;
	case 18:
		op_region_release(t);
		break;
	default:
		op_ipc_debug(t);
		break;
	}
}
