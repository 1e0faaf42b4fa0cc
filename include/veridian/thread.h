/*
 * Veridian: threads (Thread Management and Context Switching of the
 * kernel API).
 *
 * A thread is a kernel stack plus scheduling state.  Kernel threads run a
 * C function on it; user threads belong to a process and keep their user
 * registers in the struct vd_cpu_context at the very top of the kernel
 * stack, where the HAL's trap entry saves them:
 *
 *     kstack + VD_KSTACK_SIZE  -> +----------------------------+
 *                                 | struct vd_cpu_context      |  user regs
 *                     uctx   ->   +----------------------------+
 *                                 | kernel frames of syscalls, |
 *                                 | traps, and the switch frame|
 *                                 |            ...             |
 *                                 | owner (struct vd_thread *) |
 *                                 | STACK_CANARY               |
 *     kstack (16 KiB-aligned) ->  +----------------------------+
 *
 * Life cycle: CREATED -> READY <-> RUNNING <-> BLOCKED, SUSPENDED (taken
 * off the scheduler), DEAD.  A dead thread's stack is freed once it is
 * off the CPU and it has been reaped (joined, or detached).  Reaping a
 * user thread revokes every capability to it, in every space; a user
 * thread whose last capability is revoked is detached, not stopped
 * (docs/capabilities.md).
 */
#ifndef VERIDIAN_THREAD_H
#define VERIDIAN_THREAD_H

#include <veridian/types.h>

/* ThreadState. */
enum vd_thread_state {
	VD_THREAD_CREATED = 0,
	VD_THREAD_READY = 1,
	VD_THREAD_RUNNING = 2,
	VD_THREAD_BLOCKED = 3,
	VD_THREAD_SUSPENDED = 4,
	VD_THREAD_DEAD = 5,
};

/* CpuSet: bit n = logical CPU n may run the thread. */
typedef uint64_t vd_cpuset_t;
#define VD_CPUSET_ALL (~(vd_cpuset_t)0)

/* ThreadInfo of the kernel API (also returned to user space). */
struct vd_thread_info {
	vd_tid_t thread_id;
	vd_pid_t process_id; /* 0 for a kernel thread */
	uint32_t state;	     /* enum vd_thread_state */
	uint32_t priority;
	vd_cpuset_t cpu_affinity;
	uint64_t stack_base; /* user stack (0 for a kernel thread) */
	uint64_t stack_size;
};

#ifndef VD_USER /* ---- kernel only below ---- */

#include <veridian/cpu_context.h>
#include <veridian/hal.h>
#include <veridian/list.h>
#include <veridian/sched.h>

#define VD_KSTACK_SIZE	   ((size_t)16 << 10)
#define VD_THREAD_NAME_MAX 16
/* Room for core/ipc's stackless wait (checked there). */
#define VD_THREAD_IPC_WAIT_WORDS 48

struct vd_process;

struct vd_thread {
	vd_tid_t tid;
	char name[VD_THREAD_NAME_MAX];
	struct vd_process *proc; /* NULL: kernel thread */

