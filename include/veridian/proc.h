/*
 * Veridian: processes (Process Management API of the kernel API).
 *
 * A process is an address space (a struct vd_page_table plus the list of
 * user regions whose frames it owns), a capability space, and threads.
 * It is CREATED by vd_process_create (ELF loaded, main thread made but
 * not scheduled), RUNNING after vd_process_start, EXITING while its
 * threads wind down, and a ZOMBIE holding its ProcessExitInfo until the
 * parent collects it with vd_process_wait, which frees the last of it.
 *
 * Capabilities (docs/capabilities.md): reaping a process revokes every
 * capability to it, in every space.  A process whose last capability held
 * outside its own space goes (the parent dropped its handles) is detached:
 * no longer its parent's child, it runs on and is reaped when it ends --
 * or, if it never started, is killed and reaped.  Its own capabilities to
 * itself (self_cap, minted with vd_cap_create_self) do not keep it
 * attached.  Children of the kernel are waited for by pid and stay.
 *
 * The upper part of this header is the user ABI (the structures the
 * process syscalls read and write); user programs include it with VD_USER
 * defined.
 */
#ifndef VERIDIAN_PROC_H
#define VERIDIAN_PROC_H

#include <veridian/syscall.h>
#include <veridian/types.h>

/* ExitReason. */
enum vd_exit_reason {
	VD_EXIT_NORMAL = 0,    /* exit(), or the last thread exited */
	VD_EXIT_KILLED = 1,    /* terminate_process */
	VD_EXIT_FAULT = 2,     /* unresolvable page fault */
	VD_EXIT_EXCEPTION = 3, /* other CPU exception (illegal insn, ...) */
	/* a first touch of committed memory found no page-table frame:
	 * only if the kernel used up its own reserve (docs/memory.md) */
	VD_EXIT_OUT_OF_MEMORY = 4,
};

/* ResourceUsage. */
struct vd_resource_usage {
	uint64_t cpu_time_ns; /* all threads, charged per tick */
	uint64_t syscalls;
	uint64_t page_faults;
	uint64_t context_switches;
	uint64_t threads_created;
	uint64_t peak_memory_bytes; /* user memory mapped, high-water mark */
};

/* ProcessExitInfo. */
struct vd_process_exit_info {
	vd_pid_t process_id;
	int32_t exit_code;
	uint32_t exit_reason; /* enum vd_exit_reason */
	struct vd_resource_usage resource_usage;
};

/*
 * SYS_PROCESS_CREATE argument block (all pointers are user addresses).
 * The binary is either an ELF image in the caller's memory (elf, elf_size)
 * or, when elf is 0, the file `path` of the boot file system.
 */
struct vd_process_create_args {
	uint64_t elf; /* const void * */
	uint64_t elf_size;
	uint64_t path;	/* const char *, NUL-terminated */
	uint64_t argv;	/* const char *const *, NULL-terminated, or 0 */
	uint64_t envp;	/* the same, "KEY=VALUE" strings */
	uint64_t caps;	/* const vd_cap_token_t *: the caller's tokens */
	uint64_t ncaps; /* to derive into the child (same rights) */
	/* a File capability (EXECUTE) to a boot file system program
	 * (SYS_FILE_OPEN), or 0; used when elf is 0, before path */
	uint64_t file;
};

/*
 * What a new process finds at the top of its stack; the first argument
 * register of its first thread points to it.  caps[i] is the child's
 * token for the i-th capability the parent passed.
 */
struct vd_start_info {
	uint64_t argc;
	uint64_t argv; /* char ** (NULL-terminated) */
	uint64_t envc;
	uint64_t envp; /* char ** (NULL-terminated) */
	uint64_t ncaps;
	uint64_t caps;	   /* vd_cap_token_t * */
	uint64_t self_cap; /* Process capability to itself, all rights */
	uint64_t pid;
	uint64_t stack_base; /* the main thread's stack */
	uint64_t stack_size;
	/* The process's debug capability (VD_DEVICE_DEBUG) among caps[], or
	 * 0: the first passed capability that names the debug device. */
	uint64_t debug_cap;
};

/* Object id of the console among VD_OBJ_DEVICE capabilities: the kernel
 * gives init one (READ, WRITE, GRANT) as its caps[0]. */
#define VD_DEVICE_CONSOLE 0
/* The kernel's trace buffers (trace.h, SYS_TRACE_READ): the kernel gives
 * init one (READ, GRANT) as its caps[1]. */
