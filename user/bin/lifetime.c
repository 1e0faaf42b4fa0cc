/*
 * lifetime: kernel objects and their capabilities end together (issue 11,
 * items 8 and 6; docs/capabilities.md "Objects and their capabilities").
 *
 *   driver   (default) every check below, in a 256-slot capability space:
 *            - 2000 threads, each joined through a derived capability:
 *              the original dies with the thread, so the space never
 *              fills; a capability cannot be minted for a joined thread;
 *            - a thread whose only capability is revoked runs on;
 *            - 2000 endpoints and 500 channels, each dropped by revoking
 *              its only capability: the global tables never fill, and
 *              another process ("peer") can still create endpoints;
 *            - destroying an endpoint revokes every capability to it and
 *              to its channels: stale tokens answer IpcError(Closed);
 *            - a waited-for child takes every capability to it along;
 *            - a running child whose capability is dropped runs on (and
 *              is reaped when it ends), an unstarted one is killed.
 *   peer     creates (and destroys) endpoints; exits with the failures.
 *   sleeper  sleeps 20 ms and exits 0.
 *
 * The ktest that runs it (tests/ktest/lifetime_user.c) checks that the
 * kernel's capability, object, IPC, process and thread counts come back
 * to where they were.
 */
#include <ipc_util.h>

#define STACK  16384
#define ROUNDS 2000
#define NSLOTS 256 /* VD_CAP_DEFAULT_SLOTS: the space of every process */
#define MS     1000000ull
#define ERR(e) (-(long)(e))

static struct vd_utest t = {.prog = "lifetime"};
static volatile int go, done;

static void *new_stack(void)
{
	long r = vd_mmap(vd_self_cap(), 0, STACK, VD_PROT_READ | VD_PROT_WRITE);

	return vd_is_err(r) ? NULL : (void *)r;
}

static void quick(uintptr_t i)
{
	vd_thread_exit((int)(i & 0x7fff));
}

static void waits_for_go(uintptr_t arg)
{
	(void)arg;
	while (!go)
		vd_thread_sleep(MS);
	done = 1;
	vd_thread_exit(0);
}

/* Item 8: join through a copy; the original must not keep a slot. */
static void threads_joined_through_copies(void)
{
	void *stack = new_stack();
	unsigned bad_create = 0, bad_join = 0, stale = 0;
	vd_cap_token_t th, copy, again;
	long tid = 0;

	vd_check(&t, stack != NULL, "a stack");
	for (unsigned i = 0; i < ROUNDS && stack; i++) {
		int32_t code = -1;

		tid = vd_thread_create(vd_self_cap(), quick, stack, STACK, i,
				       &th);
		if (vd_is_err(tid) ||
		    vd_capability_derive(th, VD_RIGHT_READ, &copy) != 0) {
			bad_create++;
			break;
		}
		if (vd_thread_join(copy, VD_TIMEOUT_INFINITE, &code) != 0 ||
		    code != (int32_t)(i & 0x7fff))
			bad_join++;
		if (vd_thread_join(th, 0, NULL) !=
		    ERR(VD_ERR_INVALID_CAPABILITY))
			stale++;
	}
	vd_check(&t, bad_create == 0,
		 "%u threads created in a %u-slot space (%u failed)", ROUNDS,
		 NSLOTS, bad_create);
	vd_check(&t, bad_join == 0, "each joined through a derived capability");
	vd_check(&t, stale == 0,
		 "the original capability died with each thread (%u did not)",
		 stale);
	vd_check(&t,
		 vd_capability_create(VD_OBJ_THREAD, (uint64_t)tid,
				      VD_RIGHT_READ,
				      &again) == ERR(VD_ERR_NOT_FOUND),
		 "no capability can be made for a joined thread");
}

/* Dropping a thread's capability does not stop it (it is detached). */
static void dropped_thread_runs_on(void)
{
	vd_cap_token_t th;
	long tid = vd_thread_create(vd_self_cap(), waits_for_go, new_stack(),
				    STACK, 0, &th);

	vd_check(&t, tid > 0, "a thread that waits");
	vd_check(&t, vd_capability_revoke(th) == 0, "its capability revoked");
	go = 1;
	for (int i = 0; i < 1000 && !done; i++)
		vd_thread_sleep(MS);
	vd_check(&t, done, "the thread ran on to its end");
	vd_check(&t,
		 vd_thread_join(th, 0, NULL) == ERR(VD_ERR_INVALID_CAPABILITY),
		 "and cannot be joined");
}

static struct vd_ipc_stats ipc_now(void)
{
	struct vd_ipc_stats st = {0};

	vd_ipc_stats(&st);
	return st;
}

/* Item 6: an endpoint or channel whose last capability goes is
 * destroyed; dropping them cannot fill the tables. */
