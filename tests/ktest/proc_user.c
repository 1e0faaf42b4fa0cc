/*
 * In-kernel tests of processes: create from the boot file system, start,
 * wait with exit information, bad ELF images, terminate (running,
 * blocked, never started), wait timeouts and permissions, a deliberate
 * user fault, no leaks -- and user_suite, which runs the whole user-space
 * test suite (init test -> utest, threads, fault, hello) and checks that
 * init reports no failure.
 */
#include <veridian/bootfs.h>
#include <veridian/debug.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/thread.h>

#define MS 1000000ull

/* Create (not start) a bootfs program as a child of the kernel. */
static vd_err_t create(const char *path, const char *const *argv, vd_pid_t *pid)
{
	const void *data;
	size_t size;
	vd_err_t err = vd_bootfs_find(path, &data, &size);

	if (err)
		return err;
	return vd_process_create(0, data, size, argv, NULL, NULL, 0, pid, NULL);
}

static vd_err_t run(const char *path, const char *const *argv,
		    struct vd_process_exit_info *info)
{
	vd_pid_t pid;
	vd_err_t err = create(path, argv, &pid);

	if (!err)
		err = vd_process_start(pid);
	if (!err)
		err = vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, info);
	return err;
}

VD_KTEST(proc_create_start_wait)
{
	static const char *const argv[] = {"hello", "23", NULL};
	struct vd_process_exit_info info;
	vd_pid_t pid;

	KT_ASSERT_OK(create("hello", argv, &pid));
	vd_dump_process(pid); /* dump_process of the debug interface */
	KT_ASSERT_EQ(vd_process_wait(0, pid, 0, &info), VD_ERR_TIMEOUT);
	KT_ASSERT_OK(vd_process_start(pid));
	KT_ASSERT_EQ(vd_process_start(pid), VD_ERR_BUSY);
	KT_ASSERT_OK(vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, &info));
	KT_ASSERT_EQ(info.process_id, pid);
	KT_ASSERT_EQ(info.exit_code, 23);
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT(info.resource_usage.syscalls >= 1);
	KT_ASSERT_EQ(info.resource_usage.threads_created, 1);
	/* image pages, and the stack pages it touched (lazily mapped) */
	KT_ASSERT(info.resource_usage.peak_memory_bytes >= 3 * VD_PAGE_SIZE);
	KT_ASSERT(info.resource_usage.peak_memory_bytes < VD_USER_STACK_SIZE);
	/* reaped: gone */
	KT_ASSERT_EQ(vd_process_wait(0, pid, 0, &info), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_process_start(pid), VD_ERR_NOT_FOUND);
	KT_ASSERT(vd_process_get(pid) == NULL);
}

VD_KTEST(proc_bad_elf_is_invalid_parameter)
{
	static const uint8_t junk[256] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	unsigned procs = vd_process_count();
	const void *data;
	size_t size;
	vd_pid_t pid;

	KT_ASSERT_EQ(vd_process_create(0, junk, sizeof(junk), NULL, NULL, NULL,
				       0, &pid, NULL),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_OK(vd_bootfs_find("hello", &data, &size));
	for (size_t cut = 0; cut < size; cut += size / 16 + 1)
		KT_ASSERT_EQ(vd_process_create(0, data, cut, NULL, NULL, NULL,
					       0, &pid, NULL),
			     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(
		vd_process_create(0, NULL, 0, NULL, NULL, NULL, 0, &pid, NULL),
		VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_process_count(), procs);
	KT_ASSERT_EQ(vd_bootfs_find("no-such-file", &data, &size),
		     VD_ERR_NOT_FOUND);
}

VD_KTEST(proc_terminate)
{
	static const char *const spin[] = {"spin", NULL};
	static const char *const sleep[] = {"spin", "sleep", NULL};
	struct vd_process_exit_info info;
	vd_pid_t pid;

	/* never started */
	KT_ASSERT_OK(create("hello", NULL, &pid));
	KT_ASSERT_OK(vd_process_terminate(pid, 9));
	KT_ASSERT_OK(vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_KILLED);
	KT_ASSERT_EQ(info.exit_code, 9);

	/* running, never making a syscall: stopped at a timer interrupt */
	KT_ASSERT_OK(create("spin", spin, &pid));
	KT_ASSERT_OK(vd_process_start(pid));
	KT_ASSERT_EQ(vd_process_wait(0, pid, 5 * MS, &info), VD_ERR_TIMEOUT);
	KT_ASSERT_OK(vd_process_terminate(pid, 10));
	KT_ASSERT_OK(vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_KILLED);
	KT_ASSERT_EQ(info.exit_code, 10);
	KT_ASSERT(info.resource_usage.cpu_time_ns > 0);

	/* blocked in the kernel */
	KT_ASSERT_OK(create("spin", sleep, &pid));
	KT_ASSERT_OK(vd_process_start(pid));
	vd_sleep_ns(5 * MS);
	KT_ASSERT_OK(vd_process_terminate(pid, 11));
	KT_ASSERT_OK(vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, &info));
	KT_ASSERT_EQ(info.exit_code, 11);

	KT_ASSERT_EQ(vd_process_terminate(pid, 0), VD_ERR_NOT_FOUND);
	KT_ASSERT_EQ(vd_process_wait(0, 123456789, 0, &info), VD_ERR_NOT_FOUND);
}

VD_KTEST(proc_user_fault_kills_only_the_process)
{
	static const char *const argv[] = {"fault", "null-read", NULL};
	struct vd_process_exit_info info;

	KT_ASSERT_OK(run("fault", argv, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_FAULT);
	KT_ASSERT_EQ(info.exit_code, -1);
	/* the fatal one, after the first touches of stack pages */
	KT_ASSERT(info.resource_usage.page_faults >= 1);
}

VD_KTEST(proc_no_leaks)
{
	static const char *const argv[] = {"hello", NULL};
	static const char *const fault[] = {"fault", "write-text", NULL};
	struct vd_process_exit_info info;
	struct vd_allocator_stats h0, h1;
	struct vd_memory_stats m0, m1;
	unsigned procs, threads;

	KT_ASSERT_OK(run("hello", argv, &info)); /* warm the caches */
	procs = vd_process_count();
	threads = vd_thread_count();
	vd_heap_stats(&h0);
	vd_frame_drain_caches();
	vd_memory_stats(&m0);
	for (int i = 0; i < 4; i++) {
		KT_ASSERT_OK(run("hello", argv, &info));
		KT_ASSERT_OK(run("fault", fault, &info));
		KT_ASSERT_EQ(info.exit_reason, VD_EXIT_FAULT);
	}
	vd_heap_stats(&h1);
	vd_frame_drain_caches();
	vd_memory_stats(&m1);
	KT_ASSERT_EQ(vd_process_count(), procs);
	KT_ASSERT_EQ(vd_thread_count(), threads);
	KT_ASSERT_EQ(h1.current_allocated, h0.current_allocated);
	KT_ASSERT_EQ(m1.free_frames, m0.free_frames);
}

VD_KTEST(user_suite)
{
	static const char *const argv[] = {"init", "test", NULL};
	struct vd_process_exit_info info;

	KT_ASSERT_OK(run("init", argv, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0); /* number of failed user checks */
}
