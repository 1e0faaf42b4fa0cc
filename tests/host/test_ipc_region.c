/*
 * cmocka suite for zero-copy shared regions (core/ipc/ipc_region.c,
 * ipc_cow.c).  The fake MMU of hal/host/pt_fake.c plays the hardware:
 * host_pt_access() performs a load or store through a process's page
 * table and reports the physical address, so "both see the same frames"
 * and "a write faults" are checked the way the CPU would see them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "test_ipc_fixture.h"

#define RW (VD_RIGHT_READ | VD_RIGHT_WRITE)

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

/* What the MMU does for a user load/store at va in p. */
static vd_err_t mmu(struct fake_proc *p, vaddr_t va, unsigned access,
		    paddr_t *pa)
{
	paddr_t dummy;
	return host_pt_access(p->pt.root_frame, va, access, true,
			      pa ? pa : &dummy);
}

/* A user store: fault -> the COW handler -> retry, as the trap path
 * would.  Returns the physical address written. */
static paddr_t user_store(struct fake_proc *p, vaddr_t va, uint8_t value)
{
	paddr_t pa;
	vd_err_t err = mmu(p, va, VD_FAULT_WRITE, &pa);

	if (err == VD_ERR_MEM_FAULT) {
		assert_true(
			vd_ipc_handle_page_fault(&p->a, va, VD_FAULT_WRITE));
		err = mmu(p, va, VD_FAULT_WRITE, &pa);
	}
	assert_int_equal(err, VD_OK);
	*(uint8_t *)vd_phys_to_virt(pa) = value;
	return pa;
}

static uint8_t user_load(struct fake_proc *p, vaddr_t va)
{
	paddr_t pa;

	assert_int_equal(mmu(p, va, VD_FAULT_READ, &pa), VD_OK);
	return *(uint8_t *)vd_phys_to_virt(pa);
}

/* Is the frame at pa back in the allocator? (Freeing a free frame is
 * refused with DoubleFree and changes nothing.) */
static bool frame_is_free(paddr_t pa)
{
	return vd_frame_free(vd_frame_of(pa), 1) == VD_ERR_MEM_DOUBLE_FREE;
}

static void test_create_bad_input(void **state)
{
	vd_region_id_t r;
	(void)state;

	assert_int_equal(vd_ipc_create_shared_region(&A.a, 0, RW, &r),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_shared_region(
				 &A.a,
				 (VD_IPC_REGION_MAX_PAGES + 1) * VD_PAGE_SIZE,
				 RW, &r),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 100, VD_RIGHT_WRITE, &r),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_shared_region(&A.a, 100,
						     RW | VD_RIGHT_EXECUTE, &r),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_shared_region(NULL, 100, RW, &r),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_create_shared_region(&A.a, 100, RW, NULL),
			 VD_ERR_INVALID_PARAMETER);
}

