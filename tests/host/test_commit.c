/*
 * cmocka suite for the commit charge of lazily backed user memory
 * (core/mm/commit.c, core/proc/uvm.c) and for waits that fail to deliver
 * an exit (core/proc/proc.c):
 *
 *   - a lazy region takes its frames when it is mapped, a first touch
 *     draws one, munmap and teardown give the untouched pages' back;
 *   - a map the machine cannot back fails with OutOfMemory up front
 *     (beyond the kernel's reserve), charging nothing;
 *   - with the allocator run dry, a first touch still gets its frame (the
 *     page tables being there), or reports NO_MEMORY if a table is
 *     missing -- never a silent failure -- and keeps its charge;
 *   - a wait whose delivery fails leaves the zombie and its exit for the
 *     next wait.
 *
 * Processes here are bare (proc_alloc and a page table): no ELF, no
 * threads; the host cannot run user code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <veridian/proc.h>
#include <veridian/sched.h>

#include "../../core/proc/proc_internal.h"
#include "mm_fixture.h"

#define VA   ((vaddr_t)0x20000000)
#define PAGE VD_PAGE_SIZE
#define RW   (VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE)

static size_t frames_free(void)
{
	vd_frame_drain_caches();
	return mm_stats().free_frames;
}

static size_t heap_used(void)
{
	struct vd_allocator_stats s;

	vd_heap_stats(&s);
	return s.current_allocated;
}

/* A process with an address space and nothing in it. */
static struct vd_process *bare_process(void)
{
	struct vd_process *p = proc_alloc("bare");

	assert_non_null(p);
	assert_int_equal(vd_page_table_create(&p->pt), VD_OK);
	return p;
}

static void bare_destroy(struct vd_process *p)
{
	vd_uvm_destroy(p);
	vd_process_put(p);
}

static size_t free0, heap0;
static unsigned procs0;

static int group_setup(void **state)
{
	mm_boot_default(state);
	assert_int_equal(vd_sched_init(), VD_OK);
	/* warm the heap's slabs and the kernel root table */
	bare_destroy(bare_process());
	return 0;
}

static int setup(void **state)
{
	(void)state;
	free0 = frames_free();
	heap0 = heap_used();
	procs0 = vd_process_count();
	assert_int_equal(vd_commit_pooled(), 0);
	return 0;
}

/* Back to the baseline: nothing charged, every frame and byte back. */
static int teardown(void **state)
{
	(void)state;
	assert_int_equal(vd_commit_pooled(), 0);
	assert_int_equal(vd_process_count(), procs0);
	assert_int_equal(heap_used(), heap0);
	assert_true(frames_free() + 2 >= free0); /* a slab page may stay */
	return 0;
}

