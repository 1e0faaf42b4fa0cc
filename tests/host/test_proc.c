/*
 * cmocka suite for processes on the host (core/proc): an executable built
 * in memory is loaded into fake page tables; the suite checks what the
 * loader mapped (permissions through the fake MMU), the initial stack
 * (start info, argv, envp, capabilities), user-memory regions (map,
 * split on unmap, find-free, copies), capability passing from a parent,
 * terminate + wait of processes that never ran, unstarted children
 * killed with their parent, capabilities revoked everywhere at reaping
 * and children detached when their last handle goes -- and that every
 * frame and heap byte comes back.  Threads never run here: the host cannot
 * switch stacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <veridian/cap.h>
#include <veridian/elf.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

#include "mm_fixture.h"

#define BASE 0x400000ull

static uint8_t elf[0x3000];
static size_t elf_size;

static void put(size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		elf[off + i] = (uint8_t)(v >> (8 * i));
}

static void phdr(unsigned i, uint32_t flags, uint64_t off, uint64_t va,
		 uint64_t filesz, uint64_t memsz)
{
	size_t p = 64 + 56 * i;

	put(p, 1, 4);
	put(p + 4, flags, 4);
	put(p + 8, off, 8);
	put(p + 16, va, 8);
	put(p + 24, va, 8);
	put(p + 32, filesz, 8);
	put(p + 40, memsz, 8);
	put(p + 48, 0x1000, 8);
}

/* text R+X at BASE (0x40 bytes of 0xc3), data R+W at BASE+0x1000 (16
 * bytes "data-segment-ok" + 0x1ff0 bytes of bss) */
static void build_elf(void)
{
	memset(elf, 0, sizeof(elf));
	memcpy(elf,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	put(16, 2, 2);
	put(18, VD_EM_NATIVE, 2);
	put(20, 1, 4);
	put(24, BASE, 8);
	put(32, 64, 8);
	put(52, 64, 2);
	put(54, 56, 2);
	put(56, 2, 2);
	phdr(0, VD_PF_R | VD_PF_X, 0x1000, BASE, 0x40, 0x40);
	phdr(1, VD_PF_R | VD_PF_W, 0x2000, BASE + 0x1000, 16, 0x2000);
	memset(elf + 0x1000, 0xc3, 0x40);
	memcpy(elf + 0x2000, "data-segment-ok", 16);
	elf_size = 0x2010;
}

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

static int group_setup(void **state)
{
	mm_boot_default(state);
	assert_int_equal(vd_sched_init(), VD_OK);
	build_elf();
	/* warm up: the fake kernel root table and the heap's slabs are
	 * allocated on first use and kept; later tests count exactly */
	for (int i = 0; i < 2; i++) {
		vd_pid_t pid;
		const char *const argv[] = {"warm", "up", NULL};
		assert_int_equal(vd_process_create(0, elf, elf_size, argv, argv,
						   NULL, 0, &pid, NULL),
				 VD_OK);
		assert_int_equal(vd_process_terminate(pid, 0), VD_OK);
		assert_int_equal(vd_process_wait(0, pid, 0, NULL), VD_OK);
	}
	return 0;
}

static size_t free0, heap0;
static unsigned procs0;

static int setup(void **state)
{
	(void)state;
	build_elf();
	free0 = frames_free();
	heap0 = heap_used();
	procs0 = vd_process_count();
	return 0;
}

/*
 * Everything a test created must be gone: every heap byte, and every
 * frame but the odd slab page the heap keeps for the next allocation (a
 * process leaking its memory would lose tens: stack, image, tables).
 */
static int teardown(void **state)
{
	(void)state;
	assert_int_equal(vd_process_count(), procs0);
	assert_int_equal(heap_used(), heap0);
	assert_true(frames_free() + 2 >= free0);
	return 0;
}

static vd_pid_t create_kernel_child(const char *const *argv,
				    const char *const *envp)
{
	vd_pid_t pid = 0;

	assert_int_equal(vd_process_create(0, elf, elf_size, argv, envp, NULL,
					   0, &pid, NULL),
			 VD_OK);
	return pid;
}

/* Kill a process that never ran and collect it. */
static void kill_and_reap(vd_pid_t parent, vd_pid_t pid, int code)
{
	struct vd_process_exit_info info;

	assert_int_equal(vd_process_terminate(pid, code), VD_OK);
	assert_int_equal(vd_process_wait(parent, pid, 0, &info), VD_OK);
	assert_int_equal(info.process_id, pid);
	assert_int_equal(info.exit_reason, VD_EXIT_KILLED);
	assert_int_equal(info.exit_code, code);
}

static void test_load_maps_segments_with_their_rights(void **state)
{
	vd_pid_t pid = create_kernel_child(NULL, NULL);
	struct vd_process *p = vd_process_get(pid);
	paddr_t root, pa;
	char buf[16];
	(void)state;

	assert_non_null(p);
	assert_int_equal(p->state, VD_PROC_CREATED);
	root = vd_process_root(p);
	/* text: user may fetch and read, not write */
	assert_int_equal(host_pt_access(root, BASE, VD_FAULT_EXEC, true, &pa),
			 VD_OK);
	assert_int_equal(*(uint8_t *)vd_phys_to_virt(pa), 0xc3);
	assert_int_equal(host_pt_access(root, BASE, VD_FAULT_WRITE, true, &pa),
			 VD_ERR_MEM_FAULT);
	/* data: read/write, not executable; file bytes then zeros */
	assert_int_equal(
		host_pt_access(root, BASE + 0x1000, VD_FAULT_WRITE, true, &pa),
		VD_OK);
	assert_int_equal(
		host_pt_access(root, BASE + 0x1000, VD_FAULT_EXEC, true, &pa),
		VD_ERR_MEM_FAULT);
	assert_int_equal(vd_uvm_read(p, BASE + 0x1000, buf, 16), VD_OK);
	assert_string_equal(buf, "data-segment-ok");
	assert_int_equal(vd_uvm_read(p, BASE + 0x2ff0, buf, 16), VD_OK);
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0);
	/* nothing else in the image range */
	assert_int_equal(
		host_pt_access(root, BASE + 0x3000, VD_FAULT_READ, true, &pa),
		VD_ERR_MEM_NOT_MAPPED);
	/* the kernel half is not the user's */
	assert_int_equal(p->main_thread->state, VD_THREAD_CREATED);
	vd_process_put(p);
	kill_and_reap(0, pid, 3);
}

