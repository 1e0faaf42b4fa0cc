/*
 * Other harts: starting the secondaries, the count online, and
 * inter-processor interrupts.
 *
 * Logical cpu 0 is the boot hart, whatever its hart id (OpenSBI picks the
 * boot hart at random: 0..3 have been seen); cpus 1..n-1 follow the DTB's
 * /cpus order (fdt_fill_boot_info puts the boot hart first).
 *
 * Only harts that can run the kernel count: fdt_fill_boot_info already
 * skips cpu nodes whose status is not "okay" (OpenSBI disables the
 * FU540's E51 monitor hart, hart 0, that way), and rv_smp_drop_harts
 * drops the ones without an MMU (no "mmu-type", or "riscv,none"): an
 * M-mode-only core such as the E51 when a firmware leaves it enabled.
 *
 * hal_cpu_start asks the bound cpu driver (hal/drivers/cpu/sbi_hsm.c:
 * SBI HSM hart_start) to start the stopped hart at head.S's
 * rv_secondary_entry with the MMU off and a1 = the hart's rv_percpu,
 * whose boot_stack_top is already set.
 * IPIs are SBI send_ipi calls: the target sees SSIP (supervisor software
 * interrupt) and the trap code calls vd_ipi.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <arch/sbi.h>
#include <hal/driver.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

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

/* Can the hart of this cpu node run the kernel: has it an MMU?  The
 * RISC-V cpu binding's mmu-type ("riscv,sv39", "riscv,sv48", ...) is
 * absent or "riscv,none" on cores without one. */
static bool hart_has_mmu(const struct fdt *f, uint64_t hartid)
{
	int cpus = fdt_path(f, "/cpus");

	for (int n = cpus < 0 ? -1 : fdt_first_child(f, cpus); n >= 0;
	     n = fdt_next_sibling(f, n)) {
		uint64_t reg;
		uint32_t len;
		if (!fdt_reg(f, n, 0, &reg, NULL) || reg != hartid)
			continue;
		const char *mmu = fdt_prop(f, n, "mmu-type", &len);
		return mmu && len > 0 && mmu[len - 1] == '\0' &&
		       vd_strcmp(mmu, "riscv,none") != 0;
	}
	return false;
}

void rv_smp_drop_harts(struct vd_boot_info *bi, const struct fdt *f)
{
	unsigned kept = 1; /* the boot hart runs the kernel already */

	for (unsigned c = 1; c < bi->cpu_count; c++) {
		if (hart_has_mmu(f, bi->cpu_hwid[c])) {
			bi->cpu_hwid[kept++] = bi->cpu_hwid[c];
			continue;
		}
		kprintf("riscv: hart %llu has no MMU (mmu-type): not used\n",
			(unsigned long long)bi->cpu_hwid[c]);
	}
	bi->cpu_count = kept;
}

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
	/* without a cpu driver (logged at boot) nothing can start it */
	const struct vd_cpu_ops *ops = vd_driver_ops(VD_ROLE_CPU);
	if (!ops)
		return VD_ERR_NOT_FOUND;
	/* Publish the per-CPU block before the hart can read it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return ops->start(p->hartid, rv_kimg_to_pa(rv_secondary_entry),
			  (uintptr_t)p);
}

/* head.S's rv_secondary_entry lands here with the MMU on, tp = this CPU's
 * rv_percpu and sp = its boot stack. */
VD_NORETURN void rv_secondary_main(void)
{
	struct rv_percpu *p = rv_this_cpu();
	const struct vd_irq_ops *irq = vd_driver_ops(VD_ROLE_IRQ);

	sbi_set_timer(UINT64_MAX);
	if (irq)
		irq->cpu_init();
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
