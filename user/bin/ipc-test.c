/*
 * ipc-test: IPC between real processes (run by tests/ktest/ipc_user.c).
 *
 *   ipc-test pingpong   spawns an echo server and a client; the client
 *                       makes calls of every size 0..64 bytes and checks
 *                       each reply; then the server is told to quit
 *   ipc-test timeouts   receive with and without timeout, a bounded queue
 *                       that fills up, a call whose server never answers
 *                       (and whose late reply is refused)
 *   ipc-test close      a server closes the channel a call came through
 *                       (it got the channel's capability in that call)
 *
 * Roles started by those: server, client, sleepy, closer.  Every role
 * prints TAP lines and exits with its number of failed checks.
 */
#include <ipc_util.h>

#define OP_QUIT 0x71756974ull /* "quit" */

static struct vd_utest t;

static bool ok_status(long st, long want, const char *what)
{
	return vd_check(&t, st == want, "%s: %s (want %s)", what,
			vd_strerror(vd_err_of(st)),
			vd_strerror(vd_err_of(want)));
}

/* ------------------------------------------------------------------ */
/* ping-pong                                                           */
/* ------------------------------------------------------------------ */

/* Echo server: reply-and-receive until told to quit.  Replies carry every
 * payload byte xor 0x5a, same length -- or one byte more if the request
 * leaked anything past its length into the last message register. */
static int role_server(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, to_parent;
	long st;

	if (vd_is_err(st = ipc_child_hello(&ep, &to_parent)))
		return 1;
	st = vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);
	for (;;) {
		if (vd_is_err(st))
			return 2;
		if (vd_ipc_type(&r) != VD_IPC_TYPE_CALL) {
			/* one-way message: nothing to answer */
			st = vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);
			continue;
		}
		vd_reply_token_t token = r.a0;
		unsigned len = vd_ipc_len(&r);
		bool quit = len == 8 && r.mr[0] == OP_QUIT;
		uint8_t *b = (uint8_t *)r.mr;
		bool leaked = false;
		for (unsigned i = len; i < (len + 7) / 8 * 8; i++)
			leaked |= b[i] != 0;
		for (unsigned i = 0; i < len; i++)
			b[i] ^= 0x5a;
		if (leaked && len < VD_IPC_SMALL_MAX)
			len++;
		if (quit)
			return (int)-vd_ipc_reply(token, &r, len);
		st = vd_ipc_reply_recv(token, &r, len, ep, VD_TIMEOUT_INFINITE);
	}
}

static int role_client(void)
{
	struct vd_ipc_regs r;
	vd_cap_token_t ep, ch, server = ipc_parent_cap();
	unsigned bad = 0, calls = 0;

	t.prog = "ipc-client";
	ok_status(vd_ipc_endpoint_create(&ep) >= 0 ? 0 : -1, 0, "endpoint");
	ok_status(vd_ipc_channel_create(ep, server, &ch) >= 0 ? 0 : -1, 0,
		  "channel to the server");
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned len = 0; len <= VD_IPC_SMALL_MAX; len++) {
			uint8_t *b = (uint8_t *)r.mr;
			long st;

			/* garbage past len must not reach the server */
			vd_memset(&r, 0xee, sizeof(r));
			for (unsigned i = 0; i < len; i++)
				b[i] = (uint8_t)(i * 13 + len + round);
			st = vd_ipc_call(ch, &r, len, 0, VD_TIMEOUT_INFINITE);
			calls++;
			if (st != 0 || vd_ipc_len(&r) != len ||
			    vd_ipc_type(&r) != VD_IPC_TYPE_REPLY) {
				bad++;
				continue;
			}
			for (unsigned i = 0; i < len; i++)
				if (b[i] !=
				    (uint8_t)((i * 13 + len + round) ^ 0x5a)) {
					bad++;
					break;
				}
		}
	}
	vd_check(&t, bad == 0, "%u calls of 0..64 bytes, %u bad replies", calls,
		 bad);
	/* A one-way message to the server (it does not answer). */
	vd_memset(&r, 0, sizeof(r));
	ok_status(vd_ipc_send(ch, &r, 3, 0, SECOND), 0, "send");
	ok_status(vd_ipc_call(ch, &r, 65, 0, SECOND), -VD_ERR_IPC_MSG_TOO_LARGE,
		  "65-byte call");
	ok_status(vd_ipc_call(ch ^ 0x10, &r, 1, 0, SECOND),
		  -VD_ERR_INVALID_CAPABILITY, "call through a forged cap");
	ok_status(vd_ipc_call(ep, &r, 1, 0, SECOND), -VD_ERR_INVALID_CAPABILITY,
		  "call through an endpoint cap");
	ok_status(vd_ipc_receive(server, &r, NULL, 0),
		  -VD_ERR_PERMISSION_DENIED,
		  "receive on the server's endpoint");
	return vd_utest_done(&t);
}

