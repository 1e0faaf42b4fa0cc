/*
 * libFuzzer harness: the IPC message queues and reply tokens (core/ipc),
 * against a model, on the fake machine of the host build.
 *
 * Three fake processes (an actor each: pid, capability space, page
 * table) create endpoints and channels, send (with a capability, a
 * forged one, or a bad message), call, receive (at once, or parked until
 * a message comes), reply with real,
 * replayed, bit-flipped, stolen and made-up tokens, give up on calls
 * (timeout), close channels, destroy endpoints and die -- in the order
 * the input says.  Nothing sleeps: the host is single-threaded, so a
 * pending call or receive is a parked struct ipc_waiter the harness
 * keeps (as the cmocka suites do), and a sleep is a timeout.
 *
 * The model: per endpoint one FIFO of messages (the first
 * VD_IPC_QUEUE_DEPTH in the ring, the rest blocked senders admitted in
 * order) and one of parked receivers (a message goes to the first of
 * them; they wake with Closed when the endpoint loses its last channel),
 * per call its state (queued, delivered with a token to one replier,
 * finished).  After every step each result code, each received
 * message (tag, sender, type, capability), each call's completion and
 * the statistics (endpoints, channels, queued messages, reply slots)
 * must agree with it.  At the end every call is given up and every
 * process dies: no endpoint, channel, reply slot, queued message,
 * capability or heap byte may remain.
 */
#include "ipc_model.h"

/* ---- operations ---- */

static void op_endpoint_create(struct fuzz_in *in)
{
	int p = (int)fuzz_below(in, NPROC);
	struct vd_capability cap;
	vd_endpoint_id_t id;
	vd_err_t err;

	if (neps == MAX_EP)
		return;
	err = vd_ipc_create_endpoint(&procs[p].a, &id, &cap);
	if (err == VD_ERR_RESOURCE_EXHAUSTED) /* the small cap space */
		return;
	FUZZ_CHECK(err == VD_OK, "step %u: create_endpoint: %d", step, err);
	eps[neps] = (struct m_ep){.id = id, .owner = p, .alive = true,
				  .cap = cap.token};
	neps++;
}

static int pick_ep(struct fuzz_in *in)
{
	return neps ? (int)fuzz_below(in, (unsigned)neps) : -1;
}

static void op_channel_create(struct fuzz_in *in)
{
	int a = pick_ep(in), b = pick_ep(in);
	vd_channel_id_t id;
	vd_err_t err, want;

	if (a < 0 || nchs == MAX_CH)
		return;
	if (a == b)
		want = VD_ERR_INVALID_PARAMETER;
	else if (!eps[a].alive || !eps[b].alive)
		want = VD_ERR_NOT_FOUND;
	else
		want = VD_OK;
	err = vd_ipc_create_channel(eps[a].id, eps[b].id, &id);
	/* a dead endpoint twice: either error says it */
	if (a == b && !eps[a].alive && err == VD_ERR_NOT_FOUND)
		want = err;
	FUZZ_CHECK(err == want, "step %u: create_channel(%d, %d) = %d, model "
		   "says %d", step, a, b, err, want);
	if (err == VD_OK)
		chs[nchs++] = (struct m_ch){id, {a, b}, true};
}

/* Who sends on channel c, where to, and what the model expects. */
static vd_err_t route(int p, int c, int *dst)
{
	if (c < 0 || !chs[c].alive)
		return VD_ERR_NOT_FOUND;
	if (eps[chs[c].ep[0]].owner == p)
		*dst = chs[c].ep[1];
	else if (eps[chs[c].ep[1]].owner == p)
		*dst = chs[c].ep[0];
	else
		return VD_ERR_PERMISSION_DENIED;
	return VD_OK;
}

/* A capability to attach: none, one of the sender's endpoint caps
 * (valid if that endpoint's cap is still in its space), or forged. */
