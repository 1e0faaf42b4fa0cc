/*
 * The project's random-syscall fuzzer (user/bin/fuzz.c,
 * docs/syscall-fuzzer.md): what its parts share.
 *
 *   fuzz_core.c   random numbers, the ring of the last 64 calls, the call
 *                 wrappers that record every call and check its result
 *                 against the documented error codes, failure reports
 *   fuzz_pool.c   the pool of objects the process made (endpoints,
 *                 channels, regions, mappings, threads, children,
 *                 capabilities, reply tokens), live and dead, and the
 *                 garbage (forged tokens, bad pointers and lengths)
 *   fuzz_ipc.c    operations on IPC objects and messages
 *   fuzz_ops.c    operations on memory, threads, capabilities, and raw
 *                 garbage syscalls
 *   fuzz_proc.c   child processes: copies of the fuzzer
 *   fuzz_reply.c  a reply-and-receive on a dead endpoint (issue 11, 4)
 *
 * Every process of a run (the root the ktest starts, and the copies of
 * itself it spawns) runs several threads over one shared pool: a thread
 * takes an object under the pool lock and makes the call without it, so
 * another thread may close, revoke or unmap the object mid-call.
 */
#ifndef VD_FUZZ_H
#define VD_FUZZ_H

#include <ipc.h>
#include <vd.h>

/*
 * Known bugs of issue 11 the fuzzer steers clear of, one bit each: with
 * the bit set the fuzzer avoids (or tolerates) the sequence that shows
 * the bug; cleared, it goes looking for it.  Turn a bit off in
 * FZ_AVOID_DEFAULT once the fix is merged.
 */
#define FZ_KB_PROVISIONAL_REGION                                               \
	(1u << 0) /* 1: large msg about a provisional region */
#define FZ_KB_WAIT_BUFFER                                                      \
	(1u << 1)		    /* 2: wait/join buffer unmapped mid-wait   \
				     */
#define FZ_KB_RECV_HEADER (1u << 2) /* 3: receive header unmapped mid-wait */
#define FZ_KB_REPLY_RECV_DEAD                                                  \
	(1u << 3) /* 4: reply-and-receive on a dead endpoint */
#define FZ_KB_SELF_TERMINATE                                                   \
	(1u << 4) /* 5: process_terminate of itself leaks */
#define FZ_KB_ENDPOINT_TABLE                                                   \
	(1u << 5)		  /* 6: revoked endpoints stay in the table */
#define FZ_KB_LAZY_OOM	(1u << 6) /* 7: first touch without a frame kills */
#define FZ_KB_CAP_ALIAS (1u << 7) /* 8: thread caps outlive the thread */
#define FZ_KB_RECV_AFTER_CLOSE                                                 \
	(1u << 8)		    /* 9: receive after close times out        \
				     */
#define FZ_KB_CAP_COPYOUT (1u << 9) /* 9: cap create/derive copy-out */
#define FZ_KB_ALL	  0x3ffu
/* The fixes of all nine items are merged (main, 2026-12-06): only the
 * large first touches stay out of the default, for time (32 MiB per
 * thread runs ~10 times slower under TCG), not for a bug. */
#ifndef FZ_AVOID_DEFAULT
#define FZ_AVOID_DEFAULT FZ_KB_LAZY_OOM
#endif

/* Exit codes of a fuzz process. */
#define FZ_EXIT_OK	 0
#define FZ_EXIT_FAIL	 99 /* a check failed: the ring was printed */
#define FZ_EXIT_USAGE	 98
#define FZ_CODE_KILLED	 61 /* terminated by its parent */
#define FZ_CODE_SELFTERM 62 /* process_terminate of itself (fate) */
#define FZ_CODE_EXITED	 63 /* SYS_EXIT from a worker thread (fate) */

/* What a child was told to do with itself (argv "fate=N"). */
enum fz_fate {
	FZ_FATE_NORMAL,
	FZ_FATE_FAULT,	  /* a deliberate null dereference */
	FZ_FATE_SELFTERM, /* process_terminate(self) */
	FZ_FATE_EXIT,	  /* SYS_EXIT from a worker thread */
	FZ_FATE_COUNT
};

#define FZ_THREADS_MAX	6 /* long-lived workers per process */
#define FZ_SHORT_MAX	4 /* short-lived threads at once */
#define FZ_STACK	16384
#define FZ_RING		64
#define FZ_CHILDREN_MAX 2 /* live children per process (depth <= 2) */
#define SEC		1000000000ull
#define MS		1000000ull

/* The run's parameters (argv "key=value"). */
struct fz_config {
	uint64_t seed, calls;
	uint64_t root_seed; /* the run's (what reproduces it) */
	unsigned procs, threads, depth, fate;
	uint32_t avoid;
	bool root;
	bool ring; /* print the last calls at exit, too */
};

/* One thread's state. */
struct fz_thr {
	uint64_t rng;
	unsigned idx;
	bool worker; /* long-lived (may pick the fate) */
	/* endpoints pep2 -> pep and a channel between them that only this
	 * thread uses, and
	 * the sequence of its messages (fuzz_ipc.c, op_private) */
	uint64_t pep, pep2, pch, pseq;
	uint8_t buf[512] __attribute__((aligned(16))); /* a valid buffer */
};

