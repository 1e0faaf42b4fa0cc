/*
 * x86_64 HAL ktests: threads and user mode.  Hand-assembled user programs
 * run in a throw-away address space and leave through core's syscall /
 * page-fault test hooks, which record what the kernel saw and longjmp
 * back here.  Also the null-syscall and context-switch benchmarks.
 *
 * While a program runs, this CPU's timer is disarmed so that no tick can
 * reschedule the test thread under it, and the kernel stack is a static
 * one of this file; both are restored afterwards.
 */
#include <veridian/ktest.h>
#include <veridian/syscall.h>
#include <x86/cpu.h>
#include <x86/ktest_util.h>
#include <x86/percpu.h>
#include <x86/platform.h>

void *x86_get_kernel_stack(void);
extern volatile uint64_t x86_user_interrupts;

#define CODE_VA	  ((vaddr_t)0x400000)
#define RO_VA	  ((vaddr_t)0x500000)
#define STACK_VA  ((vaddr_t)0x7ff000)
#define STACK_TOP (STACK_VA + VD_PAGE_SIZE)

struct user_env {
	paddr_t root, code, stack, ro;
};

static uint8_t test_kstack[16384] __attribute__((aligned(16)));
static struct hal_jmpbuf user_jmp;
static struct vd_cpu_context seen;
static struct x86_kt_fault seen_fault;

static bool user_env_init(struct user_env *u, const uint8_t *code, size_t len)
{
	u->code = vd_pt_frame_alloc();
	u->stack = vd_pt_frame_alloc();
	u->ro = vd_pt_frame_alloc();
	if (!u->code || !u->stack || !u->ro || hal_pt_create(&u->root))
		return false;
	uint8_t *dst = vd_phys_to_virt(u->code);
	for (size_t i = 0; i < len; i++)
		dst[i] = code[i];
	return hal_pt_map(u->root, CODE_VA, u->code,
			  VD_PTE_PRESENT | VD_PTE_USER) == VD_OK &&
	       hal_pt_map(u->root, STACK_VA, u->stack,
			  VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_WRITABLE |
				  VD_PTE_NO_EXECUTE) == VD_OK &&
	       hal_pt_map(u->root, RO_VA, u->ro,
			  VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_NO_EXECUTE) ==
		       VD_OK;
}

static void user_env_free(struct user_env *u)
{
	if (u->root)
		hal_pt_destroy(u->root);
	vd_pt_frame_free(u->code);
	vd_pt_frame_free(u->stack);
	vd_pt_frame_free(u->ro);
}

/* Run the program until a hook longjmps to user_jmp.  If self_ipi, an
 * interrupt is pending when the CPU enters user mode, so it is taken
 * from user mode before the first instruction. */
static void user_run(struct user_env *u, bool self_ipi)
{
	struct vd_cpu_context *ctx =
		(struct vd_cpu_context *)(test_kstack + sizeof(test_kstack)) -
		1;
	void *old_kstack = x86_get_kernel_stack();
	paddr_t old_cr3 = x86_read_cr3();
	hal_irqstate_t irq = hal_irq_save();
	uint64_t deadline = x86_this_cpu()->timer_deadline;
	hal_timer_set_deadline(UINT64_MAX);

	hal_set_kernel_stack(test_kstack + sizeof(test_kstack));
	hal_user_context_init(ctx, CODE_VA, STACK_TOP, 0x11, 0x22);
	ctx->cr3 = u->root;
	if (self_ipi) /* shorthand "self", fixed, the APIC-error vector */
		x86_lapic_send_ipi(0, (1u << 18) | (1u << 14) |
					      X86_VEC_APIC_ERROR);
	if (hal_setjmp(&user_jmp) == 0)
		hal_return_to_user(ctx);

	vd_syscall_test_hook = NULL;
	vd_page_fault_test_hook = NULL;
	hal_set_kernel_stack(old_kstack);
	hal_pt_activate(old_cr3);
	if (deadline != UINT64_MAX)
		hal_timer_set_deadline(deadline);
	hal_irq_restore(irq);
}