	/* ---- protected by the scheduler lock ---- */
	/* state, block_reason and wake_result in a row: the IPC fast path
	 * sets them together (core/sched/sched_fast.h) */
	enum vd_thread_state state;
	enum vd_block_reason block_reason;
	vd_err_t wake_result;
	struct vd_sched_entity se;
	unsigned cpu; /* run queue / timeout queue it is on */
	vd_cpuset_t affinity;
	bool on_cpu; /* its stack is live on some CPU (atomic) */
	bool is_idle;
	bool detached;	 /* nobody will join: reap at exit */
	bool collecting; /* a join is delivering its exit code (sched lock) */
	/*
	 * Work before the return to user mode.  One word, so that the
	 * syscall exit checks all of it with a single load (vd_syscall
	 * returns its address to the HAL, see hal.h).
	 */
	union {
		struct {
			bool kill_pending; /* exit at the next return */
			bool resched; /* the tick or a wake-up wants the CPU */
			/* vd_restore_context replaced the user registers:
			 * the exit must load all of them (a syscall exit
			 * may otherwise trust the C ABI for callee-saved
			 * ones, see hal.h) */
			bool uctx_replaced;
		};
		uint32_t user_work;
	};
	struct vd_waitqueue *waiting_on;
	struct vd_list wait_link;
	struct vd_waitqueue joiners;
	int exit_code;
	/*
	 * A hold: another thread's vd_block_thread (sched.h, core/sched/
	 * hold.c).  hold_reason is not NONE while one is pending (the thread
	 * still runs, or waits in a wait of its own) or active (`held`: it is
	 * BLOCKED for the hold alone).  Meanwhile it may run on no CPU: its
	 * affinity is 0 and its own set waits in hold_affinity, which is also
	 * what turns the IPC fast path away from it (that path checks the
	 * affinity anyway, so the hold costs it nothing).
	 */
	enum vd_block_reason hold_reason;
	bool held;
	uint64_t hold_deadline;
	vd_cpuset_t hold_affinity;
	struct vd_list table_link; /* thread table hash bucket */
	struct vd_list proc_link;  /* process's thread list (proc lock) */
	uint32_t refs;		   /* atomic; the struct is freed at 0 */
	/*
	 * Blocked without kernel frames (a syscall that gave up its kernel
	 * stack to switch straight to another thread's user mode): instead
	 * of returning into hal_context_switch, the thread's next switch-in
	 * runs resume(t) on a fresh stack, lock held, to finish the
	 * syscall.  NULL otherwise.  ipc_wait holds core/ipc's state of such
	 * a wait (opaque here).
	 */
	void (*resume)(struct vd_thread *t);
	uint64_t ipc_wait[VD_THREAD_IPC_WAIT_WORDS];

	/* ---- owned by the thread itself ---- */
	void *kstack;		     /* lowest address; VD_KSTACK_SIZE bytes */
	uintptr_t ksp;		     /* saved sp while switched out */
	struct vd_cpu_context *uctx; /* user registers (user threads) */
	vaddr_t ustack_base;
	size_t ustack_size;
	void (*kentry)(void *);
	void *karg;
	struct hal_jmpbuf *fault_jmp; /* fault-safe user copy in progress */
	/* FP/SIMD state (core/sched/fpu.c, docs/fpu.md): the area, NULL
	 * until the thread's first FP instruction (its state is the initial
	 * one until then); fpu_loaded while that state is in the registers
	 * of the CPU it runs on (changed there, interrupts masked) */
	void *fpu;
	bool fpu_loaded;
	uint64_t run_start_ns;
	uint64_t cpu_time_ns;
	uint64_t switches;
};

static inline void *vd_thread_kstack_top(const struct vd_thread *t)
{
	return (char *)t->kstack + VD_KSTACK_SIZE;
}

/*
 * Kernel stacks are VD_KSTACK_SIZE-aligned and their second word names
 * the owner, so the syscall path finds the thread from its user context
 * (which sits on that stack) with two instructions instead of a per-CPU
 * lookup.  Only for addresses on a thread's kernel stack.
 */
static inline struct vd_thread *vd_thread_of_stack(const void *p)
{
	return ((struct vd_thread *const *)VD_ALIGN_DOWN((uintptr_t)p,
							 VD_KSTACK_SIZE))[1];
}

/*
 * Kernel threads: fn(arg) runs with interrupts enabled at `prio`;
 * returning from fn exits the thread with code 0.  The thread is READY on
 * return (vd_kthread_create) unless `start` is false.  Joinable: someone
 * must vd_thread_join it (or vd_thread_detach).
 */
vd_err_t vd_kthread_create(const char *name, void (*fn)(void *), void *arg,
			   unsigned prio, bool start, struct vd_thread **out);

