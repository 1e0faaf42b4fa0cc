/*
 * Fuzz operations on child processes: copies of the fuzzer with derived
 * seeds, created and started (or not), waited for with short timeouts,
 * killed; garbage create arguments.
 *
 * No failure may get lost, so every child's exit is checked by its
 * parent: a child is either a *spawner* (it may have children of its own;
 * it is never killed and its fate is a normal end, so it never leaves
 * orphans) or a *leaf* (no children; any fate; may be killed).  The
 * parent keeps the original capability to each child in a list of its
 * own (kids[]) and puts a derived copy in the pool, where it may be
 * revoked; at the end it reaps every child the pool did not.
 */
#include "fuzz.h"

#define AVOID(bit) (fz_cfg.avoid & (bit))
#define SPAWNER	   0x100u /* in fz_obj.aux, with the fate */

struct fz_kid {
	uint64_t tok, pid;
	unsigned aux; /* fate | SPAWNER */
	bool used, reaped;
};
static struct fz_kid kids[40];

static unsigned kids_alive(void)
{
	unsigned n = 0;

	fz_lock();
	for (unsigned i = 0; i < VD_ARRAY_SIZE(kids); i++)
		n += kids[i].used && !kids[i].reaped;
	fz_unlock();
	return n;
}

/* A child was reaped through `used`: its other capability, the
 * original, must be gone too (issue 11, item 8), and is let go of. */
static void kid_reaped(uint64_t pid, uint64_t used)
{
	uint64_t orig = 0;

	fz_lock();
	for (unsigned i = 0; i < VD_ARRAY_SIZE(kids); i++)
		if (kids[i].used && !kids[i].reaped && kids[i].pid == pid) {
			kids[i].reaped = true;
			orig = kids[i].tok;
		}
	fz_unlock();
	if (orig && orig != used &&
	    fz_sys(VD_SYS_CAPABILITY_REVOKE, orig, 0, 0, 0, 0, 0) == 0 &&
	    !AVOID(FZ_KB_CAP_ALIAS))
		fz_fail("child %llu is reaped, yet its other capability could "
			"be revoked",
			(unsigned long long)pid);
}

static void op_limits(struct fz_thr *t);

struct fz_child_args {
	char seed[32], calls[32], fate[16], depth[16], avoid[24], root[32];
	char procs[16], threads[16];
	const char *argv[12];
};

long fz_spawn_child(struct fz_thr *t, uint64_t calls, unsigned fate,
		    bool spawner)
{
	static struct fz_child_args ca[32];
	struct fz_child_args *c = &ca[t->idx % VD_ARRAY_SIZE(ca)];
	struct fz_obj o = {.live = true};
	/* console, home endpoint, and the debug capability (IPC_DEBUG: the
	 * leak checks read the kernel's IPC statistics) */
	vd_cap_token_t caps[3] = {vd_console_cap(), 0, vd_debug_cap()};
	vd_cap_token_t *tok = (vd_cap_token_t *)t->buf;
	uint64_t seed = fz_mix(fz_cfg.seed, fz_rand(t));
	struct vd_process_create_args a = {0};
	struct fz_kid *k = NULL;
	long pid;

	fz_lock();
	for (unsigned i = 0; i < VD_ARRAY_SIZE(kids) && !k; i++)
		if (!kids[i].used || kids[i].reaped) {
			k = &kids[i];
			k->used = true;
			k->reaped = true; /* not yet anybody */
		}
	fz_unlock();
	if (!k)
		return -(long)VD_ERR_RESOURCE_EXHAUSTED;
	vd_snprintf(c->seed, sizeof(c->seed), "seed=%llu",
		    (unsigned long long)seed);
	vd_snprintf(c->calls, sizeof(c->calls), "calls=%llu",
		    (unsigned long long)calls);
	vd_snprintf(c->fate, sizeof(c->fate), "fate=%u", fate);
	vd_snprintf(c->depth, sizeof(c->depth), "depth=%u",
		    spawner ? fz_cfg.depth + 1 : 99);
	vd_snprintf(c->avoid, sizeof(c->avoid), "avoid=%u", fz_cfg.avoid);
	vd_snprintf(c->root, sizeof(c->root), "root=%llu",
		    (unsigned long long)fz_cfg.root_seed);
	c->argv[0] = "fuzz";
	c->argv[1] = c->seed;
	c->argv[2] = c->calls;
	c->argv[3] = c->fate;
	c->argv[4] = c->depth;
	c->argv[5] = c->avoid;
	vd_snprintf(c->procs, sizeof(c->procs), "procs=%u", fz_cfg.procs);
	vd_snprintf(c->threads, sizeof(c->threads), "threads=%u",
		    fz_cfg.threads);
	c->argv[6] = c->root;
	c->argv[7] = c->procs;
	c->argv[8] = c->threads;
	c->argv[9] = NULL;
	/* the home endpoint, for the child's hello: write and grant */
	if (vd_is_err(fz_sys(VD_SYS_CAPABILITY_DERIVE, fz_home_ep,
			     VD_RIGHT_WRITE | VD_RIGHT_GRANT,
			     (uint64_t)(uintptr_t)&caps[1], 0, 0, 0)))
		caps[1] = 0;
	a.path = (uint64_t)(uintptr_t) "fuzz";
	a.argv = (uint64_t)(uintptr_t)c->argv;
	a.caps = (uint64_t)(uintptr_t)caps;
	a.ncaps = !caps[1] ? 1 : caps[2] ? 3 : 2;
	pid = fz_sys(VD_SYS_PROCESS_CREATE, (uint64_t)(uintptr_t)&a,
		     (uint64_t)(uintptr_t)tok, 0, 0, 0, 0);
	if (caps[1])
		fz_sys(VD_SYS_CAPABILITY_REVOKE, caps[1], 0, 0, 0, 0, 0);
	if (vd_is_err(pid)) {
		k->used = false;
		return pid;
	}
	fz_lock();
	k->tok = *tok;
	k->pid = (uint64_t)pid;
	k->aux = fate | (spawner ? SPAWNER : 0);
	k->reaped = false;
	fz_unlock();
	/* sometimes left created, not started: started (or killed) later,
	 * at the latest by fz_reap_children */
	if (spawner || !fz_chance(t, 4))
		fz_sys(VD_SYS_PROCESS_START, k->tok, 0, 0, 0, 0, 0);
	/* the pool gets a copy: revoking it loses us nothing */
	o.tok = k->tok;
	fz_sys(VD_SYS_CAPABILITY_DERIVE, k->tok, VD_RIGHTS_ALL,
	       (uint64_t)(uintptr_t)&o.tok, 0, 0, 0);
	o.aux = k->aux;
	o.addr = (uint64_t)pid;
	fz_put(t, FZ_PROC, &o);
	return 0;
}

