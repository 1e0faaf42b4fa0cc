/*
 * x86_64 HAL: per-CPU set-up (GDT, TSS, GS base, control registers,
 * SYSCALL MSRs) and the calling CPU's own services of hal.h (identity,
 * counters, entropy, interrupt mask, idle).  Other CPUs: smp.c.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <veridian/hal.h>

struct x86_percpu x86_percpu[VD_MAX_CPUS];
struct x86_features x86_features;
/* Read by the trap entry (CLAC_IF_SMAP) and the user-access window. */
bool x86_smap_enabled;
volatile unsigned x86_cpus_online;

static uint8_t ist_stacks[VD_MAX_CPUS][3][X86_IST_STACK_SIZE]
	__attribute__((aligned(16)));

extern char syscall_entry[];

void x86_cpu_detect_features(void)
{
	struct x86_cpuid max = x86_cpuid(0, 0);
	struct x86_cpuid l1 = x86_cpuid(1, 0);
	x86_features.pge = l1.edx & X86_CPUID_1_EDX_PGE;
	x86_features.rdrand = l1.ecx & X86_CPUID_1_ECX_RDRAND;
	if (max.eax >= 7) {
		struct x86_cpuid l7 = x86_cpuid(7, 0);
		x86_features.smep = l7.ebx & X86_CPUID_7_EBX_SMEP;
		x86_features.smap = l7.ebx & X86_CPUID_7_EBX_SMAP;
		x86_features.umip = l7.ecx & X86_CPUID_7_ECX_UMIP;
	}
	struct x86_cpuid emax = x86_cpuid(0x80000000, 0);
	if (emax.eax >= 0x80000001)
		x86_features.nx =
			x86_cpuid(0x80000001, 0).edx & X86_CPUID_EXT1_EDX_NX;
	if (emax.eax >= 0x80000007)
		x86_features.invariant_tsc = x86_cpuid(0x80000007, 0).edx &
					     X86_CPUID_EXT7_EDX_INVTSC;
}

/*
 * Segment descriptor (8 bytes, SDM vol. 3, 3.4.5):
 *
 *   63   56 55 54 53 52  51   48 47 46 45 44 43  40 39        16 15       0
 *   +------+--+--+--+---+-------+--+-----+--+------+-------------+----------+
 *   |base  |G |D |L |AVL|limit  |P | DPL |S | type | base 23:0   |limit 15:0|
 *   |31:24 |  |  |  |   |19:16  |  |     |  |      |             |          |
 *   +------+--+--+--+---+-------+--+-----+--+------+-------------+----------+
 *
 * In 64-bit mode base and limit are ignored for CS/DS/ES/SS; what counts
 * is P, DPL, S=1 (code/data), type (0xa = code exec/read, 0x2 = data
 * read/write) and, for code, L=1 (64-bit) with D=0.
 */
#define GDT_KCODE   0x00af9a000000ffffull /* DPL 0, L=1 */
#define GDT_KDATA   0x00cf92000000ffffull /* DPL 0 */
#define GDT_UCODE32 0x00cffa000000ffffull /* DPL 3, 32-bit: unused */
#define GDT_UDATA   0x00cff2000000ffffull /* DPL 3 */
#define GDT_UCODE   0x00affa000000ffffull /* DPL 3, L=1 */

/*
 * The TSS descriptor is a 16-byte system descriptor: the layout above
 * with S=0, type 0x9 (available 64-bit TSS), limit = sizeof(TSS) - 1,
 * and base bits 63:32 in the following 8 bytes.
 */