static void record_syscall(struct vd_cpu_context *ctx)
{
	seen = *ctx;
	hal_longjmp(&user_jmp, 1);
}

static bool record_fault(struct vd_cpu_context *ctx, vaddr_t addr,
			 unsigned access, bool from_user)
{
	seen = *ctx;
	seen_fault =
		(struct x86_kt_fault){true, addr, access, from_user, ctx->rip};
	hal_longjmp(&user_jmp, 1);
}

/* syscall 7 returns 0xabcd through SYSRET; syscall 8 is recorded */
static void answer_then_record(struct vd_cpu_context *ctx)
{
	if (ctx->rax == 7) {
		ctx->rax = 0xabcd;
		return;
	}
	record_syscall(ctx);
}

/* mov $42,%eax; mov $1..$6 to rdi rsi rdx r10 r8 r9; syscall; jmp . */
static const uint8_t prog_args[] = {
	0xb8, 0x2a, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xbe,
	0x02, 0x00, 0x00, 0x00, 0xba, 0x03, 0x00, 0x00, 0x00, 0x41, 0xba,
	0x04, 0x00, 0x00, 0x00, 0x41, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x41,
	0xb9, 0x06, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xfe,
};

VD_KTEST(x86_user_syscall_args)
{
	struct user_env u = {0};
	KT_ASSERT(user_env_init(&u, prog_args, sizeof(prog_args)));
	seen.rax = 0;
	vd_syscall_test_hook = record_syscall;
	user_run(&u, false);
	user_env_free(&u);
	KT_ASSERT_EQ(VD_CTX_SYSNR(&seen), 42);
	for (unsigned i = 0; i < VD_SYSCALL_MAX_ARGS; i++)
		KT_ASSERT_EQ(vd_ctx_arg(&seen, i), i + 1);
	KT_ASSERT_EQ(seen.rip, CODE_VA + 40); /* after the syscall */
	KT_ASSERT_EQ(seen.rcx, seen.rip);
	KT_ASSERT_EQ(seen.rsp, STACK_TOP);
	KT_ASSERT(seen.rflags & X86_RFLAGS_IF);
	KT_ASSERT_EQ(seen.r11, seen.rflags);
	KT_ASSERT_EQ(seen.cr3, u.root);
}

/*
 * mov %rdi,%rbx; mov %rsi,%rbp; mov $0x3333..$0x6666 to r12-r15;
 * mov $7,%eax; syscall; mov %rax,%rdi; mov $8,%eax; syscall; jmp .
 */
static const uint8_t prog_roundtrip[] = {
	0x48, 0x89, 0xfb, 0x48, 0x89, 0xf5, 0x41, 0xbc, 0x33, 0x33,
	0x00, 0x00, 0x41, 0xbd, 0x44, 0x44, 0x00, 0x00, 0x41, 0xbe,
	0x55, 0x55, 0x00, 0x00, 0x41, 0xbf, 0x66, 0x66, 0x00, 0x00,
	0xb8, 0x07, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x89, 0xc7,
	0xb8, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xfe,
};

static void check_roundtrip(void)
{
	KT_ASSERT_EQ(seen.rax, 8);
	KT_ASSERT_EQ(seen.rdi, 0xabcd); /* syscall 7's return value */
	KT_ASSERT_EQ(seen.rbx, 0x11);	/* arg0 of hal_user_context_init */
	KT_ASSERT_EQ(seen.rbp, 0x22);	/* arg1 */
	KT_ASSERT_EQ(seen.r12, 0x3333);
	KT_ASSERT_EQ(seen.r13, 0x4444);
	KT_ASSERT_EQ(seen.r14, 0x5555);
	KT_ASSERT_EQ(seen.r15, 0x6666);
	KT_ASSERT_EQ(seen.rsp, STACK_TOP);
	KT_ASSERT_EQ(seen.rip, CODE_VA + sizeof(prog_roundtrip) - 2);
}

