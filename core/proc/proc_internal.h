/* Process internals shared by the files of core/proc. */
#ifndef CORE_PROC_INTERNAL_H
#define CORE_PROC_INTERNAL_H

#include <veridian/elf.h>
#include <veridian/proc.h>

/* The process lock (see proc.c), taken before the scheduler lock. */
hal_irqstate_t proc_lock_take(void);
void proc_lock_give(hal_irqstate_t st);

/* dump.c: give the debug module its dump_process printer (once). */
void proc_register_dump(void);

/* proc_handles.c: give core/cap the hooks of processes and threads
 * (once). */
void proc_register_cap_hooks(void);

/* proc.c */
/* The live (unreaped) process with this pid, or NULL (proc lock held). */
struct vd_process *proc_find_locked(vd_pid_t pid);
/* Another reference to p (the caller holds one, or the proc lock). */
void proc_get_ref(struct vd_process *p);
/* p is gone for good: out of the table and its parent's list, every
 * capability to it revoked, the table's reference dropped (proc lock
 * held; p not reaped yet). */
void proc_reap_locked(struct vd_process *p);
struct vd_process *proc_alloc(const char *name);
void proc_discard(struct vd_process *p);
void proc_publish(struct vd_process *p, struct vd_process *parent);
/* p's capability space, its slots charged to p's limits (CAP_SLOTS),
 * and its end.  Errors: those of vd_limits_charge, vd_cap_space_create. */
vd_err_t proc_caps_create(struct vd_process *p);
void proc_caps_destroy(struct vd_process *p);

/* IPC clean-up of an exiting process (before its caps and page table
 * go).  No-op until the IPC module is linked in. */
void proc_ipc_exit(struct vd_process *p);
void proc_ipc_thread_init(struct vd_thread *t);
/* Copy-on-write fault on a shared region page: true if resolved. */
bool proc_ipc_page_fault(struct vd_process *p, vaddr_t addr, unsigned access);

/*
 * The top of user space, as a new process lays it out:
 *
 *   hal_user_top()        -+
 *                          |  guard page
 *   proc_stack_top()      -+
 *                          |  main thread's stack, VD_USER_STACK_SIZE
 *   stack top - size      -+
 *                          |  guard page
 *   proc_image_top()      -+  the ELF image ends at or below this
 */
static inline vaddr_t proc_stack_top(void)
{
	return VD_ALIGN_DOWN(hal_user_top(), VD_PAGE_SIZE) - VD_PAGE_SIZE;
}

static inline vaddr_t proc_image_top(void)
{
	return proc_stack_top() - VD_USER_STACK_SIZE - VD_PAGE_SIZE;
}

/* loader.c: map and fill the PT_LOAD segments; *entry = e_entry.  A
 * segment above proc_image_top() is VD_ERR_INVALID_PARAMETER. */
vd_err_t proc_load_elf(struct vd_process *p, const struct vd_elf_source *src,
		       vaddr_t *entry);

/* Arguments of a new process, all in kernel memory. */
struct proc_args {
	unsigned argc, envc, ncaps;
	const char *argv[VD_PROC_MAX_ARGS];
	const char *envp[VD_PROC_MAX_ARGS];
	vd_cap_token_t caps[VD_PROC_MAX_CAPS]; /* the parent's tokens */
	vd_cap_token_t debug_cap; /* set by proc_create: the child's token */
};

/* create.c: the common path of vd_process_create(_from_user). */
vd_err_t proc_create(struct vd_process *parent, const struct vd_elf_source *src,
		     const char *name, const struct proc_args *args,
		     vd_pid_t *pid_out, vd_cap_token_t *cap_out);

#endif /* CORE_PROC_INTERNAL_H */
