/*
 * libFuzzer harness: the syscall layer's argument checks (core/syscall and
 * the IPC syscalls), driven through the dispatcher on the fake machine.
 *
 * Each input runs in a fresh user process (a tiny ELF, never started):
 * its main thread is made the current thread, and the input is a series
 * of syscalls -- any number, 0..63 and beyond -- with six argument words
 * and the message registers, made of small integers, random words, the
 * process's own capability tokens, values earlier calls returned, and
 * pointers.  On the host, user memory is host memory, so user space is
 * narrowed (host_set_user_window) to a window the harness owns, between
 * two no-access guards:
 *
 *   below 0x10000, >= 2^47   kept as they are (never mapped on the host)
 *   [0x10000, low guard)     words falling here are moved into the low
 *                            guard, [window end, 2^47) into the high one
 *   low guard, 1 MiB         no access, below user space
 *   window, 1 MiB            user space: pages 0-7 and 12-15 read-write,
 *                            8-9 read-only, 10-11 no access, the rest no
 *                            access too (the process's image, stack and
 *                            mappings live in the fake page tables only)
 *   high guard, 1 MiB        no access, above user space
 *
 * Every address outside the window is one the kernel must refuse before
 * touching it (whatever it reads from user memory too), and every word
 * the harness makes up that is not a user pointer faults if touched: the
 * SIGSEGV handler aborts on any fault outside the window, so a missing
 * range check never goes unnoticed.  A fault inside the window is what a
 * HAL does: the page-fault upcall, which must unwind the fault-safe copy
 * (or map a lazy page of the process, which the handler then makes
 * accessible).
 *
 * Calls that would block the only thread or never return are left out
 * or made non-blocking: exit, thread_exit, yield, sleep, process_start
 * (a started process needs its thread to run to die), thread_create (the
 * same; and the calling process here never started, which no real
 * caller can be), terminating itself; waits and joins get timeout 0 and IPC's
 * sleeps time out at once.  After each input the process is killed and reaped:
 * processes, heap bytes, capabilities and IPC objects must be back where they
 * were.
 */
#include <host/fake.h>
#include <host/pt_fake.h>
#include <sanitizer/asan_interface.h>
#include <signal.h>
#include <sys/mman.h>
#include <veridian/cap.h>
#include <veridian/elf.h>
#include <veridian/ipc.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/uaccess.h>

#include "../../core/ipc/ipc_internal.h"
#include "../../core/sched/sched_internal.h"
#include "../host/mm_fixture.h"
#include "fuzz.h"

#define PG	   4096ul
#define WIN_PAGES  256
#define WIN_SIZE   (WIN_PAGES * PG)
#define LIVE_SIZE  (16 * PG) /* the accessible start of the window */
#define GUARD_SIZE (1ul << 20)
#define MAP_HINT   ((uintptr_t)0x500000000000ull) /* ASan's high memory */
#define RO_PAGE	   8				  /* pages 8, 9 read-only */
#define NONE_PAGE  10				  /* pages 10, 11 no access */
#define ELF_OFF	   (64 * PG) /* the text page, in the window */
#define POOL	   32

static uint8_t *win;
static uintptr_t win_end, elf_base;
static uint8_t elf[0x2000];
static struct vd_process *self;
static struct vd_thread *boot_thread;
static volatile int in_syscall;
static uint64_t pool[POOL];
static unsigned npool;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)sig;
	(void)uc;
	if (!in_syscall || a < (uintptr_t)win || a >= win_end) {
		fprintf(stderr,
			"fuzz: the kernel touched %p, outside user memory "
			"(window [%p, %#lx))\n",
			si->si_addr, (void *)win, (unsigned long)win_end);
		abort();
	}
	__asan_handle_no_return();
	/* a write fault and a read fault look the same here: ask for
	 * write, which covers both for lazy pages */
	if (vd_page_fault(NULL, a, VD_FAULT_WRITE, false)) {
		/* the process had a lazy page there: the MMU has it now */
		mprotect((void *)(a & ~(PG - 1)), PG, PROT_READ | PROT_WRITE);
		return;
	}
	fprintf(stderr, "fuzz: kernel fault at %p outside a user copy\n",
		si->si_addr);
	abort();
}

static void put(size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		elf[off + i] = (uint8_t)(v >> (8 * i));
}