static vd_cap_token_t pick_cap(struct fuzz_in *in, int p, bool *valid)
{
	uint8_t b = fuzz_u8(in);

	*valid = false;
	if (b < 0x80)
		return VD_CAP_TOKEN_NULL;
	for (int e = 0; e < neps; e++)
		if (eps[e].owner == p && b < 0xf0 &&
		    vd_cap_validate(procs[p].a.caps, eps[e].cap, 0, NULL) ==
			    VD_OK) {
			*valid = true;
			return eps[e].cap;
		}
	return fuzz_u64(in) | 1;
}

static int pick_ch(struct fuzz_in *in)
{
	return nchs ? (int)fuzz_below(in, (unsigned)nchs) : -1;
}

static void op_send(struct fuzz_in *in, bool call)
{
	int p = (int)fuzz_below(in, NPROC), c = pick_ch(in), dst = -1;
	uint8_t how = fuzz_u8(in);
	bool nonblocking = how & 1, bad_msg = (how & 0x70) == 0x70;
	bool cap_ok;
	vd_cap_token_t cap = pick_cap(in, p, &cap_ok);
	struct vd_ipc_message m;
	int k = -1;
	vd_err_t err, want;

	if (c < 0)
		return;
	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_SMALL;
	m.len = 8;
	m.words[0] = ++next_tag;
	if (bad_msg) {
		m.len = (uint8_t)(VD_IPC_SMALL_MAX + 1 + (how >> 7));
		if (how & 2)
			m.kind = 7;
	}
	want = route(p, c, &dst);
	if (want == VD_OK && bad_msg)
		want = m.kind == 7 ? VD_ERR_INVALID_PARAMETER
				   : VD_ERR_IPC_MSG_TOO_LARGE;
	if (want == VD_OK && cap != VD_CAP_TOKEN_NULL && !cap_ok)
		want = VD_ERR_INVALID_CAPABILITY;
	/* the receiver's copy needs a slot in its (small) space */
	if (want == VD_OK && cap_ok) {
		struct vd_cap_space *rs = procs[eps[dst].owner].a.caps;
		if (vd_cap_space_used(rs) == vd_cap_space_capacity(rs))
			want = VD_ERR_RESOURCE_EXHAUSTED;
	}
	if (want == VD_OK && nonblocking && eps[dst].n >= VD_IPC_QUEUE_DEPTH)
		want = VD_ERR_IPC_QUEUE_FULL;

	if (call && (how & 0x0c) == 0x04 && (dst < 0 || first_recv(dst) < 0)) {
		/* the blocking API: nobody answers, so the call times out
		 * and its request is withdrawn (a queue it waited to enter
		 * included): nothing changes */
		struct vd_ipc_message reply;
		if (want == VD_OK || want == VD_ERR_IPC_QUEUE_FULL)
			want = VD_ERR_TIMEOUT;
		err = vd_ipc_call(&procs[p].a, chs[c].id, &m, cap,
				  (how & 0x80) ? 1000 : 0, &reply);
		FUZZ_CHECK(err == want, "step %u: blocking call by %d on %d: "
			   "%d, model says %d", step, p, c, err, want);
		return;
	}
	if (call) {
		for (int i = 0; i < MAX_CALLS && k < 0; i++)
			if (calls[i].state == CALL_FREE)
				k = i;
		if (k < 0)
			return;
		ipc_lock_state_t st = ipc_lock();
		ipc_waiter_init(&calls[k].w, &procs[p].a);
		err = ipc_call_begin(&calls[k].w, chs[c].id, &m, cap,
				     &calls[k].reply, nonblocking);
		ipc_unlock(st);
		if (err == IPC_PENDING)
			err = VD_OK;
	} else {
		/* blocking sends to a full queue time out at once here */
		if (want == VD_OK && eps[dst].n >= VD_IPC_QUEUE_DEPTH)
			want = VD_ERR_TIMEOUT;
		err = vd_ipc_send_message(&procs[p].a, chs[c].id, &m, cap,
					  nonblocking ? 0 : 1000);
	}
	FUZZ_CHECK(err == want, "step %u: %s by proc %d on channel %d: %d, "
		   "model says %d", step, call ? "call" : "send", p, c, err,
		   want);
	if (err != VD_OK)
		return;
	struct m_msg mm = {m.words[0], p, c, k, cap != VD_CAP_TOKEN_NULL};
	if (call) {
		calls[k].state = CALL_QUEUED;
		calls[k].proc = p;
		calls[k].ch = c;
		calls[k].tag = m.words[0];
	}
	int r = first_recv(dst);
	if (r >= 0) { /* straight to the receiver parked first */
		FUZZ_CHECK(eps[dst].n == 0, "model: receivers and messages");
		FUZZ_CHECK(recvs[r].w.done && recvs[r].w.result == VD_OK,
			   "step %u: receiver %d not given tag %llu", step, r,
			   (unsigned long long)mm.tag);
		recvs[r].active = false;
		check_received(recvs[r].proc, &mm, &recvs[r].w.q.msg,
			       &recvs[r].w.q.hdr);
		return;
	}
	FUZZ_CHECK(eps[dst].n < MAX_FIFO, "model FIFO");
	eps[dst].q[eps[dst].n++] = mm;
}

