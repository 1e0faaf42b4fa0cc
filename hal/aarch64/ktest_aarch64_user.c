/*
 * AArch64 HAL ktests: what only AArch64 user mode has.  The portable
 * user-mode tests (syscall arguments and results, faults, the
 * null-syscall bench) are in tests/ktest/hal_user.c; this one uses the
 * same support (hal/ktest.h) to check the EL0 state an SVC saves.
 */
#include <arch/cpu.h>
#include <hal/ktest.h>
#include <veridian/ktest.h>
#include <veridian/syscall.h>

static struct vd_cpu_context seen;
static uint64_t seen_ttbr0;

static void record_syscall(struct vd_cpu_context *ctx)
{
	seen = *ctx;
	seen_ttbr0 = a64_read_sysreg(ttbr0_el1);
	hal_kt_user_exit(1);
}

/* An SVC from EL0 saves SPSR = EL0t (AArch64, SP_EL0), and core runs in
 * the address space it came from. */
VD_KTEST(a64_user_svc_saves_el0_state)
{
	struct hal_kt_code c = {0};
	struct hal_kt_user u;
	hal_kt_emit_syscall(&c, 0x7c); /* >= VD_SYS_MAX: the test hook */
	hal_kt_emit_spin(&c);
	KT_ASSERT(hal_kt_user_init(&u, &c));
	vd_syscall_test_hook = record_syscall;
	int r = hal_kt_user_run(&u, 0, 0, NULL);
	paddr_t root = u.root;
	hal_kt_user_fini(&u);
	KT_ASSERT_EQ(r, 1);
	KT_ASSERT_EQ(seen.pstate & A64_PSR_M_MASK, 0); /* EL0t, AArch64 */
	KT_ASSERT_EQ(seen_ttbr0, root);		       /* ASID included */
}
