/*
 * spin: burn CPU without ever making a syscall, until killed.  Only timer
 * preemption lets anything else run on its CPU.  With "sleep" it sleeps
 * in a loop instead (a process that is blocked in the kernel when
 * killed).
 */
#include <vd.h>

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1 && vd_strcmp(argv[1], "sleep") == 0)
		for (;;)
			vd_thread_sleep(1000000000ull);
	for (volatile unsigned long n = 0;; n++)
		;
}
