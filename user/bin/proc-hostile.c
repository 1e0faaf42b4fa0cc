/*
 * proc-hostile: hostile sequences around processes, threads, capabilities
 * and lazily backed memory, each once found to lose a result, leak or
 * kill (issue 11).  Run by tests/ktest/proc_hostile.c, which also checks
 * that processes, threads, heap, frames, the commit pool and capabilities
 * are back to their baseline afterwards.
 *
 *   driver          every check below but the commit one (default)
 *   commit          lazily mapped memory after a hog took every frame;
 *                   the ktest first takes most of the machine's memory
 *                   itself, so that the hog runs the machine out of
 *                   frames before it reaches its own memory limit
 *                   (limits.h: half of the RAM for a root's tree)
 *   sleep           sleeps 10 s (a child to be terminated)
 *   self-terminate  terminates itself with code 42 through its own
 *                   process capability, while its parent waits
 *   hog             takes every frame it can get with mmap and keeps
 *                   taking what comes free, until it is terminated
 */
#include <ipc_util.h>

#define PAGE  4096ul
#define MS    1000000ull
#define RW    (VD_PROT_READ | VD_PROT_WRITE)
#define STACK 16384

static struct vd_utest t = {.prog = "proc-hostile"};
static vd_cap_token_t self;

static uint8_t stack_a[STACK] __attribute__((aligned(16)));
static uint8_t stack_b[STACK] __attribute__((aligned(16)));

/* ---- the helper thread that pulls a buffer away mid-call ---- */

static volatile uintptr_t victim;     /* the page it unmaps */
static volatile vd_cap_token_t child; /* then terminates this, or */
static volatile int go;		      /* sets this */

static void unmapper(uintptr_t end_child)
{
	vd_thread_sleep(20 * MS); /* let the main thread block first */
	vd_munmap(self, victim, PAGE);
	if (end_child)
		vd_process_terminate(child, 77);
	else
		go = 1;
	vd_thread_exit(0);
}

static void waits_for_go(uintptr_t arg)
{
	(void)arg;
	while (!go)
		vd_thread_sleep(MS);
	vd_thread_exit(55);
}

static uintptr_t touched_page(void)
{
	long a = vd_mmap(self, 0, PAGE, RW);

	if (vd_is_err(a))
		return 0;
	*(volatile uint64_t *)a = 1;
	return (uintptr_t)a;
}

static bool start_thread(void (*fn)(uintptr_t), uint8_t *stack, uintptr_t arg,
			 vd_cap_token_t *cap)
{
	return vd_thread_create(self, fn, stack, STACK, arg, cap) > 0;
}

/* Bug 2: the child was reaped although the copy-out failed, and its exit
 * was gone.  The exit must stay for the next wait. */
static void wait_keeps_exit_if_buffer_unmapped(void)
{
	static const char *const argv[] = {"proc-hostile", "sleep", NULL};
	struct vd_process_exit_info info;
	vd_cap_token_t c = 0, u = 0;
	long r;

	victim = touched_page();
	r = vd_spawn("proc-hostile", argv, &c);
	child = c;
	if (!vd_check(&t, victim && !vd_is_err(r), "spawned a sleeper") ||
	    !vd_check(&t, start_thread(unmapper, stack_a, 1, &u),
		      "started the unmapper"))
		return;
	r = vd_process_wait(c, (struct vd_process_exit_info *)victim,
			    10000 * MS);
	vd_check(&t, r == -(long)VD_ERR_MEM_FAULT,
		 "wait into a buffer unmapped meanwhile fails (%ld)", r);
	vd_thread_join(u, VD_TIMEOUT_INFINITE, NULL);
	vd_memset(&info, 0, sizeof(info));
	r = vd_process_wait(c, &info, 10000 * MS);
	vd_check(&t,
		 r == 0 && info.exit_code == 77 &&
			 info.exit_reason == VD_EXIT_KILLED,
		 "the next wait still gets the exit (%ld, code %d)", r,
		 (int)info.exit_code);
	vd_check(&t,
		 vd_process_wait(c, &info, 0) ==
			 -(long)VD_ERR_INVALID_CAPABILITY,
		 "and then the child is gone");
}