static int drive_pingpong(void)
{
	static const char *const server_argv[] = {"ipc-test", "server", NULL};
	static const char *const client_argv[] = {"ipc-test", "client", NULL};
	struct vd_ipc_stats before, after;
	struct vd_ipc_header hdr;
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, server_ep, spcap, cpcap, ch;
	uint64_t spid;

	t.prog = "ipc-pingpong";
	vd_ipc_stats(&before);
	vd_check(&t, vd_ipc_endpoint_create(&ep) >= 0, "endpoint");
	vd_check(&t, ipc_spawn("ipc-test", server_argv, ep, &spcap) > 0,
		 "spawn the server");
	vd_check(&t, ipc_await_hello(ep, &server_ep, &spid) == 0,
		 "hello from the server with its endpoint capability");
	vd_check(&t, ipc_spawn("ipc-test", client_argv, server_ep, &cpcap) > 0,
		 "spawn the client");
	vd_check(&t, ipc_wait(cpcap, NULL) == 0, "the client passed");
	/* Tell the server to quit, through a channel of our own. */
	vd_check(&t, vd_ipc_channel_create(ep, server_ep, &ch) >= 0,
		 "channel to the server");
	r.mr[0] = OP_QUIT;
	ok_status(vd_ipc_call(ch, &r, 8, 0, 5 * SECOND), 0, "quit call");
	vd_check(&t, r.mr[0] == (OP_QUIT ^ 0x5a5a5a5a5a5a5a5aull),
		 "quit acknowledged");
	vd_check(&t, ipc_wait(spcap, NULL) == 0, "the server exited cleanly");
	/* Its endpoint died with it: our channel is closed. */
	ok_status(vd_ipc_call(ch, &r, 0, 0, SECOND), -VD_ERR_IPC_CLOSED,
		  "call after the server exited");
	/* The header of a received message, through the header buffer. */
	vd_cap_token_t e2, e3, c23;
	vd_ipc_endpoint_create(&e2);
	vd_ipc_endpoint_create(&e3);
	vd_ipc_channel_create(e2, e3, &c23);
	r.mr[0] = 42;
	vd_ipc_send(c23, &r, 8, 0, 0);
	vd_ipc_send(c23, &r, 8, 0, 0);
	ok_status(vd_ipc_receive(e3, &r, &hdr, 0), 0, "receive with header");
	ok_status(vd_ipc_receive(e3, &r, &hdr, 0), 0, "receive with header");
	vd_check(&t,
		 hdr.sender == vd_start->pid &&
			 hdr.recipient == vd_start->pid && hdr.sequence == 2 &&
			 hdr.type == VD_IPC_TYPE_SEND && r.mr[0] == 42,
		 "header: sender, recipient, sequence 2, type");
	vd_ipc_endpoint_destroy(e2);
	vd_ipc_endpoint_destroy(e3);
	vd_ipc_endpoint_destroy(ep);
	vd_ipc_stats(&after);
	vd_check(&t, ipc_no_objects_leaked(&before, &after),
		 "no IPC object left behind");
	printf("ipc-pingpong: %llu messages, %llu on the fast path\n",
	       (unsigned long long)(after.messages_sent - before.messages_sent),
	       (unsigned long long)(after.fastpath_hits -
				    before.fastpath_hits));
	return vd_utest_done(&t);
}

/* ------------------------------------------------------------------ */
/* timeouts                                                            */
/* ------------------------------------------------------------------ */

/* Takes one call and answers it far too late; reports the reply status
 * to the parent. */
static int role_sleepy(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, to_parent;
	long st;

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	if (vd_is_err(vd_ipc_receive(ep, &r, NULL, 10 * SECOND)))
		return 2;
	vd_reply_token_t token = r.a0;
	vd_thread_sleep(SECOND / 5);
	st = vd_ipc_reply(token, &r, 0);
	r.mr[0] = (uint64_t)st;
	return vd_is_err(vd_ipc_send(to_parent, &r, 8, 0, SECOND)) ? 3 : 0;
}