/*
 * create_thread of the kernel API: a user thread in process `pid`
 * entering user mode at `entry` with sp at the top of [stack_base,
 * stack_base + stack_size) and `arg` in the first argument register.
 * The range must be user memory; the thread is READY if the process has
 * started, else it starts with the process.  The thread is charged to
 * the process's limits (VD_LIMIT_THREADS) until its struct is freed:
 * VD_ERR_RESOURCE_EXHAUSTED at the limit.
 */
vd_err_t vd_thread_create(vd_pid_t pid, vaddr_t entry, vaddr_t stack_base,
			  size_t stack_size, uint64_t arg, vd_tid_t *out);
/*
 * The same, but the thread is left CREATED even in a running process,
 * for a caller that has more to do before it may run (the syscall makes
 * its capability first): vd_schedule_thread starts it, or
 * vd_thread_abandon makes it exit without running user code and be
 * reaped.
 */
vd_err_t vd_thread_create_held(vd_pid_t pid, vaddr_t entry, vaddr_t stack_base,
			       size_t stack_size, uint64_t arg, vd_tid_t *out);
void vd_thread_abandon(vd_tid_t tid);

/* The same with the process in hand and the initial user registers:
 * pc, sp and the first two argument registers (used for main threads);
 * start as for vd_proc_add_thread. */
vd_err_t vd_uthread_create(struct vd_process *p, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1, bool start,
			   struct vd_thread **out);

/* exit_thread: end the calling thread.  The last thread of a process
 * ends the process with `code` (unless it is being killed). */
VD_NORETURN void vd_thread_exit(int code);

/*
 * join_thread: wait for thread `tid` to exit and reap it, returning its
 * exit code.  A user thread can only join threads of its own process.
 * Errors: VD_ERR_NOT_FOUND (no such thread or already reaped),
 * VD_ERR_INVALID_PARAMETER (joining itself, or a detached thread),
 * VD_ERR_BUSY (another thread is joining it, or the caller is killed),
 * VD_ERR_TIMEOUT, VD_ERR_PERMISSION_DENIED (other process).
 */
vd_err_t vd_thread_join(vd_tid_t tid, uint64_t timeout_ns, int *code_out);
/*
 * The same, delivering the exit code through deliver(arg, code), called
 * with no lock held (it may copy to user memory and fault).  The thread
 * is reaped only if deliver returns VD_OK; otherwise its result is
 * returned and the thread stays joinable, with the same code.  While one
 * join delivers, others get VD_ERR_BUSY.
 */
typedef vd_err_t (*vd_join_deliver_fn)(void *arg, int code);
vd_err_t vd_thread_join_deliver(vd_tid_t tid, uint64_t timeout_ns,
				vd_join_deliver_fn deliver, void *arg);
/* Nobody will join t: it is reaped as soon as it exits. */
void vd_thread_detach(struct vd_thread *t);
/* One more reference on t, which keeps its struct (and kernel stack)
 * allocated until vd_thread_put: a process's thread list holds one on
 * each of its threads (proc.c). */
void vd_thread_ref(struct vd_thread *t);
/* Dead, joined or detached (out of the thread table) and off every CPU:
 * only references keep it now. */
bool vd_thread_finished(const struct vd_thread *t);

/* Discard a user thread that never ran (its process is discarded before
 * it started): out of the table and its process's list, its references
 * dropped.  The caller holds the process lock. */
void vd_thread_discard_unstarted(struct vd_thread *t);
/* The calling CPU stops using p's page table (p is being torn down). */
void vd_sched_leave_address_space(struct vd_process *p);

/* Make t stop: kill_pending, woken if blocked, started if it never ran,
 * poked if it runs on another CPU.  Scheduler lock held. */
void vd_thread_kill_locked(struct vd_thread *t);

vd_err_t vd_thread_get_info(vd_tid_t tid, struct vd_thread_info *out);
const char *vd_thread_state_name(enum vd_thread_state s);
/* Restrict the CPUs a thread may run on (takes effect when it next
 * becomes ready). */
vd_err_t vd_thread_set_affinity(vd_tid_t tid, vd_cpuset_t set);

