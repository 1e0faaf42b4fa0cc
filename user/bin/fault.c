/*
 * fault: die in the way argv[1] says.  The kernel must kill only this
 * process (reason "fault" or "exception") and keep running.
 */
#include <arch/machine.h>
#include <vd.h>

static const unsigned char not_code[16] = {0};

static void null_reader(uintptr_t arg)
{
	(void)arg;
	vd_thread_exit(*(volatile int *)0);
}

static void sleeper(uintptr_t arg)
{
	(void)arg;
	for (;;)
		vd_thread_sleep(1000000000ull);
}

/* Start a second thread running fn on a fresh stack. */
static vd_cap_token_t sibling(void (*fn)(uintptr_t))
{
	long stack =
		vd_mmap(vd_self_cap(), 0, 16384, VD_PROT_READ | VD_PROT_WRITE);
	vd_cap_token_t t = 0;

	vd_thread_create(vd_self_cap(), fn, (void *)stack, 16384, 0, &t);
	return t;
}

int main(int argc, char **argv, char **envp)
{
	const char *how = argc > 1 ? argv[1] : "null-read";

	(void)envp;
	if (!vd_strcmp(how, "null-read"))
		return *(volatile int *)0;
	if (!vd_strcmp(how, "null-write"))
		*(volatile int *)8 = 1;
	if (!vd_strcmp(how, "unmapped"))
		return *(volatile int *)0x7ff0000;
	if (!vd_strcmp(how, "kernel-read")) /* the kernel half */
		return (int)*(volatile long *)(uintptr_t)0xffffffff80000000ull;
	if (!vd_strcmp(how, "write-text")) /* text is read-only */
		*(volatile unsigned char *)(uintptr_t)main = 0;
	if (!vd_strcmp(how, "write-rodata"))
		*(volatile unsigned char *)(uintptr_t)not_code = 1;
	if (!vd_strcmp(how, "exec-data")) /* rodata is not executable */
		((void (*)(void))(uintptr_t)not_code)();
	if (!vd_strcmp(how, "illegal"))
		vd_arch_illegal_insn();
	if (!vd_strcmp(how, "thread-null")) { /* a second thread faults */
		vd_thread_join(sibling(null_reader), VD_TIMEOUT_INFINITE, NULL);
		return 98; /* not reached: the whole process dies */
	}
	if (!vd_strcmp(how, "blocked-sibling")) { /* while one sleeps */
		sibling(sleeper);
		vd_thread_yield();
		return *(volatile int *)0;
	}
	if (!vd_strcmp(how, "stack-overflow")) {
		volatile char big[4096];
		big[0] = 1;
		return main(argc, argv, envp) + big[0];
	}
	printf("fault: unknown way to die '%s'\n", how);
	return 99;
}
