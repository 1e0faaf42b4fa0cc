/*
 * utest: every system call number, with its success path and its error
 * paths (bad capability, missing right, wrong object type, bad pointer,
 * bad argument).  Prints one "ok/not ok" line per check and a summary;
 * exits with the number of failures.
 */
#include <arch/machine.h>
#include <vd.h>
#include <veridian/ipc.h>

#define KERNEL_PTR   ((uintptr_t)0xffffffff80000000ull)
#define UNMAPPED_PTR ((uintptr_t)0x7ff0000)
#define BOGUS_TOKEN  ((vd_cap_token_t)0x123456789abcdef0ull)

static struct vd_utest T = {.prog = "utest"};
static uint64_t parent_pid; /* from PPID= in the environment */

#define CHECK(cond, ...) vd_check(&T, (cond), __VA_ARGS__)
/* expect a given error from a wrapper call */
#define EXPECT_ERR(call, err, what)                                            \
	do {                                                                   \
		long r_ = (call);                                              \
		CHECK(r_ == -(long)(err), "%s: %s (got %ld)", what,            \
		      vd_strerror(err), r_);                                   \
	} while (0)

static long raw(long nr, long a0, long a1, long a2)
{
	return vd_syscall6(nr, a0, a1, a2, 0, 0, 0);
}

static void test_null_and_unknown(void)
{
	CHECK(vd_null() == 0, "SYS_NULL returns 0");
	EXPECT_ERR(raw(7, 0, 0, 0), VD_ERR_NOT_FOUND, "unknown number 7");
	EXPECT_ERR(raw(63, 0, 0, 0), VD_ERR_NOT_FOUND, "unknown number 63");
	EXPECT_ERR(raw(64, 0, 0, 0), VD_ERR_NOT_FOUND, "number 64 (max)");
	EXPECT_ERR(raw(-1, 0, 0, 0), VD_ERR_NOT_FOUND, "number -1");
	/* IPC numbers belong to the IPC module: with bogus arguments they
	 * fail whether or not it registered them */
	for (long nr = VD_SYS_IPC_SEND; nr <= VD_SYS_IPC_REPLY; nr++) {
		long r = vd_syscall6(nr, (long)BOGUS_TOKEN, 0, 0, 0, 0, 0);
		CHECK(vd_is_err(r),
		      "IPC number %ld with bogus arguments fails "
		      "(%s)",
		      nr, vd_strerror(vd_err_of(r)));
	}
}

static void test_console(void)
{
	vd_cap_token_t con = vd_console_cap(), ro = 0, wo = 0;
	char buf[16];

	CHECK(vd_write(con, "utest: console write\n", 21) == 21,
	      "write returns the byte count");
	CHECK(vd_write(con, "", 0) == 0, "empty write");
	EXPECT_ERR(vd_write(con, (void *)KERNEL_PTR, 4), VD_ERR_MEM_BAD_ADDRESS,
		   "write from a kernel pointer");
	EXPECT_ERR(vd_write(con, NULL, 4), VD_ERR_MEM_BAD_ADDRESS,
		   "write from NULL");
	EXPECT_ERR(vd_write(con, (void *)UNMAPPED_PTR, 4), VD_ERR_MEM_FAULT,
		   "write from an unmapped page");
	EXPECT_ERR(vd_write(con, buf, (size_t)2 << 20),
		   VD_ERR_INVALID_PARAMETER, "write of 2 MiB");
	EXPECT_ERR(vd_write(0, "x", 1), VD_ERR_INVALID_CAPABILITY,
		   "write with the null token");
	EXPECT_ERR(vd_write(BOGUS_TOKEN, "x", 1), VD_ERR_INVALID_CAPABILITY,
		   "write with a forged token");
	EXPECT_ERR(vd_write(vd_self_cap(), "x", 1), VD_ERR_INVALID_CAPABILITY,
		   "write with a process capability");
	CHECK(vd_capability_derive(con, VD_RIGHT_READ, &ro) == 0 &&
		      vd_capability_derive(con, VD_RIGHT_WRITE, &wo) == 0,
	      "derive read-only and write-only console capabilities");
	EXPECT_ERR(vd_write(ro, "x", 1), VD_ERR_PERMISSION_DENIED,
		   "write without WRITE");
	CHECK(vd_write(wo, "", 0) == 0, "write with WRITE only");

	long n = vd_read(con, buf, sizeof(buf));
	CHECK(n >= 0 && n <= (long)sizeof(buf), "read never blocks (%ld)", n);
	EXPECT_ERR(vd_read(wo, buf, 1), VD_ERR_PERMISSION_DENIED,
		   "read without READ");
	EXPECT_ERR(vd_read(con, (void *)KERNEL_PTR, 1), VD_ERR_MEM_BAD_ADDRESS,
		   "read into a kernel pointer");
	EXPECT_ERR(vd_read(BOGUS_TOKEN, buf, 1), VD_ERR_INVALID_CAPABILITY,
		   "read with a forged token");
	vd_capability_revoke(ro);
	vd_capability_revoke(wo);
}