static void endpoints_dropped(void)
{
	struct vd_ipc_stats before = ipc_now(), after;
	unsigned bad = 0, kept = 0;
	vd_cap_token_t ep, e2, ch;

	for (unsigned i = 0; i < ROUNDS; i++) {
		if (vd_is_err(vd_ipc_endpoint_create(&ep)) ||
		    vd_capability_revoke(ep) != 0) {
			bad++;
			break;
		}
		if (i % 256 == 0 && ipc_now().endpoints != before.endpoints)
			kept++;
	}
	after = ipc_now();
	vd_check(&t, bad == 0 && kept == 0,
		 "%u endpoints created and dropped (%u failed, %u kept)",
		 ROUNDS, bad, kept);
	vd_check(&t, after.endpoints == before.endpoints,
		 "none is left (%llu before, %llu after)",
		 (unsigned long long)before.endpoints,
		 (unsigned long long)after.endpoints);

	bad = 0;
	vd_ipc_endpoint_create(&ep);
	vd_ipc_endpoint_create(&e2);
	for (unsigned i = 0; i < ROUNDS / 4; i++) {
		if (vd_is_err(vd_ipc_channel_create(ep, e2, &ch)) ||
		    vd_capability_revoke(ch) != 0) {
			bad++;
			break;
		}
	}
	after = ipc_now();
	vd_check(&t, bad == 0 && after.channels == before.channels,
		 "%u channels created and dropped, none left", ROUNDS / 4);
	vd_capability_revoke(ep);
	vd_capability_revoke(e2);
	after = ipc_now();
	vd_check(&t,
		 after.endpoints == before.endpoints &&
			 after.channels == before.channels,
		 "the two endpoints went with their capabilities");
}

/* Destroying an object revokes every capability to it. */
static void destroy_revokes_copies(void)
{
	struct vd_ipc_stats before = ipc_now();
	vd_cap_token_t ep, copy, e2, ch, x;
	struct vd_ipc_regs r = {0};

	vd_ipc_endpoint_create(&ep);
	vd_ipc_endpoint_create(&e2);
	vd_capability_derive(ep, VD_RIGHT_READ | VD_RIGHT_WRITE, &copy);
	vd_check(&t, !vd_is_err(vd_ipc_channel_create(e2, ep, &ch)),
		 "endpoint, a copy of its capability, a channel to it");
	vd_check(&t, vd_ipc_endpoint_destroy(ep) == 0, "endpoint destroyed");
	vd_check(&t, vd_ipc_receive(copy, &r, 0, 0) == ERR(VD_ERR_IPC_CLOSED),
		 "the copy is revoked: receive says Closed");
	vd_check(&t,
		 vd_capability_derive(copy, VD_RIGHT_READ, &x) ==
			 ERR(VD_ERR_INVALID_CAPABILITY),
		 "and it is gone from the space");
	vd_check(&t, vd_ipc_send(ch, &r, 0, 0, 0) == ERR(VD_ERR_IPC_CLOSED),
		 "the channel to it is closed: send says Closed");
	vd_check(&t, vd_capability_revoke(ch) == ERR(VD_ERR_INVALID_CAPABILITY),
		 "its capability is revoked too");
	vd_capability_revoke(e2);
	vd_check(&t,
		 ipc_now().endpoints == before.endpoints &&
			 ipc_now().channels == before.channels,
		 "nothing left");
}

static long spawn_role(const char *role, vd_cap_token_t *cap)
{
	const char *argv[] = {"lifetime", role, NULL};

	return vd_spawn("lifetime", argv, cap);
}

static void processes(void)
{
	static const char *const idle[] = {"lifetime", "sleeper", NULL};
	struct vd_process_create_args a = {
		.path = (uintptr_t) "lifetime",
		.argv = (uintptr_t)idle,
	};
	struct vd_process_exit_info info;
	vd_cap_token_t pc, copy, x;

	/* another process can still create endpoints */
	vd_check(&t, spawn_role("peer", &pc) > 0, "spawn a peer");
	vd_capability_derive(pc, VD_RIGHT_READ, &copy);
	vd_check(&t,
		 vd_process_wait(copy, &info, 10000 * MS) == 0 &&
			 info.exit_code == 0,
		 "it created endpoints (exit %d)", (int)info.exit_code);
	vd_check(&t, vd_capability_revoke(pc) == ERR(VD_ERR_INVALID_CAPABILITY),
		 "its original capability went with it");

	/* a running child whose capability is dropped runs on, detached:
	 * no longer ours to wait for (the ktest sees it reaped) */
	long pid = spawn_role("sleeper", &pc);
	vd_check(&t, pid > 0, "spawn a sleeper");
	vd_check(&t, vd_capability_revoke(pc) == 0, "drop its capability");
	vd_check(&t,
		 vd_capability_create(VD_OBJ_PROCESS, (uint64_t)pid,
				      VD_RIGHT_READ,
				      &x) == ERR(VD_ERR_PERMISSION_DENIED),
		 "it is detached: no capability to it can be made");

	/* a child that never started cannot start any more: it goes */
	vd_check(&t, vd_process_create(&a, &pc) > 0, "create, not start");
	vd_check(&t, vd_capability_revoke(pc) == 0, "drop its capability");
	vd_check(&t, vd_process_start(pc) == ERR(VD_ERR_INVALID_CAPABILITY),
		 "it cannot be started");
}

static int role_peer(void)
{
	unsigned bad = 0;
	vd_cap_token_t ep;

	for (unsigned i = 0; i < 64; i++) {
		if (vd_is_err(vd_ipc_endpoint_create(&ep)) ||
		    vd_ipc_endpoint_destroy(ep) != 0)
			bad++;
	}
	return (int)bad;
}

static int role_sleeper(void)
{
	vd_thread_sleep(20 * MS);
	return 0;
}

static int drive(void)
{
	threads_joined_through_copies();
	dropped_thread_runs_on();
	endpoints_dropped();
	destroy_revokes_copies();
	processes();
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1 && !vd_strcmp(argv[1], "peer"))
		return role_peer();
	if (argc > 1 && !vd_strcmp(argv[1], "sleeper"))
		return role_sleeper();
	return drive();
}
