/*
 * ipc-fast: the ways a wait of the IPC fast path (and of the fast yield)
 * can end, run by tests/ktest/ipc_user.c.  Fast-path waiters keep no
 * kernel frames: when anything but the peer's fast path ends the wait
 * (a timeout, a kill, a message from the general path) the kernel
 * rebuilds their stack and finishes the syscall there.
 *
 *   ipc-fast driver   is the client of an echo server ("server"):
 *                     a steady stream of calls goes the fast way; a call
 *                     whose server sits on it times out and the late
 *                     reply is refused; a one-way message reaches the
 *                     server in reply-and-receive; a second client
 *                     ("victim") is killed while its call is held and its
 *                     reply token dies; a process whose two threads yield
 *                     to each other ("yielder") is killed
 */
#include <ipc_util.h>

#define OP_ECHO	 0x6f686365ull	 /* "echo" */
#define OP_STALL 0x6c6c617473ull /* "stall": hold the call, 200 ms */
#define OP_HOLD	 0x646c6f68ull	 /* "hold": keep it until OP_LATE */
#define OP_LATE	 0x6574616cull	 /* "late": reply to the held call now */
#define OP_QUIT	 0x74697571ull	 /* "quit" */

static struct vd_utest t;

/* Echo server.  The driver's channel is the only one at first; the
 * victim's arrives with its call.  Status reports go to the parent. */
static int role_server(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, to_parent;
	vd_reply_token_t held = 0;
	long st;

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	st = vd_ipc_receive(ep, &r, NULL, 10 * SECOND);
	for (;;) {
		if (vd_is_err(st))
			return 2;
		vd_reply_token_t token = r.a0;
		uint64_t op = r.mr[0];
		unsigned len = vd_ipc_len(&r);
		if (vd_ipc_type(&r) != VD_IPC_TYPE_CALL) {
			/* one-way: report what arrived, take the next */
			r.mr[1] = op;
			r.mr[0] = vd_ipc_len(&r);
			vd_ipc_send(to_parent, &r, 16, 0, SECOND);
			st = vd_ipc_receive(ep, &r, NULL, 10 * SECOND);
			continue;
		}
		if (op == OP_STALL || op == OP_HOLD) {
			if (op == OP_STALL)
				vd_thread_sleep(SECOND / 5);
			else
				held = token;
			r.mr[0] = op;
			vd_ipc_send(to_parent, &r, 8, 0, SECOND);
			if (op == OP_STALL) {
				/* the caller gave up long ago */
				r.mr[0] = (uint64_t)vd_ipc_reply(token, &r, 0);
				vd_ipc_send(to_parent, &r, 8, 0, SECOND);
			}
			st = vd_ipc_receive(ep, &r, NULL, 10 * SECOND);
			continue;
		}
		if (op == OP_LATE) {
			r.mr[0] = (uint64_t)vd_ipc_reply(held, &r, 0);
			len = 8;
		}
		if (op == OP_QUIT)
			return (int)-vd_ipc_reply(token, &r, 8);
		st = vd_ipc_reply_recv(token, &r, len, ep, 10 * SECOND);
	}
}

/* Calls the server (the parent's cap[1]) with OP_HOLD: killed while it
 * waits. */
static int role_victim(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, ch;

	if (vd_is_err(vd_ipc_endpoint_create(&ep)) ||
	    vd_is_err(vd_ipc_channel_create(ep, ipc_parent_cap(), &ch)))
		return 1;
	r.mr[0] = OP_HOLD;
	vd_ipc_call(ch, &r, 8, 0, 20 * SECOND);
	return 2; /* not reached: killed first */
}

static volatile unsigned long spins;

static void yield_forever(uintptr_t arg)
{
	(void)arg;
	for (;;) {
		spins++;
		vd_thread_yield();
	}
}

/* Two threads yielding to each other until the process is killed. */
static int role_yielder(void)
{
	long stack =
		vd_mmap(vd_self_cap(), 0, 16384, VD_PROT_READ | VD_PROT_WRITE);
	vd_cap_token_t th;

	if (vd_is_err(stack) ||
	    vd_is_err(vd_thread_create(vd_self_cap(), yield_forever,
				       (void *)stack, 16384, 0, &th)))
		return 1;
	yield_forever(0);
	return 2;
}

static bool got_report(vd_cap_token_t ep, uint64_t want, uint64_t *extra)
{
	struct vd_ipc_regs r = {0};

	if (vd_ipc_receive(ep, &r, NULL, 5 * SECOND) != 0)
		return false;
	if (extra)
		*extra = r.mr[1];
	return r.mr[0] == want;
}

