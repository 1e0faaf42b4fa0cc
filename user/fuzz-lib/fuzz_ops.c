/*
 * Fuzz operations on memory (mmap, munmap, first touches), threads
 * (short-lived ones that run a few operations, joined or not), child
 * processes (copies of the fuzzer, started or not, waited for, killed),
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
		addr = fz_garbage_ptr(t);
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
	tok_out = fz_chance(t, 8) ? fz_any_ptr(t, 8, false)
				  : (uint64_t)(uintptr_t)t->buf;
	r = fz_sys(VD_SYS_THREAD_CREATE, fz_self,
		   (uint64_t)(uintptr_t)fz_short_thread_entry,
		   (uint64_t)(uintptr_t)short_stacks[slot], FZ_STACK,
		   (uint64_t)slot | code << 8, tok_out);
	if (vd_is_err(r) || tok_out != (uint64_t)(uintptr_t)t->buf) {
		if (vd_is_err(r))
			__atomic_store_n(&short_busy[slot], 0,
					 __ATOMIC_RELEASE);
		/* else: running, never joined: its stack stays busy */
		return;
	}
	o.tok = *(volatile uint64_t *)t->buf;
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

/* ---- processes ---- */

struct fz_child_args {
	char seed[32], calls[32], fate[16], depth[16], avoid[24], root[32];
	const char *argv[9];
};

long fz_spawn_child(struct fz_thr *t, uint64_t calls, unsigned fate)
{
	static struct fz_child_args ca[FZ_THREADS_MAX + FZ_SHORT_MAX + 2];
	struct fz_child_args *c = &ca[t->idx % VD_ARRAY_SIZE(ca)];
	struct fz_obj o = {.live = true};
	vd_cap_token_t caps[2] = {vd_console_cap(), 0};
	vd_cap_token_t *tok = (vd_cap_token_t *)t->buf;
	uint64_t seed = fz_mix(fz_cfg.seed, fz_rand(t));
	struct vd_process_create_args a = {0};
	long pid;

	vd_snprintf(c->seed, sizeof(c->seed), "seed=%llu",
		    (unsigned long long)seed);
	vd_snprintf(c->calls, sizeof(c->calls), "calls=%llu",
		    (unsigned long long)calls);
	vd_snprintf(c->fate, sizeof(c->fate), "fate=%u", fate);
	vd_snprintf(c->depth, sizeof(c->depth), "depth=%u", fz_cfg.depth + 1);
	vd_snprintf(c->avoid, sizeof(c->avoid), "avoid=%u", fz_cfg.avoid);
	c->argv[0] = "fuzz";
	c->argv[1] = c->seed;
	c->argv[2] = c->calls;
	c->argv[3] = c->fate;
	c->argv[4] = c->depth;
	c->argv[5] = c->avoid;
	vd_snprintf(c->root, sizeof(c->root), "root=%llu",
		    (unsigned long long)fz_cfg.root_seed);
	c->argv[6] = c->root;
	c->argv[7] = NULL;
	/* the home endpoint, for the child's hello: write and grant */
	if (vd_is_err(fz_sys(VD_SYS_CAPABILITY_DERIVE, fz_home_ep,
			     VD_RIGHT_WRITE | VD_RIGHT_GRANT,
			     (uint64_t)(uintptr_t)&caps[1], 0, 0, 0)))
		caps[1] = 0;
	a.path = (uint64_t)(uintptr_t) "fuzz";
	a.argv = (uint64_t)(uintptr_t)c->argv;
	a.caps = (uint64_t)(uintptr_t)caps;
	a.ncaps = caps[1] ? 2 : 1;
	pid = fz_sys(VD_SYS_PROCESS_CREATE, (uint64_t)(uintptr_t)&a,
		     (uint64_t)(uintptr_t)tok, 0, 0, 0, 0);
	if (caps[1])
		fz_sys(VD_SYS_CAPABILITY_REVOKE, caps[1], 0, 0, 0, 0, 0);
	if (vd_is_err(pid))
		return pid;
	o.tok = *tok;
	o.aux = fate;
	o.addr = (uint64_t)pid;
	/* sometimes left created, not started: started (or killed, or
	 * left to die with us) later */
	if (t->idx == 0 || !fz_chance(t, 4))
		fz_sys(VD_SYS_PROCESS_START, o.tok, 0, 0, 0, 0, 0);
	fz_put(t, FZ_PROC, &o);
	return 0;
}

/* An exit of a child: as its fate says, or killed by us; else a bug. */
static void check_exit(const struct fz_obj *o,
		       const struct vd_process_exit_info *info)
{
	bool ok = false;

	switch (info->exit_reason) {
	case VD_EXIT_NORMAL:
		ok = info->exit_code == FZ_EXIT_OK ||
		     (o->aux == FZ_FATE_EXIT &&
		      info->exit_code == FZ_CODE_EXITED);
		if (info->exit_code == FZ_EXIT_FAIL)
			fz_fail("child %llu failed (its report is above)",
				(unsigned long long)info->process_id);
		break;
	case VD_EXIT_KILLED:
		ok = info->exit_code == FZ_CODE_KILLED ||
		     (o->aux == FZ_FATE_SELFTERM &&
		      info->exit_code == FZ_CODE_SELFTERM);
		break;
	case VD_EXIT_FAULT:
		ok = o->aux == FZ_FATE_FAULT;
		break;
	}
	if (!ok)
		fz_fail("child %llu (fate %u) ended with reason %u code %d",
			(unsigned long long)info->process_id, (unsigned)o->aux,
			info->exit_reason, info->exit_code);
}

