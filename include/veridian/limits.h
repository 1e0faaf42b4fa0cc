/*
 * Veridian: per-process resource limits (issue 11, item 6).
 *
 * Every process has a limits node: for each kind of resource a limit and
 * the usage charged to it.  The nodes form a tree that mirrors the process
 * tree at creation time and never changes shape: a node keeps a reference
 * on its parent's node for as long as it lives, even after the parent
 * process is gone.
 *
 * The rule is hierarchical charging, as Linux cgroups do it: a charge of n
 * to a node is a charge of n to the node and to every ancestor, and it
 * succeeds only if none of them goes over its limit.  So a process and
 * all its descendants together never use more than the process's limit,
 * whatever they do, and a parent divides its budget by lowering its
 * children's limits.  Limits only ever go down: a new node copies its
 * parent's limits, and SYS_PROCESS_LIMITS may lower a node's limits,
 * never raise them.  The roots (processes the kernel creates: init, the
 * test programs) get the defaults below, each well under its global
 * table, so one process tree never takes a whole table.
 *
 * What is charged, to whom, and for how long:
 *   ENDPOINTS  1 per endpoint, to its owner, until it is destroyed
 *   CHANNELS   1 per channel, to whoever is charged for its first
 *              endpoint (the creator, for SYS_IPC_CHANNEL_CREATE)
 *   REGIONS    1 per shared region, to its creator, until its last holder
 *              lets go (even after a Move to another process)
 *   THREADS    1 per user thread, to its process, until the thread struct
 *              is freed (joined or reaped, and off every CPU)
 *   PROCESSES  1 per process, to itself (a limit of 1: no children), until
 *              its struct is freed (reaped)
 *   CAP_SLOTS  the slot count of a process's capability space, from
 *              creation until teardown
 *   MEMORY     bytes: the size of every anonymous user mapping (ELF image,
 *              stack, mmap; lazy ones at their full size) until unmapped;
 *              the frames of a shared region, to its creator; the pages a
 *              CopyOnWrite transfer may copy, to the sender, until that
 *              view goes
 *
 * Errors: a charge over a limit fails with VD_ERR_RESOURCE_EXHAUSTED,
 * except MEMORY, which fails with VD_ERR_OUT_OF_MEMORY (what mmap and
 * region creation already return when frames run out, so callers handle
 * one error for "no memory for you").
 *
 * Objects record the node they were charged to, with a reference, and
 * give the charge back in their one destroy function: an object may
 * outlive its creator's process struct (a region moved away), never its
 * node.
 *
 * Locking: one global spinlock, taken with interrupts masked, is the
 * innermost lock of the kernel: it may be taken under the scheduler lock
 * (IPC), a process's vm_lock, the process lock and the capability lock,
 * and nothing is taken while it is held.  Reference counts are atomic;
 * the last put frees the node (and may free its ancestors) outside it.
 *
 * The upper part is the user ABI (SYS_PROCESS_LIMITS); user programs
 * include it with VD_USER defined.
 */
#ifndef VERIDIAN_LIMITS_H
#define VERIDIAN_LIMITS_H

#include <veridian/types.h>

enum vd_limit_kind {
	VD_LIMIT_ENDPOINTS = 0,
	VD_LIMIT_CHANNELS = 1,
	VD_LIMIT_REGIONS = 2,
	VD_LIMIT_THREADS = 3,
	VD_LIMIT_PROCESSES = 4,
	VD_LIMIT_CAP_SLOTS = 5,
	VD_LIMIT_MEMORY = 6, /* bytes */
	VD_LIMIT_KINDS = 7,
};

/* SYS_PROCESS_LIMITS: a node's limits and what is charged to it (its
 * own objects and all its descendants'). */
struct vd_limits_info {
	uint64_t limit[VD_LIMIT_KINDS];
	uint64_t usage[VD_LIMIT_KINDS];
};

/* Defaults of a root (a process the kernel creates).  Each table of
 * 1024 gets a quarter; 128 processes of 256 capability slots; memory is
 * half of the frames there are when the root is made. */
#define VD_LIMIT_DEFAULT_ENDPOINTS 256
#define VD_LIMIT_DEFAULT_CHANNELS  256
#define VD_LIMIT_DEFAULT_REGIONS   256
#define VD_LIMIT_DEFAULT_THREADS   512
#define VD_LIMIT_DEFAULT_PROCESSES 128
#define VD_LIMIT_DEFAULT_CAP_SLOTS (128 * 256)

#ifndef VD_USER /* ---- kernel only below ---- */

struct vd_limits; /* opaque: core/proc/limits.c */

/*
 * A node for a new process under `parent` (NULL: a root, with the
 * defaults), with that process charged to it (PROCESSES 1).
 * Errors: VD_ERR_OUT_OF_MEMORY, VD_ERR_RESOURCE_EXHAUSTED (the parent or
 * an ancestor is at its PROCESSES limit).
 */
vd_err_t vd_limits_join(struct vd_limits *parent, struct vd_limits **out);
/* The process of node l is freed: give back its PROCESSES charge and
 * drop its reference.  NULL is ignored. */
void vd_limits_leave(struct vd_limits *l);

/*
 * Charge n of `kind` to l and every ancestor, all or nothing.
 * l NULL (the kernel, or an actor without a process) is never limited.
 * Errors: VD_ERR_RESOURCE_EXHAUSTED (VD_ERR_OUT_OF_MEMORY for MEMORY) if
 * some node would go over its limit; VD_ERR_INVALID_PARAMETER for a bad
 * kind.  Nothing changes on failure.
 */
vd_err_t vd_limits_charge(struct vd_limits *l, enum vd_limit_kind kind,
			  uint64_t n);
/* Give back what a charge of n took (n must have been charged). */
void vd_limits_uncharge(struct vd_limits *l, enum vd_limit_kind kind,
			uint64_t n);

/* References, for objects that record the node they were charged to.
 * vd_limits_get(NULL) is NULL; vd_limits_put(NULL) does nothing. */
struct vd_limits *vd_limits_get(struct vd_limits *l);
void vd_limits_put(struct vd_limits *l);
/* charge + get: the node to record in the object, or NULL (with *err
 * set) on failure.  *err is VD_OK and the result NULL for l NULL. */
struct vd_limits *vd_limits_charge_ref(struct vd_limits *l,
				       enum vd_limit_kind kind, uint64_t n,
				       vd_err_t *err);
/* uncharge + put: an object's destroy function gives its charge back. */
void vd_limits_release(struct vd_limits *l, enum vd_limit_kind kind,
		       uint64_t n);

/* Read a node's limits and usage.  Errors: VD_ERR_INVALID_PARAMETER. */
vd_err_t vd_limits_read(struct vd_limits *l, struct vd_limits_info *out);
/*
 * Lower l's limits to want[k] for every kind, all or nothing.  A value
 * may be below the current usage: nothing is taken away, further charges
 * fail.  Errors: VD_ERR_PERMISSION_DENIED if any want[k] is above the
 * current limit (limits never go up); VD_ERR_INVALID_PARAMETER.
 */
vd_err_t vd_limits_lower(struct vd_limits *l,
			 const uint64_t want[VD_LIMIT_KINDS]);

/* Short name of a kind ("endpoints", ...), for dumps. */
const char *vd_limit_kind_name(enum vd_limit_kind kind);
/* Live nodes (leak checks in tests). */
unsigned vd_limits_count(void);

#endif /* !VD_USER */
#endif /* VERIDIAN_LIMITS_H */