#define VD_DEVICE_TRACE 1
/*
 * Object id of the kernel debug interface among VD_OBJ_DEVICE
 * capabilities: SYS_IPC_DEBUG (statistics, the cycle counter, dumps)
 * needs one with READ.  The kernel gives its own children (init, the
 * programs the test suites start) one (READ, GRANT) as their caps[2];
 * they pass it on like any capability (docs/capabilities.md).
 */
#define VD_DEVICE_DEBUG 2

/* Limits on what a process may be created with. */
#define VD_PROC_MAX_ARGS      64   /* argv entries, envp entries each */
#define VD_PROC_MAX_ARG_BYTES 4096 /* all argv + envp strings */
#define VD_PROC_MAX_CAPS      16
#define VD_PROC_MAX_ELF_SIZE  ((uint64_t)16 << 20)
#define VD_PROC_MAX_IMAGE     ((uint64_t)64 << 20) /* sum of p_memsz */
#define VD_USER_STACK_SIZE    ((size_t)64 << 10)   /* lazily, committed */
#define VD_PROC_NAME_MAX      32

#ifndef VD_USER /* ---- kernel only below ---- */

#include <veridian/limits.h>
#include <veridian/list.h>
#include <veridian/mm.h>
#include <veridian/sched.h>
#include <veridian/spinlock.h>

struct vd_cap_space;
struct vd_thread;

enum vd_process_state {
	VD_PROC_CREATED = 0,
	VD_PROC_RUNNING = 1,
	VD_PROC_EXITING = 2,
	VD_PROC_ZOMBIE = 3,
};

/* One contiguous range of user memory; its frames belong to the process,
 * unless the range is foreign: claimed for frames another subsystem maps
 * there (IPC shared regions, vd_uvm_claim), which this list only keeps
 * free of anything else. */
struct vd_uvm_region {
	struct vd_list link; /* process region list, sorted by start */
	vaddr_t start;
	size_t size;
	uint32_t pte_flags; /* VD_PTE_* of every page */
	bool lazy;	    /* frames on first touch (vd_uvm_fault) */
	bool foreign;	    /* vd_uvm_claim: not ours to unmap or free */
	bool lent;	    /* foreign, in the claimer's storage: not freed */
	size_t present;	    /* pages that have their frame */
};

struct vd_process {
	vd_pid_t pid;
	char name[VD_PROC_NAME_MAX];

	/* ---- protected by the process lock (proc.c) ---- */
	enum vd_process_state state;
	struct vd_process *parent; /* NULL: the kernel, or orphaned */
	bool orphan;		   /* parent exited first: reap at exit */
	bool reaped;		   /* out of the table, exit info collected */
	bool collecting;	   /* a wait is delivering the exit info */
	struct vd_list children;
	struct vd_list sibling_link;
	struct vd_list table_link;
	struct vd_list threads; /* struct vd_thread.proc_link */
	unsigned live_threads;	/* not yet exited */
	bool exit_set;		/* exit_code/reason decided */
	int32_t exit_code;
	enum vd_exit_reason exit_reason;
	vd_cap_token_t parent_cap; /* parent's token for this process */
	struct vd_resource_usage usage;
	uint32_t refs; /* atomic */

	/* ---- the address space (vm_lock) ---- */
	struct vd_spinlock vm_lock;
	struct vd_page_table pt;
	struct vd_list regions;
	size_t mapped_bytes;
	/* frames set aside for untouched lazy pages (atomic; uvm.c) */
	size_t committed;

	/* ---- set at creation, then read-only ---- */
	struct vd_limits *limits; /* its node (limits.h); freed with p */
	struct vd_cap_space *caps;
	vd_cap_token_t self_cap;
	struct vd_thread *main_thread;

	/* ---- sleeping parents (scheduler lock) ---- */
	struct vd_waitqueue waiters;
};

/*
 * create_process: load `binary` (an ELF image in kernel memory, `size`
 * bytes) as a child of `parent` (0 = the kernel) with the given argument
 * and environment strings (NULL-terminated arrays, may be NULL) and the
 * capabilities `caps[0..ncaps)` of the parent's space derived into the
 * child's (same rights; each needs GRANT).  The child is CREATED, not
 * running.  *out receives the pid; *cap_out (if not NULL) the parent's new
 * Process capability to it (all rights), minted in the parent's space.
 * Errors: VD_ERR_INVALID_PARAMETER (bad ELF, too many or too long args),
 * VD_ERR_NOT_FOUND (no such parent), VD_ERR_INVALID_CAPABILITY /
 * VD_ERR_PERMISSION_DENIED (a passed capability), VD_ERR_OUT_OF_MEMORY,
 * VD_ERR_RESOURCE_EXHAUSTED.
 */
