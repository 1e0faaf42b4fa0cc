/*
 * cmocka suite for per-process resource limits (core/proc/limits.c) and
 * the IPC objects charged to them (core/ipc): hierarchical charging up
 * the parent chain, inheritance, lowering but never raising, the errors,
 * nodes that outlive their process while an object still holds them,
 * and every charge given back when its object dies.  (Processes,
 * threads, capability slots and user memory are in test_proc.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <veridian/limits.h>
#include <veridian/proc.h>

#include "test_ipc_fixture.h"

#define RW (VD_RIGHT_READ | VD_RIGHT_WRITE)

static unsigned nodes0;

static int setup(void **state)
{
	nodes0 = vd_limits_count();
	return ipc_test_setup(state);
}

static int teardown(void **state)
{
	assert_int_equal(vd_limits_count(), nodes0);
	return ipc_test_teardown(state);
}

static uint64_t usage(struct vd_limits *l, enum vd_limit_kind k)
{
	struct vd_limits_info li;

	assert_int_equal(vd_limits_read(l, &li), VD_OK);
	return li.usage[k];
}

static uint64_t limit(struct vd_limits *l, enum vd_limit_kind k)
{
	struct vd_limits_info li;

	assert_int_equal(vd_limits_read(l, &li), VD_OK);
	return li.limit[k];
}

/* Lower one kind of l to v, the others unchanged. */
static vd_err_t lower(struct vd_limits *l, enum vd_limit_kind k, uint64_t v)
{
	struct vd_limits_info li;

	assert_int_equal(vd_limits_read(l, &li), VD_OK);
	li.limit[k] = v;
	return vd_limits_lower(l, li.limit);
}

static void test_root_defaults_and_inheritance(void **state)
{
	struct vd_limits *root, *child;
	struct vd_memory_stats ms;
	(void)state;

	assert_int_equal(vd_limits_join(NULL, &root), VD_OK);
	assert_int_equal(limit(root, VD_LIMIT_ENDPOINTS),
			 VD_LIMIT_DEFAULT_ENDPOINTS);
	/* one process cannot take a whole table */
	assert_true(limit(root, VD_LIMIT_ENDPOINTS) < VD_IPC_MAX_ENDPOINTS);
	assert_true(limit(root, VD_LIMIT_CHANNELS) < VD_IPC_MAX_CHANNELS);
	assert_true(limit(root, VD_LIMIT_REGIONS) < VD_IPC_MAX_REGIONS);
	vd_memory_stats(&ms);
	assert_true(limit(root, VD_LIMIT_MEMORY) <
		    (uint64_t)ms.total_frames * VD_PAGE_SIZE);
	assert_true(limit(root, VD_LIMIT_MEMORY) > 0);
	/* the process itself is charged */
	assert_int_equal(usage(root, VD_LIMIT_PROCESSES), 1);

	assert_int_equal(lower(root, VD_LIMIT_ENDPOINTS, 7), VD_OK);
	assert_int_equal(vd_limits_join(root, &child), VD_OK);
	assert_int_equal(limit(child, VD_LIMIT_ENDPOINTS), 7);
	assert_int_equal(limit(child, VD_LIMIT_THREADS),
			 VD_LIMIT_DEFAULT_THREADS);
	assert_int_equal(usage(root, VD_LIMIT_PROCESSES), 2);
	assert_int_equal(vd_limits_count(), nodes0 + 2);

	/* the parent process goes first: its node stays for the child */
	vd_limits_leave(root);
	assert_int_equal(vd_limits_count(), nodes0 + 2);
	vd_limits_leave(child);
	assert_int_equal(vd_limits_count(), nodes0);
}

