/*
 * init: the first user process.  With no arguments (normal image) it
 * greets, runs the demo program and reports; with "test" it runs the
 * user-space test suite and exits with the number of failed checks.
 */
#include <vd.h>

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	printf("init: pid %llu, %d args, hello from user space\n",
	       (unsigned long long)vd_start->pid, argc);
	for (int i = 0; i < argc; i++)
		printf("init: argv[%d] = %s\n", i, argv[i]);
	return 0;
}