/* Bug 2, for threads: the same with thread_join's exit code. */
static void join_keeps_code_if_buffer_unmapped(void)
{
	vd_cap_token_t w = 0, u = 0;
	int32_t code = 0;
	long r;

	go = 0;
	victim = touched_page();
	if (!vd_check(&t,
		      victim && start_thread(waits_for_go, stack_a, 0, &w) &&
			      start_thread(unmapper, stack_b, 0, &u),
		      "started a worker and the unmapper"))
		return;
	r = vd_thread_join(w, 10000 * MS, (int32_t *)victim);
	vd_check(&t, r == -(long)VD_ERR_MEM_FAULT,
		 "join into a buffer unmapped meanwhile fails (%ld)", r);
	vd_thread_join(u, VD_TIMEOUT_INFINITE, NULL);
	r = vd_thread_join(w, 10000 * MS, &code);
	vd_check(&t, r == 0 && code == 55,
		 "the next join still gets the code (%ld, code %d)", r,
		 (int)code);
	vd_check(&t,
		 vd_thread_join(w, 0, &code) ==
			 -(long)VD_ERR_INVALID_CAPABILITY,
		 "and then the thread is gone");
}

/* Bug 5: a process terminating itself while its parent waits (the leak
 * itself is seen by the ktest: process count and heap). */
static void self_termination(void)
{
	static const char *const argv[] = {"proc-hostile", "self-terminate",
					   NULL};
	struct vd_process_exit_info info = {0};

	for (int i = 0; i < 4; i++) {
		long r = vd_run("proc-hostile", argv, &info);
		vd_check(
			&t,
			r == 0 && info.exit_reason == VD_EXIT_KILLED &&
				info.exit_code == 42,
			"a self-terminated child is reaped with its code (%ld)",
			r);
	}
}

/* Free slots in our capability space: derive from `from` until full. */
static unsigned free_slots(vd_cap_token_t from)
{
	static vd_cap_token_t got[VD_CAP_DEFAULT_SLOTS];
	unsigned n = 0;

	while (n < VD_CAP_DEFAULT_SLOTS &&
	       vd_capability_derive(from, VD_RIGHT_READ, &got[n]) == 0)
		n++;
	for (unsigned i = 0; i < n; i++)
		vd_capability_revoke(got[i]);
	return n;
}

static volatile int racing, flapping;

/* Maps and unmaps `victim` for as long as `racing` is set, for uneven
 * stretches, so that calls on the other CPU meet every phase. */
static void flapper(uintptr_t arg)
{
	(void)arg;
	for (unsigned i = 0; racing; i++) {
		vd_mmap(self, victim, PAGE, RW);
		flapping = 1;
		for (volatile unsigned k = 0; k < (i * 7919u) % 3000u; k++)
			;
		vd_thread_yield(); /* if we share a CPU: the caller's turn */
		vd_munmap(self, victim, PAGE);
		for (volatile unsigned k = 0; k < (i * 104729u) % 3000u; k++)
			;
		vd_thread_yield();
	}
	vd_thread_exit(0);
}

/* Bug 9b: a capability minted for a token that could not be copied out
 * stayed in its slot.  An unmapped output never mints; an output pulled
 * away between the check and the copy is revoked.  Successful derives are
 * children of `root`, so they go with it; a leaked one would be a slot
 * we cannot name -- the count of free slots tells. */