static void test_memory(void)
{
	vd_cap_token_t self = vd_self_cap(), nomap;
	long a = vd_mmap(self, 0, 8192, VD_PROT_READ | VD_PROT_WRITE);
	volatile uint32_t *p = (volatile uint32_t *)a;

	CHECK(a > 0 && (a & 4095) == 0, "mmap 8 KiB anywhere: %#lx", a);
	if (a <= 0)
		return;
	CHECK(p[0] == 0 && p[2047] == 0, "fresh memory is zero");
	p[0] = 0xdeadbeef;
	p[2047] = 42;
	CHECK(p[0] == 0xdeadbeef && p[2047] == 42, "and writable");
	EXPECT_ERR(vd_mmap(self, (uintptr_t)a, 4096, VD_PROT_READ),
		   VD_ERR_MEM_ALREADY_MAPPED, "mmap over a mapping");
	long b = vd_mmap(self, 0x20000000, 4096, VD_PROT_READ);
	CHECK(b == 0x20000000, "mmap at a fixed address");
	EXPECT_ERR(vd_mmap(self, 0, 4096,
			   VD_PROT_READ | VD_PROT_WRITE | VD_PROT_EXEC),
		   VD_ERR_INVALID_PARAMETER, "mmap writable+executable");
	EXPECT_ERR(vd_mmap(self, 0, 0, VD_PROT_READ), VD_ERR_INVALID_PARAMETER,
		   "mmap of 0 bytes");
	EXPECT_ERR(vd_mmap(self, 0, 4096, 0), VD_ERR_INVALID_PARAMETER,
		   "mmap without PROT_READ");
	EXPECT_ERR(vd_mmap(self, 0x20000100, 4096, VD_PROT_READ),
		   VD_ERR_INVALID_PARAMETER, "mmap at an unaligned address");
	EXPECT_ERR(vd_mmap(self, KERNEL_PTR, 4096, VD_PROT_READ),
		   VD_ERR_MEM_BAD_ADDRESS, "mmap in the kernel half");
	EXPECT_ERR(vd_mmap(self, 0, (size_t)1 << 40, VD_PROT_READ),
		   VD_ERR_INVALID_PARAMETER, "mmap of 1 TiB");
	EXPECT_ERR(vd_mmap(vd_console_cap(), 0, 4096, VD_PROT_READ),
		   VD_ERR_INVALID_CAPABILITY, "mmap with a device capability");
	vd_capability_derive(self, VD_RIGHT_READ | VD_RIGHT_GRANT, &nomap);
	EXPECT_ERR(vd_mmap(nomap, 0, 4096, VD_PROT_READ),
		   VD_ERR_PERMISSION_DENIED, "mmap without MAP");

	CHECK(vd_munmap(self, (uintptr_t)a, 4096) == 0,
	      "munmap the first page");
	CHECK(p[1024] == 0 && p[2047] == 42, "the second page stays");
	EXPECT_ERR(vd_munmap(self, (uintptr_t)a, 4096), VD_ERR_MEM_NOT_MAPPED,
		   "munmap it again");
	EXPECT_ERR(vd_munmap(self, (uintptr_t)a + 4100, 4096),
		   VD_ERR_INVALID_PARAMETER, "munmap unaligned");
	EXPECT_ERR(vd_munmap(self, KERNEL_PTR, 4096), VD_ERR_MEM_BAD_ADDRESS,
		   "munmap in the kernel half");
	EXPECT_ERR(vd_munmap(nomap, (uintptr_t)a + 4096, 4096),
		   VD_ERR_PERMISSION_DENIED, "munmap without MAP");
	CHECK(vd_munmap(self, (uintptr_t)a + 4096, 4096) == 0 &&
		      vd_munmap(self, 0x20000000, 4096) == 0,
	      "munmap the rest");
	vd_capability_revoke(nomap);
}

/* A minimal executable built in memory: one R+X page that calls
 * exit(42).  Exercises SYS_PROCESS_CREATE from user memory. */
static const uint8_t exit42_code[] = {VD_ARCH_EXIT42_CODE};

static uint8_t elf_buf[4096 + 64];