VD_KTEST(x86_user_syscall_return_keeps_registers)
{
	struct user_env u = {0};
	KT_ASSERT(user_env_init(&u, prog_roundtrip, sizeof(prog_roundtrip)));
	seen.rax = 0;
	vd_syscall_test_hook = answer_then_record;
	user_run(&u, false);
	user_env_free(&u);
	check_roundtrip();
}

VD_KTEST(x86_user_interrupt_returns_to_user)
{
	struct user_env u = {0};
	KT_ASSERT(user_env_init(&u, prog_roundtrip, sizeof(prog_roundtrip)));
	uint64_t before = x86_user_interrupts;
	seen.rax = 0;
	vd_syscall_test_hook = answer_then_record;
	user_run(&u, true);
	user_env_free(&u);
	KT_ASSERT(x86_user_interrupts > before);
	check_roundtrip();
}

/* mov 0x1000,%rax */
static const uint8_t prog_read_unmapped[] = {0x48, 0x8b, 0x04, 0x25,
					     0x00, 0x10, 0x00, 0x00};
/* movq $1,0x500000 */
static const uint8_t prog_write_ro[] = {0x48, 0xc7, 0x04, 0x25, 0x00, 0x00,
					0x50, 0x00, 0x01, 0x00, 0x00, 0x00};
/* mov $0x7ff000,%eax; jmp *%rax */
static const uint8_t prog_exec_nx[] = {0xb8, 0x00, 0xf0, 0x7f,
				       0x00, 0xff, 0xe0};

static bool run_faulting(const uint8_t *prog, size_t len)
{
	struct user_env u = {0};
	if (!user_env_init(&u, prog, len))
		return false;
	seen_fault.hit = false;
	vd_page_fault_test_hook = record_fault;
	user_run(&u, false);
	user_env_free(&u);
	return seen_fault.hit;
}

VD_KTEST(x86_user_page_faults_reach_core)
{
	KT_ASSERT(run_faulting(prog_read_unmapped, sizeof(prog_read_unmapped)));
	KT_ASSERT(seen_fault.from_user);
	KT_ASSERT_EQ(seen_fault.addr, 0x1000);
	KT_ASSERT_EQ(seen_fault.access, VD_FAULT_READ);
	KT_ASSERT_EQ(seen.rip, CODE_VA);

	KT_ASSERT(run_faulting(prog_write_ro, sizeof(prog_write_ro)));
	KT_ASSERT(seen_fault.from_user);
	KT_ASSERT_EQ(seen_fault.addr, RO_VA);
	KT_ASSERT_EQ(seen_fault.access, VD_FAULT_WRITE);

	if (x86_features.nx) {
		KT_ASSERT(run_faulting(prog_exec_nx, sizeof(prog_exec_nx)));
		KT_ASSERT(seen_fault.from_user);
		KT_ASSERT_EQ(seen_fault.addr, STACK_VA);
		KT_ASSERT_EQ(seen_fault.access, VD_FAULT_EXEC);
		KT_ASSERT_EQ(seen.rip, STACK_VA);
	}
}

/* ---- threads ---- */

static uintptr_t main_sp, thread_sp;
static uint8_t thread_stack[8192] __attribute__((aligned(16)));
static volatile unsigned thread_steps;
static void *volatile thread_arg;
static volatile bool thread_irqs_on;
static volatile uintptr_t thread_sp_align;

static void thread_body(void *arg)
{
	thread_arg = arg;
	thread_irqs_on = hal_irq_local_enabled();
	thread_sp_align = (uintptr_t)__builtin_frame_address(0) & 15;
	for (;;) {
		thread_steps++;
		hal_context_switch(&thread_sp, main_sp);
	}
}

