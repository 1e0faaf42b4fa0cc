/*
 * Where processes meet the IPC module: process exit and copy-on-write
 * faults.  (Placeholders until core/ipc lands; then these call
 * vd_ipc_process_exit / vd_ipc_handle_page_fault.)
 */
#include "proc_internal.h"

void proc_ipc_exit(struct vd_process *p)
{
	(void)p;
}

bool proc_ipc_page_fault(struct vd_process *p, vaddr_t addr, unsigned access)
{
	(void)p;
	(void)addr;
	(void)access;
	return false;
}