static void test_map_is_zeroed_and_sized(void **state)
{
	vd_region_id_t r;
	vaddr_t va;
	size_t size;
	(void)state;

	assert_int_equal(vd_ipc_create_shared_region(&A.a, 5000, RW, &r),
			 VD_OK);
	assert_int_equal(vd_ipc_region_size(&A.a, r, &size), VD_OK);
	assert_int_equal(size, 5000);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va), VD_OK);
	assert_true(VD_IS_ALIGNED(va, VD_PAGE_SIZE));
	assert_true(va >= hal_user_top() / 2 && va < hal_user_top());
	/* Two pages, zeroed, user-accessible, not executable. */
	assert_int_equal(user_load(&A, va), 0);
	assert_int_equal(user_load(&A, va + 2 * VD_PAGE_SIZE - 1), 0);
	assert_int_equal(mmu(&A, va + 2 * VD_PAGE_SIZE, VD_FAULT_READ, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(mmu(&A, va, VD_FAULT_EXEC, NULL), VD_ERR_MEM_FAULT);
	user_store(&A, va + 4999, 0x5a);
	assert_int_equal(user_load(&A, va + 4999), 0x5a);
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_int_equal(mmu(&A, va, VD_FAULT_READ, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_ipc_region_size(&A.a, r, &size), VD_ERR_NOT_FOUND);
}

static void test_map_addresses(void **state)
{
	vd_region_id_t r;
	vaddr_t va1, va2, fixed = 0x40000000;
	paddr_t p1, p2;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 2 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	/* Twice in one process: two addresses, one set of frames. */
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va1), VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va2), VD_OK);
	assert_true(va2 >= va1 + 2 * VD_PAGE_SIZE);
	p1 = user_store(&A, va1 + 10, 1);
	assert_int_equal(mmu(&A, va2 + 10, VD_FAULT_READ, &p2), VD_OK);
	assert_int_equal(p1, p2);
	/* At a chosen address. */
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, fixed, &va1), VD_OK);
	assert_int_equal(va1, fixed);
	assert_int_equal(user_load(&A, fixed + 10), 1);
	/* Overlapping it: refused, and nothing half-mapped stays. */
	assert_int_equal(
		vd_ipc_map_shared_region(&A.a, r, fixed + VD_PAGE_SIZE, &va1),
		VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(mmu(&A, fixed + 2 * VD_PAGE_SIZE, VD_FAULT_READ, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, fixed + 1, &va1),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0x1000, &va1),
			 VD_ERR_MEM_BAD_ADDRESS);
	assert_int_equal(vd_ipc_map_shared_region(
				 &A.a, r, hal_user_top() - VD_PAGE_SIZE, &va1),
			 VD_ERR_MEM_BAD_ADDRESS);
	/* Unmap one mapping; the others stay. */
	assert_int_equal(vd_ipc_unmap_shared_region(&A.a, r, fixed), VD_OK);
	assert_int_equal(mmu(&A, fixed, VD_FAULT_READ, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_ipc_unmap_shared_region(&A.a, r, fixed),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(user_load(&A, va2 + 10), 1);
	/* Without access: refused. */
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &va1),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, 12345, 0, &va1),
			 VD_ERR_NOT_FOUND);
}

static void test_share_same_frames(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vb;
	paddr_t pa, pb;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 3 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va), VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb), VD_OK);
	for (unsigned i = 0; i < 3; i++) {
		vaddr_t off = i * VD_PAGE_SIZE + 7;

		pa = user_store(&A, va + off, (uint8_t)(0x10 + i));
		assert_int_equal(mmu(&B, vb + off, VD_FAULT_READ, &pb), VD_OK);
		/* The same frame: not a copy. */
		assert_int_equal(pa, pb);
		assert_int_equal(user_load(&B, vb + off), 0x10 + i);
		user_store(&B, vb + off, (uint8_t)(0x20 + i));
		assert_int_equal(user_load(&A, va + off), 0x20 + i);
	}
	/* Share again: Busy.  To oneself: refused.  Bad mode: refused. */
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_ERR_BUSY);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &A.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &C.a, r, 9),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_ipc_transfer_shared_region(&C.a, &A.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_ERR_PERMISSION_DENIED);
	/* A lets go; B keeps the frames. */
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_false(frame_is_free(pb));
	assert_int_equal(user_load(&B, vb + 7), 0x20);
	assert_int_equal(vd_ipc_release_shared_region(&B.a, r), VD_OK);
	assert_true(frame_is_free(pb));
}

static void test_move_sender_loses_mapping(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vb;
	paddr_t pa, pb;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, VD_PAGE_SIZE, RW, &r), VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va), VD_OK);
	pa = user_store(&A, va + 100, 0x77);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_MOVE),
			 VD_OK);
	/* A: no mapping, no access. */
	assert_int_equal(mmu(&A, va + 100, VD_FAULT_READ, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &C.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_ERR_PERMISSION_DENIED);
	/* B: the very same frame, data intact. */
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb), VD_OK);
	assert_int_equal(mmu(&B, vb + 100, VD_FAULT_READ, &pb), VD_OK);
	assert_int_equal(pa, pb);
	assert_int_equal(user_load(&B, vb + 100), 0x77);
	/* B moves it on to C with its mapping in place. */
	assert_int_equal(vd_ipc_transfer_shared_region(&B.a, &C.a, r,
						       VD_IPC_TRANSFER_MOVE),
			 VD_OK);
	assert_int_equal(mmu(&B, vb, VD_FAULT_READ, NULL),
			 VD_ERR_MEM_NOT_MAPPED);
	/* C dies holding it: the frame goes back. */
	fake_proc_exit(&C);
	assert_true(frame_is_free(pa));
	fake_proc_init(&C, 31);
}

