/*
 * Portable HAL ktests: kernel context switch (hal_kstack_init,
 * hal_context_switch), setjmp/longjmp, backtraces on a thread stack from
 * core's frame allocator and the end of a frame chain; the context-switch
 * benchmark.
 */
#include <hal/unwind.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/thread.h>

static uint8_t thread_stack[16384] __attribute__((aligned(16)));
static uintptr_t main_sp, thread_sp;
static volatile unsigned thread_runs;
static volatile uintptr_t thread_arg, thread_frame;
static volatile bool thread_irqs_on;

static void thread_body(void *arg)
{
	thread_arg = (uintptr_t)arg;
	thread_irqs_on = hal_irq_local_enabled(); /* must be off */
	thread_frame = (uintptr_t)__builtin_frame_address(0);
	for (;;) {
		thread_runs++;
		hal_context_switch(&thread_sp, main_sp);
	}
}

VD_KTEST(hal_context_switch_and_first_run)
{
	thread_runs = 0;
	thread_sp = hal_kstack_init(thread_stack + sizeof(thread_stack),
				    thread_body, (void *)0x5eed);
	KT_ASSERT_EQ(thread_sp & 15, 0);
	hal_irqstate_t s = hal_irq_save();
	/* locals of this stack survive the round trips */
	volatile uint64_t a = 3, b = 5, c = 7;
	unsigned after_first = 0;
	for (int i = 0; i < 3; i++) {
		hal_context_switch(&main_sp, thread_sp);
		if (i == 0)
			after_first = thread_runs;
		a += b;
		b += c;
		c += a;
	}
	hal_irq_restore(s);
	KT_ASSERT_EQ(after_first, 1);
	KT_ASSERT_EQ(thread_runs, 3);
	KT_ASSERT_EQ(thread_arg, 0x5eed);
	KT_ASSERT(!thread_irqs_on);
	KT_ASSERT_EQ(thread_frame & 15, 0); /* entry got an aligned stack */
	KT_ASSERT(thread_frame > (uintptr_t)thread_stack &&
		  thread_frame <=
			  (uintptr_t)thread_stack + sizeof(thread_stack));
	KT_ASSERT_EQ(a + b + c, 191);
}

static struct hal_jmpbuf jb;

static __attribute__((noinline)) void jump_back(int v)
{
	hal_longjmp(&jb, v);
}

VD_KTEST(hal_setjmp_longjmp)
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

VD_KTEST(hal_unwind_stops_at_null_frame)
{
	uintptr_t fp = 0, pc = 0x1234;
	KT_ASSERT(!hal_unwind_frame(&fp, &pc));
	fp = 1; /* misaligned */
	KT_ASSERT(!hal_unwind_frame(&fp, &pc));
}

/* A chain on a thread's kernel stack (VD_KSTACK_SIZE-aligned, in RAM)
 * stays on it: a record whose caller's fp points into the next stack up
 * -- what a user fp left in place by a syscall entry may do -- is the
 * last one read. */
VD_KTEST(hal_unwind_stays_on_its_kernel_stack)
{
	struct vd_frame mem;
	const unsigned pages = 3 * VD_KSTACK_SIZE / VD_PAGE_SIZE;
	KT_ASSERT_OK(vd_frame_alloc(pages, VD_ZONE_NORMAL, &mem));
	uintptr_t base = (uintptr_t)vd_phys_to_virt(vd_frame_addr(mem));
	uintptr_t stack = VD_ALIGN_UP(base, VD_KSTACK_SIZE); /* one block */
	uintptr_t *r0 = (uintptr_t *)(stack + 64);  /* innermost record */
	uintptr_t *r1 = (uintptr_t *)(stack + 256); /* its caller's */
	uintptr_t *r2 = (uintptr_t *)(stack + VD_KSTACK_SIZE + 64); /* beyond */
	r0[0] = (uintptr_t)r1 + HAL_FP_RECORD_BELOW;
	r0[1] = 0x1111;
	r1[0] = (uintptr_t)r2 + HAL_FP_RECORD_BELOW;
	r1[1] = 0x2222;
	r2[0] = 0;
	r2[1] = 0x3333;

	uintptr_t fp = (uintptr_t)r0 + HAL_FP_RECORD_BELOW, pc[2] = {0, 0};
	bool first = hal_unwind_frame(&fp, &pc[0]);
	uintptr_t fp1 = fp;
	bool second = hal_unwind_frame(&fp, &pc[1]);
	uintptr_t fp2 = fp;
	vd_frame_free(mem, pages);
	KT_ASSERT(first && second);
	KT_ASSERT_EQ(pc[0], 0x1111);
	KT_ASSERT_EQ(fp1, (uintptr_t)r1 + HAL_FP_RECORD_BELOW);
	KT_ASSERT_EQ(pc[1], 0x2222);
	KT_ASSERT_EQ(fp2, 0); /* r2 is on another stack: not followed */
}

/* A thread on a stack in the physmap (like every core thread) unwinds
 * from a callee into itself. */
static volatile bool unwound;
static volatile uintptr_t unwound_pc;

static __attribute__((noinline)) void unwind_one(void)
{
	uintptr_t fp = hal_frame_pointer(), pc = 0;
	unwound = hal_unwind_frame(&fp, &pc);
	unwound_pc = pc;
	__asm__ volatile("" ::: "memory"); /* keep this a real call */
}

static void unwinding_thread(void *arg)
{
	(void)arg;
	unwind_one();
	for (;;)
		hal_context_switch(&thread_sp, main_sp);
}

VD_KTEST(hal_unwind_on_a_physmap_stack)
{
	struct vd_frame stack;
	KT_ASSERT_OK(vd_frame_alloc(4, VD_ZONE_NORMAL, &stack));
	uint8_t *top = (uint8_t *)vd_phys_to_virt(vd_frame_addr(stack)) +
		       4 * VD_PAGE_SIZE;
	unwound = false;
	thread_sp = hal_kstack_init(top, unwinding_thread, NULL);
	hal_irqstate_t s = hal_irq_save();
	hal_context_switch(&main_sp, thread_sp);
	hal_irq_restore(s);
	vd_frame_free(stack, 4);
	KT_ASSERT(unwound);
	KT_ASSERT(unwound_pc > (uintptr_t)unwinding_thread &&
		  unwound_pc < (uintptr_t)unwinding_thread + 256);
}

static void pingpong(void *arg)
{
	(void)arg;
	for (;;)
		hal_context_switch(&thread_sp, main_sp);
}

VD_KBENCH(hal_context_switch)
{
	enum { N = 1000 };
	thread_sp = hal_kstack_init(thread_stack + sizeof(thread_stack),
				    pingpong, NULL);
	hal_irqstate_t s = hal_irq_save();
	hal_context_switch(&main_sp, thread_sp); /* first run */
	uint64_t t0 = hal_cycles();
	for (unsigned i = 0; i < N; i++)
		hal_context_switch(&main_sp, thread_sp);
	uint64_t t1 = hal_cycles();
	hal_irq_restore(s);
	vd_kbench_report("hal_context_switch (one way)", t1 - t0, 2 * N);
}
