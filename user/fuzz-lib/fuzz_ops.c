/*
 * Fuzz operations on memory (mmap, munmap, first touches), threads
 * (short-lived ones that run a few operations, joined or not),
 * capabilities (create, derive, revoke), the console, the trivial calls,
 * and raw garbage: a random number with random arguments.
 */
#include "fuzz.h"

#define AVOID(bit) (fz_cfg.avoid & (bit))
#define MAP_WINDOW 0x50000000ull /* FZ_MAP mappings at fixed addresses */
#define PRIV_WINDOW                                                            \
	0x80000000ull /* thread-private, touched in user mode:                 \
		       * 64 MiB per thread */

/* ---- memory ---- */

static void op_mmap(struct fz_thr *t)
{
	struct fz_obj o = {.live = true};
	uint64_t addr = 0, len, prot;
	long r;

	len = fz_chance(t, 5) ? fz_any_len(t)
			      : VD_PAGE_SIZE * (1 + fz_below(t, 4));
	prot = fz_chance(t, 5) ? fz_rand(t) & 0xf
			       : VD_PROT_READ | VD_PROT_WRITE;
	switch (fz_below(t, 4)) {
	case 0:
		addr = 0;
		break;
	case 1:
		addr = fz_map_garbage(t);
		break;
	default:
		addr = MAP_WINDOW + VD_PAGE_SIZE * fz_below(t, 256);
	}
	r = fz_sys(VD_SYS_MMAP, fz_chance(t, 10) ? fz_any_token(t) : fz_self,
		   addr, len, prot, 0, 0);
	if (vd_is_err(r))
		return;
	o.addr = (uint64_t)r;
	o.tok = o.addr;
	o.len = VD_ALIGN_UP(len, (uint64_t)VD_PAGE_SIZE);
	fz_put(t, FZ_MAP, &o);
}

static void op_munmap(struct fz_thr *t)
{
	struct fz_obj o;
	uint64_t addr, len;

	if (fz_pick(t, FZ_MAP, &o, NULL) && !fz_chance(t, 5)) {
		addr = o.addr;
		len = o.len;
		if (fz_chance(t, 4)) /* a part of it, or past its end */
			len = VD_PAGE_SIZE * (1 + fz_below(t, 8));
		if (fz_chance(t, 8))
			addr += 1;
	} else {
		/* garbage, but never our image or our stack: unmapping
		 * those is allowed, and fatal */
		static const uint64_t bad[] = {0,
					       8,
					       0xfff,
					       0x7ff0000,
					       0x7ff0001,
					       0xffff800000000000ull,
					       0xffffffff80000000ull,
					       0xfffffffffffff000ull};
		o.used = false;
		addr = bad[fz_below(t, VD_ARRAY_SIZE(bad))];
		len = fz_any_len(t);
	}
	if (fz_sys(VD_SYS_MUNMAP, fz_chance(t, 10) ? fz_any_token(t) : fz_self,
		   addr, len, 0, 0, 0) == 0 &&
	    o.used && addr == o.addr && len >= o.len)
		fz_kill(FZ_MAP, o.tok, true);
}

/* Lazily mapped memory touched in user mode: a mapping of this thread's
 * own (no other thread unmaps it under our feet). */
static void op_touch(struct fz_thr *t)
{
	uint64_t base = PRIV_WINDOW + (uint64_t)t->idx * (64ull << 20);
	uint64_t len =
		AVOID(FZ_KB_LAZY_OOM) ? 16 * VD_PAGE_SIZE : (uint64_t)32 << 20;
	long r;

	if (t->idx >= 32)
		return;
	r = fz_sys(VD_SYS_MMAP, fz_self, base, len,
		   VD_PROT_READ | VD_PROT_WRITE, 0, 0);
	if (vd_is_err(r))
		return;
	for (uint64_t off = 0; off < len; off += VD_PAGE_SIZE)
		if (fz_chance(t, 2))
			*(volatile uint64_t *)(uintptr_t)(base + off) = off;
	fz_sys(VD_SYS_MUNMAP, fz_self, base, len, 0, 0, 0);
}

/* ---- threads ---- */

static uint8_t short_stacks[FZ_SHORT_MAX][FZ_STACK]
	__attribute__((aligned(16)));
static volatile int short_busy[FZ_SHORT_MAX];

void fz_short_thread_entry(uintptr_t arg)
{
	static struct fz_thr thr[FZ_SHORT_MAX];
	unsigned slot = arg & 0xff;
	struct fz_thr *t = &thr[slot];

	t->idx = 16 + slot;
	t->rng = fz_mix(fz_cfg.seed, arg);
	t->worker = false;
	for (unsigned n = fz_below(t, 16); n > 0 && !fz_stop; n--)
		fz_one_op(t);
	vd_thread_exit((int)(arg >> 8) & 0xffff);
}