static void minted_tokens_are_not_lost(void)
{
	vd_cap_token_t *nowhere = (vd_cap_token_t *)0x7ff0000;
	vd_cap_token_t root = 0, f = 0;
	unsigned before, ok = 0, faults = 0;
	bool clean = true;
	long r;

	r = vd_capability_derive(self, VD_RIGHT_READ | VD_RIGHT_GRANT, &root);
	if (!vd_check(&t, r == 0, "derived a root to derive from"))
		return;
	before = free_slots(root);
	for (int i = 0; i < 64; i++) {
		clean &= vd_capability_derive(root, VD_RIGHT_READ, nowhere) ==
			 -(long)VD_ERR_MEM_FAULT;
		clean &= vd_capability_create(VD_OBJ_PROCESS, vd_start->pid,
					      VD_RIGHT_READ, nowhere) ==
			 -(long)VD_ERR_MEM_FAULT;
		clean &= vd_ipc_endpoint_create(nowhere) ==
			 -(long)VD_ERR_MEM_FAULT;
	}
	vd_check(&t, clean,
		 "derive, create, endpoint_create into an "
		 "unmapped token fail with Fault");
	vd_check(&t, free_slots(root) == before, "and take no slot (%u free)",
		 before);

	/* the race: another thread maps and unmaps the output meanwhile.
	 * The window between the kernel's check and its copy is hit only
	 * while the two threads run on different CPUs, which nothing here
	 * can force: the slot count after is what must hold either way. */
	victim = 0x0ff00000; /* below where mmap looks by itself */
	racing = 1;
	if (!vd_check(&t, start_thread(flapper, stack_a, 0, &f),
		      "started the flapper"))
		return;
	while (!flapping)
		vd_thread_yield();
	for (int i = 0;
	     i < 200000 && ok < before / 2 && (ok < 32 || faults < 32); i++) {
		r = vd_capability_derive(root, VD_RIGHT_READ,
					 (vd_cap_token_t *)victim);
		ok += r == 0;
		faults += r == -(long)VD_ERR_MEM_FAULT;
		if (i % 8 == 7)
			vd_thread_yield(); /* if we share a CPU: its turn */
	}
	racing = 0;
	vd_thread_join(f, VD_TIMEOUT_INFINITE, NULL);
	vd_munmap(self, victim, PAGE); /* if it was left mapped */
	vd_check(&t, ok > 0 && faults > 0,
		 "derives raced the unmaps: %u delivered, %u faulted", ok,
		 faults);
	vd_check(&t, free_slots(root) == before - ok,
		 "derives racing an unmap leave no unnamed slot");
	vd_capability_revoke(root);
}

/* A process or thread created with no token pointer took a slot under a
 * token nobody saw: the thread could never be joined (nor reaped: a
 * capability to it still existed), the process never started nor waited
 * for, each until we exit.  No pointer, no object: InvalidParameter, as
 * for SYS_CAPABILITY_CREATE. */
static void create_needs_a_token_out(void)
{
	static const char *const argv[] = {"proc-hostile", "sleep", NULL};
	struct vd_process_create_args a = {
		.path = (uintptr_t) "proc-hostile",
		.argv = (uintptr_t)argv,
	};
	vd_cap_token_t root = 0;
	unsigned before;
	long r, p;

	r = vd_capability_derive(self, VD_RIGHT_READ | VD_RIGHT_GRANT, &root);
	if (!vd_check(&t, r == 0, "derived a root to count slots with"))
		return;
	before = free_slots(root);
	r = vd_thread_create(self, waits_for_go, stack_a, STACK, 0, NULL);
	p = vd_process_create(&a, NULL);
	vd_check(&t,
		 r == -(long)VD_ERR_INVALID_PARAMETER &&
			 p == -(long)VD_ERR_INVALID_PARAMETER,
		 "thread and process create with no token out fail with "
		 "InvalidParameter (%ld, %ld)",
		 r, p);
	vd_check(&t, free_slots(root) == before,
		 "and take no slot (%u free before)", before);
	if (r > 0) { /* the old kernel ran it: let it end */
		go = 1;
		vd_thread_sleep(20 * MS);
		go = 0;
	}
	vd_capability_revoke(root);
}

/* Bug 7: a first touch of lazily mapped memory after another process took
 * every frame must not kill: the frames were set aside at mmap. */
