/*
 * init: the first user process, started by the kernel with the console
 * capability.
 *
 *   init        (normal image) a demo tour: a child, threads, IPC,
 *               shared regions, a faulting process; exit 0
 *   init test   (test image, from the ktest user_suite) run the user
 *               test programs and the deliberate faults, check how each
 *               ended, print a summary, exit with the number of failures
 */
#include <vd.h>

static struct vd_utest T = {.prog = "init"};

/* Run argv with the console (and the debug capability if `debug`). */
static void expect_caps(const char *const *argv, const char *const *envp,
			bool debug, uint32_t reason, int32_t code)
{
	struct vd_process_exit_info info = {0};
	vd_cap_token_t caps[2] = {vd_console_cap(), vd_debug_cap()};
	vd_cap_token_t cap;
	long r = vd_spawn_caps(argv[0], argv, envp, caps, debug ? 2 : 1, &cap);

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

static void expect(const char *const *argv, const char *const *envp,
		   uint32_t reason, int32_t code)
{
	expect_caps(argv, envp, false, reason, code);
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
	/* utest checks SYS_IPC_DEBUG with and without the capability */
	expect_caps((const char *const[]){"utest", NULL}, envp, true,
		    VD_EXIT_NORMAL, 0);
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

/* Run one demo step and say how it ended. */
static void demo(const char *what, const char *const *argv)
{
	struct vd_process_exit_info info = {0};
	long r;

	/* with the debug capability too: the demo programs check that they
	 * leak nothing through the kernel's IPC statistics */
	vd_cap_token_t caps[2] = {vd_console_cap(), vd_debug_cap()}, cap;

	printf("\ninit: --- %s: %s %s\n", what, argv[0],
	       argv[1] ? argv[1] : "");
	r = vd_spawn_caps(argv[0], argv, NULL, caps, caps[1] ? 2 : 1, &cap);
	if (!vd_is_err(r))
		r = vd_process_wait(cap, &info, VD_TIMEOUT_INFINITE);
	if (vd_is_err(r)) {
		printf("init: could not run %s: %s\n", argv[0],
		       vd_strerror(vd_err_of(r)));
		return;
	}
	printf("init: %s ended: reason %u, code %d, %llu syscalls\n", argv[0],
	       (unsigned)info.exit_reason, (int)info.exit_code,
	       (unsigned long long)info.resource_usage.syscalls);
}

/*
 * The normal image's demo: processes, threads, IPC between processes,
 * zero-copy regions, and a faulting process that dies alone while the
 * kernel and init carry on.  The production image's boot file system
 * holds only the programs it runs: VD_USER_DEMO in cmake/user.cmake.
 */
static int demo_tour(void)
{
	printf("init: hello from user space (pid %llu)\n",
	       (unsigned long long)vd_start->pid);
	demo("a child process", (const char *const[]){"hello", "7", NULL});
	demo("threads: create, join, timeouts, preemption",
	     (const char *const[]){"threads", NULL});
	demo("IPC ping-pong between two processes",
	     (const char *const[]){"ipc-test", "pingpong", NULL});
	demo("zero-copy shared regions (Share, COW, Move)",
	     (const char *const[]){"ipc-region", NULL});
	demo("a process that writes through a null pointer",
	     (const char *const[]){"fault", "null-write", NULL});
	printf("\ninit: demo done; the kernel is still running\n");
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1 && !vd_strcmp(argv[1], "test"))
		return test_suite();
	return demo_tour();
}
