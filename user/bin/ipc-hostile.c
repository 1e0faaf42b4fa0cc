/*
 * ipc-hostile: IPC sequences a random-syscall fuzzer found to break the
 * kernel's guarantees (issue 11), each checked to be refused cleanly or
 * to keep its message.  The ktest ipc_user_hostile_sequences
 * (tests/ktest/ipc_user.c) runs it and checks that no IPC object, region
 * or frame outlives it; tests/host/test_ipc_hostile.c has the same
 * rules against the state machine.
 *
 *   driver  runs the checks:
 *     provisional   a region held only provisionally (a large message
 *                   about it waits in our queue) cannot be mapped, sent
 *                   to ourselves, sent on or put in a reply; when the
 *                   message is dropped the access is gone
 *     header        a receive whose header buffer another thread
 *                   unmaps while it waits fails with MemoryError(Fault),
 *                   leaves the message queued and the registers as
 *                   they were; threads receiving with and without a
 *                   header take each message once, each header its
 *                   message's
 *     reply_recv    reply-and-receive with a valid token but a dead
 *                   endpoint (capability revoked, endpoint destroyed,
 *                   no channel left) delivers the reply and reports
 *                   the receive's error
 *     closed        a receive on an endpoint whose channels all closed
 *                   fails at once with IpcError(Closed); a fresh
 *                   endpoint waits
 *     cap_revoked   a capability whose endpoint is destroyed while
 *                   the message carrying it waits arrives as revoked
 *                   (VD_IPC_HDR_CAP_REVOKED, A2 and the header's token
 *                   0), with and without a header buffer; a live one
 *                   arrives as a capability
 *   peer    makes a region, queues a large message about it to the
 *           driver, tells the driver its id, and waits to be ended.
 */
#include <ipc_util.h>

#define PAGE   4096ul
#define STACK  16384
#define SECRET 0x5ec7e75ec7e7ull
#define MS     1000000ull

static struct vd_utest t;
static vd_cap_token_t self;

/* Two endpoints of ours and a channel from the first to the second:
 * what we send through `ch` we receive on `to`. */
struct loop {
	vd_cap_token_t from, to, ch;
};

static bool loop_make(struct loop *l)
{
	return !vd_is_err(vd_ipc_endpoint_create(&l->from)) &&
	       !vd_is_err(vd_ipc_endpoint_create(&l->to)) &&
	       !vd_is_err(vd_ipc_channel_create(l->from, l->to, &l->ch));
}

static void loop_free(struct loop *l)
{
	vd_ipc_endpoint_destroy(l->from);
	vd_ipc_endpoint_destroy(l->to);
}

/* ---- helper threads ---- */

static uint8_t stack_a[STACK] __attribute__((aligned(16)));
static uint8_t stack_b[STACK] __attribute__((aligned(16)));
static uint8_t stack_c[STACK] __attribute__((aligned(16)));

/* A call through a channel, by a thread: its status and reply. */
struct call_job {
	vd_cap_token_t ch;
	uint64_t word;
	volatile long status;
	volatile uint64_t reply;
};

static void call_thread(uintptr_t arg)
{
	struct call_job *j = (struct call_job *)arg;
	struct vd_ipc_regs r = {0};

	r.mr[0] = j->word;
	j->status = vd_ipc_call(j->ch, &r, 8, 0, 3 * SECOND);
	j->reply = r.mr[0];
	vd_thread_exit(0);
}

static long spawn_thread(void (*fn)(uintptr_t), uint8_t *stack, void *arg,
			 vd_cap_token_t *tc)
{
	return vd_thread_create(self, fn, stack, STACK, (uintptr_t)arg, tc);
}

static bool join(vd_cap_token_t tc)
{
	return vd_thread_join(tc, 10 * SECOND, NULL) == 0;
}

/* ---- provisional access ---- */

/* Call the peer: it queues a large message about a new region of its to
 * our endpoint and replies with the region's id. */
static long region_from_peer(vd_cap_token_t ch)
{
	struct vd_ipc_regs r = {0};
	long st = vd_ipc_call(ch, &r, 0, 0, 5 * SECOND);

	return st == 0 ? (long)r.mr[0] : st;
}