/* An exit of a child: as its fate says, or killed by us; else a bug. */
static void check_exit(const struct fz_obj *o,
		       const struct vd_process_exit_info *info)
{
	unsigned fate = (unsigned)o->aux & 0xff;
	bool ok = false;

	if (info->process_id != o->addr)
		fz_fail("waited for child %llu, got the exit of %llu",
			(unsigned long long)o->addr,
			(unsigned long long)info->process_id);
	switch (info->exit_reason) {
	case VD_EXIT_NORMAL:
		if (info->exit_code == FZ_EXIT_FAIL)
			fz_fail("child %llu failed (its report is above)",
				(unsigned long long)info->process_id);
		ok = info->exit_code == FZ_EXIT_OK ||
		     (fate == FZ_FATE_EXIT &&
		      info->exit_code == FZ_CODE_EXITED);
		break;
	case VD_EXIT_KILLED:
		ok = (info->exit_code == FZ_CODE_KILLED &&
		      !(o->aux & SPAWNER)) ||
		     (fate == FZ_FATE_SELFTERM &&
		      info->exit_code == FZ_CODE_SELFTERM);
		break;
	case VD_EXIT_FAULT:
		ok = fate == FZ_FATE_FAULT;
		break;
	}
	if (!ok)
		fz_fail("child %llu (fate %u) ended with reason %u code %d",
			(unsigned long long)info->process_id, fate,
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
		kid_reaped(o->addr, tok);
		if (out == (uint64_t)(uintptr_t)info)
			check_exit(o, info);
		fz_kill(FZ_PROC, o->tok, true);
	} else if (r == -(long)VD_ERR_MEM_FAULT && !AVOID(FZ_KB_WAIT_BUFFER)) {
		/* the buffer went away mid-wait: the exit must still be
		 * there for the next wait (issue 11, item 2) */
		r = fz_sys(VD_SYS_PROCESS_WAIT, tok, 0, 0, 0, 0, 0);
		/* InvalidCapability: another fuzz thread revoked the token
		 * between the two waits, which says nothing of the exit */
		if (r != 0 && r != -(long)VD_ERR_TIMEOUT &&
		    r != -(long)VD_ERR_INVALID_CAPABILITY)
			fz_fail("a failed wait lost the child's exit: %ld", r);
		if (r == 0) {
			kid_reaped(o->addr, tok);
			fz_kill(FZ_PROC, o->tok, true);
		}
	}
	return r;
}

