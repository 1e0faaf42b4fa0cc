/*
 * x86_64 HAL ktests: what only x86 user mode has.  The portable user-mode
 * tests (syscall arguments and results, faults, the null-syscall bench)
 * are in tests/ktest/hal_user.c; these use the same support
 * (hal/ktest.h) to check the SYSCALL/SYSRET register conventions and an
 * interrupt taken from ring 3 (IRETQ path).
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/ktest.h>
#include <veridian/ktest.h>
#include <veridian/syscall.h>

extern volatile uint64_t x86_user_interrupts;

static struct vd_cpu_context seen;
static uint64_t seen_cr3;

static void record_syscall(struct vd_cpu_context *ctx)
{
	seen = *ctx;
	seen_cr3 = x86_read_cr3();
	hal_kt_user_exit(1);
}

static bool run(const struct hal_kt_code *c, paddr_t *root,
		void (*before_entry)(void))
{
	struct hal_kt_user u;
	if (!hal_kt_user_init(&u, c)) {
		vd_syscall_test_hook = NULL;
		return false;
	}
	*root = u.root;
	int r = hal_kt_user_run(&u, 0x11, 0x22, before_entry);
	hal_kt_user_fini(&u);
	return r == 1;
}

/* SYSCALL leaves the return RIP in rcx and RFLAGS in r11; the entry
 * saves them as the context's RIP and RFLAGS, and runs core in this
 * address space. */
VD_KTEST(x86_user_syscall_saves_rip_rflags)
{
	struct hal_kt_code c = {0};
	paddr_t root;
	/* a number >= VD_SYS_MAX, which goes to the test hook */
	size_t pc = hal_kt_emit_syscall(&c, 0x7c);
	hal_kt_emit_spin(&c);
	vd_syscall_test_hook = record_syscall;
	KT_ASSERT(run(&c, &root, NULL));
	KT_ASSERT_EQ(seen.rip, HAL_KT_CODE_VA + pc);
	KT_ASSERT(seen.rflags & X86_RFLAGS_IF);
	KT_ASSERT_EQ(seen.rsp, HAL_KT_STACK_TOP);
	KT_ASSERT_EQ(seen_cr3 & ~0xfffull, root);
}

/* A self IPI (shorthand "self", fixed, the APIC-error vector) made
 * pending with interrupts off: it is taken in ring 3 before the first
 * instruction and IRETQ resumes the program with its registers. */
static void self_ipi(void)
{
	x86_lapic_send_ipi(0,
			   X86_ICR_SELF | X86_ICR_ASSERT | X86_VEC_APIC_ERROR);
}

VD_KTEST(x86_user_interrupt_returns_to_user)
{
	struct hal_kt_code c = {0};
	paddr_t root;
	uint64_t before = x86_user_interrupts;
	size_t pc = hal_kt_emit_syscall(&c, 0x7d);
	hal_kt_emit_spin(&c);
	vd_syscall_test_hook = record_syscall;
	KT_ASSERT(run(&c, &root, self_ipi));
	KT_ASSERT(x86_user_interrupts > before);
	KT_ASSERT_EQ(seen.rax, 0x7d);
	KT_ASSERT_EQ(seen.rdi, 0x11);
	KT_ASSERT_EQ(seen.rsi, 0x22);
	KT_ASSERT_EQ(seen.rsp, HAL_KT_STACK_TOP);
	KT_ASSERT_EQ(seen.rip, HAL_KT_CODE_VA + pc);
}
