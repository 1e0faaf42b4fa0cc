/*
 * guard: hostile inputs that once got past the kernel (a syscall audit),
 * each checked to get a clean error and to leave nothing behind.
 *
 *   driver  runs every check; spawns a "peer" that creates an endpoint,
 *           says hello and never receives, and checks from its side that
 *           a capability to someone else's endpoint does not make a
 *           channel end.
 *
 * The ktest that runs it (tests/ktest/ipc_user.c) also checks that no
 * IPC object, region or region frame outlives it.
 */
#include <ipc_util.h>

#define PAGE 4096ul

static struct vd_utest t;
static vd_cap_token_t self;

/* Shared regions are mapped only where the process has nothing of its
 * own: not inside a lazy mmap (whose untouched pages have no entries),
 * and munmap / mmap cannot reach into a region's mapping -- or the
 * frames of one would be freed while the other still maps them. */
static void regions_and_mmap(void)
{
	uintptr_t a = 0x20000000;
	long id = vd_ipc_region_create(PAGE, VD_RIGHT_READ | VD_RIGHT_WRITE);
	long r;

	vd_check(&t, !vd_is_err(id), "region created");
	r = vd_mmap(self, a, 2 * PAGE, VD_PROT_READ | VD_PROT_WRITE);
	vd_check(&t, r == (long)a, "lazy mmap of 2 pages");
	*(volatile uint64_t *)(a + PAGE) = 1; /* one page present */
	vd_check(&t,
		 vd_ipc_region_map((uint64_t)id, a) ==
			 -(long)VD_ERR_MEM_ALREADY_MAPPED,
		 "a region is not mapped over an untouched mmap page");
	vd_check(&t, vd_munmap(self, a, 2 * PAGE) == 0, "munmap");

	long b = vd_ipc_region_map((uint64_t)id, 0);
	vd_check(&t, !vd_is_err(b), "region mapped anywhere");
	if (vd_is_err(b))
		return;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)b;
	*p = 0x5eed;
	vd_check(&t,
		 vd_munmap(self, (uintptr_t)b, PAGE) ==
			 -(long)VD_ERR_PERMISSION_DENIED,
		 "munmap of a region's pages is refused");
	vd_check(&t,
		 vd_mmap(self, (uintptr_t)b, PAGE,
			 VD_PROT_READ | VD_PROT_WRITE) ==
			 -(long)VD_ERR_MEM_ALREADY_MAPPED,
		 "mmap over a region's pages is refused");
	/* The page below the first region of the window is the anchor
	 * (ipc_region.c): shared by every process, claimed like a region. */
	vd_check(&t,
		 vd_mmap(self, (uintptr_t)b - PAGE, PAGE,
			 VD_PROT_READ | VD_PROT_WRITE) ==
			 -(long)VD_ERR_MEM_ALREADY_MAPPED,
		 "mmap over the region window's anchor is refused");
	vd_check(&t, *p == 0x5eed, "the region still holds its data");
	vd_check(&t, vd_ipc_region_unmap((uint64_t)id, (uintptr_t)b) == 0,
		 "region unmapped");
	r = vd_mmap(self, (uintptr_t)b, PAGE, VD_PROT_READ | VD_PROT_WRITE);
	vd_check(&t, r == b, "its range is free for mmap again");
	if (r == b)
		vd_munmap(self, (uintptr_t)b, PAGE);
	vd_check(&t, vd_ipc_region_release((uint64_t)id) == 0, "released");
}

/* A receive whose header buffer is bad fails before it takes the
 * message off the queue. */
static void receive_bad_header(void)
{
	vd_cap_token_t e1 = 0, e2 = 0, ch = 0;
	struct vd_ipc_regs r = {0};

	vd_check(&t,
		 !vd_is_err(vd_ipc_endpoint_create(&e1)) &&
			 !vd_is_err(vd_ipc_endpoint_create(&e2)) &&
			 !vd_is_err(vd_ipc_channel_create(e1, e2, &ch)),
		 "two endpoints and a channel");
	r.mr[0] = 42;
	vd_check(&t, vd_ipc_send(ch, &r, 8, 0, 0) == 0, "sent");
	vd_check(&t,
		 vd_ipc_receive(e2, &r, (struct vd_ipc_header *)0x7ff0000, 0) ==
			 -(long)VD_ERR_MEM_BAD_ADDRESS,
		 "receive into an unmapped header buffer fails");
	r.mr[0] = 0;
	vd_check(&t, vd_ipc_receive(e2, &r, NULL, 0) == 0 && r.mr[0] == 42,
		 "the message is still there");
	vd_ipc_endpoint_destroy(e1);
	vd_ipc_endpoint_destroy(e2);
}

