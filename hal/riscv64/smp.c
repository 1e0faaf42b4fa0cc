/*
 * Other harts: starting the secondaries, the count online, and
 * inter-processor interrupts.
 *
 * Logical cpu 0 is the boot hart, whatever its hart id (OpenSBI picks the
 * boot hart at random: 0..3 have been seen); cpus 1..n-1 follow the DTB's
 * /cpus order (fdt_fill_boot_info puts the boot hart first).
 *
 * hal_cpu_start asks OpenSBI (HSM extension, hart_start) to start the
 * stopped hart at head.S's rv_secondary_entry with the MMU off and
 * a1 = the hart's rv_percpu, whose boot_stack_top is already set.
 * IPIs are SBI send_ipi calls: the target sees SSIP (supervisor software
 * interrupt) and the trap code calls vd_ipi.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <arch/sbi.h>
#include <veridian/panic.h>

#define SBI_ERR_INVALID_PARAM	  -3
#define SBI_ERR_ALREADY_AVAILABLE -6

struct rv_percpu rv_percpu[VD_MAX_CPUS];

_Static_assert(__builtin_offsetof(struct rv_percpu, user_ctx) == PCPU_USER_CTX,
	       "PCPU_USER_CTX");
_Static_assert(__builtin_offsetof(struct rv_percpu, scratch) == PCPU_SCRATCH,
	       "PCPU_SCRATCH");
_Static_assert(__builtin_offsetof(struct rv_percpu, cpu_id) == PCPU_CPU_ID,
	       "PCPU_CPU_ID");
_Static_assert(__builtin_offsetof(struct rv_percpu, boot_stack_top) ==
		       PCPU_BOOT_STACK_TOP,
	       "PCPU_BOOT_STACK_TOP");

static uint8_t secondary_stacks[VD_MAX_CPUS - 1][RV_BOOT_STACK_SIZE]
	__attribute__((aligned(16)));
static unsigned cpus_known = 1;
static unsigned cpus_online = 1;

extern char rv_secondary_entry[];
VD_NORETURN void rv_secondary_main(void);

void rv_smp_init(const struct vd_boot_info *bi, uint64_t boot_hartid)
{
	if (bi->cpu_count == 0 || bi->cpu_hwid[0] != boot_hartid)
		vd_panic("riscv: boot hart %llu is not cpu 0 of the DTB",
			 (unsigned long long)boot_hartid);
	cpus_known = VD_MIN(bi->cpu_count, (unsigned)VD_MAX_CPUS);
	for (unsigned c = 1; c < cpus_known; c++) {
		struct rv_percpu *p = &rv_percpu[c];
		p->cpu_id = c;
		p->hartid = bi->cpu_hwid[c];
		p->plic_context = -1;
		p->boot_stack_top =
			(uintptr_t)secondary_stacks[c - 1] + RV_BOOT_STACK_SIZE;
		p->user_ctx = p->boot_stack_top - CTX_SIZE;
	}
}

unsigned hal_cpu_count(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

vd_err_t hal_cpu_start(unsigned cpu)
{
	if (cpu == 0 || cpu >= cpus_known)
		return VD_ERR_INVALID_PARAMETER;
	struct rv_percpu *p = &rv_percpu[cpu];
	if (p->online)
		return VD_ERR_BUSY;
	/* Publish the per-CPU block before the hart can read it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	long err = sbi_hart_start(p->hartid, rv_kimg_to_pa(rv_secondary_entry),
				  (uintptr_t)p);
	switch (err) {
	case SBI_SUCCESS:
		return VD_OK;
	case SBI_ERR_ALREADY_AVAILABLE:
		return VD_ERR_BUSY;
	case SBI_ERR_INVALID_PARAM:
		return VD_ERR_INVALID_PARAMETER;
	default:
		return VD_ERR_NOT_FOUND;
	}
}

/* head.S's rv_secondary_entry lands here with the MMU on, tp = this CPU's
 * rv_percpu and sp = its boot stack. */
VD_NORETURN void rv_secondary_main(void)
{
	struct rv_percpu *p = rv_this_cpu();

	sbi_set_timer(UINT64_MAX);
	rv_plic_cpu_init(p);
	rv_trap_cpu_init();
	p->online = true;
	__atomic_add_fetch(&cpus_online, 1, __ATOMIC_ACQ_REL);
	vd_kmain_secondary((unsigned)p->cpu_id);
}

void hal_ipi_send(unsigned cpu)
{
	if (cpu < cpus_known)
		sbi_send_ipi(1, rv_percpu[cpu].hartid);
}