static void op_thread_create(struct fz_thr *t)
{
	struct fz_obj o = {.live = true};
	int slot = -1;
	uint64_t code = fz_below(t, 0x10000), tok_out;
	long r;

	if (fz_chance(t, 3)) { /* garbage: entry, stack, size, out */
		uint64_t proc = fz_chance(t, 2) ? fz_self : fz_any_token(t);

		/* (a valid token with a garbage entry would start a thread
		 * that faults: only invalid entries or stacks with it) */
		fz_sys(VD_SYS_THREAD_CREATE,
		       fz_chance(t, 2) ? fz_forged_token(t) : proc,
		       fz_garbage_ptr(t) | 0xffff000000000000ull,
		       fz_garbage_ptr(t), fz_any_len(t), fz_rand(t),
		       fz_any_ptr(t, 8, false));
		return;
	}
	for (int i = 0; i < FZ_SHORT_MAX && slot < 0; i++)
		if (!__atomic_exchange_n(&short_busy[i], 1, __ATOMIC_ACQUIRE))
			slot = i;
	if (slot < 0)
		return;
	tok_out = fz_out_ptr(t, false);
	r = fz_sys(VD_SYS_THREAD_CREATE, fz_self,
		   (uint64_t)(uintptr_t)fz_short_thread_entry,
		   (uint64_t)(uintptr_t)short_stacks[slot], FZ_STACK,
		   (uint64_t)slot | code << 8, tok_out);
	if (vd_is_err(r)) {
		__atomic_store_n(&short_busy[slot], 0, __ATOMIC_RELEASE);
		return;
	}
	if (!fz_read_out(t, tok_out, &o.tok))
		return; /* running, never joined: its stack stays busy */
	o.aux = (uint64_t)slot | code << 8;
	fz_put(t, FZ_THREAD, &o);
}

static void op_thread_join(struct fz_thr *t)
{
	struct fz_obj o;
	int32_t *code = (int32_t *)t->buf;
	uint64_t tok, out;
	long r;

	if (!fz_pick(t, FZ_THREAD, &o, NULL) || fz_chance(t, 8)) {
		o.used = false;
		tok = fz_any_token(t);
	} else {
		tok = o.tok;
		if (fz_chance(t, 4)) { /* through a derived copy */
			uint64_t *d = (uint64_t *)(t->buf + 64);

			if (fz_sys(VD_SYS_CAPABILITY_DERIVE, o.tok,
				   VD_RIGHT_READ, (uint64_t)(uintptr_t)d, 0, 0,
				   0) == 0)
				tok = *d;
		}
	}
	out = fz_chance(t, 4) ? fz_any_ptr(t, 4, !AVOID(FZ_KB_WAIT_BUFFER))
			      : (uint64_t)(uintptr_t)code;
	*code = -1;
	r = fz_sys(VD_SYS_THREAD_JOIN, tok, fz_timeout(t), out, 0, 0, 0);
	if (o.used && o.certain_dead && !vd_is_err(r))
		fz_fail("join through a revoked thread capability succeeded");
	if (!o.used)
		return;
	if (r == 0) {
		if (out == (uint64_t)(uintptr_t)code &&
		    *code != (int32_t)(o.aux >> 8))
			fz_fail("thread exit code %d, expected %d", *code,
				(int)(o.aux >> 8));
		__atomic_store_n(&short_busy[o.aux & 0xff], 0,
				 __ATOMIC_RELEASE);
		fz_kill(FZ_THREAD, o.tok, tok == o.tok);
		if (tok != o.tok) {
			/* joined through a copy: the original must be dead
			 * too (issue 11, item 8) */
			long r2 = fz_sys(VD_SYS_THREAD_JOIN, o.tok, 0, 0, 0, 0,
					 0);
			if (r2 != -(long)VD_ERR_INVALID_CAPABILITY &&
			    !AVOID(FZ_KB_CAP_ALIAS))
				fz_fail("the thread is joined, yet its other "
					"capability answers %ld",
					r2);
			if (fz_sys(VD_SYS_CAPABILITY_REVOKE, o.tok, 0, 0, 0, 0,
				   0) == 0 &&
			    !AVOID(FZ_KB_CAP_ALIAS))
				fz_fail("revoke of a dead thread's capability "
					"succeeded");
			fz_kill(FZ_THREAD, o.tok, true);
		}
	}
	if (tok != o.tok) /* the copy, whatever happened */
		fz_sys(VD_SYS_CAPABILITY_REVOKE, tok, 0, 0, 0, 0, 0);
}

/* ---- capabilities ---- */