vd_err_t vd_process_create(vd_pid_t parent, const void *binary, size_t size,
			   const char *const *argv, const char *const *envp,
			   const vd_cap_token_t *caps, size_t ncaps,
			   vd_pid_t *out, vd_cap_token_t *cap_out);

/*
 * The same for SYS_PROCESS_CREATE: the binary, strings and tokens are in
 * the calling process's memory (or the binary in the bootfs); every user
 * pointer is copied in with the fault-safe routines.
 */
vd_err_t vd_process_create_from_user(const struct vd_process_create_args *a,
				     vd_pid_t *out, vd_cap_token_t *cap_out);

/* start_process: schedule the main thread of a CREATED process.
 * VD_ERR_BUSY if it was already started, VD_ERR_NOT_FOUND. */
vd_err_t vd_process_start(vd_pid_t pid);

/*
 * terminate_process: kill every thread of `pid` (each stops at its next
 * return to user mode or wake-up) with reason `reason` and `exit_code`.
 * Returns at once; vd_process_wait tells when it is gone.  Terminating
 * the calling process does not return.
 */
vd_err_t vd_process_terminate(vd_pid_t pid, int exit_code);
vd_err_t vd_process_kill(struct vd_process *p, int exit_code,
			 enum vd_exit_reason reason);

/*
 * wait_process: wait (up to timeout_ns) for `child` of `parent` to end,
 * fill *info and reap it (its pid and capability become invalid).
 * parent 0 = the kernel (children of the kernel, e.g. init).
 * Errors: VD_ERR_NOT_FOUND, VD_ERR_PERMISSION_DENIED (not the parent),
 * VD_ERR_TIMEOUT, VD_ERR_BUSY (the caller is being killed).
 */
vd_err_t vd_process_wait(vd_pid_t parent, vd_pid_t child, uint64_t timeout_ns,
			 struct vd_process_exit_info *info);
/*
 * The same, delivering the exit information through deliver(arg, info),
 * called with no lock held (it may copy to user memory and fault).  The
 * child is reaped only if deliver returns VD_OK; any other result is
 * returned and the exit is kept for the next wait, which gets the same
 * information.  While one wait delivers, the others wait for its outcome.
 * Errors: those of vd_process_wait, and deliver's.
 */
typedef vd_err_t (*vd_exit_deliver_fn)(void *arg,
				       const struct vd_process_exit_info *info);
vd_err_t vd_process_wait_deliver(vd_pid_t parent, vd_pid_t child,
				 uint64_t timeout_ns,
				 vd_exit_deliver_fn deliver, void *arg);

/*
 * ThreadInfo of thread `tid` of process `pid` (tid 0: its main thread),
 * for SYS_THREAD_INFO with a Process capability.
 * Errors: VD_ERR_NOT_FOUND (no such process, no such thread in it, or
 * its main thread is reaped already), VD_ERR_INVALID_PARAMETER (out
 * NULL).
 */
struct vd_thread_info;
vd_err_t vd_process_thread_info(vd_pid_t pid, vd_tid_t tid,
				struct vd_thread_info *out);

/* Lookup with a reference / release it. */
struct vd_process *vd_process_get(vd_pid_t pid);
void vd_process_put(struct vd_process *p);
/* The process of the calling thread (NULL in a kernel thread). */
struct vd_process *vd_current_process(void);
/* Live process structs (leak checks in tests). */
unsigned vd_process_count(void);
/* System calls made by all processes so far, live and reaped: the kernel
 * keeps the count per process only (usage.syscalls), so that the syscall
 * paths bump one counter, and vd_kernel_metrics adds them up. */
uint64_t vd_proc_syscalls_total(void);
const char *vd_exit_reason_name(enum vd_exit_reason r);

/* Bring up init from the boot file system (normal image). */
vd_err_t vd_spawn_from_bootfs(const char *path, const char *const *argv,
			      vd_pid_t *out);

/* ---- used by the thread and syscall layers ---- */

/* A user thread of p is exiting with `code`; the last one tears the
 * process down (address space, capabilities) and wakes the parent. */
void vd_proc_thread_exit(struct vd_thread *t, int code);
/* Attach a new thread to p (VD_ERR_BUSY if p is exiting); make it ready
 * if start and p already runs (else it waits, CREATED). */
vd_err_t vd_proc_add_thread(struct vd_process *p, struct vd_thread *t,
			    bool start);
/* Let go of p's threads that are dead, joined and off every CPU (after a
 * join: their stacks are freed now rather than with p). */
void vd_proc_forget_finished(struct vd_process *p);
/* Page-table root a thread of p runs on. */
static inline paddr_t vd_process_root(const struct vd_process *p)
{
	return p->pt.root_frame;
}

/* ---- user memory of a process (core/proc/uvm.c) ---- */