static void test_lazy_map_is_charged_up_front(void **state)
{
	struct vd_process *p = bare_process();
	size_t before = frames_free();
	char buf[4];
	(void)state;

	assert_int_equal(vd_uvm_map_anon(p, VA, 16 * PAGE, RW | VD_UVM_LAZY),
			 VD_OK);
	assert_int_equal(vd_commit_pooled(), 16);
	assert_int_equal(p->committed, 16);
	assert_true(frames_free() + 16 <= before);
	/* a map that fails (overlap) charges nothing */
	assert_int_equal(
		vd_uvm_map_anon(p, VA + 4 * PAGE, 4 * PAGE, RW | VD_UVM_LAZY),
		VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_commit_pooled(), 16);
	/* first touches draw from the charge: by a fault, by a copy */
	assert_int_equal(vd_uvm_fault(p, VA, VD_FAULT_WRITE, true),
			 VD_UVM_FAULT_RETRY);
	assert_int_equal(vd_uvm_write(p, VA + 5 * PAGE - 2, "abc", 4), VD_OK);
	assert_int_equal(vd_uvm_read(p, VA + 5 * PAGE - 2, buf, 4), VD_OK);
	assert_string_equal(buf, "abc");
	assert_int_equal(vd_commit_pooled(), 13);
	assert_int_equal(p->committed, 13);
	/* a second fault on a present page draws nothing */
	assert_int_equal(vd_uvm_fault(p, VA, VD_FAULT_READ, true),
			 VD_UVM_FAULT_RETRY);
	assert_int_equal(vd_commit_pooled(), 13);
	/* munmap of [VA, +8): 3 touched, 5 untouched come back */
	assert_int_equal(vd_uvm_unmap(p, VA, 8 * PAGE), VD_OK);
	assert_int_equal(vd_commit_pooled(), 8);
	assert_int_equal(p->committed, 8);
	/* a hole in the middle splits the region: each part keeps count */
	assert_int_equal(vd_uvm_fault(p, VA + 15 * PAGE, VD_FAULT_WRITE, true),
			 VD_UVM_FAULT_RETRY);
	assert_int_equal(vd_uvm_unmap(p, VA + 10 * PAGE, 2 * PAGE), VD_OK);
	assert_int_equal(vd_commit_pooled(), 5);
	assert_int_equal(vd_uvm_fault(p, VA + 9 * PAGE, VD_FAULT_WRITE, true),
			 VD_UVM_FAULT_RETRY);
	assert_int_equal(vd_commit_pooled(), 4);
	/* an eager map is not charged */
	assert_int_equal(vd_uvm_map_anon(p, VA + 64 * PAGE, 2 * PAGE, RW),
			 VD_OK);
	assert_int_equal(vd_commit_pooled(), 4);
	/* teardown gives the rest back (teardown() checks the baseline) */
	bare_destroy(p);
}

static void test_map_past_the_reserve_fails_up_front(void **state)
{
	struct vd_process *p = bare_process();
	size_t avail = frames_free();
	size_t pages = avail - VD_COMMIT_KERNEL_RESERVE + 1;
	(void)state;

	assert_int_equal(vd_uvm_map_anon(p, VA, pages * PAGE, RW | VD_UVM_LAZY),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_commit_pooled(), 0);
	assert_int_equal(p->committed, 0);
	assert_true(frames_free() + 2 >= avail);
	assert_false(vd_uvm_range_mapped(p, VA, PAGE));
	/* just inside the limit (a few frames spare for the region record
	 * and for other CPUs' caches) it works, and gives all back */
	pages = avail - VD_COMMIT_KERNEL_RESERVE - 8;
	assert_int_equal(vd_uvm_map_anon(p, VA, pages * PAGE, RW | VD_UVM_LAZY),
			 VD_OK);
	assert_int_equal(vd_commit_pooled(), pages);
	/* then nothing more can be promised */
	assert_int_equal(vd_uvm_map_anon(p, VA + pages * PAGE, 64 * PAGE,
					 RW | VD_UVM_LAZY),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_uvm_unmap(p, VA, pages * PAGE), VD_OK);
	assert_int_equal(vd_commit_pooled(), 0);
	bare_destroy(p);
}

/*
 * The bug: a first touch after someone else took every free frame.  The
 * page's frame is waiting in the pool; only a missing page table can
 * still fail, and that is reported (NO_MEMORY), not hidden.
 */
