/*
 * init: the first user process, started by the kernel with the console
 * capability.
 *
 *   init        (normal image) greet, run a child, report, exit 0
 *   init test   (test image, from the ktest user_suite) run the user
 *               test programs and the deliberate faults, check how each
 *               ended, print a summary, exit with the number of failures
 */
#include <vd.h>

static struct vd_utest T = {.prog = "init"};

static void expect(const char *const *argv, const char *const *envp,
		   uint32_t reason, int32_t code)
{
	struct vd_process_exit_info info = {0};
	vd_cap_token_t cap;
	long r = vd_spawn_env(argv[0], argv, envp, &cap);

	if (!vd_is_err(r))
		r = vd_process_wait(cap, &info, VD_TIMEOUT_INFINITE);
	vd_check(&T,
		 !vd_is_err(r) && info.exit_reason == reason &&
			 info.exit_code == code,
		 "%s %s ended with %u/%d (expected %u/%d)%s%s", argv[0],
		 argv[1] ? argv[1] : "", (unsigned)info.exit_reason,
		 (int)info.exit_code, (unsigned)reason, (int)code,
		 vd_is_err(r) ? ": " : "",
		 vd_is_err(r) ? vd_strerror(vd_err_of(r)) : "");
}

static int test_suite(void)
{
	static const char *const faults[] = {
		"null-read",   "null-write",	  "unmapped",  "kernel-read",
		"write-text",  "write-rodata",	  "exec-data", "stack-overflow",
		"thread-null", "blocked-sibling",
	};
	char ppid[32];
	const char *envp[] = {ppid, NULL};

	vd_snprintf(ppid, sizeof(ppid), "PPID=%llu",
		    (unsigned long long)vd_start->pid);
	expect((const char *const[]){"utest", NULL}, envp, VD_EXIT_NORMAL, 0);
	expect((const char *const[]){"threads", NULL}, NULL, VD_EXIT_NORMAL, 0);
	for (unsigned i = 0; i < VD_ARRAY_SIZE(faults); i++)
		expect((const char *const[]){"fault", faults[i], NULL}, NULL,
		       VD_EXIT_FAULT, -1);
	expect((const char *const[]){"fault", "illegal", NULL}, NULL,
	       VD_EXIT_EXCEPTION, -1);
	expect((const char *const[]){"hello", "3", NULL}, NULL, VD_EXIT_NORMAL,
	       3);
	return vd_utest_done(&T);
}

int main(int argc, char **argv, char **envp)
{
	struct vd_process_exit_info info;

	(void)envp;
	if (argc > 1 && !vd_strcmp(argv[1], "test"))
		return test_suite();
	printf("init: hello from user space (pid %llu)\n",
	       (unsigned long long)vd_start->pid);
	if (vd_run("hello", (const char *const[]){"hello", "7", NULL}, &info) ==
	    0)
		printf("init: hello exited with %d after %llu syscalls\n",
		       (int)info.exit_code,
		       (unsigned long long)info.resource_usage.syscalls);
	return 0;
}
