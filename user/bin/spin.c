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
#include <vd.h>

#define SPIN_REG_BEFORE 17
#define SPIN_REG_AFTER	42

static long wait_for_debugger(void)
{
	long v;
	long after = SPIN_REG_AFTER;

#if defined(__x86_64__)
	__asm__ volatile("mov %1, %%rdi\n"
			 "1: cmp %2, %%rdi\n"
			 "jne 1b\n"
			 "mov %%rdi, %0"
			 : "=r"(v)
			 : "i"(SPIN_REG_BEFORE), "r"(after)
			 : "rdi", "cc");
#elif defined(__aarch64__)
	__asm__ volatile("mov x0, %1\n"
			 "1: cmp x0, %2\n"
			 "b.ne 1b\n"
			 "mov %0, x0"
			 : "=r"(v)
			 : "i"(SPIN_REG_BEFORE), "r"(after)
			 : "x0", "cc");
#elif defined(__riscv)
	__asm__ volatile("li a0, %1\n"
			 "1: bne a0, %2, 1b\n"
			 "mv %0, a0"
			 : "=r"(v)
			 : "i"(SPIN_REG_BEFORE), "r"(after)
			 : "a0");
#else
#error "spin reg: no loop for this architecture"
#endif
	return v;
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
