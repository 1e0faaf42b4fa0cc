/*
 * Veridian: what multiprocessor core code needs beyond the scheduler --
 * cross-CPU TLB shootdown (core/sched/tlb.c), a relax hook for spin
 * loops, and borrowing another address space on the calling CPU.
 */
#ifndef VERIDIAN_SMP_H
#define VERIDIAN_SMP_H

#include <veridian/hal.h>

/* CPUs the scheduler runs on; 1 until a secondary CPU comes online. */
extern unsigned vd_smp_cpus;

/* Pass as `va` to flush the whole address space. */
#define VD_TLB_FLUSH_ALL (~(vaddr_t)0)

void vd_tlb_shootdown_others(paddr_t root, vaddr_t va);

/*
 * The entry for va in the address space with root table `root` was
 * removed or lost permissions, and the calling CPU's TLB is flushed
 * (hal_pt_unmap / hal_pt_protect do that).  Make every other CPU that may
 * still cache the old translation drop it, and return once they all
 * have: the CPUs running `root` now, or every CPU for a kernel-half
 * address or the kernel's root.  With one CPU it costs a load and a
 * branch.  The caller may hold the scheduler lock (IPC changes mappings
 * under it) or any spinlock that other CPUs spin on through
 * vd_cpu_relax (all of core's do); it must not hold the CPU in a spin
 * loop of its own that ignores vd_cpu_relax.
 */
static inline void vd_tlb_shootdown(paddr_t root, vaddr_t va)
{
	if (VD_UNLIKELY(__atomic_load_n(&vd_smp_cpus, __ATOMIC_RELAXED) > 1))
		vd_tlb_shootdown_others(root, va);
}

/*
 * Call in the body of every busy-wait loop (locks, waits for another
 * CPU): answers TLB shootdowns aimed at this CPU, so that a CPU spinning
 * with interrupts masked does not deadlock a shootdown whose initiator
 * holds what it waits for.
 */
void vd_cpu_relax(void);

/*
 * The calling kernel thread runs on address space `root` (user addresses
 * of that space resolve, shootdowns of it reach this CPU) until
 * vd_sched_return_address_space().  It must not block or yield in
 * between: a switch back to it loads its own (kernel) tables.
 */
void vd_sched_borrow_address_space(paddr_t root);
void vd_sched_return_address_space(void);

#endif /* VERIDIAN_SMP_H */