static void large_regs(struct vd_ipc_regs *r, uint64_t region)
{
	r->mr[0] = region;
	r->mr[1] = 0;
	r->mr[2] = PAGE;
}

static void provisional(vd_cap_token_t ch, uint64_t id)
{
	struct vd_ipc_regs r = {0};
	struct call_job job;
	vd_cap_token_t tc;
	struct loop l;

	vd_check(&t,
		 vd_ipc_region_map(id, 0) == -(long)VD_ERR_PERMISSION_DENIED,
		 "provisional: the region cannot be mapped");
	vd_check(&t, loop_make(&l), "provisional: a channel to ourselves");
	large_regs(&r, id);
	vd_check(&t,
		 vd_ipc_send(l.ch, &r, VD_IPC_INFO_LARGE, 0, 0) ==
			 -(long)VD_ERR_PERMISSION_DENIED,
		 "provisional: a large message about it to ourselves is "
		 "refused");
	vd_check(&t, vd_ipc_receive(l.to, &r, NULL, 0) == -(long)VD_ERR_TIMEOUT,
		 "provisional: so nothing arrives");
	large_regs(&r, id);
	vd_check(&t,
		 vd_ipc_send(ch, &r, VD_IPC_INFO_LARGE, 0, 0) ==
			 -(long)VD_ERR_PERMISSION_DENIED,
		 "provisional: nor back to its owner");

	/* A call of ours, answered with the region: refused, and the
	 * token still answers with a small reply. */
	job = (struct call_job){.ch = l.ch, .word = 1};
	vd_check(&t, spawn_thread(call_thread, stack_a, &job, &tc) > 0,
		 "provisional: a thread calls us");
	long st = vd_ipc_receive(l.to, &r, NULL, 5 * SECOND);
	vd_reply_token_t tok = r.a0;
	vd_check(&t, st == 0 && vd_ipc_type(&r) == VD_IPC_TYPE_CALL,
		 "provisional: its call arrived");
	large_regs(&r, id);
	vd_check(&t,
		 vd_ipc_reply(tok, &r, VD_IPC_INFO_LARGE) ==
			 -(long)VD_ERR_PERMISSION_DENIED,
		 "provisional: a large reply with it is refused");
	r.mr[0] = 77;
	vd_check(&t, vd_ipc_reply(tok, &r, 8) == 0, "a small reply goes");
	vd_check(&t, join(tc) && job.status == 0 && job.reply == 77,
		 "provisional: the caller got the small reply");
	vd_check(&t,
		 vd_ipc_region_map(id, 0) == -(long)VD_ERR_PERMISSION_DENIED,
		 "provisional: and the region still cannot be mapped");
	loop_free(&l);
}

/* ---- a header buffer unmapped during the receive ---- */

struct recv_job {
	vd_cap_token_t ep;
	struct vd_ipc_header *hdr;
	volatile long status;
	struct vd_ipc_regs out;
};

#define SENTINEL(i) (0xa5a5000000000000ull | (i))

static void recv_thread(uintptr_t arg)
{
	struct recv_job *j = (struct recv_job *)arg;
	struct vd_ipc_regs r;

	for (unsigned i = 0; i < VD_IPC_SMALL_WORDS; i++)
		r.mr[i] = SENTINEL(i);
	j->status = vd_ipc_receive(j->ep, &r, j->hdr, 5 * SECOND);
	j->out = r;
	vd_thread_exit(0);
}

/* The registers a failed receive returns: what went in. */
static bool regs_untouched(const struct recv_job *j)
{
	bool ok = j->out.a1 == (uintptr_t)j->hdr && j->out.a2 == 0 &&
		  j->out.a3 == 5 * SECOND;

	for (unsigned i = 0; i < VD_IPC_SMALL_WORDS; i++)
		ok &= j->out.mr[i] == SENTINEL(i);
	return ok;
}