/* little-endian store of `bytes` bytes of v at elf_buf[off] */
static void put(size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		elf_buf[off + i] = (uint8_t)(v >> (8 * i));
}
#define P16(o, v) put((o), (v), 2)
#define P32(o, v) put((o), (v), 4)
#define P64(o, v) put((o), (v), 8)

static size_t build_exit42_elf(void)
{
	uint8_t *e = elf_buf;
	uint16_t machine = VD_ARCH_ELF_MACHINE;
	const uint64_t base = 0x600000, code_off = 0x1000;
	vd_memset(e, 0, sizeof(elf_buf));
	e[0] = 0x7f, e[1] = 'E', e[2] = 'L', e[3] = 'F';
	e[4] = 2, e[5] = 1, e[6] = 1;
	P16(16, 2);
	P16(18, machine);
	P32(20, 1);
	P64(24, base);
	P64(32, 64);
	P16(52, 64);
	P16(54, 56);
	P16(56, 1);
	/* PT_LOAD R+X */
	P32(64, 1);
	P32(68, 5);
	P64(72, code_off);
	P64(80, base);
	P64(88, base);
	P64(96, sizeof(exit42_code));
	P64(104, sizeof(exit42_code));
	P64(112, 0x1000);
	vd_memcpy(e + code_off, exit42_code, sizeof(exit42_code));
	return code_off + sizeof(exit42_code);
}

static void test_process_create(void)
{
	static const char *const argv[] = {"hello", "17", NULL};
	static const char *const envp[] = {"A=1", NULL};
	vd_cap_token_t con = vd_console_cap(), cap;
	struct vd_process_create_args a = {
		.path = (uintptr_t) "hello",
		.argv = (uintptr_t)argv,
		.envp = (uintptr_t)envp,
		.caps = (uintptr_t)&con,
		.ncaps = 1,
	};
	struct vd_process_exit_info info;
	long pid;

	pid = vd_process_create(&a, &cap);
	CHECK(pid > 0, "create hello from the boot file system: pid %ld", pid);
	EXPECT_ERR(vd_process_wait(cap, &info, 0), VD_ERR_TIMEOUT,
		   "wait (timeout 0) on a created, unstarted child");
	CHECK(vd_process_start(cap) == 0, "start it");
	EXPECT_ERR(vd_process_start(cap), VD_ERR_BUSY, "start it again");
	CHECK(vd_process_wait(cap, &info, VD_TIMEOUT_INFINITE) == 0 &&
		      info.process_id == (uint64_t)pid &&
		      info.exit_code == 17 &&
		      info.exit_reason == VD_EXIT_NORMAL &&
		      info.resource_usage.syscalls >= 1 &&
		      info.resource_usage.threads_created == 1 &&
		      info.resource_usage.peak_memory_bytes >= 4096,
	      "wait: exit code %d, reason %u, %llu syscalls, peak %llu bytes",
	      info.exit_code, info.exit_reason,
	      (unsigned long long)info.resource_usage.syscalls,
	      (unsigned long long)info.resource_usage.peak_memory_bytes);
	EXPECT_ERR(vd_process_wait(cap, &info, 0), VD_ERR_INVALID_CAPABILITY,
		   "wait again: the reaped child's capability is revoked");

	a.path = (uintptr_t) "no-such-program";
	EXPECT_ERR(vd_process_create(&a, &cap), VD_ERR_NOT_FOUND,
		   "create a program the boot file system lacks");
	a.path = KERNEL_PTR;
	EXPECT_ERR(vd_process_create(&a, &cap), VD_ERR_MEM_BAD_ADDRESS,
		   "path is a kernel pointer");
	a.path = (uintptr_t) "hello";
	EXPECT_ERR(vd_process_create((void *)UNMAPPED_PTR, &cap),
		   VD_ERR_MEM_FAULT, "argument block unmapped");
	EXPECT_ERR(vd_process_create(&a, (vd_cap_token_t *)KERNEL_PTR),
		   VD_ERR_MEM_BAD_ADDRESS,
		   "capability out pointer in the kernel");
	a.argv = UNMAPPED_PTR;
	EXPECT_ERR(vd_process_create(&a, &cap), VD_ERR_MEM_FAULT,
		   "argv unmapped");
	a.argv = (uintptr_t)argv;
	vd_cap_token_t bogus = BOGUS_TOKEN;
	a.caps = (uintptr_t)&bogus;
	EXPECT_ERR(vd_process_create(&a, &cap), VD_ERR_INVALID_CAPABILITY,
		   "pass a forged capability");
	a.caps = (uintptr_t)&con;
	a.ncaps = VD_PROC_MAX_CAPS + 1;
	EXPECT_ERR(vd_process_create(&a, &cap), VD_ERR_INVALID_PARAMETER,
		   "pass too many capabilities");
	a.ncaps = 1;

	/* from an ELF image in our own memory */
	size_t size = build_exit42_elf();
	struct vd_process_create_args m = {
		.elf = (uintptr_t)elf_buf,
		.elf_size = size,
		.caps = (uintptr_t)&con,
		.ncaps = 1,
	};
	pid = vd_process_create(&m, &cap);
	CHECK(pid > 0 && vd_process_start(cap) == 0 &&
		      vd_process_wait(cap, &info, VD_TIMEOUT_INFINITE) == 0 &&
		      info.exit_code == 42,
	      "create from an ELF in memory; it exits with 42 (%d)",
	      info.exit_code);
	m.elf_size = 100;
	EXPECT_ERR(vd_process_create(&m, &cap), VD_ERR_INVALID_PARAMETER,
		   "truncated ELF");
	m.elf_size = size;
	elf_buf[18] ^= 1; /* wrong machine */
	EXPECT_ERR(vd_process_create(&m, &cap), VD_ERR_INVALID_PARAMETER,
		   "ELF for another machine");
	elf_buf[18] ^= 1;
	m.elf = KERNEL_PTR;
	EXPECT_ERR(vd_process_create(&m, &cap), VD_ERR_MEM_BAD_ADDRESS,
		   "ELF image in the kernel half");
	m.elf = UNMAPPED_PTR;
	EXPECT_ERR(vd_process_create(&m, &cap), VD_ERR_MEM_FAULT,
		   "ELF image unmapped");
	m.elf = (uintptr_t)elf_buf;
	m.elf_size = (uint64_t)1 << 40;
	EXPECT_ERR(vd_process_create(&m, &cap), VD_ERR_INVALID_PARAMETER,
		   "ELF size 1 TiB");
}

