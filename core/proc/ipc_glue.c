/*
 * Where processes meet the IPC module: process exit and copy-on-write
 * faults, with the process handed over as an IPC actor (pid, capability
 * space, page table).
 */
#include <veridian/ipc.h>

#include "proc_internal.h"

static struct vd_ipc_actor actor_of(struct vd_process *p)
{
	return (struct vd_ipc_actor){p->pid, p->caps, &p->pt, p};
}

void proc_ipc_exit(struct vd_process *p)
{
	struct vd_ipc_actor a = actor_of(p);

	vd_ipc_process_exit(&a);
}

void proc_ipc_thread_init(struct vd_thread *t)
{
	vd_ipc_thread_init(t);
}

bool proc_ipc_page_fault(struct vd_process *p, vaddr_t addr, unsigned access)
{
	struct vd_ipc_actor a = actor_of(p);

	return vd_ipc_handle_page_fault(&a, addr, access);
}