static void header_unmapped(void)
{
	struct recv_job rj = {.status = 1};
	struct call_job cj = {.status = 1};
	struct vd_ipc_regs r = {0};
	vd_cap_token_t rt, ct;
	struct loop l;
	unsigned tries = 0;

	vd_check(&t, loop_make(&l), "header: a channel to ourselves");
	/* The receiver must be waiting when the buffer goes (else the
	 * receive fails on its probe, BadAddress): give it longer each
	 * time it was not. */
	do {
		long h = vd_mmap(self, 0, PAGE, VD_PROT_READ | VD_PROT_WRITE);
		if (vd_is_err(h))
			break;
		rj = (struct recv_job){.ep = l.to,
				       .hdr = (struct vd_ipc_header *)h};
		if (spawn_thread(recv_thread, stack_a, &rj, &rt) <= 0)
			break;
		vd_thread_sleep((20ull << tries) * MS);
		vd_munmap(self, (uintptr_t)h, PAGE);
		/* a call: on its fast path if anything could be */
		cj = (struct call_job){.ch = l.ch, .word = 0xca11};
		if (spawn_thread(call_thread, stack_b, &cj, &ct) <= 0)
			break;
		join(rt);
		if (rj.status == -(long)VD_ERR_MEM_BAD_ADDRESS) {
			/* too early: answer the call and try again */
			if (vd_ipc_receive(l.to, &r, NULL, 5 * SECOND) == 0)
				vd_ipc_reply(r.a0, &r, 0);
			join(ct);
			continue;
		}
		break;
	} while (++tries < 5);
	vd_check(&t, rj.status == -(long)VD_ERR_MEM_FAULT,
		 "header: the receive fails with MemoryError(Fault) (%ld, "
		 "%u tries)",
		 rj.status, tries + 1);
	vd_check(&t, regs_untouched(&rj),
		 "header: and leaves the registers as they were");
	long st = vd_ipc_receive(l.to, &r, NULL, 0);
	vd_check(&t,
		 st == 0 && r.mr[0] == 0xca11 &&
			 vd_ipc_type(&r) == VD_IPC_TYPE_CALL,
		 "header: the call is still queued (%ld)", st);
	r.mr[0] = 0xbeef;
	vd_check(&t, vd_ipc_reply(r.a0, &r, 8) == 0, "header: reply to it");
	vd_check(&t, join(ct) && cj.status == 0 && cj.reply == 0xbeef,
		 "header: the caller got its reply");
	loop_free(&l);
}

/* Receivers with and without a header buffer, on other CPUs, race for
 * one endpoint's messages: each message is taken once, and a header
 * written is the header of the message taken with it. */
#define RACE_N 300

struct race_job {
	vd_cap_token_t ep;
	bool with_header;
	volatile unsigned count, mismatched;
	volatile uint64_t sum;
	volatile long status;
};

static void race_thread(uintptr_t arg)
{
	struct race_job *j = (struct race_job *)arg;
	struct vd_ipc_header hdr;
	long st;

	for (;;) {
		struct vd_ipc_regs r = {0};

		st = vd_ipc_receive(j->ep, &r, j->with_header ? &hdr : NULL,
				    10 * SECOND);
		if (st != 0)
			break;
		if (j->with_header && hdr.sequence != r.mr[0])
			j->mismatched++;
		j->sum += r.mr[0];
		j->count++;
	}
	j->status = st;
	vd_thread_exit(0);
}

