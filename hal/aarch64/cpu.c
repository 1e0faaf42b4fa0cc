/*
 * CPU-level HAL services: identity (TPIDR_EL1 -> struct a64_percpu),
 * interrupt mask, cycle counter, SMP start through PSCI CPU_ON, IPIs,
 * power-off, thread stacks and the user-access window (PAN).  Backtraces
 * are in hal/common/kernel/unwind.c.
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/virtio_rng.h>
#include <veridian/panic.h>
#include <veridian/string.h>

struct a64_percpu a64_percpu[VD_MAX_CPUS];
uint64_t a64_cpu_hwid[VD_MAX_CPUS];
unsigned a64_cpu_total = 1;
static unsigned cpus_online;

/* Secondary stacks; head.S loads a64_secondary_sp[cpu] into sp. */
static uint8_t secondary_stacks[VD_MAX_CPUS][A64_STACK_SIZE]
	__attribute__((aligned(16)));
uint64_t a64_secondary_sp[VD_MAX_CPUS];

extern char a64_secondary_entry[];
extern char a64_thread_start[];

/*
 * PMU (ARMv8 PMUv3): PMCR_EL0 bit 0 E (enable), bit 1 P (reset event
 * counters), bit 2 C (reset cycle counter), bit 6 LC (64-bit cycle counter
 * overflow); PMCNTENSET_EL0 bit 31 enables PMCCNTR_EL0; PMCCFILTR_EL0 = 0
 * counts at EL0 and EL1.  Under QEMU -icount the cycle counter advances one
 * per instruction.
 */
static void pmu_init(void)
{
	a64_write_sysreg(pmccfiltr_el0, 0);
	a64_write_sysreg(pmcr_el0, a64_read_sysreg(pmcr_el0) | 0x47);
	a64_write_sysreg(pmcntenset_el0, 1ull << 31);
	a64_isb();
}

void a64_cpu_local_init(unsigned cpu)
{
	struct a64_percpu *pc = &a64_percpu[cpu];
	pc->cpu = cpu;
	pc->mpidr = a64_mpidr_aff();
	a64_write_sysreg(tpidr_el1, pc);
	/* CPACR_EL1.FPEN = 0: FP/SIMD traps at EL0 and EL1.  The kernel is
	 * built -mgeneral-regs-only and the user context has no FP state. */
	a64_write_sysreg(cpacr_el1, 0);
	if (a64_has_pan)
		__asm__ volatile(".inst 0xd500419f" ::: "memory"); /* pan, #1 */
	pmu_init();
	a64_isb();
}

unsigned hal_cpu_id(void)
{
	return a64_this_cpu()->cpu;
}

unsigned hal_cpu_count(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

uint64_t hal_cycles(void)
{
	return a64_read_sysreg(pmccntr_el0);
}

/* RNDR (FEAT_RNG, ID_AA64ISAR0_EL1.RNDR = bits 63:60 nonzero) reads a
 * random number and clears PSTATE.Z, or sets Z when none was ready; it is
 * retried a few times.  Its encoding is S3_3_C2_C4_0 (the assembler
 * knows the name only with +rng).  Without it, a virtio-rng device, where
 * the board has one. */
bool hal_entropy(uint64_t *out)
{
	if (!(a64_read_sysreg(id_aa64isar0_el1) >> 60))
		return virtio_rng_read(out);
	for (int i = 0; i < 10; i++) {
		uint64_t v, ok;
		__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne"
				 : "=r"(v), "=r"(ok)
				 :
				 : "cc");
		if (ok) {
			*out = v;
			return true;
		}
	}
	return false;
}

void hal_cpu_idle(void)
{
	/* WFI wakes on a pending interrupt even with PSTATE.I set, so
	 * with IRQs masked (the contract) no wake-up is lost between the
	 * caller's check and the wait.  Then open the mask for a moment
	 * to take it: the ISB makes the unmask take effect before the
	 * mask comes back.  (Entered unmasked it is a plain wfi.) */
	if (hal_irq_local_enabled()) {
		__asm__ volatile("dsb sy\n\twfi" ::: "memory");
		return;
	}
	__asm__ volatile("dsb sy\n\t"
			 "wfi\n\t"
			 "msr daifclr, #2\n\t"
			 "isb\n\t"
			 "msr daifset, #2" ::
				 : "memory");
}

/* No stack frames for these two: every scheduler lock takes them. */
__attribute__((naked)) hal_irqstate_t hal_irq_save(void)
{
	__asm__("mrs x0, daif\n\t"
		"msr daifset, #2\n\t"
		"ret");
}

__attribute__((naked)) void hal_irq_restore(hal_irqstate_t state)
{
	__asm__("msr daif, x0\n\t"
		"ret");
}

/* No frame: the syscall path calls it on every general syscall. */
__attribute__((naked)) void hal_irq_local_enable(void)
{
	__asm__("msr daifclr, #2\n\t"
		"ret");
}

bool hal_irq_local_enabled(void)
{
	return !(a64_read_sysreg(daif) & A64_DAIF_I);
}

/* Called by the boot CPU before vd_kmain. */
void a64_cpu_mark_online(void)
{
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
}

#define PSCI_CPU_ON_64 0xc4000003u

