/*
 * threads: create / exit / join, timeouts, error paths, and timer
 * preemption between threads of one process that never yield.
 */
#include <vd.h>

#define STACK	 16384
#define NTHREADS 6

static struct vd_utest T = {.prog = "threads"};
static volatile unsigned long counter[NTHREADS];
static volatile int go;

static void *new_stack(void)
{
	long r = vd_mmap(vd_self_cap(), 0, STACK, VD_PROT_READ | VD_PROT_WRITE);

	return vd_is_err(r) ? NULL : (void *)r;
}

/* exits with 100 + its index after a little work */
static void worker(uintptr_t i)
{
	for (int k = 0; k < 1000; k++)
		counter[i]++;
	vd_thread_exit(100 + (int)i);
}

/* returns from its entry function: the library never does, so it must
 * call vd_thread_exit; this one sleeps first */
static void sleeper(uintptr_t ns)
{
	vd_thread_sleep(ns);
	vd_thread_exit(7);
}

/* spins without syscalls until the other spinner has run: only a timer
 * interrupt can get the other one onto the CPU */
static void spinner(uintptr_t i)
{
	while (!go)
		;
	counter[i] = 1;
	while (counter[1 - i] == 0)
		;
	vd_thread_exit(0);
}

static void test_create_join(void)
{
	vd_cap_token_t caps[NTHREADS];
	bool ok = true;

	for (unsigned i = 0; i < NTHREADS; i++) {
		void *stack = new_stack();
		long tid = vd_thread_create(vd_self_cap(), worker, stack, STACK,
					    i, &caps[i]);
		ok &= stack && tid > 0;
	}
	vd_check(&T, ok, "create %d threads", NTHREADS);
	ok = true;
	for (unsigned i = 0; i < NTHREADS; i++) {
		int32_t code = -1;
		long r = vd_thread_join(caps[i], VD_TIMEOUT_INFINITE, &code);
		ok &= r == 0 && code == 100 + (int)i && counter[i] == 1000;
	}
	vd_check(&T, ok, "join returns each exit code");
	vd_check(&T,
		 vd_thread_join(caps[0], 0, NULL) == -VD_ERR_INVALID_CAPABILITY,
		 "a joined thread's capability is revoked");
}

static void test_join_timeout(void)
{
	vd_cap_token_t t;
	int32_t code = 0;
	long tid = vd_thread_create(vd_self_cap(), sleeper, new_stack(), STACK,
				    50000000, &t); /* 50 ms */

	vd_check(&T, tid > 0, "create a sleeping thread");
	vd_check(&T, vd_thread_join(t, 0, &code) == -VD_ERR_TIMEOUT,
		 "join with timeout 0 on a live thread: Timeout");
	vd_check(&T, vd_thread_join(t, 1000000, &code) == -VD_ERR_TIMEOUT,
		 "join with a 1 ms timeout: Timeout");
	vd_check(&T,
		 vd_thread_join(t, VD_TIMEOUT_INFINITE, &code) == 0 &&
			 code == 7,
		 "then join without timeout: code %d", code);
}

static void test_errors(void)
{
	vd_cap_token_t t, weak;
	void *stack = new_stack();

	vd_check(&T,
		 vd_thread_create(
			 vd_self_cap(),
			 (void (*)(uintptr_t))(uintptr_t)0xffffffff80000000ull,
			 stack, STACK, 0, &t) == -VD_ERR_INVALID_PARAMETER,
		 "entry in the kernel half: InvalidParameter");
	vd_check(&T,
		 vd_thread_create(vd_self_cap(), worker,
				  (void *)(uintptr_t)0xffffffff80000000ull,
				  STACK, 0, &t) == -VD_ERR_INVALID_PARAMETER,
		 "stack in the kernel half: InvalidParameter");
	vd_check(&T,
		 vd_thread_create(vd_self_cap(), worker, stack, 8, 0, &t) ==
			 -VD_ERR_INVALID_PARAMETER,
		 "tiny stack: InvalidParameter");
	vd_check(&T,
		 vd_thread_create(vd_console_cap(), worker, stack, STACK, 0,
				  &t) == -VD_ERR_INVALID_CAPABILITY,
		 "console capability as process: InvalidCapability");
	vd_check(&T,
		 vd_thread_create(vd_self_cap(), worker, stack, STACK, 0,
				  (vd_cap_token_t *)8) ==
			 -VD_ERR_MEM_BAD_ADDRESS,
		 "bad capability out pointer: MemoryError(BadAddress)");
	vd_capability_derive(vd_self_cap(), VD_RIGHT_READ, &weak);
	vd_check(&T,
		 vd_thread_create(weak, worker, stack, STACK, 0, &t) ==
			 -VD_ERR_PERMISSION_DENIED,
		 "process capability without EXECUTE: PermissionDenied");
	vd_check(&T,
		 vd_thread_join(vd_self_cap(), 0, NULL) ==
			 -VD_ERR_INVALID_CAPABILITY,
		 "join a process capability: InvalidCapability");
	long tid = vd_thread_create(vd_self_cap(), worker, stack, STACK, 0, &t);
	vd_check(&T, tid > 0, "create one more");
	vd_check(&T,
		 vd_thread_join(t, VD_TIMEOUT_INFINITE, (int32_t *)8) ==
			 -VD_ERR_MEM_BAD_ADDRESS,
		 "join with a bad code pointer: MemoryError(BadAddress)");
	vd_check(&T, vd_thread_join(t, VD_TIMEOUT_INFINITE, NULL) == 0,
		 "and it can still be joined");
}