static int drive_timeouts(void)
{
	static const char *const argv[] = {"ipc-test", "sleepy", NULL};
	struct vd_ipc_regs r = {0};
	struct vd_ipc_header hdr;
	vd_cap_token_t ep, e2, e3, c23, peer, pcap, ch;

	t.prog = "ipc-timeouts";
	vd_ipc_endpoint_create(&ep);
	ok_status(vd_ipc_receive(ep, &r, NULL, 0), -VD_ERR_TIMEOUT,
		  "poll an empty endpoint");
	ok_status(vd_ipc_receive(ep, &r, NULL, SECOND / 50), -VD_ERR_TIMEOUT,
		  "20 ms receive on an empty endpoint");

	/* The queue holds 16; the 17th waits, then gives up. */
	vd_ipc_endpoint_create(&e2);
	vd_ipc_endpoint_create(&e3);
	vd_ipc_channel_create(e2, e3, &c23);
	unsigned sent = 0;
	for (unsigned i = 0; i < VD_IPC_QUEUE_DEPTH; i++) {
		r.mr[0] = i;
		sent += vd_ipc_send(c23, &r, 8, 0, 0) == 0;
	}
	vd_check(&t, sent == VD_IPC_QUEUE_DEPTH, "16 messages queued");
	ok_status(vd_ipc_send(c23, &r, 8, 0, 0), -VD_ERR_IPC_QUEUE_FULL,
		  "17th without waiting");
	ok_status(vd_ipc_send(c23, &r, 8, 0, SECOND / 100), -VD_ERR_TIMEOUT,
		  "17th waiting 10 ms");
	unsigned in_order = 0;
	for (unsigned i = 0; i < VD_IPC_QUEUE_DEPTH; i++)
		in_order += vd_ipc_receive(e3, &r, &hdr, 0) == 0 &&
			    r.mr[0] == i && hdr.sequence == i + 1;
	vd_check(&t, in_order == VD_IPC_QUEUE_DEPTH, "received in order");

	/* A call nobody answers in time. */
	vd_check(&t, ipc_spawn("ipc-test", argv, ep, &pcap) > 0, "spawn");
	vd_check(&t, ipc_await_hello(ep, &peer, NULL) == 0, "hello");
	vd_ipc_channel_create(ep, peer, &ch);
	ok_status(vd_ipc_call(ch, &r, 0, 0, SECOND / 20), -VD_ERR_TIMEOUT,
		  "50 ms call to a server that sleeps");
	ok_status(vd_ipc_receive(ep, &r, NULL, 5 * SECOND), 0,
		  "report from the server");
	vd_check(&t, (long)r.mr[0] == -VD_ERR_IPC_BAD_REPLY_TOKEN,
		 "its late reply was refused (%s)",
		 vd_strerror(vd_err_of((long)r.mr[0])));
	vd_check(&t, ipc_wait(pcap, NULL) == 0, "server exited cleanly");
	vd_ipc_endpoint_destroy(ep);
	vd_ipc_endpoint_destroy(e2);
	vd_ipc_endpoint_destroy(e3);
	return vd_utest_done(&t);
}

/* ------------------------------------------------------------------ */
/* closing mid-call                                                    */
/* ------------------------------------------------------------------ */

/* Receives one call carrying a channel capability, closes that channel,
 * then checks that the reply token died with it. */
static int role_closer(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, to_parent;

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	if (vd_is_err(vd_ipc_receive(ep, &r, NULL, 10 * SECOND)) ||
	    !vd_ipc_has_cap(&r))
		return 2;
	vd_reply_token_t token = r.a0;
	if (vd_is_err(vd_ipc_channel_close(r.a2)))
		return 3;
	return vd_ipc_reply(token, &r, 0) == -VD_ERR_IPC_BAD_REPLY_TOKEN ? 0
									 : 4;
}

static int drive_close(void)
{
	static const char *const argv[] = {"ipc-test", "closer", NULL};
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, peer, pcap, ch;

	t.prog = "ipc-close";
	vd_ipc_endpoint_create(&ep);
	vd_check(&t, ipc_spawn("ipc-test", argv, ep, &pcap) > 0, "spawn");
	vd_check(&t, ipc_await_hello(ep, &peer, NULL) == 0, "hello");
	vd_ipc_channel_create(ep, peer, &ch);
	/* Pass the channel's own capability along with the call. */
	ok_status(vd_ipc_call(ch, &r, 0, ch, 5 * SECOND), -VD_ERR_IPC_CLOSED,
		  "call whose channel is closed mid-call");
	vd_check(&t, ipc_wait(pcap, NULL) == 0,
		 "the closer saw its reply token die");
	ok_status(vd_ipc_send(ch, &r, 0, 0, 0), -VD_ERR_IPC_CLOSED,
		  "the closed channel is gone");
	vd_ipc_endpoint_destroy(ep);
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	const char *role = argc > 1 ? argv[1] : "";

	t.prog = "ipc-test";
	if (!vd_strcmp(role, "pingpong"))
		return drive_pingpong();
	if (!vd_strcmp(role, "server"))
		return role_server();
	if (!vd_strcmp(role, "client"))
		return role_client();
	if (!vd_strcmp(role, "timeouts"))
		return drive_timeouts();
	if (!vd_strcmp(role, "sleepy"))
		return role_sleepy();
	if (!vd_strcmp(role, "close"))
		return drive_close();
	if (!vd_strcmp(role, "closer"))
		return role_closer();
	printf("ipc-test: unknown role '%s'\n", role);
	return 100;
}
