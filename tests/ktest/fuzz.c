/*
 * The random-syscall fuzzer on every board (user/bin/fuzz.c,
 * docs/syscall-fuzzer.md): run it, then check that the kernel came back to
 * where it was -- free frames, heap bytes, capability spaces and
 * capabilities, endpoints, channels, regions and their frames, reply
 * slots, queued messages, processes and threads -- and that a ping-pong
 * between two fresh processes still works.
 *
 * The run's parameters are compile-time: scripts/test uses the defaults
 * below; scripts/fuzz configures a build tree of its own with
 * -DVD_FUZZ_CALLS=... -DVD_FUZZ_SEED=... (cmake/kernel.cmake), whose
 * test image runs this test only (VD_FUZZ_ONLY).
 */
#include <veridian/cap.h>
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/kernel.h>
#include <veridian/ktest.h>
#include <veridian/metrics.h>
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/thread.h>

#include "../../core/mm/heap_internal.h" /* slab_frames */

#ifndef VD_FUZZ_CALLS
#define VD_FUZZ_CALLS 100000 /* scripts/test: at least 100,000 per board */
#endif
#ifndef VD_FUZZ_SEED
#define VD_FUZZ_SEED 0x5eed /* fixed in CI; 0 = the fuzzer draws one */
#endif
#ifndef VD_FUZZ_PROCS
#define VD_FUZZ_PROCS 3
#endif
#ifndef VD_FUZZ_THREADS
#define VD_FUZZ_THREADS 3
#endif
#ifndef VD_FUZZ_AVOID
#define VD_FUZZ_AVOID 0x40 /* FZ_AVOID_DEFAULT (user/fuzz-lib/fuzz.h) */
#endif
#ifndef VD_FUZZ_RING
#define VD_FUZZ_RING 0 /* 1: the fuzzer prints its last calls at exit */
#endif

#define SEC 1000000000ull

struct snapshot {
	size_t free_frames, heap, pooled;
	struct vd_cap_stats caps;
	struct vd_ipc_stats ipc;
	unsigned procs, threads;
};

static void snap(struct snapshot *s)
{
	struct vd_memory_stats m;
	struct vd_allocator_stats h;

	vd_frame_drain_caches();
	vd_memory_stats(&m);
	vd_heap_stats(&h);
	/* frames the slabs keep (objects cached on another CPU keep their
	 * slab) are not leaks: the heap's byte count says whether any
	 * object leaked */
	s->free_frames = m.free_frames + slab_frames();
	s->heap = h.current_allocated;
	s->pooled = vd_commit_pooled(); /* committed lazy pages (mm.h) */
	vd_cap_get_stats(&s->caps);
	vd_ipc_get_stats(&s->ipc);
	s->procs = vd_process_count();
	s->threads = vd_thread_count();
}

static vd_err_t run(const char *const *argv, struct vd_process_exit_info *info)
{
	vd_pid_t pid;
	vd_err_t err;

	vd_ipc_init();
	err = vd_spawn_from_bootfs(argv[0], argv, &pid);
	if (err == VD_OK)
		err = vd_process_wait(0, pid, 30 * 60 * SEC, info);
	return err;
}

/* Orphans (children of killed fuzz processes) end on their own: give
 * them time to, before comparing. */
static void settle(unsigned procs)
{
	for (int i = 0; i < 600 && vd_process_count() > procs; i++)
		vd_sleep_ns(SEC / 10);
}

#define SAME(field, what)                                                      \
	do {                                                                   \
		if (a.field != b.field) {                                      \
			kprintf("fuzz: %s: %llu before, %llu after\n", what,   \
				(unsigned long long)a.field,                   \
				(unsigned long long)b.field);                  \
			bad = true;                                            \
		}                                                              \
	} while (0)

