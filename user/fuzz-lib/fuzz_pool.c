/*
 * The pool of objects a fuzz process made or received, kept after they
 * die so that they can be misused (stale tokens, closed channels,
 * released regions, unmapped buffers), and the garbage values: forged
 * tokens, pointers into the kernel, unmapped, misaligned or straddling
 * the end of user space, huge lengths.
 */
#include "fuzz.h"

static struct fz_obj pool[FZ_KINDS][FZ_SLOTS];

/* Kinds whose tokens are capabilities in this process's space. */
static bool is_cap_kind(enum fz_kind k)
{
	return k == FZ_EP || k == FZ_PEER || k == FZ_CH || k == FZ_THREAD ||
	       k == FZ_PROC || k == FZ_CAP;
}

void fz_put(struct fz_thr *t, enum fz_kind k, const struct fz_obj *o)
{
	struct fz_obj old = {0};
	int free_slot = -1, dead_slot = -1;

	fz_lock();
	for (int i = 0; i < FZ_SLOTS; i++) {
		if (!pool[k][i].used && free_slot < 0)
			free_slot = i;
		if (pool[k][i].used && !pool[k][i].live && dead_slot < 0)
			dead_slot = i;
	}
	int i = free_slot >= 0	 ? free_slot
		: dead_slot >= 0 ? dead_slot
				 : (int)fz_below(t, FZ_SLOTS);
	old = pool[k][i];
	pool[k][i] = *o;
	pool[k][i].used = true;
	fz_unlock();
	/* A live object pushed out: let go of it, or the capability space
	 * and the kernel's tables fill up (endpoints and channels are
	 * destroyed, not only revoked: see FZ_KB_ENDPOINT_TABLE). */
	if (!old.used)
		return;
	if (!old.live) {
		/* dead object, maybe a capability still taking a slot */
		if (is_cap_kind(k) && !old.certain_dead)
			fz_sys(VD_SYS_CAPABILITY_REVOKE, old.tok, 0, 0, 0, 0,
			       0);
		return;
	}
	switch (k) {
	case FZ_EP:
		fz_sys(VD_SYS_IPC_ENDPOINT_DESTROY, old.tok, 0, 0, 0, 0, 0);
		fz_sys(VD_SYS_CAPABILITY_REVOKE, old.tok, 0, 0, 0, 0, 0);
		break;
	case FZ_CH:
		fz_sys(VD_SYS_IPC_CHANNEL_CLOSE, old.tok, 0, 0, 0, 0, 0);
		fz_sys(VD_SYS_CAPABILITY_REVOKE, old.tok, 0, 0, 0, 0, 0);
		break;
	case FZ_MAP:
		fz_sys(VD_SYS_MUNMAP, fz_self, old.addr, old.len, 0, 0, 0);
		break;
	case FZ_RMAP:
		fz_sys(VD_SYS_IPC_REGION_UNMAP, old.aux, old.addr, 0, 0, 0, 0);
		break;
	case FZ_REGION:
		if (old.own)
			fz_sys(VD_SYS_IPC_REGION_RELEASE, old.tok, 0, 0, 0, 0,
			       0);
		break;
	default:
		/* (a thread or child still running stays until it ends;
		 * joined or reaped by the kernel then) */
		if (is_cap_kind(k))
			fz_sys(VD_SYS_CAPABILITY_REVOKE, old.tok, 0, 0, 0, 0,
			       0);
		break;
	}
}

bool fz_pick(struct fz_thr *t, enum fz_kind k, struct fz_obj *o, int *slot)
{
	int live[FZ_SLOTS], any[FZ_SLOTS], nl = 0, na = 0, i;

	fz_lock();
	for (i = 0; i < FZ_SLOTS; i++) {
		if (!pool[k][i].used)
			continue;
		any[na++] = i;
		if (pool[k][i].live)
			live[nl++] = i;
	}
	if (na == 0) {
		fz_unlock();
		return false;
	}
	i = nl > 0 && !fz_chance(t, 6) ? live[fz_below(t, nl)]
				       : any[fz_below(t, na)];
	*o = pool[k][i];
	fz_unlock();
	if (slot)
		*slot = i;
	return true;
}

void fz_kill(enum fz_kind k, uint64_t tok, bool certain)
{
	fz_lock();
	for (int i = 0; i < FZ_SLOTS; i++) {
		struct fz_obj *o = &pool[k][i];

		if (o->used && o->tok == tok) {
			o->live = false;
			o->certain_dead |= certain;
		}
	}
	fz_unlock();
}

unsigned fz_pool_count(enum fz_kind k)
{
	unsigned n = 0;

	fz_lock();
	for (int i = 0; i < FZ_SLOTS; i++)
		n += pool[k][i].used && pool[k][i].live;
	fz_unlock();
	return n;
}

uint64_t fz_forged_token(struct fz_thr *t)
{
	static const uint64_t fixed[] = {0, 1, ~0ull, 0x8000000000000000ull,
					 0xdeadbeefcafef00dull};

	if (fz_chance(t, 3))
		return fixed[fz_below(t, VD_ARRAY_SIZE(fixed))];
	return fz_rand(t);
}