static void gdt_set_tss(uint64_t *gdt, const struct x86_tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	gdt[X86_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			       (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			       (((base >> 24) & 0xff) << 56);
	gdt[X86_SEL_TSS / 8 + 1] = base >> 32;
}

struct x86_dtr {
	uint16_t limit;
	uint64_t base;
} VD_PACKED;

static void load_segments(struct x86_percpu *p)
{
	struct x86_dtr gdtr = {sizeof(p->gdt) - 1, (uint64_t)p->gdt};
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	/* Reload CS with a far return, then the data segments.  Loading a
	 * null GS selector clears the GS base, so do it before the MSR. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 :
			 : "i"(X86_SEL_KCODE), "i"(X86_SEL_KDATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(X86_SEL_TSS));
}

void x86_cpu_init(unsigned cpu, uint32_t apic_id)
{
	struct x86_percpu *p = &x86_percpu[cpu];
	p->self = p;
	p->cpu_id = cpu;
	p->apic_id = apic_id;
	p->timer_deadline = UINT64_MAX;

	p->gdt[0] = 0;
	p->gdt[X86_SEL_KCODE / 8] = GDT_KCODE;
	p->gdt[X86_SEL_KDATA / 8] = GDT_KDATA;
	p->gdt[X86_SEL_UCODE32 / 8] = GDT_UCODE32;
	p->gdt[(X86_SEL_UDATA & ~3) / 8] = GDT_UDATA;
	p->gdt[(X86_SEL_UCODE & ~3) / 8] = GDT_UCODE;
	gdt_set_tss(p->gdt, &p->tss);
	p->tss.ist[X86_IST_DOUBLE_FAULT - 1] =
		(uint64_t)ist_stacks[cpu][0] + X86_IST_STACK_SIZE;
	p->tss.ist[X86_IST_NMI - 1] =
		(uint64_t)ist_stacks[cpu][1] + X86_IST_STACK_SIZE;
	p->tss.ist[X86_IST_MACHINE_CHECK - 1] =
		(uint64_t)ist_stacks[cpu][2] + X86_IST_STACK_SIZE;
	p->tss.iomap_base = sizeof(p->tss); /* no I/O permission bitmap */

	load_segments(p);
	x86_idt_load();
	x86_wrmsr(X86_MSR_GS_BASE, (uint64_t)p);
	x86_wrmsr(X86_MSR_KERNEL_GS_BASE, 0); /* the user's, until swapgs */

	/* CR0: WP so read-only pages bind ring 0 too.  The FP/SIMD bits
	 * (and CR4's, XCR0) are fpu.c's, set below. */
	x86_write_cr0(x86_read_cr0() | X86_CR0_WP);

	uint64_t cr4 = x86_read_cr4();
	if (x86_features.pge)
		cr4 |= X86_CR4_PGE;
	if (x86_features.smep)
		cr4 |= X86_CR4_SMEP;
	if (x86_features.smap)
		cr4 |= X86_CR4_SMAP;
	if (x86_features.umip)
		cr4 |= X86_CR4_UMIP;
	x86_write_cr4(cr4);
	x86_smap_enabled = x86_features.smap;
	x86_fpu_cpu_init();

	uint64_t efer = x86_rdmsr(X86_MSR_EFER) | X86_EFER_SCE;
	if (x86_features.nx)
		efer |= X86_EFER_NXE;
	x86_wrmsr(X86_MSR_EFER, efer);
	/* STAR[47:32] = kernel CS (SS = +8); STAR[63:48] = base for SYSRET
	 * (CS = +16, SS = +8), see the selector list in defs.h */
	x86_wrmsr(X86_MSR_STAR, ((uint64_t)X86_SEL_UCODE32 << 48) |
					((uint64_t)X86_SEL_KCODE << 32));
	x86_wrmsr(X86_MSR_LSTAR, (uint64_t)syscall_entry);
	x86_wrmsr(X86_MSR_FMASK, X86_SYSCALL_FMASK);
}

unsigned hal_cpu_id(void)
{
	unsigned id;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(X86_PCPU_CPU_ID));
	return id;
}

uint64_t hal_cycles(void)
{
	return x86_rdtsc();
}

void hal_cpu_idle(void)
{
	/* STI's one-instruction shadow makes "sti; hlt" atomic: an
	 * interrupt already pending wakes the hlt instead of being taken
	 * before it.  The handler runs between hlt and cli.  (Entered with
	 * interrupts on, against the contract, it is a plain hlt.) */
	if (x86_read_rflags() & X86_RFLAGS_IF)
		__asm__ volatile("hlt" ::: "memory");
	else
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* No stack frames for these two: every scheduler lock takes them. */
__attribute__((naked)) hal_irqstate_t hal_irq_save(void)
{
	__asm__("pushfq\n\t"
		"popq %%rax\n\t"
		"cli\n\t"
		"andl %0, %%eax\n\t"
		"ret" ::"i"(X86_RFLAGS_IF));
}

__attribute__((naked)) void hal_irq_restore(hal_irqstate_t state)
{
	__asm__("testl %0, %%edi\n\t"
		"jz 1f\n\t"
		"sti\n"
		"1:\tret" ::"i"(X86_RFLAGS_IF));
}

/* No frame: the syscall path calls it on every general syscall. */
__attribute__((naked)) void hal_irq_local_enable(void)
{
	__asm__("sti\n\t"
		"ret");
}

bool hal_irq_local_enabled(void)
{
	return x86_read_rflags() & X86_RFLAGS_IF;
}