static void test_copy_on_write(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vb;
	paddr_t pa0, pb0, pa1, pb1, pa_page1;
	struct vd_ipc_stats st;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, 2 * VD_PAGE_SIZE, RW, &r),
		VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va), VD_OK);
	pa0 = user_store(&A, va + 1, 0xa1);
	user_store(&A, va + 2, 0xa3);
	pa_page1 = user_store(&A, va + VD_PAGE_SIZE + 1, 0xa2);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_COW),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb), VD_OK);
	/* Both read the same frames, and neither may write them. */
	assert_int_equal(mmu(&B, vb + 1, VD_FAULT_READ, &pb0), VD_OK);
	assert_int_equal(pa0, pb0);
	assert_int_equal(user_load(&B, vb + 1), 0xa1);
	assert_int_equal(mmu(&A, va + 1, VD_FAULT_WRITE, NULL),
			 VD_ERR_MEM_FAULT);
	assert_int_equal(mmu(&B, vb + 1, VD_FAULT_WRITE, NULL),
			 VD_ERR_MEM_FAULT);
	/* Read faults are not ours to fix; nor is memory outside. */
	assert_false(vd_ipc_handle_page_fault(&A.a, va + 1, VD_FAULT_READ));
	assert_false(vd_ipc_handle_page_fault(&A.a, va + 2 * VD_PAGE_SIZE,
					      VD_FAULT_WRITE));
	assert_false(vd_ipc_handle_page_fault(&C.a, va + 1, VD_FAULT_WRITE));

	/* B writes page 0: B gets a copy, A keeps the original. */
	pb1 = user_store(&B, vb + 1, 0xb1);
	assert_int_not_equal(pb1, pa0);
	assert_int_equal(user_load(&B, vb + 1), 0xb1);
	assert_int_equal(user_load(&A, va + 1), 0xa1);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.cow_copies, 1);
	/* The copy carried the rest of the page. */
	assert_int_equal(user_load(&B, vb + 2), 0xa3);
	assert_int_equal(*(uint8_t *)vd_phys_to_virt(pb1 + 1), 0xa3);
	/* A is now alone on page 0: its write upgrades in place. */
	pa1 = user_store(&A, va + 1, 0xa9);
	assert_int_equal(pa1, pa0);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.cow_copies, 1);
	assert_int_equal(user_load(&B, vb + 1), 0xb1);
	/* Page 1 is still shared and read-only for both. */
	assert_int_equal(mmu(&B, vb + VD_PAGE_SIZE, VD_FAULT_READ, &pb0),
			 VD_OK);
	assert_int_equal(pb0, VD_ALIGN_DOWN(pa_page1, (paddr_t)VD_PAGE_SIZE));
	assert_int_equal(mmu(&A, va + VD_PAGE_SIZE, VD_FAULT_WRITE, NULL),
			 VD_ERR_MEM_FAULT);
	/* A writes page 1: A copies this time. */
	pa1 = user_store(&A, va + VD_PAGE_SIZE + 1, 0xaa);
	assert_int_not_equal(pa1, pa_page1);
	assert_int_equal(user_load(&B, vb + VD_PAGE_SIZE + 1), 0xa2);

	/* Everything goes back when both let go. */
	assert_int_equal(vd_ipc_release_shared_region(&A.a, r), VD_OK);
	assert_false(frame_is_free(pa_page1)); /* B's view still has it */
	assert_true(frame_is_free(pa0));       /* only A used it */
	assert_true(frame_is_free(pa1));
	assert_int_equal(vd_ipc_release_shared_region(&B.a, r), VD_OK);
	assert_true(frame_is_free(pa_page1));
	assert_true(frame_is_free(pb1));
}