static void op_receive(struct fuzz_in *in, bool park)
{
	int e = pick_ep(in), p;
	struct vd_ipc_message m;
	struct vd_ipc_header h;
	vd_err_t err, want;

	if (e < 0)
		return;
	p = fuzz_u8(in) < 0xe0 ? eps[e].owner : (int)fuzz_below(in, NPROC);
	if (!eps[e].alive)
		want = VD_ERR_NOT_FOUND;
	else if (eps[e].owner != p)
		want = VD_ERR_PERMISSION_DENIED;
	else if (eps[e].n == 0)
		want = VD_ERR_TIMEOUT;
	else
		want = VD_OK;
	int r = -1;
	if (park) {
		for (int i = 0; i < MAX_RECVS && r < 0; i++)
			if (!recvs[i].active)
				r = i;
		if (r < 0)
			return;
		ipc_lock_state_t st = ipc_lock();
		ipc_waiter_init(&recvs[r].w, &procs[p].a);
		err = ipc_receive_begin(&recvs[r].w, eps[e].id, false);
		ipc_unlock(st);
		if (err == IPC_PENDING) {
			FUZZ_CHECK(want == VD_ERR_TIMEOUT,
				   "step %u: receive on %d parked, model says "
				   "%d", step, e, want);
			recvs[r].active = true;
			recvs[r].ep = e;
			recvs[r].proc = p;
			recvs[r].order = ++recv_order;
			return;
		}
		m = recvs[r].w.q.msg;
		h = recvs[r].w.q.hdr;
	} else {
		err = vd_ipc_receive_message(&procs[p].a, eps[e].id, 0, &m,
					     &h);
	}
	/* issue 11 #9: with no channel left, an empty endpoint may also
	 * say Closed */
	if (want == VD_ERR_TIMEOUT && err == VD_ERR_IPC_CLOSED &&
	    ch_live_channels(e) == 0)
		want = err;
	FUZZ_CHECK(err == want, "step %u: receive on %d by %d: %d, model says "
		   "%d", step, e, p, err, want);
	if (err != VD_OK)
		return;
	struct m_msg mm = eps[e].q[0];
	memmove(&eps[e].q[0], &eps[e].q[1], sizeof(mm) * (size_t)--eps[e].n);
	check_received(p, &mm, &m, &h);
}