static void test_first_touch_survives_an_empty_allocator(void **state)
{
	struct vd_process *p = bare_process();
	const vaddr_t far = VA + ((vaddr_t)1 << 30); /* other tables */
	static struct vd_frame hog[4096];
	static size_t hog_count[4096];
	size_t nhog = 0;
	paddr_t pa;
	(void)state;

	assert_int_equal(vd_uvm_map_anon(p, VA, 64 * PAGE, RW | VD_UVM_LAZY),
			 VD_OK);
	assert_int_equal(vd_uvm_map_anon(p, far, PAGE, RW | VD_UVM_LAZY),
			 VD_OK);
	/* the first page brings the tables of [VA, VA + 2 MiB) */
	assert_int_equal(vd_uvm_fault(p, VA, VD_FAULT_WRITE, true),
			 VD_UVM_FAULT_RETRY);
	/* another process takes every frame there is */
	for (size_t count = VD_FRAME_MAX_COUNT; count > 0;) {
		if (vd_frame_alloc(count, VD_ZONE_NORMAL, &hog[nhog]) !=
		    VD_OK) {
			count /= 2;
			continue;
		}
		hog_count[nhog++] = count;
		assert_true(nhog < VD_ARRAY_SIZE(hog));
	}
	assert_int_equal(frames_free(), 0);
	/* every promised page still comes */
	for (size_t i = 1; i < 64; i++) {
		assert_int_equal(
			vd_uvm_fault(p, VA + i * PAGE, VD_FAULT_WRITE, true),
			VD_UVM_FAULT_RETRY);
		assert_int_equal(host_pt_access(vd_process_root(p),
						VA + i * PAGE, VD_FAULT_WRITE,
						true, &pa),
				 VD_OK);
		assert_int_equal(*(uint64_t *)vd_phys_to_virt(pa), 0);
	}
	/* a page whose tables are missing: reported, charge kept */
	assert_int_equal(vd_uvm_fault(p, far, VD_FAULT_WRITE, true),
			 VD_UVM_FAULT_NO_MEMORY);
	assert_int_equal(vd_commit_pooled(), 1);
	assert_int_equal(p->committed, 1);
	for (size_t i = 0; i < nhog; i++)
		vd_frame_free(hog[i], hog_count[i]);
	/* with memory back, the same touch works */
	assert_int_equal(vd_uvm_fault(p, far, VD_FAULT_WRITE, true),
			 VD_UVM_FAULT_RETRY);
	assert_int_equal(vd_commit_pooled(), 0);
	assert_string_equal(vd_exit_reason_name(VD_EXIT_OUT_OF_MEMORY),
			    "out-of-memory");
	bare_destroy(p);
}

/* ---- waits that fail to deliver (bug: the exit was lost) ---- */

static unsigned deliveries;

static vd_err_t deliver_fails(void *arg,
			      const struct vd_process_exit_info *info)
{
	(void)arg;
	(void)info;
	deliveries++;
	return VD_ERR_MEM_FAULT; /* the buffer was unmapped meanwhile */
}

static void test_failed_delivery_keeps_the_exit(void **state)
{
	struct vd_process *p = bare_process();
	struct vd_process_exit_info info;
	vd_pid_t pid = p->pid;
	(void)state;

	proc_publish(p, NULL); /* a child of the kernel, never started */
	assert_int_equal(vd_process_kill(p, 77, VD_EXIT_KILLED), VD_OK);
	deliveries = 0;
	assert_int_equal(
		vd_process_wait_deliver(0, pid, 0, deliver_fails, NULL),
		VD_ERR_MEM_FAULT);
	assert_int_equal(deliveries, 1);
	assert_false(p->reaped);
	assert_false(p->collecting);
	/* again: still there */
	assert_int_equal(
		vd_process_wait_deliver(0, pid, 0, deliver_fails, NULL),
		VD_ERR_MEM_FAULT);
	assert_int_equal(deliveries, 2);
	/* a wait that delivers gets the same exit, and reaps */
	assert_int_equal(vd_process_wait(0, pid, 0, &info), VD_OK);
	assert_int_equal(info.process_id, pid);
	assert_int_equal(info.exit_code, 77);
	assert_int_equal(info.exit_reason, VD_EXIT_KILLED);
	assert_int_equal(vd_process_wait(0, pid, 0, &info), VD_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_lazy_map_is_charged_up_front),
		T(test_map_past_the_reserve_fails_up_front),
		T(test_first_touch_survives_an_empty_allocator),
		T(test_failed_delivery_keeps_the_exit),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