extern struct fz_config fz_cfg;
extern vd_cap_token_t fz_self;	  /* derived from the self cap: ALL */
extern vd_cap_token_t fz_home_ep; /* never destroyed: children's hello */
extern vd_cap_token_t fz_parent_ep;
extern volatile uint64_t fz_done_calls;
extern volatile int fz_stop;

/* ---- fuzz_core.c ---- */
uint64_t fz_rand(struct fz_thr *t);
static inline unsigned fz_below(struct fz_thr *t, unsigned n)
{
	return n ? (unsigned)(fz_rand(t) % n) : 0;
}
static inline bool fz_chance(struct fz_thr *t, unsigned one_in)
{
	return fz_below(t, one_in) == 0;
}
uint64_t fz_mix(uint64_t a, uint64_t b);
void fz_lock(void);
void fz_unlock(void);
/* A recorded, checked syscall (never 10..13: those go through fz_ipc). */
long fz_sys(unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	    uint64_t a4, uint64_t a5);
/* A recorded, checked IPC syscall with the whole register block. */
long fz_ipc(unsigned nr, struct vd_ipc_regs *r);
/* Print the failure and the ring, exit with FZ_EXIT_FAIL. */
VD_NORETURN void fz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void fz_ring_print(void);
/* Errors the fuzzer checks for on purpose (an oracle): fail unless r is
 * one of them (a bitmask of 1 << vd_err_t; bit 0 = success). */
void fz_expect(long r, uint64_t mask, const char *what);
#define FZ_E(e) (1ull << (e))
#define FZ_OK	1ull

/* ---- fuzz_pool.c ---- */
enum fz_kind {
	FZ_EP,	   /* my endpoints (token) */
	FZ_PEER,   /* endpoint capabilities received (token) */
	FZ_CH,	   /* my channels (token) */
	FZ_REGION, /* region ids (made or learned) */
	FZ_RMAP,   /* region mappings: id, addr */
	FZ_MAP,	   /* shared anonymous mappings (any thread unmaps) */
	FZ_THREAD, /* thread capabilities */
	FZ_PROC,   /* child process capabilities */
	FZ_CAP,	   /* derived or received capabilities */
	FZ_RTOKEN, /* reply tokens of calls received */
	FZ_KINDS
};
#define FZ_SLOTS 16

struct fz_obj {
	bool used, live;
	bool certain_dead; /* revoked by a call that said so */
	bool own;	   /* a region this process created */
	uint64_t tok;	   /* token, id or reply token */
	uint64_t addr, len;
	uint64_t aux;	/* thread: stack slot | code<<8; proc: fate; rmap: id */
	uint64_t alias; /* FZ_CAP: the token it was derived from */
};

/* Store an object (evicting, and revoking if asked, an old one). */
void fz_put(struct fz_thr *t, enum fz_kind k, const struct fz_obj *o);
/* A copy of a random used entry of kind k (live ones more often); false
 * when the kind is empty.  *slot gets its index. */
bool fz_pick(struct fz_thr *t, enum fz_kind k, struct fz_obj *o, int *slot);
/* Mark the entry of kind k with token tok dead (certain: the kernel
 * revoked or freed it). */
void fz_kill(enum fz_kind k, uint64_t tok, bool certain);
/* Any token: pool, forged, stale, flipped. */
uint64_t fz_any_token(struct fz_thr *t);
uint64_t fz_forged_token(struct fz_thr *t);
/* A pointer for an output or input buffer: valid (t->buf), the pool's
 * mappings (unless avoid says not), garbage. */
uint64_t fz_any_ptr(struct fz_thr *t, size_t len, bool may_be_pool);
uint64_t fz_garbage_ptr(struct fz_thr *t);
uint64_t fz_map_garbage(struct fz_thr *t);
extern uint64_t fz_edge;
uint64_t fz_any_len(struct fz_thr *t);
/* Where a call that makes an object writes its token: mostly t->buf;
 * then fz_read_out() reads it back (false, and counted in fz_lost, if it
 * went where we cannot read it). */
#define FZ_LOST_MAX 8
extern volatile unsigned fz_lost;
uint64_t fz_out_ptr(struct fz_thr *t, bool may_be_pool);
bool fz_read_out(struct fz_thr *t, uint64_t ptr, uint64_t *tok);
uint64_t fz_timeout(struct fz_thr *t);
unsigned fz_pool_count(enum fz_kind k);

/* ---- fuzz_ipc.c / fuzz_ops.c ---- */
void fz_op_ipc(struct fz_thr *t);
void fz_op_other(struct fz_thr *t);
void fz_short_thread_entry(uintptr_t arg);
/* Spawn a copy of the fuzzer: `calls` calls, fate, may it have children
 * (fuzz_proc.c); returns 0 or -err. */
long fz_spawn_child(struct fz_thr *t, uint64_t calls, unsigned fate,
		    bool spawner);
void fz_op_process(struct fz_thr *t);
void fz_op_reply_recv_dead(struct fz_thr *t); /* fuzz_reply.c */
/* Wait for (and check) every child still in the pool. */
void fz_reap_children(struct fz_thr *t);
/* One random operation (fuzz.c's loop; also the short threads). */
void fz_one_op(struct fz_thr *t);

#endif /* VD_FUZZ_H */
