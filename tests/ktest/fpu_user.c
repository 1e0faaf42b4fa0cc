/*
 * FP/SIMD state of user threads (docs/fpu.md), on every board, driving
 * user/bin/fpu:
 *   fpu_user_threads_exact   four threads compute with doubles and
 *                            vectors under preemption while this test
 *                            moves them between CPUs: exact results
 *   fpu_user_no_leak         a process full of a register pattern and
 *                            processes that must start with zeros share
 *                            one CPU: neither sees the other's state
 *   fpu_state_get_set        vd_fpu_state_get/set (for debuggers and
 *                            restore_context): errors, and a state set
 *                            on a stopped thread is what it then finds
 *   fpu_save_restore_context the same through vd_save_context /
 *                            vd_restore_context of a held thread
 * Each checks that the FP areas come back to their baseline.
 */
#include <veridian/bootfs.h>
#include <veridian/fpu.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/string.h>
#include <veridian/thread.h>

#define MS	    1000000ull
#define RUN_TIMEOUT (120000 * MS)
#define MAX_TIDS    8 /* the main thread and its four workers, and slack */

/* A process's threads, for a test that created it with nothing else
 * running: its main thread and those created after it, whose ids follow
 * (vd_thread_create hands them out in order). */
struct tids {
	vd_tid_t first;
	vd_cpuset_t seen[MAX_TIDS];  /* CPUs each was found on */
	uint64_t switches[MAX_TIDS]; /* highest count seen */
};

static void tids_init(struct tids *s, vd_pid_t pid)
{
	struct vd_process *p = vd_process_get(pid);

	*s = (struct tids){0};
	if (p) {
		s->first = p->main_thread->tid;
		vd_process_put(p);
	}
}

/* Pin every live thread i of the process to CPU (i + round) % ncpu,
 * after noting where it is now. */
static void tids_rotate(struct tids *s, vd_pid_t pid, unsigned round,
			unsigned ncpu)
{
	for (unsigned i = 0; s->first && i < MAX_TIDS; i++) {
		struct vd_thread *t = vd_thread_get(s->first + i);

		if (!t)
			continue;
		if (t->proc && t->proc->pid == pid) {
			s->seen[i] |= (vd_cpuset_t)1 << t->cpu;
			if (t->switches > s->switches[i])
				s->switches[i] = t->switches;
			vd_thread_set_affinity(
				t->tid, (vd_cpuset_t)1 << ((i + round) % ncpu));
		}
		vd_thread_put(t);
	}
}

static unsigned popcount(vd_cpuset_t s)
{
	unsigned n = 0;

	for (; s; s &= s - 1)
		n++;
	return n;
}

VD_KTEST(fpu_user_threads_exact)
{
	static const char *const argv[] = {"fpu", "work", NULL};
	struct vd_process_exit_info info;
	size_t areas = vd_fpu_area_count();
	unsigned ncpu = hal_cpu_count(), round = 0, moved = 0;
	uint64_t switches = 0;
	struct tids s;
	vd_cpuset_t all = 0;
	vd_err_t err;
	vd_pid_t pid;

	KT_ASSERT_OK(vd_spawn_from_bootfs("fpu", argv, &pid));
	tids_init(&s, pid);
	KT_ASSERT(s.first != 0);
	do {
		tids_rotate(&s, pid, round++, ncpu);
		err = vd_process_wait(0, pid, 20 * MS, &info);
	} while (err == VD_ERR_TIMEOUT && round < RUN_TIMEOUT / (20 * MS));
	KT_ASSERT_OK(err);
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0);
	for (unsigned i = 1; i < MAX_TIDS; i++) {
		all |= s.seen[i];
		moved += popcount(s.seen[i]) > 1;
		switches += s.switches[i];
	}
	kprintf("fpu: %u rounds, workers on %u of %u CPUs, %u moved, "
		">= %llu switches\n",
		round, popcount(all), ncpu, moved,
		(unsigned long long)switches);
	/* long enough for many switches (preemptions, yields, sleeps) */
	KT_ASSERT(switches >= 100);
	if (ncpu > 1) {
		KT_ASSERT(popcount(all) > 1);
		KT_ASSERT(moved > 0);
	}
	KT_ASSERT_EQ(vd_fpu_area_count(), areas);
}

