/*
 * Per-process resource limits: the tree of limits nodes and hierarchical
 * charging (the rules are in include/veridian/limits.h).
 *
 * A charge walks from the node to the root twice under limits_lock: once
 * to check every node, once to add.  The tree is as deep as the process
 * tree; the walk is at object creation, never on the IPC fast path.
 *
 * limits_lock is the innermost lock of the kernel (nothing is taken
 * under it, not even the heap's), so every subsystem may charge from
 * under its own locks.  A node's parent pointer and its reference count
 * are not under the lock: the pointer is set before the node is
 * published and never changes, and the count is atomic.
 */
#include <veridian/limits.h>
#include <veridian/mm.h>
#include <veridian/panic.h>
#include <veridian/spinlock.h>

struct vd_limits {
	struct vd_limits *parent; /* holds a reference; NULL for a root */
	uint32_t refs;		  /* atomic */
	/* ---- limits_lock ---- */
	uint64_t limit[VD_LIMIT_KINDS];
	uint64_t usage[VD_LIMIT_KINDS];
};

static struct vd_spinlock limits_lock = VD_SPINLOCK_INIT;
static unsigned live_nodes;

static const char *const kind_names[VD_LIMIT_KINDS] = {
	"endpoints", "channels",  "regions", "threads",
	"processes", "cap slots", "memory",
};

const char *vd_limit_kind_name(enum vd_limit_kind kind)
{
	return (unsigned)kind < VD_LIMIT_KINDS ? kind_names[kind] : "?";
}

unsigned vd_limits_count(void)
{
	return __atomic_load_n(&live_nodes, __ATOMIC_RELAXED);
}

static void root_defaults(uint64_t limit[VD_LIMIT_KINDS])
{
	/* RAM does not change after boot: ask the frame allocator once */
	static uint64_t half_ram;
	uint64_t mem = __atomic_load_n(&half_ram, __ATOMIC_RELAXED);

	if (!mem) {
		struct vd_memory_stats ms;

		vd_memory_stats(&ms);
		mem = (uint64_t)ms.total_frames * VD_PAGE_SIZE / 2;
		__atomic_store_n(&half_ram, mem, __ATOMIC_RELAXED);
	}
	limit[VD_LIMIT_ENDPOINTS] = VD_LIMIT_DEFAULT_ENDPOINTS;
	limit[VD_LIMIT_CHANNELS] = VD_LIMIT_DEFAULT_CHANNELS;
	limit[VD_LIMIT_REGIONS] = VD_LIMIT_DEFAULT_REGIONS;
	limit[VD_LIMIT_THREADS] = VD_LIMIT_DEFAULT_THREADS;
	limit[VD_LIMIT_PROCESSES] = VD_LIMIT_DEFAULT_PROCESSES;
	limit[VD_LIMIT_CAP_SLOTS] = VD_LIMIT_DEFAULT_CAP_SLOTS;
	limit[VD_LIMIT_MEMORY] = mem;
}

struct vd_limits *vd_limits_get(struct vd_limits *l)
{
	if (l)
		__atomic_fetch_add(&l->refs, 1, __ATOMIC_RELAXED);
	return l;
}

void vd_limits_put(struct vd_limits *l)
{
	/* the last put frees the node, and lets go of its parent */
	while (l && __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct vd_limits *parent = l->parent;

		/* nothing can be charged to a node nobody refers to: every
		 * charged object and every child holds a reference */
		for (unsigned k = 0; k < VD_LIMIT_KINDS; k++)
			VD_ASSERT(l->usage[k] == 0);
		vd_kfree(l);
		__atomic_fetch_sub(&live_nodes, 1, __ATOMIC_RELAXED);
		l = parent;
	}
}

