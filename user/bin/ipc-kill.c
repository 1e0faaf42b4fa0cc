/*
 * ipc-kill: a server killed in the middle of a call.
 *
 *   driver  starts a server ("hang") and a client ("victim"); the server
 *           takes the client's call, tells the driver, and never answers;
 *           the driver terminates it.  The client's call must fail with
 *           IpcError(PeerDied), and every IPC object of the server, its
 *           channels and the pending reply must be gone afterwards.
 */
#include <ipc_util.h>

#define OP_GOT_CALL 0x676f74ull /* "got" */

static struct vd_utest t;

static int role_hang(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, to_parent;

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	if (vd_is_err(vd_ipc_receive(ep, &r, NULL, 10 * SECOND)) ||
	    vd_ipc_type(&r) != VD_IPC_TYPE_CALL)
		return 2;
	r.mr[0] = OP_GOT_CALL;
	if (vd_is_err(vd_ipc_send(to_parent, &r, 8, 0, SECOND)))
		return 3;
	/* Never reply: wait on our (now empty) endpoint until killed. */
	for (;;)
		vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);
}

static int role_victim(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, ch;
	long st;

	if (vd_is_err(vd_ipc_endpoint_create(&ep)) ||
	    vd_is_err(vd_ipc_channel_create(ep, ipc_parent_cap(), &ch)))
		return 1;
	r.mr[0] = 7;
	st = vd_ipc_call(ch, &r, 8, 0, 20 * SECOND);
	printf("ipc-kill: the victim's call returned %s\n",
	       vd_strerror(vd_err_of(st)));
	return st == -VD_ERR_IPC_PEER_DIED ? 0 : 1;
}

static int drive(void)
{
	static const char *const hang_argv[] = {"ipc-kill", "hang", NULL};
	static const char *const victim_argv[] = {"ipc-kill", "victim", NULL};
	struct vd_process_exit_info info;
	struct vd_ipc_stats before, after;
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, server_ep, hcap, vcap;

	t.prog = "ipc-kill";
	vd_ipc_stats(&before);
	vd_ipc_endpoint_create(&ep);
	vd_check(&t, ipc_spawn("ipc-kill", hang_argv, ep, &hcap) > 0,
		 "spawn the server");
	vd_check(&t, ipc_await_hello(ep, &server_ep, NULL) == 0, "hello");
	vd_check(&t, ipc_spawn("ipc-kill", victim_argv, server_ep, &vcap) > 0,
		 "spawn the client");
	vd_check(&t,
		 vd_ipc_receive(ep, &r, NULL, 10 * SECOND) == 0 &&
			 r.mr[0] == OP_GOT_CALL,
		 "the server holds the client's call");
	vd_check(&t, vd_process_terminate(hcap, 99) == 0, "kill the server");
	vd_check(&t,
		 ipc_wait(hcap, &info) == 99 &&
			 info.exit_reason == VD_EXIT_KILLED,
		 "the server was killed");
	vd_check(&t, ipc_wait(vcap, NULL) == 0,
		 "the client's call failed with PeerDied");
	vd_ipc_endpoint_destroy(ep);
	vd_ipc_stats(&after);
	vd_check(&t, ipc_no_objects_leaked(&before, &after),
		 "nothing leaked (endpoints %llu, channels %llu, replies %llu)",
		 (unsigned long long)after.endpoints,
		 (unsigned long long)after.channels,
		 (unsigned long long)after.pending_replies);
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	const char *role = argc > 1 ? argv[1] : "";

	if (!vd_strcmp(role, "hang"))
		return role_hang();
	if (!vd_strcmp(role, "victim"))
		return role_victim();
	return drive();
}
