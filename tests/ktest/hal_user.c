/*
 * Portable HAL ktests: user mode.  Each test assembles a small program
 * with the arch's hal_kt_emit_* (hal/<arch>/ktest_code.c), runs it in a
 * throw-away address space (hal/ktest.h) and watches what reaches core
 * through the syscall and page-fault test hooks: syscall numbers,
 * arguments, results and pcs; fault addresses, access kinds and retry
 * after the hook maps the page.  Also the null-syscall benchmark.
 *
 * What only one arch has (SYSRET state, PAN, SUM, mode bits, interrupts
 * taken in user mode) is tested in hal/<arch>/ktest_*.c on the same
 * support.
 */
#include <hal/ktest.h>
#include <veridian/ktest.h>
#include <veridian/syscall.h>

#define ARG0 0x11 /* the arguments hal_user_context_init passes */
#define ARG1 0x22

/* ---- syscalls ---- */

#define NR_FIRST  0x70
#define NR_SECOND 0x71
#define NR_LAST	  0x72

static struct {
	unsigned calls;
	struct vd_cpu_context ctx[3];
	uintptr_t handler_frame;
	unsigned cpu;
} sys;

static void syscall_hook(struct vd_cpu_context *ctx)
{
	unsigned n = sys.calls++;
	if (n < 3)
		sys.ctx[n] = *ctx;
	if (n == 0) {
		sys.handler_frame = (uintptr_t)__builtin_frame_address(0);
		sys.cpu = hal_cpu_id();
	}
	if (VD_CTX_SYSNR(ctx) == NR_LAST || n >= 2)
		hal_kt_user_exit(1);
	VD_CTX_RET(ctx) = 0x1000 + n; /* back to user with a result */
}

/*
 * 1. syscall NR_FIRST with the registers hal_user_context_init set up;
 * 2. arg 0 = its result, syscall NR_SECOND (arg 1 must have survived);
 * 3. args 0..5 = 0x31..0x36, syscall NR_LAST.
 */
VD_KTEST(hal_user_syscall_round_trip)
{
	struct hal_kt_code c = {0};
	struct hal_kt_user u;
	unsigned cpu = hal_cpu_id();
	size_t pc[3];
	pc[0] = hal_kt_emit_syscall(&c, NR_FIRST);
	hal_kt_emit_result_to_arg0(&c);
	pc[1] = hal_kt_emit_syscall(&c, NR_SECOND);
	for (unsigned i = 0; i < VD_SYSCALL_MAX_ARGS; i++)
		hal_kt_emit_arg(&c, i, 0x31 + i);
	pc[2] = hal_kt_emit_syscall(&c, NR_LAST);
	hal_kt_emit_spin(&c);

	KT_ASSERT(hal_kt_user_init(&u, &c));
	sys.calls = 0;
	vd_syscall_test_hook = syscall_hook;
	int r = hal_kt_user_run(&u, ARG0, ARG1, NULL);
	hal_kt_user_fini(&u);

	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(sys.calls, 3);
	for (unsigned n = 0; n < 3; n++) {
		struct vd_cpu_context *x = &sys.ctx[n];
		KT_ASSERT_EQ(VD_CTX_SYSNR(x), NR_FIRST + n);
		KT_ASSERT_EQ(VD_CTX_PC(x), HAL_KT_CODE_VA + pc[n]);
		KT_ASSERT_EQ(VD_CTX_SP(x), HAL_KT_STACK_TOP);
	}
	KT_ASSERT_EQ(vd_ctx_arg(&sys.ctx[0], 0), ARG0);
	KT_ASSERT_EQ(vd_ctx_arg(&sys.ctx[0], 1), ARG1);
	KT_ASSERT_EQ(vd_ctx_arg(&sys.ctx[1], 0), 0x1000); /* the result */
	KT_ASSERT_EQ(vd_ctx_arg(&sys.ctx[1], 1), ARG1);
	for (unsigned i = 0; i < VD_SYSCALL_MAX_ARGS; i++)
		KT_ASSERT_EQ(vd_ctx_arg(&sys.ctx[2], i), 0x31 + i);
	/* the handler ran on the stack hal_set_kernel_stack named, on this
	 * CPU (the CPU's own registers were back in place) */
	KT_ASSERT(hal_kt_on_user_kstack(sys.handler_frame));
	KT_ASSERT_EQ(sys.cpu, cpu);
}

/* ---- page faults ---- */

/* Run c with the hooks the caller armed; -1 if it could not start. */
static int run_program(const struct hal_kt_code *c)
{
	struct hal_kt_user u;
	if (!hal_kt_user_init(&u, c)) {
		vd_syscall_test_hook = NULL;
		vd_page_fault_test_hook = NULL;
		return -1;
	}
	int r = hal_kt_user_run(&u, ARG0, ARG1, NULL);
	hal_kt_user_fini(&u);
	return r;
}

/* Run a program whose first fault ends it; check what core was told. */
static bool fault_case(const struct hal_kt_code *c, vaddr_t addr,
		       unsigned access, vaddr_t pc)
{
	vd_page_fault_test_hook = hal_kt_fault_exit_hook;
	hal_kt_fault.hit = false;
	return run_program(c) == 1 && hal_kt_fault.hit &&
	       hal_kt_fault.from_user && hal_kt_fault.addr == addr &&
	       hal_kt_fault.access == access && hal_kt_fault.pc == pc;
}

static uint64_t kernel_data = 1;