static void test_process_control(void)
{
	static const char *const spin_argv[] = {"spin", NULL};
	static const char *const sleep_argv[] = {"spin", "sleep", NULL};
	struct vd_process_exit_info info;
	vd_cap_token_t cap, weak;
	long pid;

	pid = vd_spawn("spin", spin_argv, &cap);
	CHECK(pid > 0, "spawn a spinning child");
	EXPECT_ERR(vd_process_wait(cap, &info, 1000000), VD_ERR_TIMEOUT,
		   "wait 1 ms for it");
	vd_capability_derive(cap, VD_RIGHT_READ | VD_RIGHT_GRANT, &weak);
	EXPECT_ERR(vd_process_terminate(weak, 5), VD_ERR_PERMISSION_DENIED,
		   "terminate without DELETE");
	EXPECT_ERR(vd_process_start(weak), VD_ERR_PERMISSION_DENIED,
		   "start without EXECUTE");
	EXPECT_ERR(vd_process_wait(weak, (void *)KERNEL_PTR, 0),
		   VD_ERR_MEM_BAD_ADDRESS, "wait with a kernel info pointer");
	CHECK(vd_process_terminate(cap, 5) == 0, "terminate it");
	CHECK(vd_process_wait(weak, &info, VD_TIMEOUT_INFINITE) == 0 &&
		      info.exit_reason == VD_EXIT_KILLED && info.exit_code == 5,
	      "wait: killed with code %d", info.exit_code);
	EXPECT_ERR(vd_process_terminate(cap, 5), VD_ERR_INVALID_CAPABILITY,
		   "terminate after it was reaped");

	pid = vd_spawn("spin", sleep_argv, &cap);
	vd_thread_sleep(2000000);
	CHECK(pid > 0 && vd_process_terminate(cap, 6) == 0 &&
		      vd_process_wait(cap, &info, VD_TIMEOUT_INFINITE) == 0 &&
		      info.exit_reason == VD_EXIT_KILLED && info.exit_code == 6,
	      "terminate a child blocked in the kernel");

	EXPECT_ERR(vd_process_wait(vd_self_cap(), &info, 0),
		   VD_ERR_PERMISSION_DENIED,
		   "wait for itself (not its parent)");
	EXPECT_ERR(vd_process_wait(vd_console_cap(), &info, 0),
		   VD_ERR_INVALID_CAPABILITY, "wait on a device capability");
	EXPECT_ERR(vd_process_start(BOGUS_TOKEN), VD_ERR_INVALID_CAPABILITY,
		   "start with a forged token");
	EXPECT_ERR(vd_process_terminate(0, 0), VD_ERR_INVALID_CAPABILITY,
		   "terminate with the null token");
}

static volatile int thread_ran;