VD_KTEST(fuzz_syscalls)
{
	char seed[32], calls[32], procs[16], threads[16], avoid[24];
	const char *argv[] = {"fuzz",
			      seed,
			      calls,
			      procs,
			      threads,
			      avoid,
			      VD_FUZZ_RING ? "ring=1" : NULL,
			      NULL};
	char wcalls[32];
	const char *warm[] = {"fuzz",  wcalls, seed, procs,
			      threads, avoid,  NULL};
	static const char *const pingpong[] = {"ipc-test", "pingpong", NULL};
	struct vd_process_exit_info info;
	struct vd_kernel_metrics m0, m1;
	struct snapshot a, b;
	uint64_t n = VD_FUZZ_CALLS, t0, ns;
	bool bad = false;

	/* The bench run (-smp 1 -icount) is for instruction counts: a
	 * tenth of the calls there. */
	if (vd_cpus_online() < 2)
		n /= 10;
	vd_snprintf(seed, sizeof(seed), "seed=%llu",
		    (unsigned long long)VD_FUZZ_SEED);
	vd_snprintf(calls, sizeof(calls), "calls=%llu", (unsigned long long)n);
	vd_snprintf(procs, sizeof(procs), "procs=%u", (unsigned)VD_FUZZ_PROCS);
	vd_snprintf(threads, sizeof(threads), "threads=%u",
		    (unsigned)VD_FUZZ_THREADS);
	vd_snprintf(avoid, sizeof(avoid), "avoid=%u", (unsigned)VD_FUZZ_AVOID);

	/* A shorter run of the same kind first (a fifth of the calls, the
	 * same seed): caches and tables reach their working size -- a
	 * kernel page table for a new stretch of heap is not a leak. */
	vd_snprintf(wcalls, sizeof(wcalls), "calls=%llu",
		    (unsigned long long)(n / 5));
	unsigned procs0 = vd_process_count();
	KT_ASSERT_OK(run(warm, &info));
	KT_ASSERT_EQ(info.exit_code, 0);
	settle(procs0);
	snap(&a);

	vd_kernel_metrics(&m0);
	t0 = hal_timer_now_ns();
	KT_ASSERT_OK(run(argv, &info));
	ns = hal_timer_now_ns() - t0;
	if (info.exit_reason != VD_EXIT_NORMAL || info.exit_code != 0)
		kprintf("fuzz: the fuzzer ended with reason %s, code %d "
			"(its report is above; reproduce with "
			"scripts/fuzz <board> --seed %llu)\n",
			vd_exit_reason_name(info.exit_reason), info.exit_code,
			(unsigned long long)VD_FUZZ_SEED);
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0);
	settle(a.procs);
	/* (a process's calls count once it is reaped) */
	vd_kernel_metrics(&m1);
	{
		uint64_t sc = m1.syscalls_processed - m0.syscalls_processed;
		kprintf("fuzz: %llu syscalls in %llu ms (%llu per second), "
			"%u CPUs\n",
			(unsigned long long)sc,
			(unsigned long long)(ns / 1000000),
			(unsigned long long)(ns ? sc * 1000000000ull / ns : 0),
			vd_cpus_online());
		/* (the kernel does not count calls with unknown numbers,
		 * tests/host/test_syscall_table.c: the raw garbage calls,
		 * about 1 in 40) */
		KT_ASSERT(sc >= n - n / 8);
	}

	settle(a.procs);
	snap(&b);
	SAME(procs, "processes");
	SAME(threads, "threads");
	SAME(free_frames, "free frames");
	SAME(heap, "heap bytes");
	SAME(pooled, "commit pool frames");
	SAME(caps.spaces, "capability spaces");
	SAME(caps.caps, "capabilities");
	SAME(ipc.endpoints, "endpoints");
	SAME(ipc.channels, "channels");
	SAME(ipc.regions, "regions");
	SAME(ipc.region_frames, "region frames");
	SAME(ipc.pending_replies, "reply slots");
	SAME(ipc.queued_messages, "queued messages");
	if (bad)
		kprintf("fuzz: the kernel did not come back to its baseline; "
			"reproduce with scripts/fuzz <board> --seed %llu\n",
			(unsigned long long)VD_FUZZ_SEED);
	KT_ASSERT(!bad);

	/* and IPC still works */
	KT_ASSERT_OK(run(pingpong, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0);
}
