/*
 * spin: burn CPU without ever making a syscall, until killed.  Only timer
 * preemption lets anything else run on its CPU.  With "sleep" it sleeps
 * in a loop instead (a process that is blocked in the kernel when
 * killed).
 *
 * With "reg" it is the debuggee of tests/ktest/sched_context.c: it puts
 * SPIN_REG_BEFORE in the register of syscall argument 0 (rdi, x0, a0:
 * the one every arch's context names portably, vd_ctx_arg_slot) and
 * spins, without a syscall, until that register holds SPIN_REG_AFTER --
 * which only a debugger that edits its saved context can make happen --
 * and then exits with the value it saw.
 */
#include <arch/machine.h>
#include <vd.h>

#define SPIN_REG_BEFORE 17
#define SPIN_REG_AFTER	42

static long wait_for_debugger(void)
{
	return vd_arch_spin_on_arg0(SPIN_REG_BEFORE, SPIN_REG_AFTER);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1 && vd_strcmp(argv[1], "reg") == 0)
		return (int)wait_for_debugger();
	if (argc > 1 && vd_strcmp(argv[1], "sleep") == 0)
		for (;;)
			vd_thread_sleep(1000000000ull);
	for (volatile unsigned long n = 0;; n++)
		;
}
