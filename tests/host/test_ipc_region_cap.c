/*
 * cmocka suite for shared regions named by capabilities
 * (core/ipc/ipc_region.c, core/cap/cap_tree.c vd_cap_delete): every
 * holder's access comes through a Memory capability to the region;
 * revoking one takes the region from every holder it reached (mappings
 * gone, frames freed with the last), while letting go (release, Move,
 * exit) deletes only the holder's own capability.  A receiver's own
 * capability is minted when asked for (vd_ipc_region_cap) or when its
 * giver lets go (ipc_region_cap.c).  The fake MMU of
 * hal/host/pt_fake.c checks what a user load would see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "test_ipc_fixture.h"

#define RW	   (VD_RIGHT_READ | VD_RIGHT_WRITE)
#define ALL_RIGHTS (RW | VD_RIGHT_MAP | VD_RIGHT_GRANT)

static struct fake_proc A, B, C;

static int procs_setup(void **state)
{
	ipc_test_setup(state);
	fake_proc_init(&A, 10);
	fake_proc_init(&B, 20);
	fake_proc_init(&C, 30);
	return 0;
}

static int procs_teardown(void **state)
{
	fake_proc_exit(&A);
	fake_proc_exit(&B);
	fake_proc_exit(&C);
	return ipc_test_teardown(state);
}

/* Can p read va (is a page mapped there)? */
static bool readable(struct fake_proc *p, vaddr_t va)
{
	paddr_t pa;

	return host_pt_access(p->pt.root_frame, va, VD_FAULT_READ, true, &pa) ==
	       VD_OK;
}

static bool frame_is_free(paddr_t pa)
{
	return vd_frame_free(vd_frame_of(pa), 1) == VD_ERR_MEM_DOUBLE_FREE;
}

/* p's capability to r, checked to be a Memory capability to r. */
static vd_cap_token_t cap_of(struct fake_proc *p, vd_region_id_t r,
			     uint32_t rights)
{
	struct vd_capability c;
	vd_cap_token_t t = 0;

	assert_int_equal(vd_ipc_region_cap(&p->a, r, &t), VD_OK);
	assert_int_equal(
		vd_cap_validate_type(p->a.caps, t, VD_OBJ_MEMORY, rights, &c),
		VD_OK);
	assert_int_equal(c.object_id, r);
	assert_int_equal(c.rights, rights);
	return t;
}

/* A makes a 2-page region, maps it; B and then C get it by Share (each
 * from the one before) and map it. */
static vd_region_id_t chain(vaddr_t *va, vaddr_t *vb, vaddr_t *vc, paddr_t *pa)
{
	vd_region_id_t r;
	struct vd_frame f;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 2 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, va), VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, vb), VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&B.a, &C.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&C.a, r, 0, vc), VD_OK);
	assert_int_equal(vd_query_page(&A.pt, *va, &f, NULL), VD_OK);
	*pa = vd_frame_addr(f);
	assert_true(readable(&A, *va) && readable(&B, *vb) &&
		    readable(&C, *vc));
	return r;
}

static void test_every_holder_has_a_capability(void **state)
{
	vaddr_t va, vb, vc;
	paddr_t pa;
	vd_region_id_t r = chain(&va, &vb, &vc, &pa);

	/* only the creator's exists until the others ask for theirs */
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 1);
	vd_cap_token_t ta = cap_of(&A, r, ALL_RIGHTS);
	vd_cap_token_t tb = cap_of(&B, r, ALL_RIGHTS);
	(void)state;

	cap_of(&C, r, ALL_RIGHTS);
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 3);
	/* the token names the region as well as the id; a token of another
	 * space, a forged one or a stale id name nothing */
	vaddr_t v2;
	assert_int_equal(vd_ipc_map_shared_region(&A.a, ta, 0, &v2), VD_OK);
	assert_int_equal(vd_ipc_unmap_shared_region(&A.a, ta, v2), VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, tb, 0, &v2),
			 VD_ERR_NOT_FOUND);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, 0x1234, 0, &v2),
			 VD_ERR_NOT_FOUND);
	/* no out pointer */
	assert_int_equal(vd_ipc_region_cap(&A.a, r, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_release_shared_region(&C.a, r), VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&B.a, tb), VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 0);
	assert_true(frame_is_free(pa));
}