static void test_cow_then_share_groups(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vb, vc;
	paddr_t pa, pb, pc;
	(void)state;

	/* A and C share one view; B has a copy-on-write view. */
	assert_int_equal(
		vd_ipc_create_shared_region(&A.a, VD_PAGE_SIZE, RW, &r), VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va), VD_OK);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &C.a, r,
						       VD_IPC_TRANSFER_SHARE),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&C.a, r, 0, &vc), VD_OK);
	user_store(&A, va, 1);
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_COW),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb), VD_OK);
	/* C was write-protected too: it shares A's view. */
	assert_int_equal(mmu(&C, vc, VD_FAULT_WRITE, NULL), VD_ERR_MEM_FAULT);
	/* A writes: A's view (A and C) moves to a copy, C sees the write. */
	pa = user_store(&A, va, 2);
	assert_int_equal(mmu(&C, vc, VD_FAULT_READ, &pc), VD_OK);
	assert_int_equal(pa, pc);
	assert_int_equal(user_load(&C, vc), 2);
	assert_int_equal(mmu(&C, vc, VD_FAULT_WRITE, NULL), VD_OK);
	/* B still reads the old contents from the old frame. */
	assert_int_equal(mmu(&B, vb, VD_FAULT_READ, &pb), VD_OK);
	assert_int_not_equal(pb, pa);
	assert_int_equal(user_load(&B, vb), 1);
	/* B alone on the old frame now: its write needs no copy. */
	assert_int_equal(user_store(&B, vb, 3), pb);
	assert_int_equal(user_load(&A, va), 2);
}

static void test_read_only_region(void **state)
{
	vd_region_id_t r;
	vaddr_t va, vb;
	(void)state;

	assert_int_equal(vd_ipc_create_shared_region(&A.a, VD_PAGE_SIZE,
						     VD_RIGHT_READ, &r),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&A.a, r, 0, &va), VD_OK);
	assert_int_equal(mmu(&A, va, VD_FAULT_WRITE, NULL), VD_ERR_MEM_FAULT);
	assert_false(vd_ipc_handle_page_fault(&A.a, va, VD_FAULT_WRITE));
	assert_int_equal(vd_ipc_transfer_shared_region(&A.a, &B.a, r,
						       VD_IPC_TRANSFER_COW),
			 VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&B.a, r, 0, &vb), VD_OK);
	/* COW does not make a read-only region writable. */
	assert_false(vd_ipc_handle_page_fault(&B.a, vb, VD_FAULT_WRITE));
	assert_int_equal(user_load(&B, vb), 0);
}

static void test_process_exit_releases_everything(void **state)
{
	vd_region_id_t r1, r2;
	vaddr_t va;
	paddr_t p1, p2;
	struct vd_ipc_stats st;
	(void)state;

	assert_int_equal(
		vd_ipc_create_shared_region(&C.a, VD_PAGE_SIZE, RW, &r1),
		VD_OK);
	assert_int_equal(
		vd_ipc_create_shared_region(&C.a, 4 * VD_PAGE_SIZE, RW, &r2),
		VD_OK);
	assert_int_equal(vd_ipc_map_shared_region(&C.a, r1, 0, &va), VD_OK);
	p1 = user_store(&C, va, 1);
	assert_int_equal(vd_ipc_map_shared_region(&C.a, r2, 0, &va), VD_OK);
	p2 = user_store(&C, va + 3 * VD_PAGE_SIZE, 1);
	assert_int_equal(vd_ipc_transfer_shared_region(&C.a, &B.a, r2,
						       VD_IPC_TRANSFER_COW),
			 VD_OK);
	vd_ipc_get_stats(&st);
	assert_int_equal(st.regions, 2);
	assert_int_equal(st.region_frames, 5);
	fake_proc_exit(&C);
	assert_true(frame_is_free(p1));
	assert_false(frame_is_free(p2)); /* B's copy-on-write view */
	vd_ipc_get_stats(&st);
	assert_int_equal(st.regions, 1);
	assert_int_equal(st.region_frames, 4);
	fake_proc_exit(&B);
	assert_true(frame_is_free(p2));
	fake_proc_init(&B, 21);
	fake_proc_init(&C, 31);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, procs_setup, procs_teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_bad_input),
		T(test_map_is_zeroed_and_sized),
		T(test_map_addresses),
		T(test_share_same_frames),
		T(test_move_sender_loses_mapping),
		T(test_copy_on_write),
		T(test_cow_then_share_groups),
		T(test_read_only_region),
		T(test_process_exit_releases_everything),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
