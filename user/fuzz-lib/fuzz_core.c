/*
 * The fuzzer's core: random numbers, the ring of the last FZ_RING calls,
 * and the wrappers every call goes through.  A wrapper records the call
 * (number, arguments, result) and checks the result: a success, or one
 * of the error codes docs/syscall-abi.md lists for that number.  Any
 * other result is a failure: the ring is printed and the process exits
 * with FZ_EXIT_FAIL, which its parent (and at the top, the ktest)
 * reports.
 */
#include "fuzz.h"

struct fz_config fz_cfg;
vd_cap_token_t fz_self, fz_home_ep, fz_parent_ep;
volatile uint64_t fz_done_calls;
volatile int fz_stop;

struct fz_ring_entry {
	uint64_t seq;
	uint32_t nr, thr;
	uint64_t a[6];
	long ret;
};
static struct fz_ring_entry ring[FZ_RING];
static volatile uint64_t ring_next;
static volatile int pool_lock;
static volatile int failing;

uint64_t fz_rand(struct fz_thr *t)
{
	/* xorshift64* */
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A seed for a derived stream (a child, a thread): splitmix64. */
uint64_t fz_mix(uint64_t a, uint64_t b)
{
	uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 1;
}

void fz_lock(void)
{
	while (__atomic_exchange_n(&pool_lock, 1, __ATOMIC_ACQUIRE))
		vd_thread_yield();
}

void fz_unlock(void)
{
	__atomic_store_n(&pool_lock, 0, __ATOMIC_RELEASE);
}

/* ---- which errors each number may return (docs/syscall-abi.md) ---- */

#define E(x) FZ_E(VD_ERR_##x)
/* every call that takes a token or a pointer, or allocates */
#define COMMON                                                                 \
	(E(INVALID_PARAMETER) | E(INVALID_CAPABILITY) | E(PERMISSION_DENIED) | \
	 E(MEM_BAD_ADDRESS) | E(MEM_FAULT) | E(OUT_OF_MEMORY) |                \
	 E(RESOURCE_EXHAUSTED) | E(NOT_FOUND))
#define IPC                                                                    \
	(E(IPC_CLOSED) | E(IPC_QUEUE_FULL) | E(IPC_MSG_TOO_LARGE) |            \
	 E(IPC_BAD_REPLY_TOKEN) | E(IPC_PEER_DIED) | E(TIMEOUT))

static uint64_t allowed(unsigned nr)
{
	switch (nr) {
	case VD_SYS_NULL:
	case VD_SYS_THREAD_YIELD:
	case VD_SYS_THREAD_SLEEP:
		return 0;
	case VD_SYS_READ:
	case VD_SYS_WRITE:
	case VD_SYS_PROCESS_CREATE:
	case VD_SYS_PROCESS_TERMINATE:
	case VD_SYS_PROCESS_LIMITS:
	case VD_SYS_THREAD_CREATE:
	case VD_SYS_CAPABILITY_CREATE:
	case VD_SYS_CAPABILITY_DERIVE:
	case VD_SYS_CAPABILITY_REVOKE:
	case VD_SYS_IPC_DEBUG:
	case VD_SYS_THREAD_INFO:
	case VD_SYS_FILE_OPEN:
	case VD_SYS_TRACE_READ:
		return COMMON;
	case VD_SYS_MMAP:
	case VD_SYS_MUNMAP:
		return COMMON | E(MEM_ALREADY_MAPPED) | E(MEM_NOT_MAPPED);
	case VD_SYS_PROCESS_START:
		return COMMON | E(BUSY);
	case VD_SYS_PROCESS_WAIT:
	case VD_SYS_THREAD_JOIN:
		return COMMON | E(BUSY) | E(TIMEOUT);
	case VD_SYS_IPC_SEND:
	case VD_SYS_IPC_RECEIVE:
	case VD_SYS_IPC_CALL:
	case VD_SYS_IPC_REPLY:
	case VD_SYS_IPC_ENDPOINT_CREATE:
	case VD_SYS_IPC_ENDPOINT_DESTROY:
	case VD_SYS_IPC_CHANNEL_CREATE:
	case VD_SYS_IPC_CHANNEL_CLOSE:
		return COMMON | IPC;
	case VD_SYS_IPC_REGION_CREATE:
	case VD_SYS_IPC_REGION_MAP:
	case VD_SYS_IPC_REGION_UNMAP:
	case VD_SYS_IPC_REGION_TRANSFER:
	case VD_SYS_IPC_REGION_RELEASE:
		return COMMON | IPC | E(MEM_ALREADY_MAPPED) |
		       E(MEM_NOT_MAPPED) | E(BUSY);
	default: /* unknown numbers */
		return E(NOT_FOUND);
	}
}

static struct fz_ring_entry *record(unsigned nr, const uint64_t a[6])
{
	uint64_t seq = __atomic_fetch_add(&ring_next, 1, __ATOMIC_RELAXED);
	struct fz_ring_entry *e = &ring[seq % FZ_RING];

	e->seq = seq;
	e->nr = nr;
	e->thr = 0;
	for (int i = 0; i < 6; i++)
		e->a[i] = a[i];
	e->ret = 0x7fffffff; /* in flight */
	return e;
}

static void check(unsigned nr, long r)
{
	__atomic_fetch_add(&fz_done_calls, 1, __ATOMIC_RELAXED);
	if (r >= 0 || !vd_is_err(r))
		return;
	if (-r >= 64 || !(allowed(nr) & FZ_E(-r)))
		fz_fail("syscall %u returned %ld (%s), not a documented error",
			nr, r, vd_strerror((vd_err_t)-r));
}

long fz_sys(unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	    uint64_t a4, uint64_t a5)
{
	const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
	struct fz_ring_entry *e = record(nr, a);
	long r = vd_syscall6(nr, (long)a0, (long)a1, (long)a2, (long)a3,
			     (long)a4, (long)a5);

	e->ret = r;
	check(nr, r);
	return r;
}

long fz_ipc(unsigned nr, struct vd_ipc_regs *r)
{
	const uint64_t a[6] = {r->a0, r->a1, r->a2, r->a3, r->mr[0], r->mr[1]};
	struct fz_ring_entry *e = record(nr, a);
	long st = vd_ipc_sys(nr, r);

	e->ret = st;
	check(nr, st);
	return st;
}

void fz_ring_print(void)
{
	uint64_t end = __atomic_load_n(&ring_next, __ATOMIC_RELAXED);
	uint64_t start = end > FZ_RING ? end - FZ_RING : 0;

	printf("fuzz[%llu]: the last %llu calls (number: arguments -> "
	       "result)\n",
	       (unsigned long long)(vd_start ? vd_start->pid : 0),
	       (unsigned long long)(end - start));
	for (uint64_t s = start; s < end; s++) {
		const struct fz_ring_entry *e = &ring[s % FZ_RING];

		printf("  #%llu %u: %llx %llx %llx %llx %llx %llx -> %ld\n",
		       (unsigned long long)e->seq, e->nr,
		       (unsigned long long)e->a[0], (unsigned long long)e->a[1],
		       (unsigned long long)e->a[2], (unsigned long long)e->a[3],
		       (unsigned long long)e->a[4], (unsigned long long)e->a[5],
		       e->ret);
	}
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	/* one thread reports; the others stop at their next failure */
	if (__atomic_exchange_n(&failing, 1, __ATOMIC_ACQ_REL)) {
		for (;;)
			vd_thread_sleep(SEC);
	}
	printf("fuzz[%llu]: FAIL (run seed %llu, this process's %llu): ",
	       (unsigned long long)(vd_start ? vd_start->pid : 0),
	       (unsigned long long)fz_cfg.root_seed,
	       (unsigned long long)fz_cfg.seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fz_ring_print();
	vd_exit(FZ_EXIT_FAIL);
}

void fz_expect(long r, uint64_t mask, const char *what)
{
	uint64_t bit = r >= 0 || !vd_is_err(r) ? FZ_OK : -r < 64 ? FZ_E(-r) : 0;

	if (!(mask & bit))
		fz_fail("%s: got %ld (%s)", what, r,
			r < 0 ? vd_strerror((vd_err_t)-r) : "success");
}
