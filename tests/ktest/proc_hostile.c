/*
 * Regressions of issue 11 around processes, on every board: the user
 * program proc-hostile (user/bin/proc-hostile.c) plays the hostile
 * sequences -- a wait or join whose buffer is unmapped mid-call, a
 * process terminating itself, capability tokens minted into a buffer
 * that goes away, first touches of lazily mapped memory with every frame
 * taken -- and these tests check what the kernel keeps count of: live
 * processes and threads, heap bytes, free frames, the commit pool,
 * capabilities and capability spaces, IPC endpoints, all back to their
 * baseline.
 */
#include <veridian/cap.h>
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/proc.h>
#include <veridian/thread.h>

#define RUN_TIMEOUT_NS (120ull * 1000000000ull)

struct baseline {
	unsigned procs, threads;
	size_t heap, free_frames, pooled;
	uint64_t caps, spaces, endpoints;
};

static void measure(struct baseline *b)
{
	struct vd_allocator_stats h;
	struct vd_memory_stats m;
	struct vd_cap_stats c;
	struct vd_ipc_stats i;

	b->procs = vd_process_count();
	b->threads = vd_thread_count();
	vd_heap_stats(&h);
	b->heap = h.current_allocated;
	vd_frame_drain_caches();
	vd_memory_stats(&m);
	b->free_frames = m.free_frames;
	b->pooled = vd_commit_pooled();
	vd_cap_get_stats(&c);
	b->caps = c.caps;
	b->spaces = c.spaces;
	vd_ipc_get_stats(&i);
	b->endpoints = i.endpoints;
}

static vd_err_t run(const char *role, struct vd_process_exit_info *info)
{
	const char *argv[] = {"proc-hostile", role, NULL};
	vd_pid_t pid;
	vd_err_t err;

	vd_ipc_init();
	err = vd_spawn_from_bootfs("proc-hostile", argv, &pid);
	if (err == VD_OK)
		err = vd_process_wait(0, pid, RUN_TIMEOUT_NS, info);
	return err;
}

/* Bug 5: SYS_PROCESS_TERMINATE on its own capability, the parent (here
 * the kernel) waiting: the process struct (512 heap bytes) and the
 * process count stayed after the reap. */
VD_KTEST(proc_hostile_self_terminate_leaks_nothing)
{
	struct vd_process_exit_info info;
	struct baseline b0, b1;

	KT_ASSERT_OK(run("self-terminate", &info)); /* warm the caches */
	measure(&b0);
	for (int i = 0; i < 4; i++) {
		KT_ASSERT_OK(run("self-terminate", &info));
		KT_ASSERT_EQ(info.exit_reason, VD_EXIT_KILLED);
		KT_ASSERT_EQ(info.exit_code, 42);
	}
	measure(&b1);
	KT_ASSERT_EQ(b1.procs, b0.procs);
	KT_ASSERT_EQ(b1.threads, b0.threads);
	KT_ASSERT_EQ(b1.heap, b0.heap);
	KT_ASSERT_EQ(b1.free_frames, b0.free_frames);
	KT_ASSERT_EQ(b1.pooled, b0.pooled);
	KT_ASSERT_EQ(b1.caps, b0.caps);
	KT_ASSERT_EQ(b1.spaces, b0.spaces);
}

/* Bugs 2, 5 and 9b from user space (the program's own checks), then
 * nothing left behind. */
VD_KTEST(proc_hostile_user)
{
	struct vd_process_exit_info info;
	struct baseline b0, b1;

	measure(&b0);
	KT_ASSERT_OK(run("driver", &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0); /* failed checks */
	measure(&b1);
	KT_ASSERT_EQ(b1.procs, b0.procs);
	KT_ASSERT_EQ(b1.threads, b0.threads);
	KT_ASSERT_EQ(b1.heap, b0.heap);
	KT_ASSERT_EQ(b1.pooled, b0.pooled); /* every charge given back */
	KT_ASSERT_EQ(b1.caps, b0.caps);
	KT_ASSERT_EQ(b1.spaces, b0.spaces);
	KT_ASSERT_EQ(b1.endpoints, b0.endpoints);
	/* a slab page or two may stay cached after the heap was squeezed;
	 * a leaked process would hold tens (stack, image, tables) */
	KT_ASSERT(b1.free_frames + 2 >= b0.free_frames);
}

/*
 * Bug 7: first touches of lazily mapped memory after another process
 * took every frame.  A root's tree may use only half of the RAM
 * (limits.h), so the kernel first takes all but HEADROOM frames itself:
 * the program's hog then runs the machine out of frames, not itself out
 * of its limit, and the program checks that its committed pages are
 * still there, that mmap and process creation say OutOfMemory, and that
 * the hog was never killed by a fault.
 */
#define HEADROOM 8192 /* frames (32 MiB) left to the program */

static struct vd_frame taken[1024];
static size_t taken_count[1024];

static size_t free_now(void)
{
	struct vd_memory_stats m;

	vd_frame_drain_caches();
	vd_memory_stats(&m);
	return m.free_frames;
}

VD_KTEST(proc_hostile_lazy_memory_with_no_frame_free)
{
	struct vd_process_exit_info info;
	struct baseline b0, b1;
	size_t n = 0, chunk = VD_FRAME_MAX_COUNT;
	vd_err_t err;

	measure(&b0);
	while (n < VD_ARRAY_SIZE(taken) && chunk > 0) {
		size_t avail = free_now();

		if (avail <= HEADROOM)
			break;
		while (chunk > avail - HEADROOM)
			chunk /= 2;
		if (chunk == 0 ||
		    vd_frame_alloc(chunk, VD_ZONE_NORMAL, &taken[n]) != VD_OK) {
			chunk /= 2;
			continue;
		}
		taken_count[n++] = chunk;
	}
	/* the frames go back before any assertion can return */
	bool squeezed = free_now() <= HEADROOM + VD_FRAME_MAX_COUNT;
	err = squeezed ? run("commit", &info) : VD_ERR_OUT_OF_MEMORY;
	for (size_t i = 0; i < n; i++)
		vd_frame_free(taken[i], taken_count[i]);
	KT_ASSERT(squeezed);
	KT_ASSERT_OK(err);
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0); /* failed checks */
	measure(&b1);
	KT_ASSERT_EQ(b1.procs, b0.procs);
	KT_ASSERT_EQ(b1.threads, b0.threads);
	KT_ASSERT_EQ(b1.heap, b0.heap);
	KT_ASSERT_EQ(b1.pooled, b0.pooled);
	KT_ASSERT_EQ(b1.caps, b0.caps);
	KT_ASSERT(b1.free_frames + 2 >= b0.free_frames);
}