void fz_op_process(struct fz_thr *t)
{
	struct fz_obj o;
	struct vd_process_create_args *a =
		(struct vd_process_create_args *)t->buf;

	switch (fz_below(t, 7)) {
	case 6:
		op_limits(t);
		break;
	case 0: /* a copy of us: short, a spawner or a leaf with a fate */
		if (fz_cfg.depth < 2 &&
		    kids_alive() <
			    FZ_CHILDREN_MAX +
				    (fz_cfg.root ? fz_cfg.procs - 1 : 0)) {
			bool spawner = fz_cfg.depth == 0 && fz_chance(t, 3);
			unsigned fate = fz_below(t, 2 * FZ_FATE_COUNT);

			if (fate >= FZ_FATE_COUNT || spawner)
				fate = FZ_FATE_NORMAL;
			if (fate == FZ_FATE_SELFTERM &&
			    AVOID(FZ_KB_SELF_TERMINATE))
				fate = FZ_FATE_NORMAL;
			fz_spawn_child(t, 200 + fz_below(t, 1500), fate,
				       spawner);
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
	case 3: /* kill a leaf child */
		if (fz_pick(t, FZ_PROC, &o, NULL)) {
			if (!(o.aux & SPAWNER))
				fz_sys(VD_SYS_PROCESS_TERMINATE, o.tok,
				       FZ_CODE_KILLED, 0, 0, 0, 0);
		} else {
			fz_sys(VD_SYS_PROCESS_TERMINATE, fz_forged_token(t),
			       FZ_CODE_KILLED, 0, 0, 0, 0);
		}
		break;
	default: { /* wait */
		uint64_t out =
			fz_any_ptr(t, sizeof(struct vd_process_exit_info),
				   !AVOID(FZ_KB_WAIT_BUFFER));

		if (fz_pick(t, FZ_PROC, &o, NULL))
			wait_child(t, &o, o.tok, fz_timeout(t),
				   fz_chance(t, 4) ? out : 0);
		else /* (not a token of the pool: one could be an alias of
		      * a child, reaped behind kids[]'s back) */
			fz_sys(VD_SYS_PROCESS_WAIT, fz_forged_token(t), out, 0,
			       0, 0, 0);
		break;
	}
	}
}

/* SYS_PROCESS_LIMITS: read anyone's; lower a leaf child's (never our
 * own or a spawner's: the fuzzer has to go on); garbage. */
static void op_limits(struct fz_thr *t)
{
	struct vd_limits_info *in = (struct vd_limits_info *)(t->buf + 256);
	struct fz_obj o;
	uint64_t out = fz_chance(t, 4) ? 0 : fz_any_ptr(t, sizeof(*in), true);

	if (fz_pick(t, FZ_PROC, &o, NULL) && !(o.aux & SPAWNER) &&
	    fz_chance(t, 2)) {
		if (fz_sys(VD_SYS_PROCESS_LIMITS, o.tok, 0,
			   (uint64_t)(uintptr_t)in, 0, 0, 0) != 0)
			return;
		unsigned k = fz_below(t, VD_LIMIT_KINDS);
		in->limit[k] -= in->limit[k] / (2 + fz_below(t, 8));
		fz_sys(VD_SYS_PROCESS_LIMITS, o.tok, (uint64_t)(uintptr_t)in,
		       out, 0, 0, 0);
		return;
	}
	fz_sys(VD_SYS_PROCESS_LIMITS,
	       fz_chance(t, 2) ? fz_self : fz_forged_token(t),
	       fz_chance(t, 4) ? fz_garbage_ptr(t) : 0, out, 0, 0, 0);
}

/* The end of a process (its other threads are joined): every child not
 * yet reaped is started if need be, and waited for through the original
 * capability, which nothing else revoked. */
void fz_reap_children(struct fz_thr *t)
{
	for (unsigned i = 0; i < VD_ARRAY_SIZE(kids); i++) {
		struct fz_kid *k = &kids[i];
		struct fz_obj o = {.used = true, .live = true};
		long r;

		if (!k->used || k->reaped)
			continue;
		o.tok = k->tok;
		o.addr = k->pid;
		o.aux = k->aux;
		fz_sys(VD_SYS_PROCESS_START, k->tok, 0, 0, 0, 0, 0);
		r = wait_child(t, &o, k->tok, 60 * SEC, 0);
		if (r == -(long)VD_ERR_TIMEOUT && !(k->aux & SPAWNER)) {
			fz_sys(VD_SYS_PROCESS_TERMINATE, k->tok, FZ_CODE_KILLED,
			       0, 0, 0, 0);
			r = wait_child(t, &o, k->tok, 60 * SEC, 0);
		}
		if (r != 0)
			fz_fail("child %llu cannot be reaped: %ld",
				(unsigned long long)k->pid, r);
	}
}