static void header_race(void)
{
	struct race_job jobs[3] = {{.with_header = true},
				   {.with_header = true},
				   {.with_header = false}};
	uint8_t *stacks[3] = {stack_a, stack_b, stack_c};
	vd_cap_token_t tc[3];
	struct vd_ipc_regs r = {0};
	unsigned sent = 0, got = 0, bad = 0;
	uint64_t sum = 0;
	struct loop l;

	if (!vd_check(&t, loop_make(&l), "race: a channel to ourselves"))
		return;
	for (unsigned i = 0; i < 3; i++) {
		jobs[i].ep = l.to;
		if (spawn_thread(race_thread, stacks[i], &jobs[i], &tc[i]) <= 0)
			tc[i] = 0;
	}
	/* sequences start at 1 on a new channel: word i is sequence i */
	for (uint64_t i = 1; i <= RACE_N; i++) {
		r.mr[0] = i;
		sent += vd_ipc_send(l.ch, &r, 8, 0, 5 * SECOND) == 0;
	}
	for (unsigned wait = 0; wait < 500; wait++) {
		got = jobs[0].count + jobs[1].count + jobs[2].count;
		if (got >= RACE_N)
			break;
		vd_thread_sleep(10 * MS);
	}
	/* the receivers end with Closed */
	vd_ipc_channel_close(l.ch);
	for (unsigned i = 0; i < 3; i++) {
		if (tc[i] != 0)
			join(tc[i]);
		sum += jobs[i].sum;
		bad += jobs[i].mismatched;
	}
	got = jobs[0].count + jobs[1].count + jobs[2].count;
	vd_check(&t, sent == RACE_N && got == RACE_N,
		 "race: %u sent, %u received (%u, %u with a header; %u "
		 "without)",
		 sent, got, jobs[0].count, jobs[1].count, jobs[2].count);
	vd_check(&t, sum == (uint64_t)RACE_N * (RACE_N + 1) / 2,
		 "race: each exactly once");
	vd_check(&t, bad == 0, "race: every header is its message's (%u not)",
		 bad);
	vd_check(&t,
		 jobs[0].status == -(long)VD_ERR_IPC_CLOSED &&
			 jobs[1].status == -(long)VD_ERR_IPC_CLOSED &&
			 jobs[2].status == -(long)VD_ERR_IPC_CLOSED,
		 "race: the close ended every receiver (%ld %ld %ld)",
		 jobs[0].status, jobs[1].status, jobs[2].status);
	loop_free(&l);
}

/* ---- reply-and-receive on a dead endpoint ---- */

enum dead_kind { DEAD_REVOKED, DEAD_DESTROYED, DEAD_NO_CHANNEL };

static const char *const dead_name[] = {"a revoked capability",
					"a destroyed endpoint",
					"an endpoint without channels"};

static bool dead_endpoint(enum dead_kind k, vd_cap_token_t *e,
			  vd_cap_token_t *bad)
{
	vd_cap_token_t other, ch;

	*e = 0;
	if (vd_is_err(vd_ipc_endpoint_create(e)))
		return false;
	switch (k) {
	case DEAD_REVOKED:
		return vd_capability_derive(*e, VD_RIGHT_READ, bad) == 0 &&
		       vd_capability_revoke(*bad) == 0;
	case DEAD_DESTROYED:
		*bad = *e;
		*e = 0;
		return vd_ipc_endpoint_destroy(*bad) == 0;
	case DEAD_NO_CHANNEL: {
		bool ok;

		*bad = *e;
		if (vd_is_err(vd_ipc_endpoint_create(&other)))
			return false;
		ok = !vd_is_err(vd_ipc_channel_create(other, *e, &ch)) &&
		     vd_ipc_channel_close(ch) == 0;
		vd_ipc_endpoint_destroy(other);
		return ok;
	}
	}
	return false;
}