static void op_reply(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);
	int k = (int)fuzz_below(in, MAX_CALLS), p;
	vd_reply_token_t tok;
	struct vd_ipc_message m;
	bool bad = (how & 0x0c) == 0x0c;
	vd_err_t err, want;

	switch (how & 3) {
	case 0: /* a live token, if any, or the last token of that slot */
		tok = calls[k].token;
		break;
	case 1: /* replayed */
		tok = nold ? old_tokens[fuzz_below(in, nold)] : 0;
		break;
	case 2: /* forged from a real one */
		tok = calls[k].token ^ (1ull << (fuzz_u8(in) % 64));
		break;
	default:
		tok = fuzz_u64(in);
		break;
	}
	p = fuzz_u8(in) < 0xd0 && calls[k].state == CALL_DELIVERED
		    ? calls[k].replier
		    : (int)fuzz_below(in, NPROC);
	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_SMALL;
	m.len = bad ? 100 : 8;
	m.words[0] = ++next_tag;

	int live = -1;
	for (int i = 0; i < MAX_CALLS; i++)
		if (calls[i].state == CALL_DELIVERED && calls[i].token == tok &&
		    calls[i].replier_pid == procs[p].a.pid)
			live = i;
	want = live < 0 ? VD_ERR_IPC_BAD_REPLY_TOKEN
	       : bad	? VD_ERR_IPC_MSG_TOO_LARGE
			: VD_OK;
	err = vd_ipc_reply(&procs[p].a, tok, &m);
	FUZZ_CHECK(err == want, "step %u: reply %#llx by %d: %d, model says "
		   "%d", step, (unsigned long long)tok, p, err, want);
	if (err == VD_OK) {
		call_ends(live, VD_OK);
		FUZZ_CHECK(calls[live].reply.words[0] == m.words[0],
			   "step %u: the caller got another reply", step);
	}
}

static void recv_give_up(int r)
{
	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_cancel(&recvs[r].w, VD_ERR_TIMEOUT);
	ipc_unlock(st);
	FUZZ_CHECK(recvs[r].w.done && recvs[r].w.result == VD_ERR_TIMEOUT,
		   "step %u: receiver %d gave up: %d", step, r,
		   recvs[r].w.result);
	recvs[r].active = false;
}

static void op_give_up(struct fuzz_in *in)
{
	int k = (int)fuzz_below(in, MAX_CALLS + MAX_RECVS);

	if (k >= MAX_CALLS) {
		if (recvs[k - MAX_CALLS].active)
			recv_give_up(k - MAX_CALLS);
		return;
	}

	if (calls[k].state == CALL_FREE)
		return;
	ipc_lock_state_t st = ipc_lock();
	ipc_waiter_cancel(&calls[k].w, VD_ERR_TIMEOUT);
	ipc_unlock(st);
	if (calls[k].state == CALL_QUEUED)
		for (int e = 0; e < neps; e++)
			for (int i = 0; i < eps[e].n; i++)
				if (eps[e].q[i].call == k) {
					memmove(&eps[e].q[i], &eps[e].q[i + 1],
						sizeof(eps[e].q[0]) *
							(size_t)(eps[e].n - i -
								 1));
					eps[e].n--;
				}
	call_ends(k, VD_ERR_TIMEOUT);
}

static void op_close(struct fuzz_in *in)
{
	int c = pick_ch(in);
	vd_err_t err;

	if (c < 0)
		return;
	err = vd_ipc_close_channel(chs[c].id);
	FUZZ_CHECK(err == (chs[c].alive ? VD_OK : VD_ERR_NOT_FOUND),
		   "step %u: close %d: %d", step, c, err);
	if (err == VD_OK)
		model_close(c);
}

static void op_destroy_ep(struct fuzz_in *in)
{
	int e = pick_ep(in);
	vd_err_t err;

	if (e < 0)
		return;
	err = vd_ipc_destroy_endpoint(eps[e].id);
	FUZZ_CHECK(err == (eps[e].alive ? VD_OK : VD_ERR_NOT_FOUND),
		   "step %u: destroy endpoint %d: %d", step, e, err);
	if (err == VD_OK)
		model_destroy_ep(e);
}

/* Process p dies: its threads leave the kernel first (their calls end),
 * then IPC, capabilities and page table go; a fresh process takes its
 * place. */