static void test_initial_stack(void **state)
{
	static const char *const argv[] = {"prog", "one", "two", NULL};
	static const char *const envp[] = {"HOME=/", NULL};
	vd_pid_t pid = create_kernel_child(argv, envp);
	struct vd_process *p = vd_process_get(pid);
	struct vd_cpu_context *ctx = p->main_thread->uctx;
	struct vd_start_info si;
	uint64_t ptr, caps[3];
	char s[16];
	struct vd_capability c;
	(void)state;

	assert_int_equal(VD_CTX_PC(ctx), BASE);
	assert_int_equal(VD_CTX_SP(ctx) % 16, 0);
	assert_int_equal(vd_ctx_arg(ctx, 0), VD_CTX_SP(ctx));
	assert_int_equal(vd_uvm_read(p, VD_CTX_SP(ctx), &si, sizeof(si)),
			 VD_OK);
	assert_int_equal(si.argc, 3);
	assert_int_equal(si.envc, 1);
	assert_int_equal(si.pid, pid);
	assert_int_equal(si.ncaps, 3);
	assert_int_equal(si.stack_size, VD_USER_STACK_SIZE);
	assert_true(si.stack_base + si.stack_size <= hal_user_top());
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vd_uvm_read(p, si.argv + 8 * i, &ptr, 8),
				 VD_OK);
		assert_int_equal(vd_uvm_read(p, ptr, s, strlen(argv[i]) + 1),
				 VD_OK);
		assert_string_equal(s, argv[i]);
	}
	assert_int_equal(vd_uvm_read(p, si.argv + 8 * 3, &ptr, 8), VD_OK);
	assert_int_equal(ptr, 0);
	assert_int_equal(vd_uvm_read(p, si.envp, &ptr, 8), VD_OK);
	assert_int_equal(vd_uvm_read(p, ptr, s, 7), VD_OK);
	assert_string_equal(s, "HOME=/");
	/* a child of the kernel gets the console, the trace buffers (read
	 * only), the debug device, and itself */
	assert_int_equal(vd_uvm_read(p, si.caps, caps, 24), VD_OK);
	assert_int_equal(vd_cap_validate_type(p->caps, caps[1], VD_OBJ_DEVICE,
					      VD_RIGHT_READ | VD_RIGHT_GRANT,
					      &c),
			 VD_OK);
	assert_int_equal(c.object_id, VD_DEVICE_TRACE);
	assert_int_equal(c.rights, VD_RIGHT_READ | VD_RIGHT_GRANT);
	assert_int_equal(vd_cap_validate_type(p->caps, caps[0], VD_OBJ_DEVICE,
					      VD_RIGHT_WRITE | VD_RIGHT_GRANT,
					      &c),
			 VD_OK);
	assert_int_equal(c.object_id, VD_DEVICE_CONSOLE);
	assert_int_equal(vd_cap_validate_type(p->caps, caps[2], VD_OBJ_DEVICE,
					      VD_RIGHT_READ | VD_RIGHT_GRANT,
					      &c),
			 VD_OK);
	assert_int_equal(c.object_id, VD_DEVICE_DEBUG);
	assert_int_equal(si.debug_cap, caps[2]);
	assert_int_equal(vd_cap_validate_type(p->caps, si.self_cap,
					      VD_OBJ_PROCESS, VD_RIGHTS_ALL,
					      &c),
			 VD_OK);
	assert_int_equal(c.object_id, pid);
	vd_process_put(p);
	kill_and_reap(0, pid, 0);
}