vd_err_t hal_cpu_start(unsigned cpu)
{
	if (cpu == 0 || cpu >= a64_cpu_total || cpu >= VD_MAX_CPUS)
		return VD_ERR_INVALID_PARAMETER;
	a64_secondary_sp[cpu] =
		(uint64_t)(uintptr_t)&secondary_stacks[cpu][A64_STACK_SIZE];
	/* The new CPU reads the MMU parameters with its MMU and caches off:
	 * push them (and the stack pointer table) out to memory. */
	for (uintptr_t p = (uintptr_t)&a64_mmu_params & ~63ull;
	     p < (uintptr_t)(&a64_mmu_params + 1); p += 64)
		__asm__ volatile("dc cvac, %0" ::"r"(p) : "memory");
	__asm__ volatile("dc cvac, %0" ::"r"(&a64_secondary_sp[cpu])
			 : "memory");
	a64_dsb(sy);
	int64_t r = a64_psci_call(PSCI_CPU_ON_64, a64_cpu_hwid[cpu],
				  a64_kimg_to_phys(a64_secondary_entry), cpu);
	switch (r) {
	case 0:
		return VD_OK;
	case -2: /* INVALID_PARAMETERS */
		return VD_ERR_INVALID_PARAMETER;
	case -4: /* ALREADY_ON */
	case -5: /* ON_PENDING */
		return VD_ERR_BUSY;
	default:
		return VD_ERR_NOT_FOUND;
	}
}

/* Secondary CPU in the upper half, on its own stack (head.S). */
VD_NORETURN void a64_secondary_main(unsigned cpu)
{
	a64_cpu_local_init(cpu);
	/* The ASID width (TCR_EL1.AS) was chosen on the boot CPU
	 * (early_map.c): a CPU with 8-bit ASIDs would alias the wider ones
	 * the allocator hands out (asid.c). */
	if ((a64_read_sysreg(tcr_el1) >> 36 & 1) &&
	    (a64_read_sysreg(id_aa64mmfr0_el1) >> 4 & 0xf) != 2)
		vd_panic("cpu %u has 8-bit ASIDs, the boot CPU 16", cpu);
	/* Leave the identity map for the empty "no process" address space. */
	a64_write_sysreg(ttbr0_el1, a64_empty_user_root);
	a64_isb();
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
	a64_gic_cpu_init();
	a64_timer_cpu_init();
	a64_cpu_mark_online();
	vd_kmain_secondary(cpu);
}

void hal_ipi_send(unsigned cpu)
{
	if (cpu < a64_cpu_total)
		a64_gic_send_sgi(cpu, A64_IPI_SGI);
}

/*
 * Semihosting (Arm DUI0471 / "Semihosting for AArch64"): hlt #0xf000 with
 * the operation in w0 and a parameter-block pointer in x1.  SYS_EXIT
 * (0x18) on AArch64 takes {reason, subcode}; with ADP_Stopped_ApplicationExit
 * QEMU exits with status = subcode.  Without -semihosting the hlt is an
 * undefined instruction: the trap handler sees a64_semihosting_probe and
 * steps over it, and we fall back to PSCI SYSTEM_OFF (exit status 0).
 */
#define SEMIHOST_SYS_EXIT	     0x18
#define SEMIHOST_SYS_EXIT_EXTENDED   0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

volatile bool a64_semihosting_probe;

static void semihost_exit(uint64_t op, int status)
{
	uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)status};
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
}

VD_NORETURN void hal_poweroff(int status)
{
	hal_irq_save();
	a64_semihosting_probe = true;
	semihost_exit(SEMIHOST_SYS_EXIT, status);
	semihost_exit(SEMIHOST_SYS_EXIT_EXTENDED, status);
	a64_psci_system_off();
	for (;;)
		__asm__ volatile("wfi");
}

/* Thread stacks: the switch frame of arch/defs.h with x19 = entry, x20 =
 * arg and lr = a64_thread_start (switch.S). */
uintptr_t hal_kstack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	uint64_t *frame = (uint64_t *)((uintptr_t)stack_top & ~(uintptr_t)15) -
			  A64_SWITCH_FRAME / 8;
	vd_memset(frame, 0, A64_SWITCH_FRAME);
	frame[0] = (uint64_t)(uintptr_t)entry;
	frame[1] = (uint64_t)(uintptr_t)arg;
	frame[11] = (uint64_t)(uintptr_t)a64_thread_start;
	return (uintptr_t)frame;
}

VD_NORETURN void a64_thread_returned(void)
{
	vd_panic("kernel thread entry returned");
}

void hal_user_context_init(struct vd_cpu_context *ctx, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1)
{
	vd_memset(ctx, 0, sizeof(*ctx));
	ctx->pc = pc;
	ctx->sp = sp;
	ctx->x[0] = arg0;
	ctx->x[1] = arg1;
	ctx->pstate = 0; /* EL0t, AArch64, interrupts unmasked */
}

/* Nothing to do: in user mode SP_EL1 is the thread's context at the top
 * of its kernel stack, where every return to EL0 leaves it (vectors.S).
 * (No frame: every switch to a user thread calls it.) */
__attribute__((naked)) void hal_set_kernel_stack(void *stack_top)
{
	__asm__("ret");
}

/* PAN (ARMv8.1): while PSTATE.PAN is 1, EL1 data accesses to EL0-accessible
 * pages fault.  SCTLR_EL1.SPAN = 0 sets it on every exception entry. */
void hal_user_access_begin(void)
{
	if (a64_has_pan)
		__asm__ volatile(".inst 0xd500409f" ::: "memory"); /* pan, #0 */
}

void hal_user_access_end(void)
{
	if (a64_has_pan)
		__asm__ volatile(".inst 0xd500419f" ::: "memory"); /* pan, #1 */
}