/* Revoking the creator's capability takes the region from everyone. */
static void test_revoke_root_unmaps_every_holder(void **state)
{
	vaddr_t va, vb, vc;
	paddr_t pa;
	vd_region_id_t r = chain(&va, &vb, &vc, &pa);
	vd_cap_token_t ta = cap_of(&A, r, ALL_RIGHTS);
	struct vd_ipc_stats st;
	(void)state;

	assert_int_equal(vd_cap_revoke(A.a.caps, ta), VD_OK);
	assert_false(readable(&A, va));
	assert_false(readable(&B, vb));
	assert_false(readable(&C, vc));
	assert_true(frame_is_free(pa));
	vd_ipc_get_stats(&st);
	assert_int_equal(st.regions, 0);
	assert_int_equal(st.region_frames, 0);
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 0);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb),
			 VD_ERR_NOT_FOUND);
}

/* Revoking a middle capability takes the region from its subtree only. */
static void test_revoke_subtree_only(void **state)
{
	vaddr_t va, vb, vc;
	paddr_t pa;
	vd_region_id_t r = chain(&va, &vb, &vc, &pa);
	vd_cap_token_t tb = cap_of(&B, r, ALL_RIGHTS);
	(void)state;

	*(uint8_t *)vd_phys_to_virt(pa) = 0x5a;
	assert_int_equal(vd_cap_revoke(B.a.caps, tb), VD_OK);
	assert_true(readable(&A, va));
	assert_false(readable(&B, vb));
	assert_false(readable(&C, vc));
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_map_shared_region(&C.a, r, 0, &vc),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(*(uint8_t *)vd_phys_to_virt(pa), 0x5a);
	assert_false(frame_is_free(pa));
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 1);
	/* B can be given it again */
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&B.a, r), VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_true(frame_is_free(pa));
}

/* A copy the holder made itself (derive) names the region; revoking the
 * copy takes nothing, as the access comes through the original. */
static void test_user_copy_names_but_does_not_hold(void **state)
{
	vd_region_id_t r;
	vaddr_t va;
	struct vd_capability copy;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, VD_PAGE_SIZE, RW, &r), VD_OK);
	vd_cap_token_t ta = cap_of(&A, r, ALL_RIGHTS);
	assert_int_equal(vd_cap_derive(A.a.caps, ta, VD_RIGHT_READ, &copy),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, copy.token, 0, &va),
			 VD_OK);
	assert_int_equal(vd_cap_revoke(A.a.caps, copy.token), VD_OK);
	assert_true(readable(&A, va));
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_false(readable(&A, va));
}

/* Letting go is not revoking: release, Move and exit keep what others
 * were given, and leave no capability behind. */
static void test_letting_go_keeps_receivers(void **state)
{
	vaddr_t va, vb, vc;
	paddr_t pa;
	vd_region_id_t r = chain(&va, &vb, &vc, &pa);
	vd_cap_token_t ta = cap_of(&A, r, ALL_RIGHTS);
	(void)state;

	/* A releases: B and C keep it; A's token is gone */
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_true(readable(&B, vb) && readable(&C, vc));
	assert_int_equal(vd_cap_lookup(A.a.caps, ta, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	/* B, which got it from A, has its own now; C still goes through
	 * B's */
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 1);
	/* B moves its access to A: B keeps nothing, C keeps its own */
	vd_cap_token_t tb = cap_of(&B, r, ALL_RIGHTS);
	assert_int_equal(vd_ipc_transfer_shared_region(&B.a, &A.a, r,
						       VD_IPC_TRANSFER_MOVE),
			 VD_OK);
	assert_false(readable(&B, vb));
	assert_int_equal(vd_cap_lookup(B.a.caps, tb, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_true(readable(&C, vc));
	ta = cap_of(&A, r, ALL_RIGHTS);
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 1);
	/* C's exit takes only C's access */
	fake_proc_exit(&C);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, ta, 0, &va), VD_OK);
	assert_true(readable(&A, va));
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 1);
	assert_false(frame_is_free(pa));
	/* and A's capability still takes the region back */
	assert_int_equal(vd_cap_revoke(A.a.caps, ta), VD_OK);
	assert_false(readable(&A, va));
	assert_true(frame_is_free(pa));
	fake_proc_init(&C, 31);
}

/* A holder's exit revokes its user-made copies with its space: the hook
 * runs, and nobody's access changes. */