VD_KTEST(hal_user_page_faults)
{
	struct hal_kt_code c = {0};
	size_t at = hal_kt_emit_load(&c, HAL_KT_HOLE_VA + 8);
	KT_ASSERT(fault_case(&c, HAL_KT_HOLE_VA + 8, VD_FAULT_READ,
			     HAL_KT_CODE_VA + at));

	c.len = 0;
	at = hal_kt_emit_store(&c, HAL_KT_RO_VA);
	KT_ASSERT(fault_case(&c, HAL_KT_RO_VA, VD_FAULT_WRITE,
			     HAL_KT_CODE_VA + at));

	c.len = 0; /* the code page is not writable either */
	at = hal_kt_emit_store(&c, HAL_KT_CODE_VA);
	KT_ASSERT(fault_case(&c, HAL_KT_CODE_VA, VD_FAULT_WRITE,
			     HAL_KT_CODE_VA + at));

	c.len = 0; /* kernel memory is out of reach */
	at = hal_kt_emit_load(&c, (vaddr_t)&kernel_data);
	KT_ASSERT(fault_case(&c, (vaddr_t)&kernel_data, VD_FAULT_READ,
			     HAL_KT_CODE_VA + at));

	/* The stack is mapped NO_EXECUTE; a HAL on a CPU without NX drops
	 * the flag (and says so in hal_pt_query). */
	struct hal_kt_user u;
	uint32_t flags = 0;
	c.len = 0;
	KT_ASSERT(hal_kt_user_init(&u, &c));
	hal_pt_query(u.root, HAL_KT_STACK_VA, NULL, &flags);
	hal_kt_user_fini(&u);
	if (flags & VD_PTE_NO_EXECUTE) {
		hal_kt_emit_jump(&c, HAL_KT_STACK_VA + 16);
		KT_ASSERT(fault_case(&c, HAL_KT_STACK_VA + 16, VD_FAULT_EXEC,
				     HAL_KT_STACK_VA + 16));
	}
}

/* A fault the hook resolves by mapping the page: the access is retried
 * and succeeds. */
static struct {
	struct hal_kt_user *u;
	paddr_t frame;
	unsigned faults;
	vaddr_t addr;
	unsigned access;
	uint64_t reported;
} retry;

static bool map_on_fault(struct vd_cpu_context *ctx, vaddr_t addr,
			 unsigned access, bool from_user)
{
	if (retry.faults++ || !from_user)
		hal_kt_user_exit(2);
	retry.addr = addr;
	retry.access = access;
	return hal_pt_map(retry.u->root, HAL_KT_HOLE_VA, retry.frame,
			  VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_NO_EXECUTE) ==
	       VD_OK;
}

static void report_hook(struct vd_cpu_context *ctx)
{
	retry.reported = vd_ctx_arg(ctx, 0);
	hal_kt_user_exit(1);
}

VD_KTEST(hal_user_fault_retried_after_map)
{
	struct hal_kt_code c = {0};
	struct hal_kt_user u;
	hal_kt_emit_load(&c, HAL_KT_HOLE_VA + 8);
	hal_kt_emit_syscall(&c, 0x79); /* reports arg 0: the loaded value */
	hal_kt_emit_spin(&c);
	retry.frame = vd_pt_frame_alloc();
	KT_ASSERT(retry.frame);
	((uint64_t *)vd_phys_to_virt(retry.frame))[1] = 0x600d;
	bool ready = hal_kt_user_init(&u, &c);
	int r = -1;
	if (ready) {
		retry.u = &u;
		retry.faults = 0;
		retry.reported = 0;
		vd_page_fault_test_hook = map_on_fault;
		vd_syscall_test_hook = report_hook;
		r = hal_kt_user_run(&u, ARG0, ARG1, NULL);
		hal_kt_user_fini(&u); /* the hole's frame stays ours */
	}
	vd_pt_frame_free(retry.frame);

	KT_ASSERT(ready);
	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(retry.faults, 1);
	KT_ASSERT_EQ(retry.addr, HAL_KT_HOLE_VA + 8);
	KT_ASSERT_EQ(retry.access, VD_FAULT_READ);
	KT_ASSERT_EQ(retry.reported, 0x600d);
}

/* ---- benchmark ---- */

#define NR_NULL	 0x7e
#define NR_START 0x7a
#define NR_STOP	 0x7b

static uint64_t bench_t0, bench_t1;

static __attribute__((noinline)) void
bench_start_stop(struct vd_cpu_context *ctx)
{
	if (VD_CTX_SYSNR(ctx) == NR_START) {
		bench_t0 = hal_cycles();
		return;
	}
	bench_t1 = hal_cycles();
	hal_kt_user_exit(1);
}

/* The measured path: one compare for the null syscall. */
static void bench_hook(struct vd_cpu_context *ctx)
{
	if (VD_UNLIKELY(VD_CTX_SYSNR(ctx) != NR_NULL))
		bench_start_stop(ctx);
}

/* From the NR_START syscall's hook to the NR_STOP one's: N null syscalls
 * (user -> kernel -> the hook -> user) plus the loop around them. */
VD_KBENCH(hal_null_syscall)
{
	enum { N = 4096 };
	struct hal_kt_code c = {0};
	hal_kt_emit_syscall(&c, NR_START);
	hal_kt_emit_syscall_loop(&c, NR_NULL, N);
	hal_kt_emit_syscall(&c, NR_STOP);
	hal_kt_emit_spin(&c);
	vd_syscall_test_hook = bench_hook;
	if (run_program(&c) == 1)
		vd_kbench_report("hal null syscall user->kernel->user (+loop)",
				 bench_t1 - bench_t0, N);
}