static void test_bad_images_leave_nothing(void **state)
{
	vd_pid_t pid;
	(void)state;

	elf[18] ^= 1;
	assert_int_equal(vd_process_create(0, elf, elf_size, NULL, NULL, NULL,
					   0, &pid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	elf[18] ^= 1;
	assert_int_equal(vd_process_create(0, elf, 0x1800, NULL, NULL, NULL, 0,
					   &pid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(
		vd_process_create(0, NULL, 0, NULL, NULL, NULL, 0, &pid, NULL),
		VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_process_create(12345, elf, elf_size, NULL, NULL,
					   NULL, 0, &pid, NULL),
			 VD_ERR_NOT_FOUND);
}

/*
 * Found by the ELF fuzzer (tests/fuzz/elf.c): the validator took segments
 * up to the top of user space, so an image reaching into the stack was
 * accepted and the stack mapping then failed with MEM_ALREADY_MAPPED.
 * Now the image must end a guard page below the stack.
 */
static void test_image_stays_below_the_stack(void **state)
{
	const uint64_t top = 1ull << 47; /* the fake HAL's hal_user_top() */
	const uint64_t image_top = top - 0x1000 - VD_USER_STACK_SIZE - 0x1000;
	vd_pid_t pid;
	(void)state;

	/* data segment (0x2000 bytes in memory) inside the stack */
	phdr(1, VD_PF_R | VD_PF_W, 0x2000, top - 0x4000, 16, 0x2000);
	assert_int_equal(vd_process_create(0, elf, elf_size, NULL, NULL, NULL,
					   0, &pid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	/* its last page in the guard page below the stack */
	phdr(1, VD_PF_R | VD_PF_W, 0x2000, image_top - 0x1000, 16, 0x2000);
	assert_int_equal(vd_process_create(0, elf, elf_size, NULL, NULL, NULL,
					   0, &pid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	/* ending right at the guard: fine */
	phdr(1, VD_PF_R | VD_PF_W, 0x2000, image_top - 0x2000, 16, 0x2000);
	assert_int_equal(vd_process_create(0, elf, elf_size, NULL, NULL, NULL,
					   0, &pid, NULL),
			 VD_OK);
	kill_and_reap(0, pid, 1);
}

static void test_too_many_or_long_args(void **state)
{
	static char big[VD_PROC_MAX_ARG_BYTES + 10];
	const char *argv[VD_PROC_MAX_ARGS + 2];
	vd_pid_t pid;
	(void)state;

	for (unsigned i = 0; i <= VD_PROC_MAX_ARGS; i++)
		argv[i] = "x";
	argv[VD_PROC_MAX_ARGS + 1] = NULL;
	assert_int_equal(vd_process_create(0, elf, elf_size, argv, NULL, NULL,
					   0, &pid, NULL),
			 VD_ERR_INVALID_PARAMETER);
	memset(big, 'a', sizeof(big) - 1);
	argv[0] = big;
	argv[1] = NULL;
	assert_int_equal(vd_process_create(0, elf, elf_size, argv, NULL, NULL,
					   0, &pid, NULL),
			 VD_ERR_INVALID_PARAMETER);
}

static void test_user_regions(void **state)
{
	vd_pid_t pid = create_kernel_child(NULL, NULL);
	struct vd_process *p = vd_process_get(pid);
	const vaddr_t va = 0x20000000;
	vaddr_t free_va;
	char buf[8];
	(void)state;

	assert_int_equal(vd_uvm_map_anon(p, va, 4 * VD_PAGE_SIZE,
					 VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE),
			 VD_OK);
	assert_int_equal(vd_uvm_map_anon(p, va + VD_PAGE_SIZE, VD_PAGE_SIZE, 0),
			 VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_uvm_map_anon(p, va + 1, VD_PAGE_SIZE, 0),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_uvm_map_anon(p, va, VD_PAGE_SIZE, VD_PTE_GLOBAL),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_uvm_map_anon(p, hal_user_top() - VD_PAGE_SIZE,
					 2 * VD_PAGE_SIZE, 0),
			 VD_ERR_INVALID_PARAMETER);
	assert_true(vd_uvm_range_mapped(p, va, 4 * VD_PAGE_SIZE));
	/* a copy across a page boundary */
	assert_int_equal(vd_uvm_write(p, va + VD_PAGE_SIZE - 3, "abcdefg", 8),
			 VD_OK);
	assert_int_equal(vd_uvm_read(p, va + VD_PAGE_SIZE - 3, buf, 8), VD_OK);
	assert_string_equal(buf, "abcdefg");
	/* punch a hole: the region splits in two */
	assert_int_equal(vd_uvm_unmap(p, va + VD_PAGE_SIZE, VD_PAGE_SIZE),
			 VD_OK);
	assert_false(vd_uvm_range_mapped(p, va, 2 * VD_PAGE_SIZE));
	assert_true(vd_uvm_range_mapped(p, va, VD_PAGE_SIZE));
	assert_true(vd_uvm_range_mapped(p, va + 2 * VD_PAGE_SIZE,
					2 * VD_PAGE_SIZE));
	assert_int_equal(vd_uvm_read(p, va + VD_PAGE_SIZE, buf, 1),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_uvm_unmap(p, va + VD_PAGE_SIZE, VD_PAGE_SIZE),
			 VD_ERR_MEM_NOT_MAPPED);
	assert_int_equal(vd_uvm_unmap(p, va, 2 * VD_PAGE_SIZE),
			 VD_ERR_MEM_NOT_MAPPED); /* spans the hole */
	/* the hole is found again */
	assert_int_equal(vd_uvm_find_free(p, va, VD_PAGE_SIZE, &free_va),
			 VD_OK);
	assert_int_equal(free_va, va + VD_PAGE_SIZE);
	assert_int_equal(vd_uvm_find_free(p, va, 2 * VD_PAGE_SIZE, &free_va),
			 VD_OK);
	assert_int_equal(free_va, va + 4 * VD_PAGE_SIZE);
	assert_int_equal(vd_uvm_write(p, 0x1000, "x", 1),
			 VD_ERR_MEM_BAD_ADDRESS);
	/* the rest goes with the process */
	vd_process_put(p);
	kill_and_reap(0, pid, 1);
}

static void test_lazy_regions_fill_on_first_touch(void **state)
{
	vd_pid_t pid = create_kernel_child(NULL, NULL);
	struct vd_process *p = vd_process_get(pid);
	const vaddr_t va = 0x30000000;
	paddr_t root = vd_process_root(p), pa;
	size_t mapped = p->mapped_bytes;
	char buf[4];
	(void)state;

	assert_int_equal(vd_uvm_map_anon(p, va, 8 * VD_PAGE_SIZE,
					 VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE |
						 VD_UVM_LAZY),
			 VD_OK);
	assert_int_equal(
		vd_uvm_map_anon(p, va + 0x5000, VD_PAGE_SIZE, VD_UVM_LAZY),
		VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(p->mapped_bytes, mapped); /* nothing yet */
	assert_int_equal(host_pt_access(root, va, VD_FAULT_READ, true, &pa),
			 VD_ERR_MEM_NOT_MAPPED);
	/* the fault handler's part: first touch maps a zeroed page */
	assert_true(vd_uvm_fault(p, va + 0x10, VD_FAULT_WRITE, true));
	assert_int_equal(host_pt_access(root, va, VD_FAULT_WRITE, true, &pa),
			 VD_OK);
	assert_int_equal(*(uint64_t *)vd_phys_to_virt(pa), 0);
	assert_int_equal(p->mapped_bytes, mapped + VD_PAGE_SIZE);
	/* not executable, not outside the region, not a kernel re-fault */
	assert_false(vd_uvm_fault(p, va + 0x1000, VD_FAULT_EXEC, true));
	assert_false(vd_uvm_fault(p, va + 0x8000, VD_FAULT_READ, true));
	assert_false(vd_uvm_fault(p, va, VD_FAULT_READ, false));
	assert_true(vd_uvm_fault(p, va, VD_FAULT_READ, true)); /* raced */
	/* kernel copies into untouched pages fill them too */
	assert_int_equal(vd_uvm_write(p, va + 0x3ffe, "xyz", 4), VD_OK);
	assert_int_equal(vd_uvm_read(p, va + 0x3ffe, buf, 4), VD_OK);
	assert_string_equal(buf, "xyz");
	assert_int_equal(p->mapped_bytes, mapped + 3 * VD_PAGE_SIZE);
	/* unmap frees what is there, skips what is not */
	assert_int_equal(vd_uvm_unmap(p, va, 4 * VD_PAGE_SIZE), VD_OK);
	assert_int_equal(p->mapped_bytes, mapped + VD_PAGE_SIZE);
	assert_int_equal(
		p->usage.peak_memory_bytes >= mapped + 3 * VD_PAGE_SIZE, true);
	/* a read-only lazy region refuses writes */
	assert_int_equal(vd_uvm_map_anon(p, va + 0x10000, VD_PAGE_SIZE,
					 VD_PTE_NO_EXECUTE | VD_UVM_LAZY),
			 VD_OK);
	assert_false(vd_uvm_fault(p, va + 0x10000, VD_FAULT_WRITE, true));
	assert_true(vd_uvm_fault(p, va + 0x10000, VD_FAULT_READ, true));
	vd_process_put(p);
	kill_and_reap(0, pid, 2);
}

static void test_parent_passes_capabilities(void **state)
{
	vd_pid_t parent = create_kernel_child(NULL, NULL), child;
	struct vd_process *p = vd_process_get(parent), *c;
	struct vd_capability console, weak, pc;
	struct vd_start_info si;
	vd_cap_token_t tok, child_cap = 0, bogus = 0x1234;
	(void)state;

	/* find the parent's console token: slot of its caps[0] */
	assert_int_equal(vd_uvm_read(p, VD_CTX_SP(p->main_thread->uctx), &si,
				     sizeof(si)),
			 VD_OK);
	assert_int_equal(vd_uvm_read(p, si.caps, &tok, 8), VD_OK);
	assert_int_equal(vd_cap_lookup(p->caps, tok, &console), VD_OK);

	assert_int_equal(vd_process_create(parent, elf, elf_size, NULL, NULL,
					   &tok, 1, &child, &child_cap),
			 VD_OK);
	/* the parent holds a Process capability to the child */
	assert_int_equal(vd_cap_validate_type(p->caps, child_cap,
					      VD_OBJ_PROCESS, VD_RIGHTS_ALL,
					      &pc),
			 VD_OK);
	assert_int_equal(pc.object_id, child);
	/* the child holds a copy of the console, derived from the parent's */
	c = vd_process_get(child);
	assert_int_equal(vd_uvm_read(c, VD_CTX_SP(c->main_thread->uctx), &si,
				     sizeof(si)),
			 VD_OK);
	assert_int_equal(si.ncaps, 1);
	assert_int_equal(si.debug_cap, 0); /* only the console was passed */
	assert_int_equal(vd_uvm_read(c, si.caps, &tok, 8), VD_OK);
	assert_int_equal(vd_cap_validate_type(c->caps, tok, VD_OBJ_DEVICE,
					      VD_RIGHT_WRITE, NULL),
			 VD_OK);
	vd_process_put(c);

	/* only the parent may wait */
	assert_int_equal(vd_process_wait(0, child, 0, NULL),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_process_wait(parent, child, 0, NULL),
			 VD_ERR_TIMEOUT);

	/* a capability without GRANT cannot be passed on; nor a forged one */
	assert_int_equal(
		vd_cap_derive(p->caps, console.token, VD_RIGHT_WRITE, &weak),
		VD_OK);
	assert_int_equal(vd_process_create(parent, elf, elf_size, NULL, NULL,
					   &weak.token, 1, &child, NULL),
			 VD_ERR_PERMISSION_DENIED);
	assert_int_equal(vd_process_create(parent, elf, elf_size, NULL, NULL,
					   &bogus, 1, &child, NULL),
			 VD_ERR_INVALID_CAPABILITY);

	/* killing the parent kills its never-started child with it */
	vd_process_put(p);
	kill_and_reap(0, parent, 4);
	assert_null(vd_process_get(pc.object_id));
}

/* A kernel child with a user child C: the parent's capability to C. */
static vd_pid_t make_child(vd_pid_t parent, vd_cap_token_t *cap)
{
	vd_pid_t child = 0;

	assert_int_equal(vd_process_create(parent, elf, elf_size, NULL, NULL,
					   NULL, 0, &child, cap),
			 VD_OK);
	return child;
}

/* Reaping a process revokes every capability to it, in every space:
 * the parent's, its copies, and one passed to a third process. */
static void test_reap_revokes_every_capability(void **state)
{
	vd_pid_t parent = create_kernel_child(NULL, NULL);
	vd_pid_t other = create_kernel_child(NULL, NULL);
	struct vd_process *p = vd_process_get(parent);
	struct vd_process *q = vd_process_get(other);
	struct vd_capability copy, far;
	vd_cap_token_t pc;
	vd_pid_t child = make_child(parent, &pc);
	uint32_t used = vd_cap_space_used(p->caps);
	(void)state;

	assert_int_equal(vd_cap_derive(p->caps, pc, VD_RIGHT_READ, &copy),
			 VD_OK);
	assert_int_equal(
		vd_cap_derive_into(q->caps, p->caps, pc, VD_RIGHT_READ, &far),
		VD_OK);
	/* the child's own capability, and those three */
	assert_int_equal(vd_cap_object_count(VD_OBJ_PROCESS, child), 4);
	kill_and_reap(parent, child, 3);
	assert_int_equal(vd_cap_object_count(VD_OBJ_PROCESS, child), 0);
	assert_int_equal(vd_cap_lookup(p->caps, pc, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_lookup(p->caps, copy.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_lookup(q->caps, far.token, NULL),
			 VD_ERR_INVALID_CAPABILITY);
	assert_int_equal(vd_cap_space_used(p->caps), used - 1);
	assert_int_equal(vd_cap_space_check(p->caps), VD_OK);
	vd_process_put(p);
	vd_process_put(q);
	kill_and_reap(0, parent, 0);
	kill_and_reap(0, other, 0);
}

/* Dropping every capability to a child detaches it: one that never
 * started is killed (nobody could start it) and reaped; a zombie is
 * reaped at once.  A process's capabilities to itself do not count. */
static void test_dropped_child_is_detached(void **state)
{
	vd_pid_t parent = create_kernel_child(NULL, NULL);
	struct vd_process *p = vd_process_get(parent), *c;
	unsigned procs = vd_process_count();
	vd_cap_token_t pc;
	vd_pid_t child = make_child(parent, &pc);
	(void)state;

	/* never started: a copy keeps it; the last one kills it, though
	 * the child still holds its own capability (self_cap) */
	assert_int_equal(vd_cap_derive(p->caps, pc, VD_RIGHT_READ, NULL),
			 VD_OK);
	assert_int_equal(vd_cap_revoke_derived(p->caps, pc), VD_OK);
	assert_non_null(c = vd_process_get(child));
	assert_int_equal(c->state, VD_PROC_CREATED);
	vd_process_put(c);
	assert_int_equal(vd_cap_revoke(p->caps, pc), VD_OK);
	assert_null(vd_process_get(child));
	assert_int_equal(vd_process_count(), procs);
	assert_int_equal(vd_process_wait(parent, child, 0, NULL),
			 VD_ERR_NOT_FOUND);

	/* a zombie nobody holds: reaped when the handle goes */
	child = make_child(parent, &pc);
	assert_int_equal(vd_process_terminate(child, 5), VD_OK);
	assert_non_null(c = vd_process_get(child));
	assert_int_equal(c->state, VD_PROC_ZOMBIE);
	vd_process_put(c);
	assert_int_equal(vd_cap_revoke(p->caps, pc), VD_OK);
	assert_null(vd_process_get(child));
	assert_int_equal(vd_process_count(), procs);

	/* a child of the kernel is waited for by pid: dropping its own
	 * capability changes nothing */
	assert_int_equal(vd_cap_revoke(p->caps, p->self_cap), VD_OK);
	vd_process_put(p);
	kill_and_reap(0, parent, 6);
}

static void test_terminate_and_wait_errors(void **state)
{
	struct vd_process_exit_info info;
	vd_pid_t pid = create_kernel_child(NULL, NULL);
	(void)state;

	assert_int_equal(vd_process_wait(0, pid, 0, &info), VD_ERR_TIMEOUT);
	assert_int_equal(vd_process_start(999999), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_process_terminate(999999, 0), VD_ERR_NOT_FOUND);
	kill_and_reap(0, pid, 77);
	assert_int_equal(vd_process_terminate(pid, 0), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_process_wait(0, pid, 0, &info), VD_ERR_NOT_FOUND);
	assert_string_equal(vd_exit_reason_name(VD_EXIT_FAULT), "fault");
}

static uint64_t lim_used(struct vd_process *p, enum vd_limit_kind k)
{
	struct vd_limits_info li;

	assert_int_equal(vd_limits_read(p->limits, &li), VD_OK);
	return li.usage[k];
}

static void lim_lower(struct vd_process *p, enum vd_limit_kind k, uint64_t v)
{
	struct vd_limits_info li;

	assert_int_equal(vd_limits_read(p->limits, &li), VD_OK);
	li.limit[k] = v;
	assert_int_equal(vd_limits_lower(p->limits, li.limit), VD_OK);
}

/* Processes, threads, capability slots and user memory are charged to
 * the process and its ancestors (limits.h), and given back. */
static void test_limits_charge_and_give_back(void **state)
{
	const uint64_t image = 3 * VD_PAGE_SIZE; /* text page, two data */
	const uint64_t room = image + VD_USER_STACK_SIZE;
	const vaddr_t va = 0x20000000;
	unsigned nodes = vd_limits_count();
	vd_pid_t pid = create_kernel_child(NULL, NULL), child, none;
	struct vd_process *p = vd_process_get(pid), *c;
	struct vd_limits_info li;
	vd_tid_t tid;
	(void)state;

	assert_int_equal(lim_used(p, VD_LIMIT_PROCESSES), 1);
	assert_int_equal(lim_used(p, VD_LIMIT_THREADS), 1);
	assert_int_equal(lim_used(p, VD_LIMIT_CAP_SLOTS), VD_CAP_DEFAULT_SLOTS);
	assert_int_equal(lim_used(p, VD_LIMIT_MEMORY),
			 image + VD_USER_STACK_SIZE);

	/* lazy memory counts at its full size; the limit fails mmap up
	 * front with OutOfMemory, and unmap gives it back */
	assert_int_equal(vd_uvm_map_anon(p, va, 16 * VD_PAGE_SIZE,
					 VD_PTE_WRITABLE | VD_UVM_LAZY),
			 VD_OK);
	assert_int_equal(lim_used(p, VD_LIMIT_MEMORY),
			 image + VD_USER_STACK_SIZE + 16 * VD_PAGE_SIZE);
	/* room for one more process like this one, no more */
	lim_lower(p, VD_LIMIT_MEMORY, lim_used(p, VD_LIMIT_MEMORY) + room);
	assert_int_equal(vd_uvm_map_anon(p, va + 16 * VD_PAGE_SIZE,
					 room + VD_PAGE_SIZE, VD_PTE_WRITABLE),
			 VD_ERR_OUT_OF_MEMORY);
	assert_int_equal(vd_uvm_unmap(p, va + 4 * VD_PAGE_SIZE, VD_PAGE_SIZE),
			 VD_OK);
	assert_int_equal(vd_uvm_map_anon(p, va + 16 * VD_PAGE_SIZE,
					 VD_PAGE_SIZE, VD_PTE_WRITABLE),
			 VD_OK);
	/* a failed map (the range is taken) charges nothing */
	assert_int_equal(vd_uvm_unmap(p, va, VD_PAGE_SIZE), VD_OK);
	assert_int_equal(vd_uvm_map_anon(p, va + VD_PAGE_SIZE, VD_PAGE_SIZE,
					 VD_PTE_WRITABLE),
			 VD_ERR_MEM_ALREADY_MAPPED);
	assert_int_equal(vd_uvm_map_anon(p, va, VD_PAGE_SIZE, VD_PTE_WRITABLE),
			 VD_OK);

	/* a child inherits the limits and is charged to its parent too */
	assert_int_equal(vd_process_create(pid, elf, elf_size, NULL, NULL, NULL,
					   0, &child, NULL),
			 VD_OK);
	c = vd_process_get(child);
	assert_non_null(c);
	assert_int_equal(vd_limits_read(c->limits, &li), VD_OK);
	assert_int_equal(li.limit[VD_LIMIT_MEMORY],
			 room + VD_USER_STACK_SIZE + image + 16 * VD_PAGE_SIZE);
	assert_int_equal(lim_used(p, VD_LIMIT_MEMORY),
			 li.limit[VD_LIMIT_MEMORY]); /* it took the room */
	assert_int_equal(lim_used(p, VD_LIMIT_PROCESSES), 2);
	assert_int_equal(lim_used(p, VD_LIMIT_THREADS), 2);
	assert_int_equal(lim_used(p, VD_LIMIT_CAP_SLOTS),
			 2 * VD_CAP_DEFAULT_SLOTS);
	/* a thread over the child's limit, a process over the parent's */
	lim_lower(c, VD_LIMIT_THREADS, 1);
	assert_int_equal(
		vd_thread_create(child, BASE, va, VD_PAGE_SIZE, 0, &tid),
		VD_ERR_RESOURCE_EXHAUSTED);
	lim_lower(p, VD_LIMIT_PROCESSES, 2);
	assert_int_equal(vd_process_create(pid, elf, elf_size, NULL, NULL, NULL,
					   0, &none, NULL),
			 VD_ERR_RESOURCE_EXHAUSTED);
	vd_process_put(c);
	kill_and_reap(pid, child, 2);
	assert_int_equal(lim_used(p, VD_LIMIT_PROCESSES), 1);
	assert_int_equal(lim_used(p, VD_LIMIT_THREADS), 1);
	assert_int_equal(lim_used(p, VD_LIMIT_CAP_SLOTS), VD_CAP_DEFAULT_SLOTS);
	assert_int_equal(lim_used(p, VD_LIMIT_MEMORY),
			 image + VD_USER_STACK_SIZE + 16 * VD_PAGE_SIZE);
	vd_process_put(p);
	kill_and_reap(0, pid, 1);
	assert_int_equal(vd_limits_count(), nodes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_load_maps_segments_with_their_rights),
		T(test_initial_stack),
		T(test_bad_images_leave_nothing),
		T(test_image_stays_below_the_stack),
		T(test_too_many_or_long_args),
		T(test_user_regions),
		T(test_lazy_regions_fill_on_first_touch),
		T(test_parent_passes_capabilities),
		T(test_terminate_and_wait_errors),
		T(test_reap_revokes_every_capability),
		T(test_dropped_child_is_detached),
		T(test_limits_charge_and_give_back),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
