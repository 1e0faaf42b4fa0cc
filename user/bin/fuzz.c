/*
 * fuzz: the project's random-syscall fuzzer (docs/syscall-fuzzer.md).
 *
 *   fuzz [seed=S] [calls=N] [procs=P] [threads=T] [avoid=MASK]
 *        [fate=F] [depth=D]
 *
 * Seeded and stateful: it creates endpoints, channels, regions, mappings,
 * threads, child processes and capabilities, keeps them in a pool (dead
 * ones too), and calls every syscall on them and on garbage -- use after
 * close and revoke, double replies, stale and forged tokens, kernel,
 * unmapped and misaligned pointers, huge lengths, buffers another thread
 * unmaps mid-call, regions moved away while mapped.  T threads share
 * the pool; the root starts P-1 copies of itself (derived seeds) and
 * every copy spawns short-lived ones with a fate (a deliberate fault,
 * terminating itself, SYS_EXIT from a worker thread).
 *
 * Every result must be a success or an error docs/syscall-abi.md lists
 * for that call, and a few oracles check answers (fuzz_ipc.c,
 * fuzz_ops.c).  On a failure the process prints the seed, what failed
 * and its last 64 calls, and exits with FZ_EXIT_FAIL; its parent fails
 * in turn, up to the root, whose exit the ktest (tests/ktest/fuzz.c)
 * checks before checking the kernel's accounting.
 *
 * avoid=MASK steers clear of the known bugs of issue 11 (FZ_KB_* in
 * user/fuzz-lib/fuzz.h); avoid=0 goes looking for them.
 */
#include <fuzz.h>
#include <ipc_util.h>

static uint8_t worker_stacks[FZ_THREADS_MAX][FZ_STACK]
	__attribute__((aligned(16)));
static struct fz_thr thr[FZ_THREADS_MAX];
static uint64_t fate_at; /* the call count at which the fate strikes */

static uint64_t num(const char *s)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned d =
			*s >= '0' && *s <= '9'	 ? (unsigned)(*s - '0')
			: *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
			: *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10)
						 : 99;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

static bool parse(int argc, char **argv)
{
	fz_cfg.calls = 10000;
	fz_cfg.procs = 2;
	fz_cfg.threads = 3;
	fz_cfg.avoid = FZ_AVOID_DEFAULT;
	fz_cfg.root = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = a;

		while (*eq && *eq != '=')
			eq++;
		if (!*eq)
			return false;
		uint64_t v = num(eq + 1);
		size_t n = (size_t)(eq - a);
#define KEY(k) (n == sizeof(k) - 1 && !vd_memcmp(a, k, n))
		if (KEY("seed"))
			fz_cfg.seed = v;
		else if (KEY("calls"))
			fz_cfg.calls = v;
		else if (KEY("procs"))
			fz_cfg.procs = (unsigned)VD_MIN(VD_MAX(v, 1), 32);
		else if (KEY("threads"))
			fz_cfg.threads =
				(unsigned)VD_MIN(VD_MAX(v, 1), FZ_THREADS_MAX);
		else if (KEY("avoid"))
			fz_cfg.avoid = (uint32_t)v;
		else if (KEY("root"))
			fz_cfg.root_seed = v;
		else if (KEY("ring"))
			fz_cfg.ring = v != 0;
		else if (KEY("fate"))
			fz_cfg.fate = (unsigned)v;
		else if (KEY("depth")) {
			fz_cfg.depth = (unsigned)v;
			fz_cfg.root = v == 0;
		} else
			return false;
#undef KEY
	}
	return true;
}

void fz_one_op(struct fz_thr *t)
{
	if (fz_chance(t, 2))
		fz_op_ipc(t);
	else
		fz_op_other(t);
}

/* A child's fate, once: at a random point of its run, from a worker. */
static void maybe_fate(struct fz_thr *t)
{
	if (fz_cfg.fate == FZ_FATE_NORMAL || fz_done_calls < fate_at)
		return;
	switch (fz_cfg.fate) {
	case FZ_FATE_FAULT:
		*(volatile uint64_t *)8 = 1;
		break;
	case FZ_FATE_SELFTERM:
		fz_sys(VD_SYS_PROCESS_TERMINATE, vd_self_cap(),
		       FZ_CODE_SELFTERM, 0, 0, 0, 0);
		break;
	case FZ_FATE_EXIT:
		vd_exit(FZ_CODE_EXITED);
	}
	fz_fail("fate %u did not end the process", fz_cfg.fate);
	(void)t;
}

static void run(struct fz_thr *t)
{
	while (!fz_stop && fz_done_calls < fz_cfg.calls) {
		fz_one_op(t);
		if (t->worker && t->idx > 0)
			maybe_fate(t);
	}
}

static void worker(uintptr_t i)
{
	run(&thr[i]);
	vd_thread_exit(0);
}

/* The objects every process starts with: a copy of its own capability
 * (so that revoking pool tokens never costs it its lifeline), the home
 * endpoint (never destroyed: children's hellos), a page with a hole
 * after it (buffers that fault part of the way). */