static void lazy_memory_is_committed(void)
{
	static const char *const argv[] = {"proc-hostile", "hog", NULL};
	struct vd_process_exit_info info = {0};
	const size_t pages = 64;
	vd_cap_token_t hog = 0;
	long a = vd_mmap(self, 0, pages * PAGE, RW), r = 0;
	bool exhausted = false, same = true;

	if (!vd_check(&t, !vd_is_err(a), "lazy mmap of %zu pages", pages))
		return;
	r = vd_spawn("proc-hostile", argv, &hog);
	if (!vd_check(&t, !vd_is_err(r), "spawned a hog"))
		return;
	/* the hog never gives back: once mmaps of ours keep failing, it
	 * holds everything there is (one failure alone may be a moment
	 * when the hog's own charge is under way and then undone) */
	for (int i = 0, fails = 0; i < 4000 && !exhausted; i++) {
		r = vd_mmap(self, 0, PAGE, RW);
		if (vd_is_err(r)) {
			exhausted = ++fails == 5 ||
				    r != -(long)VD_ERR_OUT_OF_MEMORY;
		} else {
			fails = 0;
			vd_munmap(self, (uintptr_t)r, PAGE);
		}
		vd_thread_sleep(10 * MS);
	}
	vd_check(&t, exhausted && r == -(long)VD_ERR_OUT_OF_MEMORY,
		 "memory exhausted: mmap fails up front with OutOfMemory "
		 "(%ld)",
		 r);
	/* every page we were promised is there */
	for (size_t i = 0; i < pages; i++)
		((volatile uint64_t *)(a + i * PAGE))[i] = 0xc0ffee00 + i;
	for (size_t i = 0; i < pages; i++)
		same &= ((volatile uint64_t *)(a + i * PAGE))[i] ==
			0xc0ffee00 + i;
	vd_check(&t, same,
		 "with no frame free, first touches of the "
		 "committed pages work");
	r = vd_run("hello", NULL, &info);
	vd_check(&t, r == -(long)VD_ERR_OUT_OF_MEMORY,
		 "a process cannot be created now: OutOfMemory (%ld)", r);
	vd_process_terminate(hog, 9);
	r = vd_process_wait(hog, &info, 10000 * MS);
	vd_check(&t,
		 r == 0 && info.exit_reason == VD_EXIT_KILLED &&
			 info.exit_code == 9,
		 "the hog was never killed by a fault: terminated (%ld, %s)", r,
		 info.exit_reason == VD_EXIT_KILLED ? "killed" : "other");
	r = vd_mmap(self, 0, PAGE, RW);
	vd_check(&t, !vd_is_err(r), "memory is back");
	if (!vd_is_err(r))
		vd_munmap(self, (uintptr_t)r, PAGE);
	vd_check(&t, vd_munmap(self, (uintptr_t)a, pages * PAGE) == 0,
		 "munmap");
}

static int driver(void)
{
	self = vd_self_cap();
	wait_keeps_exit_if_buffer_unmapped();
	join_keeps_code_if_buffer_unmapped();
	self_termination();
	minted_tokens_are_not_lost();
	create_needs_a_token_out();
	return vd_utest_done(&t);
}

/* Take every frame: halve the request on OutOfMemory, touch every page
 * of every grant (a kernel that promised less than it had would kill us
 * here, or the driver later), then keep taking single pages as they
 * come free. */
static int hog(void)
{
	size_t chunk = VD_MMAP_MAX;

	self = vd_self_cap();
	for (;;) {
		long a = vd_mmap(self, 0, chunk, RW);

		if (!vd_is_err(a)) {
			for (size_t off = 0; off < chunk; off += PAGE)
				*(volatile uint64_t *)(a + off) = 1;
			continue;
		}
		if (a != -(long)VD_ERR_OUT_OF_MEMORY)
			return 2; /* not the answer a full machine gives */
		if (chunk > PAGE)
			chunk /= 2;
		else
			vd_thread_sleep(2 * MS);
	}
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1 && !vd_strcmp(argv[1], "sleep")) {
		vd_thread_sleep(10000 * MS);
		return 0;
	}
	if (argc > 1 && !vd_strcmp(argv[1], "self-terminate")) {
		vd_thread_sleep(10 * MS); /* the parent is waiting by now */
		vd_process_terminate(vd_self_cap(), 42);
		return 1; /* not reached */
	}
	if (argc > 1 && !vd_strcmp(argv[1], "hog"))
		return hog();
	if (argc > 1 && !vd_strcmp(argv[1], "commit")) {
		self = vd_self_cap();
		lazy_memory_is_committed();
		return vd_utest_done(&t);
	}
	return driver();
}