/* Map zeroed anonymous memory [va, va+size) (page-aligned) with VD_PTE_*
 * flags (PRESENT and USER are added).  With VD_UVM_LAZY the frames are
 * set aside now (the commit charge, below) and mapped on first touch
 * (see vd_uvm_fault), else allocated and mapped now.
 * VD_ERR_MEM_ALREADY_MAPPED if any page of it is in use;
 * VD_ERR_OUT_OF_MEMORY if the machine has not got the frames, or when the
 * size (all of it, lazy or not) would take p over its memory limit
 * (limits.h); nothing is left mapped or charged on failure. */
#define VD_UVM_LAZY (1u << 31)
vd_err_t vd_uvm_map_anon(struct vd_process *p, vaddr_t va, size_t size,
			 uint32_t flags);
/* A page fault at addr: if it lies in a lazy region and the access is
 * allowed there, give the page its zeroed frame, the one charged for it
 * when the region was mapped.  RETRY if the access can be retried;
 * NO_MEMORY if the page is p's but no page table could be had for it
 * (the kernel used up its own reserve: see docs/memory.md). */
enum vd_uvm_fault_result {
	VD_UVM_FAULT_NOT_MINE = 0, /* not a lazy page, or not allowed */
	VD_UVM_FAULT_RETRY = 1,
	VD_UVM_FAULT_NO_MEMORY = 2,
};
enum vd_uvm_fault_result vd_uvm_fault(struct vd_process *p, vaddr_t addr,
				      unsigned access, bool from_user);
/*
 * Commit charge (docs/memory.md): every page of a lazy region has a
 * frame set aside from the moment it is mapped, so a first touch never
 * fails.  vd_uvm_charge sets `pages` frames aside for p
 * (VD_ERR_OUT_OF_MEMORY if the machine has not got them, beyond the
 * kernel's reserve), vd_uvm_uncharge gives back undrawn ones.  The one
 * place p's charge changes: p->committed.  vd_uvm_map_anon(VD_UVM_LAZY),
 * vd_uvm_unmap and vd_uvm_destroy call them.  (The per-process memory
 * limit, limits.h, is charged separately for the whole size of every
 * region, lazy or not, so it bounds the commit charge too.)
 */
vd_err_t vd_uvm_charge(struct vd_process *p, size_t pages);
void vd_uvm_uncharge(struct vd_process *p, size_t pages);
/* Unmap [va, va+size) and free its frames.  Every page must be mapped
 * (VD_ERR_MEM_NOT_MAPPED otherwise, nothing changes). */
vd_err_t vd_uvm_unmap(struct vd_process *p, vaddr_t va, size_t size);
/*
 * Claim [va, va+size) for frames another subsystem maps into p's page
 * table itself (IPC shared regions): a foreign region, which no mmap,
 * munmap (VD_ERR_PERMISSION_DENIED) or teardown touches, so that p's own
 * memory and mapped-in frames never share a page.  With `anywhere`, va is
 * where to start looking and *out gets the lowest free range above it.
 * VD_ERR_MEM_ALREADY_MAPPED if the range meets a region or a mapping;
 * VD_ERR_OUT_OF_MEMORY if nothing fits.  The caller may hold the
 * scheduler lock (the order is scheduler lock, then vm_lock).  storage,
 * if not NULL, is where the claimer keeps the region's record (no
 * allocation; it must live until vd_uvm_unclaim).
 */
vd_err_t vd_uvm_claim(struct vd_process *p, vaddr_t va, size_t size,
		      bool anywhere, vaddr_t *out,
		      struct vd_uvm_region *storage);
/* Give back the claim made at exactly [va, va+size), its pages unmapped
 * by its owner first. */
void vd_uvm_unclaim(struct vd_process *p, vaddr_t va, size_t size);
/* A free, page-aligned range of `size` bytes at or above `hint`. */
vd_err_t vd_uvm_find_free(struct vd_process *p, vaddr_t hint, size_t size,
			  vaddr_t *out);
/* Copy into / out of p's user memory through the physmap (the kernel's
 * own view: works whatever address space is active). */
vd_err_t vd_uvm_write(struct vd_process *p, vaddr_t va, const void *src,
		      size_t len);
vd_err_t vd_uvm_read(struct vd_process *p, vaddr_t va, void *dst, size_t len);
/* Unmap everything and free every frame (process teardown). */
void vd_uvm_destroy(struct vd_process *p);
/* Is [va, va+len) inside one mapped region? */
bool vd_uvm_range_mapped(struct vd_process *p, vaddr_t va, size_t len);

#endif /* !VD_USER */
#endif /* VERIDIAN_PROC_H */