static void thread_entry(uintptr_t arg)
{
	thread_ran = (int)arg;
	vd_thread_yield();
	vd_thread_sleep(1000);
	vd_thread_exit((int)arg + 1);
}

static void test_threads(void)
{
	long stack =
		vd_mmap(vd_self_cap(), 0, 16384, VD_PROT_READ | VD_PROT_WRITE);
	vd_cap_token_t t;
	int32_t code = 0;

	long tid = vd_thread_create(vd_self_cap(), thread_entry, (void *)stack,
				    16384, 41, &t);
	CHECK(tid > 0, "thread_create: tid %ld", tid);
	CHECK(vd_thread_yield() == 0, "thread_yield");
	CHECK(vd_thread_join(t, VD_TIMEOUT_INFINITE, &code) == 0 &&
		      code == 42 && thread_ran == 41,
	      "thread_join: exit code %d", code);
	EXPECT_ERR(vd_thread_join(BOGUS_TOKEN, 0, NULL),
		   VD_ERR_INVALID_CAPABILITY, "join with a forged token");
	CHECK(vd_thread_sleep(1000000) == 0, "thread_sleep 1 ms");
	vd_munmap(vd_self_cap(), (uintptr_t)stack, 16384);
}

static void test_capabilities(void)
{
	vd_cap_token_t self = vd_self_cap(), c, d, e;

	CHECK(vd_capability_create(VD_OBJ_PROCESS, vd_start->pid,
				   VD_RIGHT_READ | VD_RIGHT_GRANT, &c) == 0,
	      "capability_create for its own process");
	CHECK(vd_capability_derive(c, VD_RIGHT_READ, &d) == 0,
	      "derive with fewer rights");
	EXPECT_ERR(vd_capability_derive(d, VD_RIGHT_READ, &e),
		   VD_ERR_PERMISSION_DENIED, "derive without GRANT");
	EXPECT_ERR(vd_capability_derive(c, VD_RIGHT_WRITE, &e),
		   VD_ERR_PERMISSION_DENIED, "derive more rights than held");
	EXPECT_ERR(vd_capability_derive(BOGUS_TOKEN, VD_RIGHT_READ, &e),
		   VD_ERR_INVALID_CAPABILITY, "derive from a forged token");
	EXPECT_ERR(vd_capability_derive(c, 0x1000, &e),
		   VD_ERR_INVALID_PARAMETER, "derive unknown rights");
	EXPECT_ERR(vd_capability_derive(c, VD_RIGHT_READ, NULL),
		   VD_ERR_INVALID_PARAMETER, "derive without an out pointer");
	CHECK(vd_capability_revoke(c) == 0, "revoke the parent");
	EXPECT_ERR(vd_capability_derive(d, 0, &e), VD_ERR_INVALID_CAPABILITY,
		   "the derived one died with it");
	EXPECT_ERR(vd_capability_revoke(c), VD_ERR_INVALID_CAPABILITY,
		   "revoke twice");
	EXPECT_ERR(vd_capability_revoke(BOGUS_TOKEN), VD_ERR_INVALID_CAPABILITY,
		   "revoke a forged token");

	EXPECT_ERR(vd_capability_create(99, 0, VD_RIGHT_READ, &c),
		   VD_ERR_INVALID_PARAMETER, "create: unknown object type");
	EXPECT_ERR(
		vd_capability_create(VD_OBJ_PROCESS, vd_start->pid, 0x40, &c),
		VD_ERR_INVALID_PARAMETER, "create: unknown rights");
	EXPECT_ERR(vd_capability_create(VD_OBJ_DEVICE, VD_DEVICE_CONSOLE,
					VD_RIGHTS_ALL, &c),
		   VD_ERR_PERMISSION_DENIED,
		   "create: a device out of thin air");
	if (parent_pid)
		EXPECT_ERR(vd_capability_create(VD_OBJ_PROCESS, parent_pid,
						VD_RIGHTS_ALL, &c),
			   VD_ERR_PERMISSION_DENIED,
			   "create: for its parent (not owned)");
	EXPECT_ERR(
		vd_capability_create(VD_OBJ_PROCESS, 999999, VD_RIGHT_READ, &c),
		VD_ERR_NOT_FOUND, "create: for no process");
	EXPECT_ERR(vd_capability_create(VD_OBJ_PROCESS, vd_start->pid,
					VD_RIGHT_READ, NULL),
		   VD_ERR_INVALID_PARAMETER, "create: without an out pointer");
	EXPECT_ERR(vd_capability_create(VD_OBJ_PROCESS, vd_start->pid,
					VD_RIGHT_READ,
					(vd_cap_token_t *)KERNEL_PTR),
		   VD_ERR_MEM_BAD_ADDRESS, "create: out pointer in the kernel");
	CHECK(self != 0, "a process capability to itself came at start");
}