static void setup(struct fz_thr *t)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t weak;
	uint64_t edge = 0x4f000000;

	if (vd_is_err(fz_sys(VD_SYS_CAPABILITY_DERIVE, vd_self_cap(),
			     VD_RIGHTS_ALL, (uint64_t)(uintptr_t)&fz_self, 0, 0,
			     0)) ||
	    vd_is_err(fz_sys(VD_SYS_IPC_ENDPOINT_CREATE,
			     (uint64_t)(uintptr_t)&fz_home_ep, 0, 0, 0, 0,
			     0))) {
		/* a leaf whose parent lowered its limits may have no room:
		 * nothing to fuzz with, and nothing wrong */
		if (fz_cfg.root)
			fz_fail("setup: no self capability or home endpoint");
		vd_exit(FZ_EXIT_OK);
	}
	if (fz_sys(VD_SYS_MMAP, fz_self, edge, VD_PAGE_SIZE,
		   VD_PROT_READ | VD_PROT_WRITE, 0, 0) == (long)edge)
		fz_edge = edge;
	fz_parent_ep = fz_cfg.root ? 0 : ipc_parent_cap();
	if (!fz_parent_ep)
		return;
	/* hello: a channel to the parent and a capability for our home */
	struct fz_obj ch = {.live = true};
	if (vd_is_err(fz_sys(VD_SYS_IPC_CHANNEL_CREATE, fz_home_ep,
			     fz_parent_ep, (uint64_t)(uintptr_t)&ch.tok, 0, 0,
			     0)) ||
	    vd_is_err(fz_sys(VD_SYS_CAPABILITY_DERIVE, fz_home_ep,
			     VD_RIGHT_WRITE | VD_RIGHT_GRANT,
			     (uint64_t)(uintptr_t)&weak, 0, 0, 0)))
		return;
	fz_put(t, FZ_CH, &ch);
	r.a0 = ch.tok;
	r.a1 = 8;
	r.a2 = weak;
	r.mr[0] = IPC_HELLO;
	fz_ipc(VD_SYS_IPC_SEND, &r);
}

int main(int argc, char **argv, char **envp)
{
	struct fz_thr *t = &thr[0];
	vd_cap_token_t wcaps[FZ_THREADS_MAX];
	struct vd_process_exit_info unused;
	unsigned nthreads;

	(void)envp;
	(void)unused;
	if (!parse(argc, argv)) {
		printf("usage: fuzz [seed=S] [calls=N] [procs=P] [threads=T] "
		       "[avoid=MASK]\n");
		return FZ_EXIT_USAGE;
	}
	if (fz_cfg.seed == 0)
		fz_cfg.seed = fz_mix(vd_ipc_cycles(), vd_start->pid);
	if (fz_cfg.root)
		fz_cfg.root_seed = fz_cfg.seed;
	if (fz_cfg.root) {
		printf("fuzz: seed %llu calls %llu procs %u threads %u "
		       "avoid 0x%x\n",
		       (unsigned long long)fz_cfg.seed,
		       (unsigned long long)fz_cfg.calls, fz_cfg.procs,
		       fz_cfg.threads, fz_cfg.avoid);
		fz_cfg.calls /= fz_cfg.procs; /* each process's share */
	}
	for (unsigned i = 0; i < FZ_THREADS_MAX; i++) {
		thr[i].idx = i;
		thr[i].rng = fz_mix(fz_cfg.seed, i);
		thr[i].worker = true;
	}
	fate_at =
		fz_cfg.calls / 4 + fz_below(t, (unsigned)fz_cfg.calls / 2 + 1);
	setup(t);
	if (fz_cfg.root)
		for (unsigned i = 1; i < fz_cfg.procs; i++)
			if (fz_spawn_child(t, fz_cfg.calls, FZ_FATE_NORMAL,
					   true) != 0)
				fz_fail("cannot start fuzz process %u", i);
	nthreads = fz_cfg.threads;
	for (unsigned i = 1; i < fz_cfg.threads; i++)
		if (vd_is_err(fz_sys(VD_SYS_THREAD_CREATE, fz_self,
				     (uint64_t)(uintptr_t)worker,
				     (uint64_t)(uintptr_t)worker_stacks[i],
				     FZ_STACK, i,
				     (uint64_t)(uintptr_t)&wcaps[i]))) {
			if (fz_cfg.root)
				fz_fail("cannot start worker thread %u", i);
			nthreads = i; /* lowered limits: fewer threads */
			break;
		}
	run(t);
	fz_stop = 1;
	for (unsigned i = 1; i < nthreads; i++) {
		long r = fz_sys(VD_SYS_THREAD_JOIN, wcaps[i], 60 * SEC, 0, 0, 0,
				0);
		/* (another thread may have joined it through a capability
		 * it made: only a worker that does not end is a failure) */
		if (r == -(long)VD_ERR_TIMEOUT)
			fz_fail("worker thread %u cannot be joined: %ld", i, r);
	}
	fz_reap_children(t);
	if (fz_cfg.root) {
		printf("fuzz: done, %llu calls in this process\n",
		       (unsigned long long)fz_done_calls);
		if (fz_cfg.ring)
			fz_ring_print();
	}
	return FZ_EXIT_OK;
}