static int drive(void)
{
	static const char *const server_argv[] = {"ipc-fast", "server", NULL};
	static const char *const victim_argv[] = {"ipc-fast", "victim", NULL};
	static const char *const yielder_argv[] = {"ipc-fast", "yielder", NULL};
	struct vd_process_exit_info info;
	struct vd_ipc_stats before, mid, after;
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, server_ep, scap, vcap, ycap, ch;
	unsigned bad = 0;
	uint64_t extra = 0;

	t.prog = "ipc-fast";
	vd_ipc_stats(&before);
	vd_ipc_endpoint_create(&ep);
	vd_check(&t, ipc_spawn("ipc-fast", server_argv, ep, &scap) > 0,
		 "spawn the server");
	vd_check(&t, ipc_await_hello(ep, &server_ep, NULL) == 0, "hello");
	vd_check(&t, vd_ipc_channel_create(ep, server_ep, &ch) >= 0,
		 "channel to the server");

	/* The steady state: server in reply-and-receive, we in call. */
	vd_ipc_stats(&mid);
	for (unsigned i = 0; i < 100; i++) {
		r.mr[0] = OP_ECHO;
		r.mr[1] = i;
		bad += vd_ipc_call(ch, &r, 16, 0, SECOND) != 0 ||
		       r.mr[0] != OP_ECHO || r.mr[1] != i ||
		       vd_ipc_len(&r) != 16;
	}
	vd_ipc_stats(&after);
	vd_check(&t, bad == 0, "100 echo calls, %u bad", bad);
	vd_check(&t, after.fastpath_hits - mid.fastpath_hits >= 190,
		 "%llu of 200 messages on the fast path",
		 (unsigned long long)(after.fastpath_hits - mid.fastpath_hits));
	/* each once, whether the hand-over went straight to user mode or,
	 * for the first (the server received on the general path), through
	 * the general switch */
	vd_check(&t, after.messages_sent - mid.messages_sent == 200,
		 "every message counted once (%llu of 200)",
		 (unsigned long long)(after.messages_sent - mid.messages_sent));

	/* A fast call whose wait ends by its timeout. */
	r.mr[0] = OP_STALL;
	vd_check(&t, vd_ipc_call(ch, &r, 8, 0, SECOND / 30) == -VD_ERR_TIMEOUT,
		 "a held fast call times out");
	vd_check(&t, got_report(ep, OP_STALL, NULL), "the server held it");
	vd_check(&t,
		 got_report(ep, (uint64_t)-VD_ERR_IPC_BAD_REPLY_TOKEN, NULL),
		 "its late reply was refused");

	/* A one-way message reaches the server through the general path
	 * (in reply-and-receive after the next echo). */
	r.mr[0] = OP_ECHO;
	vd_check(&t, vd_ipc_call(ch, &r, 8, 0, SECOND) == 0, "echo");
	r.mr[0] = 0x1234;
	vd_check(&t, vd_ipc_send(ch, &r, 5, 0, SECOND) == 0, "one-way send");
	vd_check(&t, got_report(ep, 5, &extra) && extra == 0x1234,
		 "the server received it whole");

	/* A client killed while the server holds its call. */
	vd_check(&t, ipc_spawn("ipc-fast", victim_argv, server_ep, &vcap) > 0,
		 "spawn a second client");
	vd_check(&t, got_report(ep, OP_HOLD, NULL),
		 "the server holds its call");
	vd_check(&t, vd_process_terminate(vcap, 42) == 0, "kill the client");
	vd_check(&t,
		 ipc_wait(vcap, &info) == 42 &&
			 info.exit_reason == VD_EXIT_KILLED,
		 "it died in its call");
	r.mr[0] = OP_LATE;
	vd_check(&t,
		 vd_ipc_call(ch, &r, 8, 0, SECOND) == 0 &&
			 r.mr[0] == (uint64_t)-VD_ERR_IPC_BAD_REPLY_TOKEN,
		 "its reply token died with it");

	/* Threads that gave up their kernel stacks in yield, killed. */
	vd_check(&t, ipc_spawn("ipc-fast", yielder_argv, 0, &ycap) > 0,
		 "spawn two yielding threads");
	vd_thread_sleep(SECOND / 50);
	vd_check(&t, vd_process_terminate(ycap, 7) == 0, "kill them");
	vd_check(&t,
		 ipc_wait(ycap, &info) == 7 &&
			 info.exit_reason == VD_EXIT_KILLED,
		 "both died");

	r.mr[0] = OP_QUIT;
	vd_check(&t, vd_ipc_call(ch, &r, 8, 0, SECOND) == 0, "quit");
	vd_check(&t, ipc_wait(scap, NULL) == 0, "the server exited cleanly");
	vd_ipc_endpoint_destroy(ep);
	vd_ipc_stats(&after);
	vd_check(&t, ipc_no_objects_leaked(&before, &after),
		 "no IPC object left behind");
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	const char *role = argc > 1 ? argv[1] : "driver";

	(void)envp;
	if (!vd_strcmp(role, "server"))
		return role_server();
	if (!vd_strcmp(role, "victim"))
		return role_victim();
	if (!vd_strcmp(role, "yielder"))
		return role_yielder();
	return drive();
}