#define MEM_SIZE 8192

/* "utest memchild": maps caps[1], a read-only Memory capability, checks
 * the parent's pattern and the refusals; exits with the failures. */
static int memchild(void)
{
	const vd_cap_token_t *caps =
		(const vd_cap_token_t *)(uintptr_t)vd_start->caps;
	vd_cap_token_t mem = vd_start->ncaps > 1 ? caps[1] : 0;
	long va = vd_mmap(mem, 0, MEM_SIZE, VD_PROT_READ);
	int bad = 0;

	if (vd_is_err(va))
		return 100;
	for (unsigned i = 0; i < MEM_SIZE; i += 512)
		bad += ((volatile uint8_t *)(uintptr_t)va)[i] !=
		       (uint8_t)(i / 512);
	bad += vd_mmap(mem, 0, MEM_SIZE, VD_PROT_READ | VD_PROT_WRITE) !=
	       -(long)VD_ERR_PERMISSION_DENIED;
	return bad;
}

/* Memory objects: a region's Memory capability is what mmap maps, in the
 * process that made it and in one it was passed to. */
static void test_memory_objects(void)
{
	vd_cap_token_t mem = 0, ro = 0, nomap = 0, pcap = 0;
	struct vd_process_exit_info info = {0};
	static const char *const argv[] = {"utest", "memchild", NULL};
	long id = raw(VD_SYS_IPC_REGION_CREATE, MEM_SIZE,
		      VD_RIGHT_READ | VD_RIGHT_WRITE, (long)&mem);
	long va = vd_is_err(id) ? id
				: vd_mmap(mem, 0, MEM_SIZE,
					  VD_PROT_READ | VD_PROT_WRITE);

	CHECK(!vd_is_err(va) && mem != 0,
	      "memory: a memory object made and mapped by mmap (%ld)", va);
	if (vd_is_err(va))
		return;
	for (unsigned i = 0; i < MEM_SIZE; i += 512)
		((uint8_t *)(uintptr_t)va)[i] = (uint8_t)(i / 512);
	EXPECT_ERR(vd_mmap(mem, 0, 4096, VD_PROT_READ),
		   VD_ERR_INVALID_PARAMETER,
		   "memory: mmap of part of the object");
	EXPECT_ERR(vd_mmap(mem, 0, MEM_SIZE, VD_PROT_READ | VD_PROT_EXEC),
		   VD_ERR_INVALID_PARAMETER, "memory: mmap for execution");
	CHECK(vd_capability_derive(mem, VD_RIGHT_READ | VD_RIGHT_GRANT,
				   &nomap) == 0,
	      "memory: derive a copy without MAP");
	EXPECT_ERR(vd_mmap(nomap, 0, MEM_SIZE, VD_PROT_READ),
		   VD_ERR_PERMISSION_DENIED, "memory: mmap without MAP");
	CHECK(vd_capability_derive(
		      mem, VD_RIGHT_READ | VD_RIGHT_MAP | VD_RIGHT_GRANT,
		      &ro) == 0,
	      "memory: derive a read-only copy");
	long r = vd_spawn_caps("utest", argv, NULL,
			       (const vd_cap_token_t[]){vd_console_cap(), ro},
			       2, &pcap);
	if (!vd_is_err(r))
		r = vd_process_wait(pcap, &info, VD_TIMEOUT_INFINITE);
	CHECK(!vd_is_err(r) && info.exit_reason == VD_EXIT_NORMAL &&
		      info.exit_code == 0,
	      "memory: a child maps the read-only copy and reads the data "
	      "(%ld, code %d)",
	      r, (int)info.exit_code);
	CHECK(vd_capability_revoke(nomap) == 0 && vd_capability_revoke(ro) == 0,
	      "memory: revoke the copies");
	CHECK(((volatile uint8_t *)(uintptr_t)va)[512] == 1,
	      "memory: the maker's mapping stays");
	/* a copy of one's own by capability_create (by id), not of
	 * another's region */
	CHECK(vd_capability_create(VD_OBJ_MEMORY, (uint64_t)id, VD_RIGHT_READ,
				   &ro) == 0 &&
		      vd_capability_revoke(ro) == 0,
	      "memory: create a copy of one's own by id");
	EXPECT_ERR(
		vd_capability_create(VD_OBJ_MEMORY, 12345, VD_RIGHT_READ, &ro),
		VD_ERR_NOT_FOUND, "memory: create for no region");
	CHECK(raw(VD_SYS_IPC_REGION_RELEASE, (long)mem, 0, 0) == 0,
	      "memory: release it");
	EXPECT_ERR(vd_capability_create(VD_OBJ_MEMORY, (uint64_t)id,
					VD_RIGHT_READ, &ro),
		   VD_ERR_NOT_FOUND, "memory: create for a released region");
}