/* Look a thread up by id and take a reference (NULL if unknown). */
struct vd_thread *vd_thread_get(vd_tid_t tid);
void vd_thread_put(struct vd_thread *t);

/*
 * save_context / restore_context of the kernel API (core/sched/context.c):
 * the full user context of a STOPPED user thread -- every general
 * register, pc, sp and flags, as the HAL's trap entry saved them
 * (arch/context.h), and the root of its address space.  This is what a
 * debugger needs: stop the thread (vd_block_thread, or
 * vd_unschedule_thread), read, edit, write back, resume (vd_wake_thread
 * or vd_schedule_thread).
 */
/* Bytes of FP/SIMD state a thread context carries: hal_fpu_area_size()
 * never exceeds it (x86_64 leaves AVX-512 off where its XSAVE area would
 * not fit, hal/x86_64/fpu.c). */
#define VD_FPU_STATE_MAX 1024

struct vd_thread_context {
	struct vd_cpu_context regs;
	/* The address-space root, the seed CpuContext's cr3 on every arch:
	 * the page-table handle of hal.h (x86_64: the CR3 value; AArch64: the
	 * TTBR0_EL1 value, ASID in bits 63:48; RISC-V: the root table's
	 * physical address, satp's PPN field shifted back).  Read-only: a
	 * thread cannot be moved to another space by a restore. */
	paddr_t root;
	/* FP/SIMD state (docs/fpu.md): vd_fpu_state_size() bytes in the
	 * HAL's format (hal_fpu_area_size); a thread that never used FP
	 * saves its initial state.  A restore refuses a state the CPU would
	 * fault on (hal_fpu_area_check). */
	uint8_t fp[VD_FPU_STATE_MAX];
};

/*
 * Copy thread `tid`'s user context to *out.  The thread must be stopped:
 * held by vd_block_thread (state BLOCKED for the hold, see sched.h),
 * SUSPENDED, or CREATED, and off every CPU.
 * Errors: VD_ERR_INVALID_PARAMETER (out is NULL; a kernel or idle thread,
 * which has no user context; a dead thread), VD_ERR_NOT_FOUND (no such
 * thread), VD_ERR_BUSY (the thread runs, is ready, or is blocked only in
 * a wait of its own, whose wake-up may still write its registers; or it
 * is stopped but still leaving its CPU: try again).
 */
vd_err_t vd_save_context(vd_tid_t tid, struct vd_thread_context *out);
/*
 * Replace stopped thread `tid`'s user context with *in; it takes effect
 * when the thread returns to user mode (all of it is reloaded then, with
 * the flag bits user mode may not set dropped by the HAL's exit).  A
 * thread stopped inside a syscall still gets that syscall's results in
 * its result registers when it resumes.  Its FP state is in->fp from
 * then on (loaded on its next FP instruction).
 * Errors: those of vd_save_context (in for out), and
 * VD_ERR_INVALID_PARAMETER for a context the thread may not have: a pc
 * outside user space [VD_USER_BASE, hal_user_top()), an sp above
 * hal_user_top(), or a root other than its own address space's, or an
 * FP state the CPU would fault on; VD_ERR_OUT_OF_MEMORY (the thread had
 * no FP area yet and none could be allocated).
 */
vd_err_t vd_restore_context(vd_tid_t tid, const struct vd_thread_context *in);
/* context_switch of the kernel API: hand the CPU from the calling thread
 * `from` straight to the ready thread `to` (on this CPU), bypassing the
 * run-queue order.  Errors: VD_ERR_INVALID_PARAMETER (from is not the
 * caller), VD_ERR_NOT_FOUND (no thread to), VD_ERR_BUSY (to is not
 * ready on this CPU). */
vd_err_t vd_context_switch(vd_tid_t from, vd_tid_t to);

/* Number of live thread structs (for leak checks in tests). */
unsigned vd_thread_count(void);

#endif /* !VD_USER */
#endif /* VERIDIAN_THREAD_H */