vd_err_t vd_limits_charge(struct vd_limits *l, enum vd_limit_kind kind,
			  uint64_t n)
{
	vd_err_t err = VD_OK;

	if ((unsigned)kind >= VD_LIMIT_KINDS)
		return VD_ERR_INVALID_PARAMETER;
	if (!l || n == 0)
		return VD_OK;
	hal_irqstate_t st = vd_spin_lock_irqsave(&limits_lock);
	for (struct vd_limits *a = l; a; a = a->parent) {
		if (a->usage[kind] > a->limit[kind] ||
		    n > a->limit[kind] - a->usage[kind]) {
			err = kind == VD_LIMIT_MEMORY
				      ? VD_ERR_OUT_OF_MEMORY
				      : VD_ERR_RESOURCE_EXHAUSTED;
			break;
		}
	}
	if (!err)
		for (struct vd_limits *a = l; a; a = a->parent)
			a->usage[kind] += n;
	vd_spin_unlock_irqrestore(&limits_lock, st);
	return err;
}

void vd_limits_uncharge(struct vd_limits *l, enum vd_limit_kind kind,
			uint64_t n)
{
	VD_ASSERT((unsigned)kind < VD_LIMIT_KINDS);
	if (!l || n == 0)
		return;
	hal_irqstate_t st = vd_spin_lock_irqsave(&limits_lock);
	for (struct vd_limits *a = l; a; a = a->parent) {
		VD_ASSERT(a->usage[kind] >= n);
		a->usage[kind] -= n;
	}
	vd_spin_unlock_irqrestore(&limits_lock, st);
}

struct vd_limits *vd_limits_charge_ref(struct vd_limits *l,
				       enum vd_limit_kind kind, uint64_t n,
				       vd_err_t *err)
{
	*err = vd_limits_charge(l, kind, n);
	return *err ? NULL : vd_limits_get(l);
}

void vd_limits_release(struct vd_limits *l, enum vd_limit_kind kind, uint64_t n)
{
	vd_limits_uncharge(l, kind, n);
	vd_limits_put(l);
}

vd_err_t vd_limits_join(struct vd_limits *parent, struct vd_limits **out)
{
	struct vd_limits *l;
	vd_err_t err;

	if (!out)
		return VD_ERR_INVALID_PARAMETER;
	l = vd_kzalloc(sizeof(*l));
	if (!l)
		return VD_ERR_OUT_OF_MEMORY;
	__atomic_fetch_add(&live_nodes, 1, __ATOMIC_RELAXED);
	l->refs = 1; /* the process's */
	if (parent) {
		hal_irqstate_t st = vd_spin_lock_irqsave(&limits_lock);
		for (unsigned k = 0; k < VD_LIMIT_KINDS; k++)
			l->limit[k] = parent->limit[k];
		vd_spin_unlock_irqrestore(&limits_lock, st);
		l->parent = vd_limits_get(parent);
	} else {
		root_defaults(l->limit);
	}
	err = vd_limits_charge(l, VD_LIMIT_PROCESSES, 1);
	if (err) {
		vd_limits_put(l);
		return err;
	}
	*out = l;
	return VD_OK;
}

void vd_limits_leave(struct vd_limits *l)
{
	vd_limits_release(l, VD_LIMIT_PROCESSES, 1);
}

vd_err_t vd_limits_read(struct vd_limits *l, struct vd_limits_info *out)
{
	if (!l || !out)
		return VD_ERR_INVALID_PARAMETER;
	hal_irqstate_t st = vd_spin_lock_irqsave(&limits_lock);
	for (unsigned k = 0; k < VD_LIMIT_KINDS; k++) {
		out->limit[k] = l->limit[k];
		out->usage[k] = l->usage[k];
	}
	vd_spin_unlock_irqrestore(&limits_lock, st);
	return VD_OK;
}

vd_err_t vd_limits_lower(struct vd_limits *l,
			 const uint64_t want[VD_LIMIT_KINDS])
{
	vd_err_t err = VD_OK;

	if (!l || !want)
		return VD_ERR_INVALID_PARAMETER;
	hal_irqstate_t st = vd_spin_lock_irqsave(&limits_lock);
	for (unsigned k = 0; k < VD_LIMIT_KINDS; k++)
		if (want[k] > l->limit[k])
			err = VD_ERR_PERMISSION_DENIED;
	if (!err)
		for (unsigned k = 0; k < VD_LIMIT_KINDS; k++)
			l->limit[k] = want[k];
	vd_spin_unlock_irqrestore(&limits_lock, st);
	return err;
}