static void reply_recv_dead(void)
{
	struct loop l;

	vd_check(&t, loop_make(&l), "reply_recv: a channel to ourselves");
	for (unsigned k = DEAD_REVOKED; k <= DEAD_NO_CHANNEL; k++) {
		struct call_job cj = {.ch = l.ch, .word = 100 + k};
		struct vd_ipc_regs r = {0};
		vd_cap_token_t e, bad, ct;

		if (!vd_check(&t, dead_endpoint(k, &e, &bad),
			      "reply_recv: made %s", dead_name[k]) ||
		    !vd_check(&t,
			      spawn_thread(call_thread, stack_a, &cj, &ct) > 0,
			      "reply_recv: a thread calls us"))
			continue;
		long st = vd_ipc_receive(l.to, &r, NULL, 5 * SECOND);
		vd_check(&t, st == 0 && r.mr[0] == 100 + k,
			 "reply_recv: the call arrived");
		r.mr[0] = 200 + k;
		st = vd_ipc_reply_recv(r.a0, &r, 8, bad, 5 * SECOND);
		bool want =
			k == DEAD_REVOKED
				? st == -(long)VD_ERR_INVALID_CAPABILITY
			: k == DEAD_NO_CHANNEL
				? st == -(long)VD_ERR_IPC_CLOSED
				/* a destroyed endpoint's capability
				 * may die with it */
				: st == -(long)VD_ERR_IPC_CLOSED ||
					  st == -(long)VD_ERR_INVALID_CAPABILITY;
		vd_check(&t, want, "reply_recv on %s fails at once (%ld)",
			 dead_name[k], st);
		vd_check(&t, join(ct) && cj.status == 0 && cj.reply == 200 + k,
			 "reply_recv on %s: the reply was delivered (%ld)",
			 dead_name[k], (long)cj.status);
		if (e != 0)
			vd_ipc_endpoint_destroy(e);
	}
	loop_free(&l);
}

/* ---- receive on a closed endpoint ---- */

static void closed_endpoint(void)
{
	struct vd_ipc_header hdr;
	struct vd_ipc_regs r = {0};
	vd_cap_token_t fresh;
	struct loop l;

	vd_check(&t, loop_make(&l), "closed: two endpoints, a channel");
	vd_check(&t, !vd_is_err(vd_ipc_endpoint_create(&fresh)),
		 "closed: a fresh endpoint");
	vd_check(&t,
		 vd_ipc_receive(fresh, &r, NULL, 20 * MS) ==
			 -(long)VD_ERR_TIMEOUT,
		 "closed: a fresh endpoint waits for its first channel");
	vd_check(&t, vd_ipc_channel_close(l.ch) == 0, "closed: channel closed");
	/* (waiting out the timeout would end in Timeout) */
	vd_check(&t,
		 vd_ipc_receive(l.to, &r, NULL, 5 * SECOND) ==
			 -(long)VD_ERR_IPC_CLOSED,
		 "closed: a receive after the last channel closed fails");
	vd_check(&t,
		 vd_ipc_receive(l.to, &r, &hdr, 5 * SECOND) ==
			 -(long)VD_ERR_IPC_CLOSED,
		 "closed: with a header buffer too");
	vd_check(&t, !vd_is_err(vd_ipc_channel_create(l.from, l.to, &l.ch)),
		 "closed: a new channel");
	vd_check(&t,
		 vd_ipc_receive(l.to, &r, NULL, 20 * MS) ==
			 -(long)VD_ERR_TIMEOUT,
		 "closed: and it waits again");
	vd_ipc_endpoint_destroy(fresh);
	loop_free(&l);
}

/* ---- a capability revoked while its message waits ---- */

static void cap_revoked(void)
{
	struct vd_ipc_header hdr;
	struct vd_ipc_regs r = {0};
	vd_cap_token_t e;
	struct loop l;

	if (!vd_check(&t, loop_make(&l), "cap_revoked: a channel to ourselves"))
		return;
	for (int with_hdr = 0; with_hdr < 2; with_hdr++) {
		bool sent = !vd_is_err(vd_ipc_endpoint_create(&e));
		r.mr[0] = 300 + (uint64_t)with_hdr;
		sent = sent && vd_ipc_send(l.ch, &r, 8, e, 0) == 0;
		vd_check(&t, sent && vd_ipc_endpoint_destroy(e) == 0,
			 "cap_revoked: an endpoint sent, then destroyed");
		r = (struct vd_ipc_regs){0};
		r.a2 = 0xdead;
		hdr.flags = VD_IPC_HDR_HAS_CAP; /* what the kernel must undo */
		hdr.capability.token = 0xdead;
		long st = vd_ipc_receive(l.to, &r, with_hdr ? &hdr : NULL, 0);
		vd_check(&t,
			 st == 0 && r.mr[0] == 300 + (uint64_t)with_hdr &&
				 !vd_ipc_has_cap(&r) &&
				 vd_ipc_cap_revoked(&r) && r.a2 == 0,
			 "cap_revoked: arrives revoked%s (%ld, info %#lx)",
			 with_hdr ? ", header buffer" : "", st,
			 (unsigned long)r.a1);
		if (with_hdr)
			vd_check(&t,
				 hdr.flags == VD_IPC_HDR_CAP_REVOKED &&
					 hdr.capability.token == 0,
				 "cap_revoked: the header says so (%#x)",
				 hdr.flags);
	}
	/* a live one: a capability, valid */
	bool sent = !vd_is_err(vd_ipc_endpoint_create(&e));
	sent = sent && vd_ipc_send(l.ch, &r, 8, e, 0) == 0;
	long st = vd_ipc_receive(l.to, &r, &hdr, 0);
	vd_check(&t,
		 sent && st == 0 && vd_ipc_has_cap(&r) &&
			 !vd_ipc_cap_revoked(&r) && r.a2 != 0 &&
			 hdr.capability.token == r.a2,
		 "cap_revoked: a live capability arrives (%ld)", st);
	vd_ipc_endpoint_destroy(e);
	loop_free(&l);
}

