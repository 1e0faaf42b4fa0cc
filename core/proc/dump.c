/*
 * dump_process of the debug interface: one process's state, its limits,
 * its threads and its memory regions, printed on the console.  Registered
 * with the debug module when the first process is made (proc_alloc), so a
 * kernel without processes links without it.
 */
#include <veridian/cap.h>
#include <veridian/debug.h>
#include <veridian/printf.h>
#include <veridian/thread.h>

#include "proc_internal.h"

static const char *state_name(enum vd_process_state s)
{
	static const char *const names[] = {"created", "running", "exiting",
					    "zombie"};

	return (unsigned)s < VD_ARRAY_SIZE(names) ? names[s] : "?";
}

/* "used/limit" of every kind: the process and its descendants. */
static void dump_limits(struct vd_process *p)
{
	struct vd_limits_info li;

	if (vd_limits_read(p->limits, &li) != VD_OK)
		return;
	kprintf("  limits (used/limit, with descendants):");
	for (unsigned k = 0; k < VD_LIMIT_KINDS; k++)
		kprintf("%s %s %llu/%llu", k ? "," : "", vd_limit_kind_name(k),
			(unsigned long long)li.usage[k],
			(unsigned long long)li.limit[k]);
	kprintf("\n");
}

static void dump_process(uint64_t pid)
{
	struct vd_process *p = vd_process_get(pid);
	hal_irqstate_t st;
	struct vd_list *it;

	if (!p) {
		kprintf("process %llu: none\n", (unsigned long long)pid);
		return;
	}
	st = proc_lock_take();
	kprintf("process %llu (%s): %s, parent %llu%s, %u live threads, "
		"%zu bytes mapped, %u capabilities\n",
		(unsigned long long)p->pid, p->name, state_name(p->state),
		(unsigned long long)(p->parent ? p->parent->pid : 0),
		p->orphan ? " (orphan)" : "", p->live_threads, p->mapped_bytes,
		p->caps ? vd_cap_space_used(p->caps) : 0);
	if (p->exit_set)
		kprintf("  exit: %s, code %d\n",
			vd_exit_reason_name(p->exit_reason), (int)p->exit_code);
	kprintf("  usage: %llu ns cpu, %llu syscalls, %llu faults, %llu "
		"switches\n",
		(unsigned long long)p->usage.cpu_time_ns,
		(unsigned long long)p->usage.syscalls,
		(unsigned long long)p->usage.page_faults,
		(unsigned long long)p->usage.context_switches);
	dump_limits(p);
	vd_list_for_each(it, &p->threads)
	{
		struct vd_thread *t =
			VD_LIST_ENTRY(it, struct vd_thread, proc_link);
		kprintf("  thread %llu: %s, priority %u, cpu %u%s%s\n",
			(unsigned long long)t->tid,
			vd_thread_state_name(t->state), t->se.prio, t->cpu,
			t->state == VD_THREAD_BLOCKED ? ", blocked on " : "",
			t->state == VD_THREAD_BLOCKED
				? vd_block_reason_name(t->block_reason)
				: "");
	}
	proc_lock_give(st);
	hal_irqstate_t vm_st = vd_spin_lock_irqsave(&p->vm_lock);
	vd_list_for_each(it, &p->regions)
	{
		struct vd_uvm_region *r =
			VD_LIST_ENTRY(it, struct vd_uvm_region, link);
		kprintf("  region [%#lx, %#lx) %s\n", (unsigned long)r->start,
			(unsigned long)(r->start + r->size),
			r->foreign ? "shared"
			: (r->pte_flags & VD_PTE_WRITABLE)
				? ((r->pte_flags & VD_PTE_NO_EXECUTE) ? "rw"
								      : "rwx")
				: ((r->pte_flags & VD_PTE_NO_EXECUTE) ? "r"
								      : "rx"));
	}
	vd_spin_unlock_irqrestore(&p->vm_lock, vm_st);
	vd_process_put(p);
}

void proc_register_dump(void)
{
	static bool done;

	if (!__atomic_exchange_n(&done, true, __ATOMIC_ACQ_REL))
		vd_debug_register_dump(VD_DUMP_PROCESS, dump_process);
}