/* SYS_FILE_OPEN: boot file system files as File objects, which
 * SYS_PROCESS_CREATE takes as the program. */
static void test_files(void)
{
	vd_cap_token_t f = 0, ro = 0, w = 0, pcap = 0;
	struct vd_process_exit_info info = {0};
	static const char *const argv[] = {"hello", "5", NULL};
	struct vd_process_create_args a = {.argv = (uintptr_t)argv};
	struct vd_capability c;
	char longname[80];
	long r = vd_file_open("hello", &f);

	CHECK(r > 0 && f != 0, "file open: hello (%ld bytes)", r);
	a.file = f;
	r = vd_process_create(&a, &pcap);
	if (!vd_is_err(r))
		r = vd_process_start(pcap);
	if (!vd_is_err(r))
		r = vd_process_wait(pcap, &info, VD_TIMEOUT_INFINITE);
	CHECK(!vd_is_err(r) && info.exit_reason == VD_EXIT_NORMAL &&
		      info.exit_code == 5,
	      "file open: a process made from the File capability ran (%ld, "
	      "code %d)",
	      r, (int)info.exit_code);

	EXPECT_ERR(vd_file_open("no-such-file", &w), VD_ERR_NOT_FOUND,
		   "file open: no such file");
	EXPECT_ERR(vd_file_open((const char *)KERNEL_PTR, &w),
		   VD_ERR_MEM_BAD_ADDRESS, "file open: path in the kernel");
	EXPECT_ERR(vd_file_open((const char *)UNMAPPED_PTR, &w),
		   VD_ERR_MEM_FAULT, "file open: path unmapped");
	EXPECT_ERR(vd_file_open("hello", NULL), VD_ERR_INVALID_PARAMETER,
		   "file open: no out pointer");
	EXPECT_ERR(vd_file_open("hello", (vd_cap_token_t *)KERNEL_PTR),
		   VD_ERR_MEM_BAD_ADDRESS,
		   "file open: out pointer in the kernel");
	vd_memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	EXPECT_ERR(vd_file_open(longname, &w), VD_ERR_INVALID_PARAMETER,
		   "file open: a path too long");

	/* read-only: no WRITE to derive */
	EXPECT_ERR(vd_capability_derive(f, VD_RIGHT_READ | VD_RIGHT_WRITE, &w),
		   VD_ERR_PERMISSION_DENIED, "file: no WRITE right to derive");
	EXPECT_ERR(vd_capability_create(VD_OBJ_FILE, 0, VD_RIGHT_WRITE, &w),
		   VD_ERR_PERMISSION_DENIED, "file: never created writable");
	EXPECT_ERR(vd_capability_create(VD_OBJ_FILE, 100000, VD_RIGHT_READ, &w),
		   VD_ERR_NOT_FOUND, "file: create for no file");
	CHECK(vd_capability_create(VD_OBJ_FILE, 0, VD_RIGHT_READ, &w) == 0 &&
		      vd_capability_revoke(w) == 0,
	      "file: create a read-only one by index");
	CHECK(vd_capability_derive(f, VD_RIGHT_READ, &ro) == 0,
	      "file: derive a copy without EXECUTE");
	a.file = ro;
	EXPECT_ERR(vd_process_create(&a, &pcap), VD_ERR_PERMISSION_DENIED,
		   "file: create from a copy without EXECUTE");
	a.file = BOGUS_TOKEN;
	EXPECT_ERR(vd_process_create(&a, &pcap), VD_ERR_INVALID_CAPABILITY,
		   "file: create from a forged token");
	a.file = vd_console_cap();
	EXPECT_ERR(vd_process_create(&a, &pcap), VD_ERR_INVALID_CAPABILITY,
		   "file: create from the console (wrong type)");
	CHECK(vd_capability_revoke(f) == 0, "file: revoke it (and the copy)");
	a.file = f;
	EXPECT_ERR(vd_process_create(&a, &pcap), VD_ERR_INVALID_CAPABILITY,
		   "file: create from a revoked capability");
	(void)c;
}

/* SYS_IPC_DEBUG with the debug capability `dbg`: the cycle counter. */
static long debug_cycles(vd_cap_token_t dbg)
{
	return raw(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_CYCLES, 0, (long)dbg);
}