static volatile int thread_ran;
static uint8_t thread_stack[8192] __attribute__((aligned(16)));

static void thread_fn(uintptr_t arg)
{
	(void)arg;
	thread_ran = 1;
	vd_thread_exit(0);
}

/* A thread whose capability cannot be made is not created: it must not
 * run either. */
static void thread_without_capability(void)
{
	vd_cap_token_t x, tc = 0, derived[512];
	unsigned n = 0;

	while (n < 512 && vd_capability_derive(self, VD_RIGHT_READ, &x) == 0)
		derived[n++] = x;
	long r = vd_thread_create(self, thread_fn, thread_stack,
				  sizeof(thread_stack), 0, &tc);
	vd_thread_sleep(20000000); /* 20 ms: time to run, had it started */
	vd_check(&t, vd_is_err(r) && !thread_ran,
		 "thread_create with a full capability space fails (%ld), "
		 "and the thread never runs",
		 r);
	while (n > 0)
		vd_capability_revoke(derived[--n]);
	r = vd_thread_create(self, thread_fn, thread_stack,
			     sizeof(thread_stack), 0, &tc);
	vd_check(&t,
		 r > 0 && vd_thread_join(tc, SECOND, NULL) == 0 && thread_ran,
		 "with room again, it runs");
}

/* A large message that is never delivered gives the receiver nothing to
 * keep: once the sender lets go of the region, it is gone. */
static void undelivered_large_message(vd_cap_token_t ch)
{
	struct vd_ipc_stats before;
	struct vd_ipc_regs r = {0};
	long id, st = 0;

	vd_ipc_stats(&before);
	for (int i = 0; i < VD_IPC_QUEUE_DEPTH && st == 0; i++)
		st = vd_ipc_send(ch, &r, 8, 0, 0);
	vd_check(&t, st == 0, "the peer's queue filled");
	id = vd_ipc_region_create(16 * PAGE, VD_RIGHT_READ | VD_RIGHT_WRITE);
	r.mr[0] = (uint64_t)id;
	r.mr[1] = 0;
	r.mr[2] = PAGE;
	vd_check(&t,
		 vd_ipc_send(ch, &r, VD_IPC_INFO_LARGE, 0, 0) ==
			 -(long)VD_ERR_IPC_QUEUE_FULL,
		 "a large message to a full queue is refused");
	vd_check(&t, vd_ipc_region_release((uint64_t)id) == 0, "released");
	ipc_check_regions_back(&t, &before, "the region went with it");
}

static int role_peer(void)
{
	vd_cap_token_t ep, to_parent, ch;
	struct vd_ipc_regs r = {0};

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	/* our capability to the parent's endpoint has every right, but
	 * the endpoint is not ours: no channel with it as our end */
	if (vd_ipc_channel_create(ipc_parent_cap(), ep, &ch) !=
	    -(long)VD_ERR_PERMISSION_DENIED)
		return 2;
	for (;;) /* never receive: the driver fills our queue */
		vd_thread_sleep(SECOND);
	(void)r;
}

static int drive(void)
{
	static const char *const argv[] = {"guard", "peer", NULL};
	vd_cap_token_t ep, peer, pcap, ch;
	struct vd_process_exit_info info;

	t.prog = "guard";
	self = vd_self_cap();
	regions_and_mmap();
	receive_bad_header();
	thread_without_capability();
	vd_ipc_endpoint_create(&ep);
	vd_check(&t, ipc_spawn("guard", argv, ep, &pcap) > 0, "spawn");
	vd_check(&t, ipc_await_hello(ep, &peer, NULL) == 0,
		 "the peer said hello (it made no channel from our endpoint)");
	vd_check(&t, vd_ipc_channel_create(ep, peer, &ch) >= 0, "channel");
	undelivered_large_message(ch);
	vd_check(&t,
		 vd_process_terminate(pcap, 9) == 0 &&
			 vd_process_wait(pcap, &info, 10 * SECOND) == 0 &&
			 info.exit_code == 9,
		 "the peer ended");
	vd_ipc_endpoint_destroy(ep);
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	return ipc_peer_or_driver(argc, argv, role_peer, drive);
}