static void proc_dies(int p)
{
	for (int r = 0; r < MAX_RECVS; r++)
		if (recvs[r].active && recvs[r].proc == p)
			recv_give_up(r);
	for (int k = 0; k < MAX_CALLS; k++)
		if (calls[k].state != CALL_FREE && calls[k].proc == p) {
			ipc_lock_state_t st = ipc_lock();
			ipc_waiter_cancel(&calls[k].w, VD_ERR_TIMEOUT);
			ipc_unlock(st);
			for (int e = 0; e < neps; e++)
				for (int i = 0; i < eps[e].n; i++)
					if (eps[e].q[i].call == k) {
						memmove(&eps[e].q[i],
							&eps[e].q[i + 1],
							sizeof(eps[e].q[0]) *
								(size_t)(eps[e].n -
									 i - 1));
						eps[e].n--;
					}
			call_ends(k, VD_ERR_TIMEOUT);
		}
	proc_destroy(p);
	for (int e = 0; e < neps; e++)
		if (eps[e].alive && eps[e].owner == p)
			model_destroy_ep(e);
	for (int k = 0; k < MAX_CALLS; k++)
		if (calls[k].state == CALL_DELIVERED && calls[k].replier == p)
			call_ends(k, (vd_err_t)-1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t key[VD_CAP_KEY_BYTES] = "fuzz-ipc-capkey";
	struct vd_boot_info bi;

	(void)argc;
	(void)argv;
	host_fake_reset();
	hal_physmap_base = (uintptr_t)host_ram() - HOST_RAM_PHYS_BASE;
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	host_pt_reset();
	if (vd_cap_set_key(key) != VD_OK)
		abort();
	ipc_test_reset();
	(void)vd_kernel_page_table();
	ipc_test_sleep_hook = no_world;
	ipc_test_wake_hook = no_wake;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct vd_allocator_stats hs;
	struct vd_ipc_stats st;
	struct vd_cap_stats cs;
	size_t heap0;

	host_set_time_ns(1000000);
	vd_heap_stats(&hs);
	heap0 = hs.current_allocated;
	neps = nchs = 0;
	nold = 0;
	memset(calls, 0, sizeof(calls));
	memset(recvs, 0, sizeof(recvs));
	for (int p = 0; p < NPROC; p++)
		proc_init(p);
	for (step = 0; fuzz_more(&in); step++) {
		switch (fuzz_u8(&in) % 12) {
		case 0:
			op_endpoint_create(&in);
			break;
		case 1:
			op_channel_create(&in);
			break;
		case 2:
		case 3:
			op_send(&in, false);
			break;
		case 4:
			op_send(&in, true);
			break;
		case 5:
		case 6:
			op_receive(&in, fuzz_u8(&in) < 0x40);
			break;
		case 7:
		case 8:
			op_reply(&in);
			break;
		case 9:
			op_give_up(&in);
			break;
		case 10:
			if (fuzz_u8(&in) & 1)
				op_close(&in);
			else
				op_destroy_ep(&in);
			break;
		default: {
			int p = (int)fuzz_below(&in, NPROC);
			proc_dies(p);
			proc_init(p);
			break;
		}
		}
		check_stats();
	}
	for (int p = 0; p < NPROC; p++)
		proc_dies(p);
	vd_ipc_get_stats(&st);
	FUZZ_CHECK(st.endpoints == 0 && st.channels == 0 && st.regions == 0 &&
			   st.pending_replies == 0 && st.queued_messages == 0 &&
			   st.region_frames == 0,
		   "left: %llu endpoints %llu channels %llu replies %llu "
		   "queued", (unsigned long long)st.endpoints,
		   (unsigned long long)st.channels,
		   (unsigned long long)st.pending_replies,
		   (unsigned long long)st.queued_messages);
	vd_cap_get_stats(&cs);
	FUZZ_CHECK(cs.spaces == 0 && cs.caps == 0, "left: %llu spaces %llu caps",
		   (unsigned long long)cs.spaces, (unsigned long long)cs.caps);
	vd_heap_stats(&hs);
	FUZZ_CHECK(hs.current_allocated == heap0, "heap %zu -> %zu bytes",
		   heap0, (size_t)hs.current_allocated);
	return 0;
}