/* text R+X at elf_base, nothing else: the process never runs */
static void build_elf(void)
{
	uint64_t ELF_BASE = elf_base;

	memcpy(elf,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	put(16, 2, 2);
	put(18, VD_EM_NATIVE, 2);
	put(20, 1, 4);
	put(24, ELF_BASE, 8);
	put(32, 64, 8);
	put(52, 64, 2);
	put(54, 56, 2);
	put(56, 1, 2);
	put(64, 1, 4);
	put(68, VD_PF_R | VD_PF_X, 4);
	put(72, 0x1000, 8);
	put(80, ELF_BASE, 8);
	put(88, ELF_BASE, 8);
	put(96, 0x10, 8);
	put(104, 0x10, 8);
	put(112, 0x1000, 8);
	memset(elf + 0x1000, 0xc3, 0x10);
}

static vd_err_t no_world(struct ipc_waiter *w, uint64_t deadline)
{
	(void)w;
	host_set_time_ns(deadline == VD_TIMEOUT_INFINITE ? 0 : deadline);
	return VD_ERR_TIMEOUT;
}

static void no_wake(struct ipc_waiter *w)
{
	(void)w;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	void *m;

	(void)argc;
	(void)argv;
	mm_boot_default(NULL);
	if (vd_sched_init() != VD_OK)
		abort();
	vd_ipc_init();
	ipc_test_sleep_hook = no_world;
	ipc_test_wake_hook = no_wake;
	m = mmap((void *)MAP_HINT, GUARD_SIZE + WIN_SIZE + GUARD_SIZE,
		 PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	if (m != (void *)MAP_HINT) {
		fprintf(stderr, "fuzz: cannot map the user window at %p\n",
			(void *)MAP_HINT);
		abort();
	}
	win = (uint8_t *)m + GUARD_SIZE;
	win_end = (uintptr_t)win + WIN_SIZE;
	elf_base = (uintptr_t)win + ELF_OFF;
	host_set_user_window((uintptr_t)win, win_end);
	build_elf();
	boot_thread = this_cpu_sched()->current;
	return 0;
}

/* The window as the input says: zeroed, the start of page 0 and of the
 * read-only pages filled with as many input bytes as its first byte
 * says (0..127), protections reset. */
static void reset_window(struct fuzz_in *in)
{
	size_t n = fuzz_u8(in) & 0x7f;

	mprotect(win, WIN_SIZE, PROT_NONE);
	mprotect(win, LIVE_SIZE, PROT_READ | PROT_WRITE);
	memset(win, 0, LIVE_SIZE);
	for (size_t i = 0; i < n && fuzz_more(in); i++) {
		win[i] = fuzz_u8(in);
		win[RO_PAGE * PG + i] = win[i];
	}
	mprotect(win + RO_PAGE * PG, 2 * PG, PROT_READ);
	mprotect(win + NONE_PAGE * PG, 2 * PG, PROT_NONE);
}

/* Move a word that could be host memory into a guard (see the comment
 * at the top). */
static uint64_t user_word(uint64_t w)
{
	if (w >= 0x10000 && w < (uintptr_t)win)
		return (uintptr_t)win - GUARD_SIZE + w % GUARD_SIZE;
	if (w >= win_end && w < (1ull << 47))
		return win_end + w % GUARD_SIZE;
	return w;
}

static uint64_t raw_word(struct fuzz_in *in)
{
	uint8_t kind = fuzz_u8(in);

	switch (kind % 8) {
	case 0:
		return kind >> 3; /* small */
	case 1:
		return fuzz_u8(in);
	case 2: /* into the window: mostly the accessible start */
		return (uintptr_t)win + (kind & 0x80 ? fuzz_u16(in) % LIVE_SIZE
						     : fuzz_u8(in) * 8ul);
	case 3: /* a token or value we have */
		return npool ? pool[fuzz_u8(in) % npool] : 0;
	case 4: /* edges of user space */
	{
		const uint64_t edge[] = {
			0,
			0xfff0,
			0x10000,
			UINT64_MAX,
			UINT64_MAX - 7,
			1ull << 63,
			0xffff800000000000ull,
			1ull << 47,
			(uintptr_t)win - 8, /* straddles the bottom */
			win_end - 8,	    /* the top */
			win_end,
			(uintptr_t)win + WIN_SIZE / 2,
		};
		return edge[fuzz_u8(in) % VD_ARRAY_SIZE(edge)];
	}
	case 5:
		return fuzz_u32(in);
	default:
		return fuzz_u64(in);
	}
}

/* Every word the kernel sees goes through user_word: small numbers,
 * tokens and ids stay what they are. */
static uint64_t word(struct fuzz_in *in)
{
	return user_word(raw_word(in));
}

static void pool_add(uint64_t v)
{
	if (v == 0)
		return;
	for (unsigned i = 0; i < npool; i++)
		if (pool[i] == v)
			return;
	if (npool < POOL)
		pool[npool++] = v;
	else
		pool[v % POOL] = v;
}

/* Tokens the kernel wrote into the window's first page. */
static void harvest(void)
{
	const uint64_t *w = (const uint64_t *)win;

	for (unsigned i = 0; i < PG / 8; i++)
		if (w[i] && vd_cap_lookup(self->caps, w[i], NULL) == VD_OK)
			pool_add(w[i]);
}

/* What a failed syscall must leave as it was. */
struct state {
	unsigned long long v[7];
};

static void snapshot(struct state *s)
{
	struct vd_ipc_stats st;

	vd_ipc_get_stats(&st);
	s->v[0] = st.endpoints;
	s->v[1] = st.channels;
	s->v[2] = st.regions;
	s->v[3] = st.pending_replies;
	s->v[4] = st.queued_messages;
	s->v[5] = vd_cap_space_used(self->caps);
	s->v[6] = vd_process_count();
}

static size_t heap_used(void)
{
	struct vd_allocator_stats s;

	vd_heap_stats(&s);
	return s.current_allocated;
}

/* Would this call never return, or block the only thread? */
static bool skip_or_fix(uint64_t nr, uint64_t a[6])
{
	struct vd_capability c;

	switch (nr) {
	case VD_SYS_EXIT:
	case VD_SYS_THREAD_EXIT:
	case VD_SYS_THREAD_YIELD:
	case VD_SYS_THREAD_SLEEP:
	case VD_SYS_PROCESS_START:
	/* a thread it made would be READY in a process that never started,
	 * a state no real caller can reach, which killing it rejects */
	case VD_SYS_THREAD_CREATE:
		return true;
	case VD_SYS_PROCESS_TERMINATE:
		return vd_cap_lookup(self->caps, a[0], &c) == VD_OK &&
		       c.object_id == self->pid;
	case VD_SYS_PROCESS_WAIT:
		a[2] = 0;
		return false;
	case VD_SYS_THREAD_JOIN:
		a[1] = 0;
		return false;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const argv[] = {"fuzz", NULL};
	struct fuzz_in in = {data, size};
	struct vd_process_exit_info info;
	struct vd_ipc_stats is0, is;
	struct vd_cap_stats cs0, cs;
	struct vd_capability c;
	struct vd_thread *t;
	struct vd_cpu_context *ctx;
	size_t heap0 = heap_used();
	unsigned procs0 = vd_process_count();
	vd_pid_t pid;
	vd_err_t err;

	/* libFuzzer installs its own SIGSEGV handler after
	 * LLVMFuzzerInitialize: take it over (on_segv aborts on a real
	 * crash, which libFuzzer then reports) */
	static bool handler_set;
	if (!handler_set) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		handler_set = true;
	}
	vd_ipc_get_stats(&is0);
	vd_cap_get_stats(&cs0);
	reset_window(&in);
	err = vd_process_create(0, elf, 0x1010, argv, argv, NULL, 0, &pid,
				NULL);
	FUZZ_CHECK(err == VD_OK, "process_create: %d", err);
	self = vd_process_get(pid);
	t = self->main_thread;
	ctx = t->uctx;
	npool = 0;
	/* what a process has: its own process and thread, the console */
	if (vd_cap_create(self->caps, VD_OBJ_PROCESS, pid, VD_RIGHTS_ALL, &c) ==
	    VD_OK)
		pool_add(c.token);
	if (vd_cap_create(self->caps, VD_OBJ_THREAD, t->tid, VD_RIGHTS_ALL,
			  &c) == VD_OK)
		pool_add(c.token);
	if (vd_cap_create(self->caps, VD_OBJ_DEVICE, VD_DEVICE_CONSOLE,
			  VD_RIGHTS_ALL, &c) == VD_OK)
		pool_add(c.token);

	bool verbose = getenv("VD_FUZZ_VERBOSE") != NULL;
	this_cpu_sched()->current = t;
	for (unsigned n = 0; n < 64 && fuzz_more(&in); n++) {
		uint8_t b = fuzz_u8(&in);
		uint64_t nr = b < 0xf8 ? b % VD_SYS_MAX : fuzz_u64(&in);
		uint64_t a[6], ret = 0;

		/* the message registers and the rest of the context */
		uint64_t *regs = (uint64_t *)ctx;
		for (size_t i = 0; i < sizeof(*ctx) / 8; i++)
			regs[i] = (fuzz_u8(&in) & 1) ? word(&in) : 0;
		for (unsigned i = 0; i < 6; i++)
			a[i] = word(&in);
		if (skip_or_fix(nr, a))
			continue;
		for (unsigned i = 0; i < 6; i++)
			*vd_ctx_arg_slot(ctx, i) = a[i];
		struct state before, after;
		snapshot(&before);
		in_syscall = 1;
		err = vd_handle_syscall(nr, a, ctx, &ret);
		in_syscall = 0;
		if (verbose)
			fprintf(stderr,
				"syscall %llu (%#llx %#llx %#llx %#llx %#llx "
				"%#llx) = %s, ret %#llx\n",
				(unsigned long long)nr,
				(unsigned long long)a[0],
				(unsigned long long)a[1],
				(unsigned long long)a[2],
				(unsigned long long)a[3],
				(unsigned long long)a[4],
				(unsigned long long)a[5], vd_strerror(err),
				(unsigned long long)ret);
		FUZZ_CHECK(err >= VD_OK && err <= VD_ERR_MEM_FAULT,
			   "syscall %llu returned %d", (unsigned long long)nr,
			   err);
		FUZZ_CHECK(this_cpu_sched()->current == t &&
				   t->fault_jmp == NULL,
			   "syscall %llu left the thread changed",
			   (unsigned long long)nr);
		/* a call that fails changes nothing (the kernel's objects,
		 * the caller's capabilities) */
		snapshot(&after);
		FUZZ_CHECK(err == VD_OK ||
				   !memcmp(&before, &after, sizeof(before)),
			   "syscall %llu failed (%s) but changed the "
			   "kernel's state: endpoints %llu->%llu channels "
			   "%llu->%llu regions %llu->%llu replies %llu->%llu "
			   "queued %llu->%llu caps %llu->%llu processes "
			   "%llu->%llu",
			   (unsigned long long)nr, vd_strerror(err),
			   before.v[0], after.v[0], before.v[1], after.v[1],
			   before.v[2], after.v[2], before.v[3], after.v[3],
			   before.v[4], after.v[4], before.v[5], after.v[5],
			   before.v[6], after.v[6]);
		if (err == VD_OK)
			pool_add(ret);
		harvest();
	}
	this_cpu_sched()->current = boot_thread;

	vd_process_put(self);
	FUZZ_CHECK(vd_process_terminate(pid, 0) == VD_OK, "terminate");
	err = vd_process_wait(0, pid, 0, &info);
	FUZZ_CHECK(err == VD_OK, "wait: %d", err);
	FUZZ_CHECK(vd_process_count() == procs0, "%u processes, %u before",
		   vd_process_count(), procs0);
	vd_ipc_get_stats(&is);
	FUZZ_CHECK(is.endpoints == is0.endpoints &&
			   is.channels == is0.channels &&
			   is.regions == is0.regions &&
			   is.pending_replies == is0.pending_replies &&
			   is.queued_messages == is0.queued_messages &&
			   is.region_frames == is0.region_frames,
		   "IPC objects left: %llu endpoints, %llu channels, %llu "
		   "regions",
		   (unsigned long long)is.endpoints,
		   (unsigned long long)is.channels,
		   (unsigned long long)is.regions);
	vd_cap_get_stats(&cs);
	FUZZ_CHECK(cs.caps == cs0.caps && cs.spaces == cs0.spaces,
		   "capabilities %llu -> %llu, spaces %llu -> %llu",
		   (unsigned long long)cs0.caps, (unsigned long long)cs.caps,
		   (unsigned long long)cs0.spaces,
		   (unsigned long long)cs.spaces);
	FUZZ_CHECK(heap_used() == heap0, "heap %zu -> %zu bytes", heap0,
		   heap_used());
	return 0;
}
