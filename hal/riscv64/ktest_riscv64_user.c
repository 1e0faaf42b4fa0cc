/*
 * RISC-V HAL ktests, part 2: user mode, syscalls, user faults, interrupts
 * taken in user mode, thread switch, setjmp/longjmp, IPIs, a PLIC device
 * interrupt; and the null syscall / context switch benchmarks.
 *
 * User programs are a few instruction words encoded below and copied to a
 * user page of a fresh address space.  core's vd_syscall_test_hook and
 * vd_page_fault_test_hook see the traps; a hook either returns (the
 * program continues) or hal_longjmps back into the test.
 */
#include <rv/csr.h>
#include <rv/ktest.h>
#include <hal/fdt.h>
#include <rv/mmu.h>
#include <rv/percpu.h>
#include <rv/platform.h>
#include <veridian/boot.h>
#include <veridian/ktest.h>
#include <veridian/metrics.h>
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/string.h>
#include <veridian/syscall.h>

/* ---- instruction encoders (RV64I base formats) ---- */
enum { ZERO = 0, SP = 2, TP = 4, T0 = 5, T1 = 6, T2 = 7, S1 = 9, A0 = 10,
       A1, A2, A3, A4, A5, A6, A7, S2 = 18, S3, S4 };
#define OP_IMM 0x13
#define OP_LOAD 0x03
#define OP_STORE 0x23
#define OP_BRANCH 0x63
#define OP_SYSTEM 0x73
#define CSR_TIME 0xc01
#define CSR_INSTRET 0xc02