VD_KTEST(x86_context_switch_and_first_run)
{
	thread_steps = 0;
	thread_sp = hal_kstack_init(thread_stack + sizeof(thread_stack),
				    thread_body, (void *)0x5eed);
	hal_irqstate_t s = hal_irq_save();
	hal_context_switch(&main_sp, thread_sp);
	unsigned after_first = thread_steps;
	hal_context_switch(&main_sp, thread_sp);
	hal_irq_restore(s);
	KT_ASSERT_EQ(after_first, 1);
	KT_ASSERT_EQ(thread_steps, 2);
	KT_ASSERT_EQ((uintptr_t)thread_arg, 0x5eed);
	KT_ASSERT(!thread_irqs_on);
	KT_ASSERT_EQ(thread_sp_align, 0); /* rbp = entry's frame, aligned */
}

static struct hal_jmpbuf jb;

static __attribute__((noinline)) void jump_back(int v)
{
	hal_longjmp(&jb, v);
}

VD_KTEST(x86_setjmp_longjmp)
{
	volatile int rounds = 0;
	int r = hal_setjmp(&jb);
	rounds++;
	if (r == 0)
		jump_back(0); /* 0 comes back as 1 */
	else if (r == 1)
		jump_back(7);
	KT_ASSERT_EQ(r, 7);
	KT_ASSERT_EQ(rounds, 3);
}

static __attribute__((noinline)) uintptr_t caller_pc(void)
{
	uintptr_t fp = hal_frame_pointer(), pc = 0;
	if (!hal_unwind_frame(&fp, &pc))
		return 0;
	return pc;
}

VD_KTEST(x86_unwind_frame)
{
	uintptr_t pc = caller_pc();
	uintptr_t self = (uintptr_t)ktest_fn_x86_unwind_frame;
	KT_ASSERT(pc > self && pc < self + 256);
	uintptr_t fp = 0;
	KT_ASSERT(!hal_unwind_frame(&fp, &pc));
}

/* ---- benchmarks ---- */

enum { SYSCALL_LOOPS = 4096 };
static uint64_t bench_end;

/* mov $N,%ebx; 1: xor %eax,%eax; syscall; dec %ebx; jnz 1b;
 * mov $99,%eax; syscall; jmp . */
static const uint8_t prog_null_loop[] = {
	0xbb,
	SYSCALL_LOOPS & 0xff,
	SYSCALL_LOOPS >> 8,
	0x00,
	0x00,
	0x31,
	0xc0,
	0x0f,
	0x05,
	0xff,
	0xcb,
	0x75,
	0xf8,
	0xb8,
	0x63,
	0x00,
	0x00,
	0x00,
	0x0f,
	0x05,
	0xeb,
	0xfe,
};

static void null_syscall(struct vd_cpu_context *ctx)
{
	if (ctx->rax == 99) {
		bench_end = hal_cycles();
		hal_longjmp(&user_jmp, 1);
	}
}

VD_KBENCH(x86_null_syscall)
{
	struct user_env u = {0};
	if (!user_env_init(&u, prog_null_loop, sizeof(prog_null_loop)))
		return;
	vd_syscall_test_hook = null_syscall;
	uint64_t c0 = hal_cycles();
	user_run(&u, false);
	user_env_free(&u);
	vd_kbench_report("x86 null syscall user->kernel->user", bench_end - c0,
			 SYSCALL_LOOPS);
}

static void pingpong(void *arg)
{
	(void)arg;
	for (;;)
		hal_context_switch(&thread_sp, main_sp);
}

VD_KBENCH(x86_context_switch)
{
	enum { N = 1000 };
	thread_sp = hal_kstack_init(thread_stack + sizeof(thread_stack),
				    pingpong, NULL);
	hal_irqstate_t s = hal_irq_save();
	hal_context_switch(&main_sp, thread_sp);
	uint64_t c0 = hal_cycles();
	for (unsigned i = 0; i < N; i++)
		hal_context_switch(&main_sp, thread_sp);
	uint64_t c1 = hal_cycles();
	hal_irq_restore(s);
	vd_kbench_report("x86 hal_context_switch", c1 - c0, 2 * N);
}