static long wait_child(struct fz_thr *t, const struct fz_obj *o, uint64_t tok,
		       uint64_t timeout, uint64_t out)
{
	struct vd_process_exit_info *info =
		(struct vd_process_exit_info *)(t->buf + 128);
	long r;

	if (!out)
		out = (uint64_t)(uintptr_t)info;
	info->exit_reason = 0xdead;
	r = fz_sys(VD_SYS_PROCESS_WAIT, tok, out, timeout, 0, 0, 0);
	if (o->certain_dead && !vd_is_err(r))
		fz_fail("wait through a revoked process capability succeeded");
	if (r == 0) {
		if (out == (uint64_t)(uintptr_t)info)
			check_exit(o, info);
		fz_kill(FZ_PROC, o->tok, true);
	} else if (r == -(long)VD_ERR_MEM_FAULT && !AVOID(FZ_KB_WAIT_BUFFER)) {
		/* the buffer went away mid-wait: the exit must still be
		 * there for the next wait (issue 11, item 2) */
		r = fz_sys(VD_SYS_PROCESS_WAIT, tok, 0, 0, 0, 0, 0);
		if (r != 0 && r != -(long)VD_ERR_TIMEOUT)
			fz_fail("a failed wait lost the child's exit: %ld", r);
		if (r == 0)
			fz_kill(FZ_PROC, o->tok, true);
	}
	return r;
}

static void op_process(struct fz_thr *t)
{
	struct fz_obj o;
	struct vd_process_create_args *a =
		(struct vd_process_create_args *)t->buf;

	switch (fz_below(t, 6)) {
	case 0: /* a copy of us: short, with a fate */
		if (fz_cfg.depth < 2 &&
		    fz_pool_count(FZ_PROC) < FZ_CHILDREN_MAX) {
			unsigned fate = fz_below(t, 3 * FZ_FATE_COUNT);

			if (fate >= FZ_FATE_COUNT)
				fate = FZ_FATE_NORMAL;
			if (fate == FZ_FATE_SELFTERM &&
			    AVOID(FZ_KB_SELF_TERMINATE))
				fate = FZ_FATE_NORMAL;
			fz_spawn_child(t, 200 + fz_below(t, 1500), fate);
		}
		break;
	case 1: /* garbage create arguments */
		for (unsigned i = 0; i < sizeof(*a) / 8; i++)
			((uint64_t *)a)[i] = fz_chance(t, 2) ? fz_garbage_ptr(t)
							     : fz_rand(t) % 80;
		if (fz_chance(t, 2))
			a->elf = 0;
		fz_sys(VD_SYS_PROCESS_CREATE,
		       fz_chance(t, 3) ? fz_garbage_ptr(t)
				       : (uint64_t)(uintptr_t)a,
		       fz_any_ptr(t, 8, false), 0, 0, 0, 0);
		break;
	case 2: /* start, maybe twice */
		if (fz_pick(t, FZ_PROC, &o, NULL))
			fz_sys(VD_SYS_PROCESS_START, o.tok, 0, 0, 0, 0, 0);
		else
			fz_sys(VD_SYS_PROCESS_START, fz_any_token(t), 0, 0, 0,
			       0, 0);
		break;
	case 3: /* kill a child */
		if (fz_pick(t, FZ_PROC, &o, NULL))
			fz_sys(VD_SYS_PROCESS_TERMINATE, o.tok, FZ_CODE_KILLED,
			       0, 0, 0, 0);
		else
			fz_sys(VD_SYS_PROCESS_TERMINATE, fz_forged_token(t),
			       FZ_CODE_KILLED, 0, 0, 0, 0);
		break;
	default: /* wait */
		if (fz_pick(t, FZ_PROC, &o, NULL))
			wait_child(
				t, &o, o.tok, fz_timeout(t),
				fz_chance(t, 4)
					? fz_any_ptr(
						  t,
						  sizeof(struct
							 vd_process_exit_info),
						  !AVOID(FZ_KB_WAIT_BUFFER))
					: 0);
		else
			fz_sys(VD_SYS_PROCESS_WAIT, fz_any_token(t),
			       fz_any_ptr(t, 64, false), 0, 0, 0, 0);
		break;
	}
}

void fz_reap_children(struct fz_thr *t)
{
	struct fz_obj o;

	/* started or not, each ends: killed if it takes too long */
	while (fz_pick(t, FZ_PROC, &o, NULL) && o.live) {
		fz_sys(VD_SYS_PROCESS_START, o.tok, 0, 0, 0, 0, 0);
		if (wait_child(t, &o, o.tok, 60 * SEC, 0) != 0) {
			fz_sys(VD_SYS_PROCESS_TERMINATE, o.tok, FZ_CODE_KILLED,
			       0, 0, 0, 0);
			if (wait_child(t, &o, o.tok, 60 * SEC, 0) != 0)
				fz_fail("child %llu cannot be reaped",
					(unsigned long long)o.addr);
		}
	}
}

/* ---- capabilities ---- */

static void op_cap(struct fz_thr *t)
{
	struct fz_obj o = {.live = true};
	uint64_t *out = (uint64_t *)(t->buf + 32);
	uint64_t optr = fz_chance(t, 6)
				? fz_any_ptr(t, 8, !AVOID(FZ_KB_CAP_COPYOUT))
				: (uint64_t)(uintptr_t)out;
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
	if (!vd_is_err(r) && optr == (uint64_t)(uintptr_t)out) {
		o.tok = *out;
		fz_put(t, FZ_CAP, &o);
	}
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
		op_process(t);
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