static uint32_t i_type(unsigned op, unsigned f3, unsigned rd, unsigned rs1,
		       int imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 |
	       op;
}
static uint32_t addi(unsigned rd, unsigned rs1, int imm)
{
	return i_type(OP_IMM, 0, rd, rs1, imm);
}
static uint32_t ld(unsigned rd, unsigned rs1, int imm)
{
	return i_type(OP_LOAD, 3, rd, rs1, imm);
}
static uint32_t sd(unsigned rs2, unsigned rs1, int imm)
{
	uint32_t i = (uint32_t)imm;
	return ((i >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | 3 << 12 |
	       (i & 0x1f) << 7 | OP_STORE;
}
static uint32_t lui(unsigned rd, uint32_t imm20)
{
	return imm20 << 12 | rd << 7 | 0x37;
}
static uint32_t csrr(unsigned rd, unsigned csr)
{
	return i_type(OP_SYSTEM, 2, rd, ZERO, (int)csr); /* csrrs rd, csr, x0 */
}
static uint32_t sub(unsigned rd, unsigned rs1, unsigned rs2)
{
	return 0x20u << 25 | rs2 << 20 | rs1 << 15 | rd << 7 | 0x33;
}
static uint32_t add(unsigned rd, unsigned rs1, unsigned rs2)
{
	return rs2 << 20 | rs1 << 15 | rd << 7 | 0x33;
}
static uint32_t branch(unsigned f3, unsigned rs1, unsigned rs2, int off)
{
	uint32_t i = (uint32_t)off;
	return ((i >> 12) & 1) << 31 | ((i >> 5) & 0x3f) << 25 | rs2 << 20 |
	       rs1 << 15 | f3 << 12 | ((i >> 1) & 0xf) << 8 |
	       ((i >> 11) & 1) << 7 | OP_BRANCH;
}
#define BNE 1
#define BLTU 6
#define ECALL 0x00000073u
#define SPIN 0x0000006fu /* jal zero, 0 */

/* ---- a user address space with code, stack and a kernel stack ---- */
#define CODE_VA VD_USER_BASE
#define STACK_VA ((vaddr_t)0x20000)
#define KSTACK_FRAMES 4

static struct {
	paddr_t root, code, stack;
	struct vd_frame kstack;
	struct hal_jmpbuf jmp;
} user;

static bool user_setup(const uint32_t *prog, size_t words)
{
	vd_memset(&user, 0, sizeof(user));
	user.code = rv_ktest_frame();
	user.stack = rv_ktest_frame();
	if (!user.code || !user.stack ||
	    vd_frame_alloc(KSTACK_FRAMES, VD_ZONE_NORMAL, &user.kstack) ||
	    hal_pt_create(&user.root))
		return false;
	vd_memcpy(vd_phys_to_virt(user.code), prog, words * 4);
	hal_icache_sync(vd_phys_to_virt(user.code), words * 4);
	return hal_pt_map(user.root, CODE_VA, user.code,
			  VD_PTE_PRESENT | VD_PTE_USER) == VD_OK &&
	       hal_pt_map(user.root, STACK_VA, user.stack,
			  VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_WRITABLE |
				  VD_PTE_NO_EXECUTE) == VD_OK;
}

static void user_teardown(void)
{
	hal_pt_destroy(user.root);
	vd_frame_free(vd_frame_of(user.code), 1);
	vd_frame_free(vd_frame_of(user.stack), 1);
	vd_frame_free(user.kstack, KSTACK_FRAMES);
}

/* Enter the program; returns the value a hook hal_longjmp'ed with. */
static int user_run(void)
{
	uintptr_t ktop = (uintptr_t)vd_phys_to_virt(vd_frame_addr(user.kstack)) +
			 KSTACK_FRAMES * VD_PAGE_SIZE;
	volatile uintptr_t saved_kstack = rv_this_cpu()->user_ctx + CTX_SIZE;
	struct vd_cpu_context *ctx = (struct vd_cpu_context *)ktop - 1;

	hal_set_kernel_stack((void *)ktop);
	hal_user_context_init(ctx, CODE_VA, STACK_VA + VD_PAGE_SIZE, 0, 0);
	hal_pt_activate(user.root);
	int r = hal_setjmp(&user.jmp);
	if (r == 0)
		hal_return_to_user(ctx);
	vd_syscall_test_hook = NULL;
	vd_page_fault_test_hook = NULL;
	hal_pt_activate(hal_pt_kernel_root());
	hal_set_kernel_stack((void *)saved_kstack);
	return r;
}

/* ---- syscall round trip ---- */
static struct {
	unsigned calls;
	uint64_t args[6], nr, pc, status, sp, cpu;
	uint64_t second[4];
} sys;

static void syscall_hook(struct vd_cpu_context *ctx)
{
	if (VD_CTX_SYSNR(ctx) == 0x77) {
		sys.calls++;
		sys.nr = VD_CTX_SYSNR(ctx);
		for (unsigned i = 0; i < 6; i++)
			sys.args[i] = vd_ctx_arg(ctx, i);
		sys.pc = VD_CTX_PC(ctx);
		sys.status = ctx->status;
		sys.sp = (uintptr_t)__builtin_frame_address(0);
		sys.cpu = hal_cpu_id();
		VD_CTX_RET(ctx) = 0xabc; /* back to user with a result */
		return;
	}
	for (unsigned i = 0; i < 4; i++)
		sys.second[i] = vd_ctx_arg(ctx, i);
	hal_longjmp(&user.jmp, VD_CTX_SYSNR(ctx) == 0x78 ? 1 : 2);
}

VD_KTEST(rv_user_syscall_roundtrip)
{
	const uint32_t prog[] = {
		addi(S1, ZERO, 0x123), addi(TP, ZERO, 0x555),
		addi(A7, ZERO, 0x77), addi(A0, ZERO, 11),
		addi(A1, ZERO, 12),    addi(A2, ZERO, 13),
		addi(A3, ZERO, 14),    addi(A4, ZERO, 15),
		addi(A5, ZERO, 16),    ECALL, /* word 9 */
		addi(A7, ZERO, 0x78),  addi(A1, S1, 0),
		addi(A2, SP, 0),       addi(A3, TP, 0),
		ECALL,		       SPIN,
	};
	unsigned cpu = hal_cpu_id();
	vd_memset(&sys, 0, sizeof(sys));
	KT_ASSERT(user_setup(prog, VD_ARRAY_SIZE(prog)));
	vd_syscall_test_hook = syscall_hook;
	int r = user_run();
	user_teardown();

	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(sys.calls, 1);
	KT_ASSERT_EQ(sys.nr, 0x77);
	for (unsigned i = 0; i < 6; i++)
		KT_ASSERT_EQ(sys.args[i], 11 + i);
	KT_ASSERT_EQ(sys.pc, CODE_VA + 10 * 4); /* past the ecall */
	KT_ASSERT_EQ(sys.status & SSTATUS_SPP, 0); /* came from U-mode */
	KT_ASSERT(sys.status & SSTATUS_SPIE); /* user had interrupts on */
	KT_ASSERT_EQ(sys.cpu, cpu); /* tp was the kernel's again */
	/* the handler ran on the kernel stack hal_set_kernel_stack named */
	KT_ASSERT(sys.sp >= (uintptr_t)vd_phys_to_virt(vd_frame_addr(user.kstack)));
	/* second call: result of the first in a0, registers survived */
	KT_ASSERT_EQ(sys.second[0], 0xabc);
	KT_ASSERT_EQ(sys.second[1], 0x123);
	KT_ASSERT_EQ(sys.second[2], STACK_VA + VD_PAGE_SIZE);
	KT_ASSERT_EQ(sys.second[3], 0x555);
	KT_ASSERT_EQ(csr_read(sstatus) & SSTATUS_SUM, 0);
	KT_ASSERT_EQ(csr_read(sscratch), 0);
}

/* ---- user page faults ---- */
#define UNMAPPED_VA ((vaddr_t)0x5000000)

static struct {
	unsigned count;
	vaddr_t addr[3];
	unsigned access[3];
	bool from_user[3];
	paddr_t frame;
} pf;

static bool user_fault_hook(struct vd_cpu_context *ctx, vaddr_t addr,
			    unsigned access, bool from_user)
{
	unsigned n = pf.count++;
	if (n < 3) {
		pf.addr[n] = addr;
		pf.access[n] = access;
		pf.from_user[n] = from_user;
	}
	if (n == 0) /* map the page: the load is retried and succeeds */
		return hal_pt_map(user.root, UNMAPPED_VA, pf.frame,
				  VD_PTE_PRESENT | VD_PTE_USER |
					  VD_PTE_NO_EXECUTE) == VD_OK;
	if (n == 1) { /* kernel memory: skip the load */
		ctx->pc += 4;
		return true;
	}
	hal_longjmp(&user.jmp, 1);
}

static uint64_t reported_a0;

static void report_hook(struct vd_cpu_context *ctx)
{
	if (VD_CTX_SYSNR(ctx) == 0x79) {
		reported_a0 = vd_ctx_arg(ctx, 0);
		return;
	}
	hal_longjmp(&user.jmp, 2);
}

VD_KTEST(rv_user_page_faults)
{
	const uint32_t prog[] = {
		lui(T0, UNMAPPED_VA >> 12),
		ld(A0, T0, 8), /* fault 1: not mapped; the hook maps it */
		addi(A7, ZERO, 0x79),
		ECALL, /* reports the loaded value */
		lui(T1, 0x80000), /* t1 = 0xffffffff80000000: kernel text */
		ld(A1, T1, 0), /* fault 2: not a U page; the hook skips it */
		lui(T2, CODE_VA >> 12),
		sd(A0, T2, 0), /* fault 3: store to the read-only code page */
		SPIN,
	};
	KT_ASSERT(user_setup(prog, VD_ARRAY_SIZE(prog)));
	vd_memset(&pf, 0, sizeof(pf));
	reported_a0 = 0;
	pf.frame = rv_ktest_frame();
	KT_ASSERT(pf.frame != 0);
	((uint64_t *)vd_phys_to_virt(pf.frame))[1] = 0x600d;
	vd_page_fault_test_hook = user_fault_hook;
	vd_syscall_test_hook = report_hook;
	int r = user_run();
	user_teardown();
	vd_frame_free(vd_frame_of(pf.frame), 1);

	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(pf.count, 3);
	KT_ASSERT_EQ(reported_a0, 0x600d);
	KT_ASSERT_EQ(pf.addr[0], UNMAPPED_VA + 8);
	KT_ASSERT_EQ(pf.access[0], VD_FAULT_READ);
	KT_ASSERT_EQ(pf.addr[1], 0xffffffff80000000ul);
	KT_ASSERT_EQ(pf.access[1], VD_FAULT_READ);
	KT_ASSERT_EQ(pf.addr[2], CODE_VA);
	KT_ASSERT_EQ(pf.access[2], VD_FAULT_WRITE);
	for (unsigned i = 0; i < 3; i++)
		KT_ASSERT(pf.from_user[i]);
}

/* ---- interrupts while in user mode ---- */
static void exit_hook(struct vd_cpu_context *ctx)
{
	reported_a0 = vd_ctx_arg(ctx, 0);
	hal_longjmp(&user.jmp, VD_CTX_SYSNR(ctx) == 0x7a ? 1 : 2);
}

/* The program spins on rdtime for ~3 timer ticks' worth of time; the
 * tick interrupts it in U-mode and sret resumes it. */
VD_KTEST(rv_user_interrupted_by_timer)
{
	const uint32_t prog[] = {
		csrr(T0, CSR_TIME),
		lui(T1, 0x100), /* 1 Mi ticks: 100 ms at 10 MHz */
		add(T0, T0, T1),
		csrr(T2, CSR_TIME),
		branch(BLTU, T2, T0, -4),
		addi(A0, ZERO, 1),
		addi(A7, ZERO, 0x7a),
		ECALL,
		SPIN,
	};
	struct vd_kernel_metrics m0, m1;
	KT_ASSERT(user_setup(prog, VD_ARRAY_SIZE(prog)));
	vd_syscall_test_hook = exit_hook;
	vd_kernel_metrics(&m0);
	int r = user_run();
	vd_kernel_metrics(&m1);
	user_teardown();
	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(reported_a0, 1);
	KT_ASSERT(m1.interrupts_handled >= m0.interrupts_handled + 2);
}

/* ---- kernel threads: switch, first entry, setjmp ---- */
static uintptr_t main_sp, thread_sp;
static volatile uint64_t thread_arg, thread_runs;
static volatile bool thread_irqs_on;

static void thread_entry(void *arg)
{
	thread_arg = (uintptr_t)arg;
	thread_irqs_on = hal_irq_local_enabled(); /* must be off */
	for (;;) {
		thread_runs++;
		hal_context_switch(&thread_sp, main_sp);
	}
}

VD_KTEST(rv_context_switch_and_setjmp)
{
	struct vd_frame stack;
	struct hal_jmpbuf jb;
	volatile int passes = 0;
	KT_ASSERT_OK(vd_frame_alloc(1, VD_ZONE_NORMAL, &stack));
	void *top = (char *)vd_phys_to_virt(vd_frame_addr(stack)) + VD_PAGE_SIZE;
	hal_irqstate_t st = hal_irq_save();
	thread_runs = 0;
	thread_sp = hal_kstack_init(top, thread_entry, (void *)0x1234);
	KT_ASSERT_EQ(thread_sp & 15, 0);
	/* locals on this stack survive the round trips */
	volatile uint64_t a = 3, b = 5, c = 7;
	for (int i = 0; i < 3; i++) {
		hal_context_switch(&main_sp, thread_sp);
		a += b;
		b += c;
		c += a;
	}
	hal_irq_restore(st);
	KT_ASSERT_EQ(thread_runs, 3);
	KT_ASSERT_EQ(thread_arg, 0x1234);
	KT_ASSERT(!thread_irqs_on);
	KT_ASSERT_EQ(a + b + c, 191);
	vd_frame_free(stack, 1);

	int r = hal_setjmp(&jb);
	if (passes++ == 0)
		hal_longjmp(&jb, 0); /* 0 turns into 1 */
	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(passes, 2);
}

/* ---- CPUs and IPIs ---- */
VD_KTEST(rv_cpus_and_ipis)
{
	struct rv_percpu *self = rv_this_cpu();
	unsigned me = hal_cpu_id();
	KT_ASSERT_EQ(self, &rv_percpu[me]);
	KT_ASSERT_EQ(me, 0); /* ktests run on the boot hart */
	KT_ASSERT_EQ(self->hartid, vd_boot_info->boot_cpu_hwid);
	KT_ASSERT_EQ(vd_boot_info->cpu_hwid[0], vd_boot_info->boot_cpu_hwid);
	KT_ASSERT_EQ(hal_cpu_start(0), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_cpu_start(VD_MAX_CPUS), VD_ERR_INVALID_PARAMETER);
	for (unsigned c = 1; c < hal_cpu_count(); c++)
		KT_ASSERT_EQ(hal_cpu_start(c), VD_ERR_BUSY);

	/* every online CPU (this one too) takes an IPI */
	for (unsigned c = 0; c < hal_cpu_count(); c++) {
		uint64_t before = __atomic_load_n(&rv_percpu[c].ipis,
						  __ATOMIC_ACQUIRE);
		uint64_t t0 = hal_timer_now_ns();
		hal_ipi_send(c);
		while (__atomic_load_n(&rv_percpu[c].ipis, __ATOMIC_ACQUIRE) ==
			       before &&
		       hal_timer_now_ns() - t0 < 2000000000ull)
			hal_cpu_idle();
		KT_ASSERT(rv_percpu[c].ipis > before);
	}
}

/* ---- PLIC: a device interrupt reaches vd_irq, masking holds it ---- */
/* QEMU virt's Goldfish RTC: an alarm at or before "now" raises its
 * level-triggered interrupt at once; CLEAR_INTERRUPT lowers it. */
#define RTC_TIME_LOW 0
#define RTC_TIME_HIGH 1
#define RTC_ALARM_LOW 2
#define RTC_ALARM_HIGH 3
#define RTC_IRQ_ENABLED 4
#define RTC_CLEAR_INTERRUPT 7

static volatile uint32_t *rtc;
static volatile unsigned rtc_irqs, rtc_irq_seen;

static void rtc_irq_hook(unsigned irq)
{
	rtc_irq_seen = irq;
	rtc_irqs++;
	rtc[RTC_CLEAR_INTERRUPT] = 1;
}

static void wait_for_rtc_irq(uint64_t ns)
{
	uint64_t t0 = hal_timer_now_ns();
	while (!rtc_irqs && hal_timer_now_ns() - t0 < ns)
		hal_cpu_idle();
}

VD_KTEST(rv_plic_device_interrupt)
{
	const struct fdt *f = rv_boot_fdt;
	int node = fdt_find_compatible(f, -1, "google,goldfish-rtc");
	uint64_t base, size;
	uint32_t irq;
	if (node < 0) {
		kprintf("# no google,goldfish-rtc in the DTB: skipped\n");
		return;
	}
	KT_ASSERT(fdt_reg(f, node, 0, &base, &size));
	KT_ASSERT(fdt_prop_u32(f, node, "interrupts", &irq));
	KT_ASSERT(hal_irq_local_enabled());
	rtc = rv_ioremap(base, size);
	rtc_irqs = 0;
	rv_plic_test_hook = rtc_irq_hook;

	hal_irq_mask(irq);
	rtc[RTC_IRQ_ENABLED] = 1;
	uint32_t lo = rtc[RTC_TIME_LOW], hi = rtc[RTC_TIME_HIGH];
	rtc[RTC_ALARM_HIGH] = hi;
	rtc[RTC_ALARM_LOW] = lo; /* now: the line goes up */
	wait_for_rtc_irq(20000000); /* masked: nothing arrives */
	unsigned while_masked = rtc_irqs;
	hal_irq_unmask(irq);
	wait_for_rtc_irq(2000000000ull);
	hal_irq_mask(irq);
	rtc[RTC_IRQ_ENABLED] = 0;
	rv_plic_test_hook = NULL;

	KT_ASSERT_EQ(while_masked, 0);
	KT_ASSERT_EQ(rtc_irqs, 1);
	KT_ASSERT_EQ(rtc_irq_seen, irq);
}

/* ---- benchmarks ---- */
static void null_syscall_hook(struct vd_cpu_context *ctx)
{
	if (VD_CTX_SYSNR(ctx) != 0)
		exit_hook(ctx);
}

/* N null syscalls from user mode, timed by the program with rdinstret:
 * each iteration is addi a7 + ecall ... sret + addi + bne. */
VD_KBENCH(rv_null_syscall)
{
	enum { N = 1000 };
	const uint32_t prog[] = {
		addi(S2, ZERO, N),
		csrr(S3, CSR_INSTRET),
		addi(A7, ZERO, 0), /* loop: */
		ECALL,
		addi(S2, S2, -1),
		branch(BNE, S2, ZERO, -12),
		csrr(S4, CSR_INSTRET),
		sub(A0, S4, S3),
		addi(A7, ZERO, 0x7a),
		ECALL,
		SPIN,
	};
	if (!user_setup(prog, VD_ARRAY_SIZE(prog)))
		return;
	vd_syscall_test_hook = null_syscall_hook;
	int r = user_run();
	user_teardown();
	if (r == 1)
		vd_kbench_report("null syscall (user ecall..sret, +3 loop)",
				 reported_a0, N);
}

static void bench_thread(void *arg)
{
	(void)arg;
	for (;;)
		hal_context_switch(&thread_sp, main_sp);
}

VD_KBENCH(rv_context_switch)
{
	enum { N = 1000 };
	struct vd_frame stack;
	if (vd_frame_alloc(1, VD_ZONE_NORMAL, &stack) != VD_OK)
		return;
	void *top = (char *)vd_phys_to_virt(vd_frame_addr(stack)) + VD_PAGE_SIZE;
	hal_irqstate_t st = hal_irq_save();
	thread_sp = hal_kstack_init(top, bench_thread, NULL);
	hal_context_switch(&main_sp, thread_sp);
	uint64_t t0 = hal_cycles();
	for (int i = 0; i < N; i++)
		hal_context_switch(&main_sp, thread_sp);
	uint64_t t1 = hal_cycles();
	hal_irq_restore(st);
	vd_frame_free(stack, 1);
	vd_kbench_report("hal_context_switch (one way)", t1 - t0, 2 * N);
}