static void test_charge_is_hierarchical(void **state)
{
	struct vd_limits *root, *a, *b, *grand;
	(void)state;

	assert_int_equal(vd_limits_join(NULL, &root), VD_OK);
	assert_int_equal(lower(root, VD_LIMIT_ENDPOINTS, 10), VD_OK);
	assert_int_equal(vd_limits_join(root, &a), VD_OK);
	assert_int_equal(vd_limits_join(root, &b), VD_OK);
	assert_int_equal(lower(a, VD_LIMIT_ENDPOINTS, 4), VD_OK);
	assert_int_equal(vd_limits_join(a, &grand), VD_OK);

	/* a's own limit: 4, its grandchild's charges included */
	assert_int_equal(vd_limits_charge(grand, VD_LIMIT_ENDPOINTS, 3), VD_OK);
	assert_int_equal(vd_limits_charge(a, VD_LIMIT_ENDPOINTS, 1), VD_OK);
	assert_int_equal(vd_limits_charge(grand, VD_LIMIT_ENDPOINTS, 1),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_limits_charge(a, VD_LIMIT_ENDPOINTS, 1),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(usage(a, VD_LIMIT_ENDPOINTS), 4);
	assert_int_equal(usage(grand, VD_LIMIT_ENDPOINTS), 3);
	assert_int_equal(usage(root, VD_LIMIT_ENDPOINTS), 4);
	/* the sibling still has the rest of the parent's 10 */
	assert_int_equal(vd_limits_charge(b, VD_LIMIT_ENDPOINTS, 6), VD_OK);
	assert_int_equal(vd_limits_charge(b, VD_LIMIT_ENDPOINTS, 1),
			 VD_ERR_RESOURCE_EXHAUSTED);
	/* the root's own charges count against the same budget */
	assert_int_equal(vd_limits_charge(root, VD_LIMIT_ENDPOINTS, 1),
			 VD_ERR_RESOURCE_EXHAUSTED);
	/* a failed charge changed nothing anywhere */
	assert_int_equal(usage(b, VD_LIMIT_ENDPOINTS), 6);
	assert_int_equal(usage(root, VD_LIMIT_ENDPOINTS), 10);

	/* memory over its limit is out of memory, and all or nothing */
	assert_int_equal(lower(a, VD_LIMIT_MEMORY, 3 * VD_PAGE_SIZE), VD_OK);
	assert_int_equal(
		vd_limits_charge(grand, VD_LIMIT_MEMORY, 4 * VD_PAGE_SIZE),
		VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(usage(root, VD_LIMIT_MEMORY), 0);
	/* a huge n does not wrap around */
	assert_int_equal(vd_limits_charge(b, VD_LIMIT_THREADS, UINT64_MAX),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_limits_charge(b, VD_LIMIT_KINDS, 1),
			 VD_ERR_INVALID_PARAMETER);
	/* the kernel (no node) is never limited */
	assert_int_equal(vd_limits_charge(NULL, VD_LIMIT_ENDPOINTS, 1 << 20),
			 VD_OK);

	/* everything given back: usage is zero again all the way up */
	vd_limits_uncharge(grand, VD_LIMIT_ENDPOINTS, 3);
	vd_limits_uncharge(a, VD_LIMIT_ENDPOINTS, 1);
	vd_limits_uncharge(b, VD_LIMIT_ENDPOINTS, 6);
	assert_int_equal(usage(root, VD_LIMIT_ENDPOINTS), 0);
	assert_int_equal(vd_limits_charge(b, VD_LIMIT_ENDPOINTS, 10), VD_OK);
	vd_limits_uncharge(b, VD_LIMIT_ENDPOINTS, 10);
	vd_limits_leave(grand);
	vd_limits_leave(a);
	vd_limits_leave(b);
	assert_int_equal(usage(root, VD_LIMIT_PROCESSES), 1);
	vd_limits_leave(root);
}

static void test_limits_only_go_down(void **state)
{
	struct vd_limits *root, *child;
	struct vd_limits_info li;
	(void)state;

	assert_int_equal(vd_limits_join(NULL, &root), VD_OK);
	assert_int_equal(vd_limits_join(root, &child), VD_OK);
	assert_int_equal(lower(child, VD_LIMIT_CHANNELS, 5), VD_OK);
	/* back up, even to the parent's value: refused, nothing changed */
	assert_int_equal(lower(child, VD_LIMIT_CHANNELS, 6),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_limits_read(child, &li), VD_OK);
	li.limit[VD_LIMIT_THREADS] = 3;		 /* lower */
	li.limit[VD_LIMIT_REGIONS] = UINT64_MAX; /* raise */
	assert_int_equal(vd_limits_lower(child, li.limit),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(limit(child, VD_LIMIT_THREADS),
			 VD_LIMIT_DEFAULT_THREADS);
	assert_int_equal(limit(child, VD_LIMIT_CHANNELS), 5);
	/* the same values: allowed (read, change one, write back) */
	assert_int_equal(lower(child, VD_LIMIT_CHANNELS, 5), VD_OK);

	/* below the usage: nothing is taken away, new charges fail */
	assert_int_equal(vd_limits_charge(child, VD_LIMIT_CHANNELS, 4), VD_OK);
	assert_int_equal(lower(child, VD_LIMIT_CHANNELS, 2), VD_OK);
	assert_int_equal(usage(child, VD_LIMIT_CHANNELS), 4);
	assert_int_equal(vd_limits_charge(child, VD_LIMIT_CHANNELS, 1),
			 VD_ERR_RESOURCE_EXHAUSTED);
	vd_limits_uncharge(child, VD_LIMIT_CHANNELS, 3); /* 1 of 2 */
	assert_int_equal(vd_limits_charge(child, VD_LIMIT_CHANNELS, 1), VD_OK);
	assert_int_equal(vd_limits_charge(child, VD_LIMIT_CHANNELS, 1),
			 VD_ERR_RESOURCE_EXHAUSTED);
	vd_limits_uncharge(child, VD_LIMIT_CHANNELS, 2);
	assert_int_equal(usage(root, VD_LIMIT_CHANNELS), 0);

	/* lowered limits are inherited by children made afterwards */
	struct vd_limits *grand;
	assert_int_equal(vd_limits_join(child, &grand), VD_OK);
	assert_int_equal(limit(grand, VD_LIMIT_CHANNELS), 2);
	/* the processes limit: a child with 1 can make no children */
	assert_int_equal(lower(grand, VD_LIMIT_PROCESSES, 1), VD_OK);
	struct vd_limits *none = NULL;
	assert_int_equal(vd_limits_join(grand, &none),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_null(none);

	assert_int_equal(vd_limits_read(NULL, &li), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_limits_lower(NULL, li.limit),
			 VD_ERR_INVALID_PARAMETER);
	vd_limits_leave(grand);
	vd_limits_leave(child);
	vd_limits_leave(root);
}

/* ---- IPC objects charged to an actor's process ---- */

struct limited_proc {
	struct fake_proc f;
	struct vd_process proc; /* only .limits is used without mapping */
};

static void limited_init(struct limited_proc *p, vd_pid_t pid,
			 struct vd_limits *parent)
{
	memset(&p->proc, 0, sizeof(p->proc));
	fake_proc_init(&p->f, pid);
	p->proc.pid = pid;
	assert_int_equal(vd_limits_join(parent, &p->proc.limits), VD_OK);
	p->f.a.proc = &p->proc;
}

/* IPC exit, then the process struct goes (its node lives on while
 * objects charged to it do). */
static void limited_exit(struct limited_proc *p)
{
	fake_proc_exit(&p->f);
	vd_limits_leave(p->proc.limits);
	p->proc.limits = NULL;
}

static void test_endpoints_and_channels(void **state)
{
	struct limited_proc A, B;
	vd_endpoint_id_t ea[4], eb;
	vd_channel_id_t ch[2];
	struct vd_limits *l;
	(void)state;

	limited_init(&A, 10, NULL);
	limited_init(&B, 20, NULL);
	l = A.proc.limits;
	assert_int_equal(lower(l, VD_LIMIT_ENDPOINTS, 3), VD_OK);
	assert_int_equal(lower(l, VD_LIMIT_CHANNELS, 1), VD_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vd_ipc_create_endpoint(&A.f.a, &ea[i], NULL),
				 VD_OK);
	assert_int_equal(vd_ipc_create_endpoint(&A.f.a, &ea[3], NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(usage(l, VD_LIMIT_ENDPOINTS), 3);
	/* another process is not affected */
	assert_int_equal(vd_ipc_create_endpoint(&B.f.a, &eb, NULL), VD_OK);

	/* a channel is charged to whoever pays for its first endpoint */
	assert_int_equal(vd_ipc_create_channel(ea[0], eb, &ch[0]), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea[1], eb, &ch[1]),
			 VD_ERR_RESOURCE_EXHAUSTED);
	assert_int_equal(vd_ipc_create_channel(eb, ea[1], &ch[1]), VD_OK);
	assert_int_equal(usage(l, VD_LIMIT_CHANNELS), 1);
	assert_int_equal(usage(B.proc.limits, VD_LIMIT_CHANNELS), 1);

	/* destroying the objects gives the charges back */
	assert_int_equal(vd_ipc_close_channel(ch[0]), VD_OK);
	assert_int_equal(usage(l, VD_LIMIT_CHANNELS), 0);
	assert_int_equal(vd_ipc_destroy_endpoint(ea[2]), VD_OK);
	assert_int_equal(usage(l, VD_LIMIT_ENDPOINTS), 2);
	assert_int_equal(vd_ipc_create_endpoint(&A.f.a, &ea[2], NULL), VD_OK);
	/* and process exit, which destroys its endpoints (and channels) */
	limited_exit(&A);
	assert_int_equal(usage(B.proc.limits, VD_LIMIT_CHANNELS), 0);
	limited_exit(&B);
}

static void test_regions_outlive_their_creator(void **state)
{
	struct limited_proc A, B;
	vd_region_id_t r, r2;
	struct vd_limits *la;
	(void)state;

	limited_init(&A, 10, NULL);
	limited_init(&B, 20, NULL);
	la = A.proc.limits;
	assert_int_equal(lower(la, VD_LIMIT_MEMORY, 6 * VD_PAGE_SIZE), VD_OK);
	assert_int_equal(lower(la, VD_LIMIT_REGIONS, 2), VD_OK);
	assert_int_equal(
		vd_ipc_create_shared_region(&A.f.a, 4 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	assert_int_equal(usage(la, VD_LIMIT_REGIONS), 1);
	assert_int_equal(usage(la, VD_LIMIT_MEMORY), 4 * VD_PAGE_SIZE);
	/* over the memory limit: out of memory, nothing charged, no frame */
	struct vd_ipc_stats st;
	assert_int_equal(
		vd_ipc_create_shared_region(&A.f.a, 3 * VD_PAGE_SIZE, RW, &r2),
		VD_ERR_OUT_OF_MEMORY);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.region_frames, 4);
	assert_int_equal(usage(la, VD_LIMIT_REGIONS), 1);
	/* a CopyOnWrite transfer may copy every page: the sender pays */
	assert_int_equal(vd_ipc_transfer_shared_region(&A.f.a, &B.f.a, r,
						       VD_IPC_TRANSFER_COW),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(usage(la, VD_LIMIT_MEMORY), 4 * VD_PAGE_SIZE);
	assert_int_equal(
		vd_ipc_create_shared_region(&A.f.a, 2 * VD_PAGE_SIZE, RW, &r2),
		VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.f.a, &B.f.a, r2,
						       VD_IPC_TRANSFER_COW),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_ipc_release_shared_region(&A.f.a, r2), VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.f.a, &B.f.a, r,
						       VD_IPC_TRANSFER_MOVE),
			 VD_OK);
	assert_int_equal(usage(la, VD_LIMIT_MEMORY), 4 * VD_PAGE_SIZE);
	assert_int_equal(usage(B.proc.limits, VD_LIMIT_MEMORY), 0);

	/* A dies; the region it made (now B's) keeps A's node alive and
	 * charged */
	unsigned nodes = vd_limits_count();
	limited_exit(&A);
	assert_int_equal(vd_limits_count(), nodes);
	assert_int_equal(usage(la, VD_LIMIT_MEMORY), 4 * VD_PAGE_SIZE);
	assert_int_equal(usage(la, VD_LIMIT_PROCESSES), 0);
	/* B lets go: the region dies, the node with it */
	assert_int_equal(vd_ipc_release_shared_region(&B.f.a, r), VD_OK);
	assert_int_equal(vd_limits_count(), nodes - 1);
	limited_exit(&B);
}

static void test_cow_view_charge_comes_back(void **state)
{
	struct limited_proc A, B;
	vd_region_id_t r;
	struct vd_limits *la;
	(void)state;

	limited_init(&A, 10, NULL);
	limited_init(&B, 20, NULL);
	la = A.proc.limits;
	assert_int_equal(
		vd_ipc_create_shared_region(&A.f.a, 2 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.f.a, &B.f.a, r,
						       VD_IPC_TRANSFER_COW),
			 VD_OK);
	assert_int_equal(usage(la, VD_LIMIT_MEMORY), 4 * VD_PAGE_SIZE);
	assert_int_equal(usage(la, VD_LIMIT_REGIONS), 1);
	/* B's view goes: its charge comes back; the region stays */
	assert_int_equal(vd_ipc_release_shared_region(&B.f.a, r), VD_OK);
	assert_int_equal(usage(la, VD_LIMIT_MEMORY), 2 * VD_PAGE_SIZE);
	/* a kernel actor (no process) is never charged */
	struct fake_proc K;
	vd_region_id_t rk;
	fake_proc_init(&K, 30);
	assert_int_equal(
		vd_ipc_create_shared_region(&K.a, VD_PAGE_SIZE, RW, &rk),
		VD_OK);
	fake_proc_exit(&K);
	limited_exit(&A);
	assert_int_equal(usage(B.proc.limits, VD_LIMIT_MEMORY), 0);
	limited_exit(&B);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_root_defaults_and_inheritance),
		T(test_charge_is_hierarchical),
		T(test_limits_only_go_down),
		T(test_endpoints_and_channels),
		T(test_regions_outlive_their_creator),
		T(test_cow_view_charge_comes_back),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