/*
 * SYS_IPC_DEBUG answers only the holder of the debug device capability
 * (init passes it to utest as caps[1]); "utest nodebug", started with the
 * console alone, must be refused.
 */
static void test_debug_capability(void)
{
	vd_cap_token_t dbg = vd_debug_cap(), ro = 0, weak = 0, pcap;
	struct vd_ipc_stats st = {0};
	struct vd_process_exit_info info = {0};
	const char *const child[] = {"utest", "nodebug", NULL};

	CHECK(dbg != 0, "started with the debug capability");
	CHECK(debug_cycles(dbg) > 0, "IPC_DEBUG cycles with the capability");
	CHECK(raw(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_STATS, (long)&st, (long)dbg) ==
			      0 &&
		      st.messages_sent > 0,
	      "IPC_DEBUG stats with the capability");
	EXPECT_ERR(raw(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_STATS, (long)KERNEL_PTR,
		       (long)dbg),
		   VD_ERR_MEM_BAD_ADDRESS,
		   "IPC_DEBUG stats to a kernel pointer");
	EXPECT_ERR(raw(VD_SYS_IPC_DEBUG, 99, 0, (long)dbg),
		   VD_ERR_INVALID_PARAMETER, "IPC_DEBUG unknown op");
	EXPECT_ERR(debug_cycles(0), VD_ERR_PERMISSION_DENIED,
		   "IPC_DEBUG without a capability");
	EXPECT_ERR(debug_cycles((long)vd_console_cap()),
		   VD_ERR_PERMISSION_DENIED, "IPC_DEBUG with the console");
	EXPECT_ERR(debug_cycles((long)vd_self_cap()), VD_ERR_INVALID_CAPABILITY,
		   "IPC_DEBUG with a process");
	EXPECT_ERR(debug_cycles((long)BOGUS_TOKEN), VD_ERR_INVALID_CAPABILITY,
		   "IPC_DEBUG with a forged token");
	CHECK(vd_capability_derive(dbg, VD_RIGHT_GRANT, &weak) == 0,
	      "derive the debug capability without READ");
	EXPECT_ERR(debug_cycles((long)weak), VD_ERR_PERMISSION_DENIED,
		   "IPC_DEBUG without READ");
	CHECK(vd_capability_derive(dbg, VD_RIGHT_READ, &ro) == 0 &&
		      debug_cycles(ro) > 0,
	      "IPC_DEBUG with a derived READ copy");
	CHECK(vd_capability_revoke(ro) == 0, "revoke the copy");
	EXPECT_ERR(debug_cycles((long)ro), VD_ERR_INVALID_CAPABILITY,
		   "IPC_DEBUG with a revoked copy");
	vd_capability_revoke(weak);
	long r = vd_spawn("utest", child, &pcap);
	if (!vd_is_err(r))
		r = vd_process_wait(pcap, &info, VD_TIMEOUT_INFINITE);
	CHECK(!vd_is_err(r) && info.exit_reason == VD_EXIT_NORMAL &&
		      info.exit_code == 0,
	      "a process without the capability is refused (%ld, %d)", r,
	      (int)info.exit_code);
}

/* "utest nodebug": exits 0 if SYS_IPC_DEBUG refuses it every way. */
static int nodebug(void)
{
	struct vd_ipc_stats st;
	int bad = 0;

	bad += vd_debug_cap() != 0;
	bad += debug_cycles(0) != -(long)VD_ERR_PERMISSION_DENIED;
	bad += raw(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_STATS, (long)&st, 0) !=
	       -(long)VD_ERR_PERMISSION_DENIED;
	bad += raw(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_DUMP, 0, 0) !=
	       -(long)VD_ERR_PERMISSION_DENIED;
	bad += debug_cycles((long)vd_console_cap()) !=
	       -(long)VD_ERR_PERMISSION_DENIED;
	return bad;
}

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && !vd_strcmp(argv[1], "nodebug"))
		return nodebug();
	if (argc > 1 && !vd_strcmp(argv[1], "memchild"))
		return memchild();
	for (; envp && *envp; envp++)
		if (!vd_strncmp(*envp, "PPID=", 5))
			for (const char *c = *envp + 5; *c >= '0' && *c <= '9';
			     c++)
				parent_pid =
					parent_pid * 10 + (uint64_t)(*c - '0');
	test_null_and_unknown();
	test_console();
	test_memory();
	test_process_create();
	test_process_control();
	test_threads();
	test_capabilities();
	test_debug_capability();
	test_files();
	test_memory_objects();
	return vd_utest_done(&T);
}