#define KERNEL_PTR   ((uintptr_t)0xffffffff80000000ull)
#define UNMAPPED_PTR ((uintptr_t)0x7ff0000)
#define BOGUS_TOKEN  ((vd_cap_token_t)0x123456789abcdef0ull)

/* expect SYS_THREAD_INFO(cap, tid, out) to fail with err */
#define INFO_ERR(cap, tid, out, err, what)                                     \
	do {                                                                   \
		long r_ = vd_thread_info((cap), (tid), (out));                 \
		vd_check(&T, r_ == -(long)(err),                               \
			 "thread info: %s: %s (got %ld)", what,                \
			 vd_strerror(err), r_);                                \
	} while (0)

/* SYS_THREAD_INFO: through a thread's capability or its process's, every
 * field, and every bad input a clear error */
static void test_thread_info(void)
{
	struct vd_thread_info i = {0}, j = {0};
	vd_cap_token_t t, weak = 0;
	void *stack = new_stack();
	long tid = vd_thread_create(vd_self_cap(), sleeper, stack, STACK,
				    50000000, &t); /* 50 ms */

	vd_check(&T, tid > 0, "thread info: create a sleeping thread");
	vd_check(&T,
		 vd_thread_info(t, 0, &i) == 0 &&
			 i.thread_id == (uint64_t)tid &&
			 i.process_id == vd_start->pid &&
			 i.stack_base == (uintptr_t)stack &&
			 i.stack_size == STACK &&
			 i.priority == 20 /* Normal */ && i.cpu_affinity != 0 &&
			 (i.state == VD_THREAD_READY ||
			  i.state == VD_THREAD_RUNNING ||
			  i.state == VD_THREAD_BLOCKED),
		 "thread info: by its capability: tid %llu pid %llu state %u "
		 "prio %u stack %llx+%llu",
		 (unsigned long long)i.thread_id,
		 (unsigned long long)i.process_id, (unsigned)i.state,
		 (unsigned)i.priority, (unsigned long long)i.stack_base,
		 (unsigned long long)i.stack_size);
	vd_check(&T,
		 vd_thread_info(t, (uint64_t)tid, &j) == 0 &&
			 j.thread_id == i.thread_id,
		 "thread info: by its capability and its tid");
	vd_check(&T,
		 vd_thread_info(vd_self_cap(), (uint64_t)tid, &j) == 0 &&
			 j.thread_id == i.thread_id &&
			 j.stack_base == i.stack_base,
		 "thread info: by the process capability and the tid");
	vd_check(
		&T,
		vd_thread_info(vd_self_cap(), 0, &j) == 0 &&
			j.process_id == vd_start->pid &&
			j.stack_base == vd_start->stack_base &&
			j.stack_size == vd_start->stack_size &&
			j.state == VD_THREAD_RUNNING,
		"thread info: tid 0 of the process is its running main thread");

	INFO_ERR(t, (uint64_t)tid + 1000, &j, VD_ERR_INVALID_PARAMETER,
		 "a thread capability and another tid");
	INFO_ERR(vd_self_cap(), 999999999, &j, VD_ERR_NOT_FOUND,
		 "no such thread in the process");
	INFO_ERR(vd_console_cap(), 0, &j, VD_ERR_INVALID_CAPABILITY,
		 "the console capability (wrong type)");
	INFO_ERR(BOGUS_TOKEN, 0, &j, VD_ERR_INVALID_CAPABILITY,
		 "a forged token");
	INFO_ERR(0, 0, &j, VD_ERR_INVALID_CAPABILITY, "token 0");
	vd_check(&T, vd_capability_derive(t, VD_RIGHT_GRANT, &weak) == 0,
		 "thread info: derive a thread capability without READ");
	INFO_ERR(weak, 0, &j, VD_ERR_PERMISSION_DENIED, "no READ");
	vd_check(&T, vd_capability_revoke(weak) == 0,
		 "thread info: revoke the copy");
	INFO_ERR(weak, 0, &j, VD_ERR_INVALID_CAPABILITY, "a revoked copy");
	INFO_ERR(t, 0, (struct vd_thread_info *)KERNEL_PTR,
		 VD_ERR_MEM_BAD_ADDRESS, "out pointer in the kernel");
	INFO_ERR(t, 0, NULL, VD_ERR_MEM_BAD_ADDRESS, "out pointer NULL");
	INFO_ERR(t, 0, (struct vd_thread_info *)UNMAPPED_PTR, VD_ERR_MEM_FAULT,
		 "out pointer unmapped");
	vd_check(&T, vd_thread_join(t, VD_TIMEOUT_INFINITE, NULL) == 0,
		 "thread info: join it");
	INFO_ERR(t, 0, &j, VD_ERR_INVALID_CAPABILITY, "a joined thread");
	INFO_ERR(vd_self_cap(), (uint64_t)tid, &j, VD_ERR_NOT_FOUND,
		 "a joined thread by tid");
}

static void test_preemption(void)
{
	vd_cap_token_t a, b;
	long ra, rb;

	counter[0] = counter[1] = 0;
	go = 0;
	ra = vd_thread_create(vd_self_cap(), spinner, new_stack(), STACK, 0,
			      &a);
	rb = vd_thread_create(vd_self_cap(), spinner, new_stack(), STACK, 1,
			      &b);
	go = 1;
	vd_check(&T,
		 ra > 0 && rb > 0 &&
			 vd_thread_join(a, VD_TIMEOUT_INFINITE, NULL) == 0 &&
			 vd_thread_join(b, VD_TIMEOUT_INFINITE, NULL) == 0,
		 "two threads that never yield both run (timer preemption)");
}

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	(void)envp;
	test_create_join();
	test_join_timeout();
	test_errors();
	test_thread_info();
	test_preemption();
	return vd_utest_done(&T);
}