/* Pin a created (not started) process's main thread to `cpu`. */
static vd_err_t spawn_pinned(const char *const *argv, unsigned cpu, bool start,
			     vd_pid_t *pid)
{
	const void *data;
	size_t size;
	struct vd_process *p;
	vd_err_t err = vd_bootfs_find(argv[0], &data, &size);

	if (!err)
		err = vd_process_create(0, data, size, argv, NULL, NULL, 0, pid,
					NULL);
	if (err)
		return err;
	p = vd_process_get(*pid);
	if (!p)
		return VD_ERR_NOT_FOUND;
	err = vd_thread_set_affinity(p->main_thread->tid,
				     (vd_cpuset_t)1 << cpu);
	vd_process_put(p);
	if (!err && start)
		err = vd_process_start(*pid);
	return err;
}

VD_KTEST(fpu_user_no_leak)
{
	static const char *const pattern[] = {"fpu", "pattern", "3000", NULL};
	static const char *const zeros[] = {"fpu", "zeros", NULL};
	struct vd_process_exit_info info;
	size_t areas = vd_fpu_area_count();
	unsigned cpu = hal_cpu_id();
	vd_pid_t holder, pid;

	/* the pattern holder yields to whichever process shares its CPU */
	KT_ASSERT_OK(spawn_pinned(pattern, cpu, true, &holder));
	for (int i = 0; i < 8; i++) {
		KT_ASSERT_OK(spawn_pinned(zeros, cpu, true, &pid));
		KT_ASSERT_OK(vd_process_wait(0, pid, RUN_TIMEOUT, &info));
		KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
		KT_ASSERT_EQ(info.exit_code, 0);
	}
	KT_ASSERT_OK(vd_process_wait(0, holder, RUN_TIMEOUT, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 0);
	KT_ASSERT_EQ(vd_fpu_area_count(), areas);
}

VD_KTEST(fpu_state_get_set)
{
	static const char *const pattern[] = {"fpu", "pattern", "1000000",
					      NULL};
	static const char *const zeros[] = {"fpu", "probe", NULL};
	static uint8_t buf[4096], init[4096];
	struct vd_process_exit_info info;
	size_t size = vd_fpu_state_size(), areas = vd_fpu_area_count();
	unsigned cpu = hal_cpu_id();
	struct vd_process *p;
	struct vd_thread *t;
	vd_pid_t holder, pid;

	KT_ASSERT(size > 0 && size <= sizeof(buf));
	/* stay on this CPU: the holder below is pinned to it too, so it is
	 * not running whenever this test is */
	KT_ASSERT_OK(vd_thread_set_affinity(vd_current_thread()->tid,
					    (vd_cpuset_t)1 << cpu));
	/* bad arguments */
	KT_ASSERT_EQ(vd_fpu_state_get(NULL, buf, size),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_fpu_state_get(vd_current_thread(), buf, size),
		     VD_ERR_INVALID_PARAMETER); /* a kernel thread */

	/* a thread that never ran has the initial state, and no area */
	KT_ASSERT_OK(spawn_pinned(zeros, cpu, false, &pid));
	p = vd_process_get(pid);
	KT_ASSERT(p != NULL);
	t = p->main_thread;
	KT_ASSERT_EQ(vd_fpu_state_get(t, init, size - 1),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_fpu_state_set(t, NULL, size), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_OK(vd_fpu_state_get(t, init, size));
	KT_ASSERT(t->fpu == NULL);

	/* the state of a pattern holder on this CPU, which this test keeps
	 * off it while it copies (a thread of this CPU is not running) */
	KT_ASSERT_OK(spawn_pinned(pattern, cpu, true, &holder));
	vd_sleep_ns(5 * MS); /* it has written its pattern by now */
	struct vd_process *hp = vd_process_get(holder);
	KT_ASSERT(hp != NULL);
	KT_ASSERT_OK(vd_fpu_state_get(hp->main_thread, buf, size));
	vd_process_put(hp);
	KT_ASSERT(vd_memcmp(buf, init, size) != 0);
	KT_ASSERT_OK(vd_process_terminate(holder, 5));
	KT_ASSERT_OK(vd_process_wait(0, holder, RUN_TIMEOUT, &info));

	/* given to the unstarted "zeros", it is what that one finds */
	KT_ASSERT_OK(vd_fpu_state_set(t, buf, size));
	vd_process_put(p);
	KT_ASSERT_OK(vd_process_start(pid));
	KT_ASSERT_OK(vd_process_wait(0, pid, RUN_TIMEOUT, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 1); /* it did not start with zeros */
	KT_ASSERT_EQ(vd_fpu_area_count(), areas);
	KT_ASSERT_OK(vd_thread_set_affinity(vd_current_thread()->tid,
					    VD_CPUSET_ALL));
}

/* save_context / restore_context (core/sched/context.c) carry the FP
 * state: a held pattern holder's context has its pattern, and given to
 * an unstarted "probe", the probe finds it instead of zeros. */
VD_KTEST(fpu_save_restore_context)
{
	static const char *const pattern[] = {"fpu", "pattern", "1000000",
					      NULL};
	static const char *const probe[] = {"fpu", "probe", NULL};
	static struct vd_thread_context held, fresh;
	struct vd_process_exit_info info;
	size_t size = vd_fpu_state_size(), areas = vd_fpu_area_count();
	unsigned cpu = hal_cpu_id();
	struct vd_process *p;
	vd_tid_t holder_tid, probe_tid;
	vd_pid_t holder, pid;
	vd_err_t err = VD_ERR_BUSY;

	KT_ASSERT(size <= sizeof(held.fp));
	KT_ASSERT_OK(spawn_pinned(probe, cpu, false, &pid));
	p = vd_process_get(pid);
	KT_ASSERT(p != NULL);
	probe_tid = p->main_thread->tid;
	vd_process_put(p);
	/* never ran: the initial state */
	KT_ASSERT_OK(vd_save_context(probe_tid, &fresh));

	KT_ASSERT_OK(spawn_pinned(pattern, cpu, true, &holder));
	vd_sleep_ns(5 * MS); /* it has written its pattern by now */
	p = vd_process_get(holder);
	KT_ASSERT(p != NULL);
	holder_tid = p->main_thread->tid;
	vd_process_put(p);
	KT_ASSERT_OK(vd_block_thread(holder_tid, VD_BLOCK_SLEEP,
				     VD_TIMEOUT_INFINITE));
	for (int i = 0; i < 1000 && err == VD_ERR_BUSY; i++) {
		err = vd_save_context(holder_tid, &held);
		if (err == VD_ERR_BUSY)
			vd_sleep_ns(MS); /* still leaving its CPU */
	}
	KT_ASSERT_OK(err);
	KT_ASSERT(vd_memcmp(held.fp, fresh.fp, size) != 0);
	KT_ASSERT_OK(vd_process_terminate(holder, 5));
	KT_ASSERT_OK(vd_process_wait(0, holder, RUN_TIMEOUT, &info));

	/* the probe's own registers, the holder's FP state */
	vd_memcpy(fresh.fp, held.fp, size);
	KT_ASSERT_OK(vd_restore_context(probe_tid, &fresh));
	KT_ASSERT_OK(vd_process_start(pid));
	KT_ASSERT_OK(vd_process_wait(0, pid, RUN_TIMEOUT, &info));
	KT_ASSERT_EQ(info.exit_reason, VD_EXIT_NORMAL);
	KT_ASSERT_EQ(info.exit_code, 1); /* it did not start with zeros */
	KT_ASSERT_EQ(vd_fpu_area_count(), areas);
}
