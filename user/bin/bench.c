/*
 * bench: the user half of the kernel benchmarks (tests/ktest/
 * syscall_bench.c).  The kernel times the whole process for N = 0 and
 * N = many and divides the difference, so only the loop counts.
 *
 *   bench null N    N null system calls
 *   bench yield N   two threads of this process hand the CPU to each
 *                   other N times each with SYS_THREAD_YIELD
 */
#include <vd.h>

static volatile unsigned long turns[2];
static unsigned long rounds;

static unsigned long parse(const char *s)
{
	unsigned long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	return v;
}

static void yielder(uintptr_t arg)
{
	for (unsigned long i = 0; i < rounds; i++) {
		turns[arg]++;
		vd_thread_yield();
	}
	vd_thread_exit(0);
}

int main(int argc, char **argv, char **envp)
{
	unsigned long n = argc > 2 ? parse(argv[2]) : 0;

	(void)envp;
	if (argc > 1 && !vd_strcmp(argv[1], "null")) {
		for (unsigned long i = 0; i < n; i++)
			vd_null();
		return 0;
	}
	if (argc > 1 && !vd_strcmp(argv[1], "yield")) {
		/* the main thread is one of the two */
		long stack = vd_mmap(vd_self_cap(), 0, 16384,
				     VD_PROT_READ | VD_PROT_WRITE);
		vd_cap_token_t t;
		int32_t code;

		if (vd_is_err(stack))
			return 1;
		rounds = n;
		if (vd_is_err(vd_thread_create(vd_self_cap(), yielder,
					       (void *)stack, 16384, 1, &t)))
			return 2;
		for (unsigned long i = 0; i < n; i++) {
			turns[0]++;
			vd_thread_yield();
		}
		vd_thread_join(t, VD_TIMEOUT_INFINITE, &code);
		return turns[0] == n && turns[1] == n ? 0 : 3;
	}
	return 4;
}