static void test_exit_with_copies(void **state)
{
	vaddr_t va, vb, vc;
	paddr_t pa;
	vd_region_id_t r = chain(&va, &vb, &vc, &pa);
	vd_cap_token_t tb = cap_of(&B, r, ALL_RIGHTS);
	(void)state;

	assert_int_equal(vd_cap_derive(B.a.caps, tb, VD_RIGHT_READ, NULL),
			 VD_OK);
	fake_proc_exit(&B);
	assert_true(readable(&A, va) && readable(&C, vc));
	/* A's, and C's (minted from B's as B left) */
	assert_int_equal(vd_cap_object_count(VD_OBJ_MEMORY, r), 2);
	fake_proc_init(&B, 21);
	assert_int_equal(vd_ipc_release_shared_region(&C.a, r), VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_true(frame_is_free(pa));
}

/* mmap of a Memory capability (vd_ipc_map_memory): a process that was
 * only passed a capability gets access through a copy of it, read-only
 * if it lacks WRITE; revoking the passed one unmaps it. */
static void test_map_memory_by_capability(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vb;
	paddr_t pb;
	struct vd_capability ro, rw;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 2 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	vd_cap_token_t ta = cap_of(&A, r, ALL_RIGHTS);
	assert_int_equal(
		vd_ipc_map_memory(&A.a, ta, 2 * VD_PAGE_SIZE, true, 0, &va),
		VD_OK);
	/* B is passed a read-only copy (as through a message) */
	assert_int_equal(vd_cap_derive_into(B.a.caps, A.a.caps, ta,
					    VD_RIGHT_READ | VD_RIGHT_MAP |
						    VD_RIGHT_GRANT,
					    &ro),
			 VD_OK);
	assert_int_equal(vd_ipc_map_memory(&B.a, ro.token, 2 * VD_PAGE_SIZE,
					   true, 0, &vb),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(
		vd_ipc_map_memory(&B.a, ro.token, VD_PAGE_SIZE, false, 0, &vb),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_map_memory(&B.a, ro.token, 2 * VD_PAGE_SIZE,
					   false, 0, &vb),
			 VD_OK);
	assert_true(readable(&B, vb));
	/* a write faults and no copy-on-write saves it */
	assert_int_equal(
		host_pt_access(B.pt.root_frame, vb, VD_FAULT_WRITE, true, &pb),
		VD_ERR_MEM_FAULT);
	assert_false(vd_ipc_handle_page_fault(&B.a, vb, VD_FAULT_WRITE));
	/* nor can B pass the region on, in any mode: the receiver's holder
	 * would be writable (review finding) */
	for (int mode = VD_IPC_TRANSFER_MOVE; mode <= VD_IPC_TRANSFER_COW;
	     mode++)
		assert_int_equal(
			vd_ipc_transfer_shared_region(
				&B.a, &C.a, r, (enum vd_ipc_transfer_mode)mode),
			VD_ERR_PERMISSION_DENIED);
	assert_null(
		ipc_region_holder(ipc_table_lookup(&ipc_regions, r), C.a.pid));
	/* C with a writable copy but no GRANT cannot get access */
	assert_int_equal(vd_cap_derive_into(C.a.caps, A.a.caps, ta,
					    RW | VD_RIGHT_MAP, &rw),
			 VD_OK);
	assert_int_equal(vd_ipc_map_memory(&C.a, rw.token, 2 * VD_PAGE_SIZE,
					   true, 0, &vb),
			 VD_ERR_PERMISSION_DENIED);
	/* revoking B's passed capability takes B's access */
	assert_int_equal(vd_cap_revoke(B.a.caps, ro.token), VD_OK);
	assert_false(readable(&B, vb));
	assert_true(readable(&A, va));
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
}

/* mmap of a Memory capability never joins a copy-on-write receiver's
 * private view (review finding): with only such a receiver left, the
 * region's shared memory is gone and the map is refused. */
static void test_map_memory_not_into_a_cow_copy(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vc;
	struct vd_capability cc;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, VD_PAGE_SIZE, RW, &r), VD_OK);
	vd_cap_token_t ta = cap_of(&A, r, ALL_RIGHTS);
	assert_int_equal(
		vd_ipc_map_memory(&A.a, ta, VD_PAGE_SIZE, true, 0, &va), VD_OK);
	assert_int_equal(vd_cap_derive_into(C.a.caps, A.a.caps, ta,
					    RW | VD_RIGHT_MAP | VD_RIGHT_GRANT,
					    &cc),
			 VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_COW),
			 VD_OK);
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_int_equal(
		vd_ipc_map_memory(&C.a, cc.token, VD_PAGE_SIZE, true, 0, &vc),
		VD_ERR_NOT_FOUND);
	assert_null(
		ipc_region_holder(ipc_table_lookup(&ipc_regions, r), C.a.pid));
	assert_int_equal(vd_ipc_release_shared_region(&B.a, r), VD_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, procs_setup, procs_teardown)
	const struct CMUnitTest tests[] = {
		T(test_every_holder_has_a_capability),
		T(test_revoke_root_unmaps_every_holder),
		T(test_revoke_subtree_only),
		T(test_user_copy_names_but_does_not_hold),
		T(test_letting_go_keeps_receivers),
		T(test_exit_with_copies),
		T(test_map_memory_by_capability),
		T(test_map_memory_not_into_a_cow_copy),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