/* ---- the two processes ---- */

static int role_peer(void)
{
	vd_cap_token_t ep, to_parent;
	struct vd_ipc_regs r = {0}, m = {0};

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	if (vd_ipc_receive(ep, &r, NULL, 10 * SECOND) != 0 ||
	    vd_ipc_type(&r) != VD_IPC_TYPE_CALL)
		return 2;
	vd_reply_token_t tok = r.a0;
	long id = vd_ipc_region_create(PAGE, VD_RIGHT_READ | VD_RIGHT_WRITE);
	long va = vd_is_err(id) ? id : vd_ipc_region_map((uint64_t)id, 0);
	if (vd_is_err(va))
		return 3;
	*(volatile uint64_t *)(uintptr_t)va = SECRET;
	/* the driver is in its call: this waits in its queue */
	large_regs(&m, (uint64_t)id);
	if (vd_ipc_send(to_parent, &m, VD_IPC_INFO_LARGE, 0, SECOND) != 0)
		return 4;
	r.mr[0] = (uint64_t)id;
	if (vd_ipc_reply(tok, &r, 8) != 0)
		return 5;
	for (;;) /* until the driver ends us */
		vd_thread_sleep(SECOND);
}

static int drive(void)
{
	static const char *const argv[] = {"ipc-hostile", "peer", NULL};
	vd_cap_token_t ep, peer, pcap, ch;
	struct vd_process_exit_info info;
	struct vd_ipc_stats before;

	t.prog = "ipc-hostile";
	self = vd_self_cap();
	vd_ipc_stats(&before);
	header_unmapped();
	header_race();
	reply_recv_dead();
	closed_endpoint();
	cap_revoked();

	vd_ipc_endpoint_create(&ep);
	vd_check(&t, ipc_spawn("ipc-hostile", argv, ep, &pcap) > 0, "spawn");
	vd_check(&t, ipc_await_hello(ep, &peer, NULL) == 0, "hello");
	vd_check(&t, vd_ipc_channel_create(ep, peer, &ch) >= 0, "channel");
	long id = region_from_peer(ch);
	vd_check(&t, !vd_is_err(id), "the peer queued a region for us (%ld)",
		 id);
	if (!vd_is_err(id))
		provisional(ch, (uint64_t)id);
	/* The peer ends: its large message to us is dropped undelivered,
	 * and with it our provisional access. */
	vd_check(&t,
		 vd_process_terminate(pcap, 9) == 0 &&
			 vd_process_wait(pcap, &info, 10 * SECOND) == 0 &&
			 info.exit_code == 9,
		 "the peer ended");
	vd_check(&t,
		 vd_ipc_region_map((uint64_t)id, 0) == -(long)VD_ERR_NOT_FOUND,
		 "provisional: the region went with the dropped message");
	ipc_check_regions_back(&t, &before, "provisional: no region is left");
	vd_ipc_endpoint_destroy(ep);
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	return ipc_peer_or_driver(argc, argv, role_peer, drive);
}