uint64_t fz_any_token(struct fz_thr *t)
{
	struct fz_obj o;
	enum fz_kind k = (enum fz_kind)fz_below(t, FZ_KINDS);

	switch (fz_below(t, 8)) {
	case 0:
		return fz_forged_token(t);
	case 1: /* a live token with one bit flipped: the MAC must catch it */
		if (fz_pick(t, k, &o, NULL))
			return o.tok ^ (1ull << fz_below(t, 64));
		return fz_forged_token(t);
	case 2:
		return fz_chance(t, 2) ? vd_console_cap() : fz_self;
	default:
		if (fz_pick(t, k, &o, NULL))
			return o.tok;
		return fz_forged_token(t);
	}
}

uint64_t fz_garbage_ptr(struct fz_thr *t)
{
	static const uint64_t bad[] = {
		0,
		8,
		0xfff,
		0x7ff0000,	       /* unmapped user memory */
		0x400000,	       /* our text: read-only */
		0x00007ffffffff000ull, /* the top of x86_64 user space */
		0x0000003ffffff000ull, /* the top of Sv39 user space */
		0x0000fffffffff000ull, /* the top of AArch64 user space */
		0xffff800000000000ull, /* kernel */
		0xffffffff80000000ull, /* kernel image */
		0xfffffffffffffff8ull, /* wraps */
	};
	uint64_t p = bad[fz_below(t, VD_ARRAY_SIZE(bad))];

	if (fz_chance(t, 4))
		p += fz_below(t, 4096);
	return p;
}

/* An address to map at that is garbage.  While the fuzzer avoids the
 * known bugs of buffers unmapped mid-call, not one fz_garbage_ptr() may
 * return: a mapping there (the top of user space is free on x86_64)
 * would turn the garbage pointers into buffers other threads unmap. */
uint64_t fz_map_garbage(struct fz_thr *t)
{
	static const uint64_t bad[] = {0xffff800000000000ull,
				       0xffffffff80000000ull, 0x400000,
				       0x10000001, 0xfffffffffffff000ull};

	if (!(fz_cfg.avoid &
	      (FZ_KB_WAIT_BUFFER | FZ_KB_RECV_HEADER | FZ_KB_CAP_COPYOUT)))
		return fz_garbage_ptr(t);
	return bad[fz_below(t, VD_ARRAY_SIZE(bad))];
}

uint64_t fz_edge; /* a page with nothing mapped after it (fuzz.c) */

uint64_t fz_any_ptr(struct fz_thr *t, size_t len, bool may_be_pool)
{
	struct fz_obj o;

	if (len > sizeof(t->buf))
		len = sizeof(t->buf);
	switch (fz_below(t, 6)) {
	case 0:
		return fz_garbage_ptr(t);
	case 1: /* the end of a page followed by nothing: a copy faults
		 * part of the way */
		if (fz_edge)
			return fz_edge + VD_PAGE_SIZE - 1 -
			       fz_below(t, (unsigned)len);
		return fz_garbage_ptr(t);
	case 2:
	case 3: /* a shared mapping another thread may unmap meanwhile */
		if (may_be_pool && fz_pick(t, FZ_MAP, &o, NULL))
			return o.addr + (fz_rand(t) % o.len & ~7ull);
		/* fall through */
	default: /* valid, inside t->buf */
		return (uint64_t)(uintptr_t)t->buf +
		       8 * fz_below(t,
				    (unsigned)(sizeof(t->buf) - len) / 8 + 1);
	}
}

/* Objects made through a token pointer we cannot read back (a shared
 * mapping): they stay until the process ends.  At most FZ_LOST_MAX. */
volatile unsigned fz_lost;

uint64_t fz_out_ptr(struct fz_thr *t, bool may_be_pool)
{
	if (!fz_chance(t, 6))
		return (uint64_t)(uintptr_t)t->buf;
	return fz_any_ptr(t, 8, may_be_pool && fz_lost < FZ_LOST_MAX);
}

bool fz_read_out(struct fz_thr *t, uint64_t ptr, uint64_t *tok)
{
	uint64_t b = (uint64_t)(uintptr_t)t->buf;

	if (ptr < b || ptr + 8 > b + sizeof(t->buf)) {
		__atomic_fetch_add(&fz_lost, 1, __ATOMIC_RELAXED);
		return false;
	}
	vd_memcpy(tok, (const void *)(uintptr_t)ptr, 8);
	return true;
}

uint64_t fz_any_len(struct fz_thr *t)
{
	static const uint64_t lens[] = {
		0,	    1,		7,
		64,	    65,		4096,
		4097,	    1ull << 20, (1ull << 20) + 1,
		1ull << 40, ~0ull};

	if (fz_chance(t, 2))
		return lens[fz_below(t, VD_ARRAY_SIZE(lens))];
	return fz_below(t, 3 * 4096);
}

/* Short: the fuzzer makes calls, it does not wait (a wait that nobody
 * ends costs at most 10 ms). */
uint64_t fz_timeout(struct fz_thr *t)
{
	static const uint64_t ns[] = {0, 0, 1000, 100000, 1 * MS, 2 * MS};

	/* now and then long enough for other threads to close, revoke and
	 * unmap around the wait */
	if (fz_chance(t, 64))
		return 10 * MS;
	return ns[fz_below(t, VD_ARRAY_SIZE(ns))];
}