static void op_cap(struct fz_thr *t)
{
	struct fz_obj o = {.live = true};
	uint64_t optr = fz_out_ptr(t, !AVOID(FZ_KB_CAP_COPYOUT));
	uint64_t tok = fz_any_token(t);
	long r;

	switch (fz_below(t, 3)) {
	case 0: {
		uint64_t type = fz_chance(t, 8) ? fz_rand(t) : fz_below(t, 7);
		uint64_t id = fz_chance(t, 3) ? vd_start->pid : fz_rand(t) % 64;
		uint64_t rights =
			fz_chance(t, 8) ? fz_rand(t) : fz_below(t, 64);

		r = fz_sys(VD_SYS_CAPABILITY_CREATE, type, id, rights, optr, 0,
			   0);
		break;
	}
	case 1:
		r = fz_sys(VD_SYS_CAPABILITY_DERIVE, tok,
			   fz_chance(t, 8) ? fz_rand(t) : fz_below(t, 64), optr,
			   0, 0, 0);
		break;
	default:
		/* never our own lifelines: the console and self tokens are
		 * not in the pool; endpoints and channels are destroyed
		 * before their last capability goes (FZ_KB_ENDPOINT_TABLE) */
		if (tok == vd_console_cap() || tok == vd_self_cap() ||
		    tok == fz_self || tok == fz_home_ep || tok == fz_parent_ep)
			return;
		if (AVOID(FZ_KB_ENDPOINT_TABLE)) {
			fz_sys(VD_SYS_IPC_ENDPOINT_DESTROY, tok, 0, 0, 0, 0, 0);
			fz_sys(VD_SYS_IPC_CHANNEL_CLOSE, tok, 0, 0, 0, 0, 0);
		}
		if (fz_sys(VD_SYS_CAPABILITY_REVOKE, tok, 0, 0, 0, 0, 0) == 0)
			for (int k = 0; k < FZ_KINDS; k++)
				fz_kill((enum fz_kind)k, tok, true);
		return;
	}
	if (!vd_is_err(r) && fz_read_out(t, optr, &o.tok))
		fz_put(t, FZ_CAP, &o);
}

/* ---- the rest ---- */

static void op_misc(struct fz_thr *t)
{
	switch (fz_below(t, 6)) {
	case 0:
		fz_sys(VD_SYS_NULL, fz_rand(t), 0, 0, 0, 0, 0);
		break;
	case 1:
		fz_sys(VD_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
		break;
	case 2:
		fz_sys(VD_SYS_THREAD_SLEEP, fz_below(t, 50000), 0, 0, 0, 0, 0);
		break;
	case 3: /* the console: reads never block */
		fz_sys(VD_SYS_READ,
		       fz_chance(t, 2) ? vd_console_cap() : fz_any_token(t),
		       fz_any_ptr(t, 128, true), fz_any_len(t) % 256, 0, 0, 0);
		break;
	case 4: { /* writes: nothing that prints (bad buffers, length 0,
		   * too long, a wrong capability) */
		uint64_t len = fz_chance(t, 2) ? 0 : fz_any_len(t);
		uint64_t buf = fz_garbage_ptr(t);

		if (len > 0 && len <= (1ull << 20) &&
		    (buf < 0xffff000000000000ull || fz_chance(t, 2)))
			buf = fz_chance(t, 2) ? 0
					      : 0xfff; /* below user space */
		fz_sys(VD_SYS_WRITE,
		       fz_chance(t, 2) ? vd_console_cap() : fz_any_token(t),
		       buf, len, 0, 0, 0);
		break;
	}
	default: { /* a raw garbage call: number and arguments at random,
		    * tokens forged (a valid one could end us for real) */
		unsigned nr = fz_below(t, 72);
		uint64_t a[6];

		for (int i = 0; i < 6; i++)
			a[i] = fz_chance(t, 2) ? fz_rand(t) : fz_garbage_ptr(t);
		a[0] = fz_forged_token(t);
		if (nr == VD_SYS_EXIT || nr == VD_SYS_THREAD_EXIT ||
		    nr == VD_SYS_PROCESS_TERMINATE)
			nr = VD_SYS_MAX + 1;
		if (nr == VD_SYS_THREAD_SLEEP)
			a[0] %= 100000;
		if (nr == VD_SYS_IPC_DEBUG && a[0] == VD_IPC_DEBUG_DUMP)
			a[0] = 7;
		if (nr == VD_SYS_IPC_REGION_CREATE || nr == VD_SYS_MMAP)
			a[0] = fz_rand(t) | 1ull << 62; /* too large */
		if (nr >= VD_SYS_IPC_SEND && nr <= VD_SYS_IPC_REPLY) {
			struct vd_ipc_regs r;

			r.a0 = a[0];
			r.a1 = a[1];
			r.a2 = a[2];
			r.a3 = a[3] % 100000;
			for (int i = 0; i < VD_IPC_SMALL_WORDS; i++)
				r.mr[i] = fz_rand(t);
			fz_ipc(nr, &r);
		} else {
			fz_sys(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		}
		break;
	}
	}
}

void fz_op_other(struct fz_thr *t)
{
	switch (fz_below(t, 16)) {
	case 0:
	case 1:
		op_mmap(t);
		break;
	case 2:
	case 3:
		op_munmap(t);
		break;
	case 4:
		if (fz_chance(t, 8))
			op_touch(t);
		break;
	case 5:
		op_thread_create(t);
		break;
	case 6:
		op_thread_join(t);
		break;
	case 7:
	case 8:
		fz_op_process(t);
		break;
	case 9:
	case 10:
	case 11:
		op_cap(t);
		break;
	default:
		op_misc(t);
		break;
	}
}
