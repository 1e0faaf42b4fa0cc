/*
 * Trap dispatch in C: interrupts, faults, and the register dump for traps
 * the kernel cannot handle.  Entry and exit are in vectors.S.
 *
 * scause: bit 63 = interrupt, low bits the code (arch/cpu.h).  stval holds
 * the faulting address for page/access faults and misaligned accesses,
 * the instruction bits for illegal instructions (if the CPU reports them).
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <hal/regdump.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

void rv_kernel_trap(struct vd_cpu_context *ctx, uint64_t scause);
void rv_user_trap(struct vd_cpu_context *ctx, uint64_t scause);

_Static_assert(__builtin_offsetof(struct vd_cpu_context, pc) == CTX_PC,
	       "CTX_PC");
_Static_assert(__builtin_offsetof(struct vd_cpu_context, status) == CTX_STATUS,
	       "CTX_STATUS");
_Static_assert(__builtin_offsetof(struct vd_cpu_context, satp) == CTX_SATP,
	       "CTX_SATP");
_Static_assert(sizeof(struct vd_cpu_context) == CTX_SIZE, "CTX_SIZE");

static const char *const exception_names[] = {
	[EXC_INST_MISALIGNED] = "instruction address misaligned",
	[EXC_INST_ACCESS] = "instruction access fault",
	[EXC_ILLEGAL_INST] = "illegal instruction",
	[EXC_BREAKPOINT] = "breakpoint",
	[EXC_LOAD_MISALIGNED] = "load address misaligned",
	[EXC_LOAD_ACCESS] = "load access fault",
	[EXC_STORE_MISALIGNED] = "store/AMO address misaligned",
	[EXC_STORE_ACCESS] = "store/AMO access fault",
	[EXC_ECALL_U] = "environment call from U-mode",
	[EXC_ECALL_S] = "environment call from S-mode",
	[EXC_INST_PAGE_FAULT] = "instruction page fault",
	[EXC_LOAD_PAGE_FAULT] = "load page fault",
	[EXC_STORE_PAGE_FAULT] = "store/AMO page fault",
};

static const char *const interrupt_names[] = {
	[IRQ_S_SOFT] = "supervisor software interrupt",
	[IRQ_S_TIMER] = "supervisor timer interrupt",
	[IRQ_S_EXT] = "supervisor external interrupt",
};

static const char *cause_name(uint64_t scause)
{
	uint64_t code = scause & ~SCAUSE_INTERRUPT;
	const char *name = NULL;
	if (scause & SCAUSE_INTERRUPT) {
		if (code < VD_ARRAY_SIZE(interrupt_names))
			name = interrupt_names[code];
	} else if (code < VD_ARRAY_SIZE(exception_names)) {
		name = exception_names[code];
	}
	return name ? name : "unknown trap";
}

void rv_dump_registers(const struct vd_cpu_context *ctx, uint64_t scause,
		       uint64_t stval)
{
	static const char *const names[32] = {
		"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
		"s0",	"s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
		"a6",	"a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
		"s8",	"s9", "s10", "s11", "t3", "t4", "t5", "t6",
	};
	struct hal_reg regs[36] = {
		{"sepc", ctx->pc},
		{"stval", stval},
		{"sstatus", ctx->status},
		{"satp", csr_read(satp)},
	};
	for (unsigned i = 1; i < 32; i++)
		regs[3 + i] = (struct hal_reg){names[i], ctx->x[i]};
	kprintf("trap: %s (scause 0x%llx) on cpu %u, %s mode\n",
		cause_name(scause), (unsigned long long)scause, hal_cpu_id(),
		(ctx->status & SSTATUS_SPP) ? "supervisor" : "user");
	hal_print_regs(regs, VD_ARRAY_SIZE(regs), 4);
}

static unsigned fault_access(uint64_t code)
{
	if (code == EXC_STORE_PAGE_FAULT)
		return VD_FAULT_WRITE;
	if (code == EXC_INST_PAGE_FAULT)
		return VD_FAULT_EXEC;
	return VD_FAULT_READ;
}

static bool is_page_fault(uint64_t code)
{
	return code == EXC_INST_PAGE_FAULT || code == EXC_LOAD_PAGE_FAULT ||
	       code == EXC_STORE_PAGE_FAULT;
}

static void handle_interrupt(uint64_t code)
{
	switch (code) {
	case IRQ_S_TIMER:
		rv_timer_irq();
		break;
	case IRQ_S_SOFT:
		csr_clear(sip, SIE_SSIE);
		__atomic_add_fetch(&rv_this_cpu()->ipis, 1, __ATOMIC_RELEASE);
		vd_ipi();
		break;
	case IRQ_S_EXT: {
		/* the bound interrupt controller (the PLIC) claims and
		 * dispatches; SEIE is on only when one is bound */
		const struct vd_irq_ops *irq = vd_driver_ops(VD_ROLE_IRQ);
		if (irq)
			irq->handle();
		break;
	}
	default:
		kprintf("riscv: spurious interrupt %llu\n",
			(unsigned long long)code);
		break;
	}
}

/* Handle scause if it is an interrupt; false for an exception. */
static inline bool took_interrupt(uint64_t scause)
{
	if (!(scause & SCAUSE_INTERRUPT))
		return false;
	handle_interrupt(scause & ~SCAUSE_INTERRUPT);
	return true;
}

/* Trap taken in S-mode (interrupt, or a kernel fault). */
void rv_kernel_trap(struct vd_cpu_context *ctx, uint64_t scause)
{
	if (took_interrupt(scause))
		return;
	uint64_t code = scause, stval = csr_read(stval);
	/* Core may claim a kernel page fault: its fault-safe user copies
	 * longjmp out of vd_page_fault and never come back here.  It runs
	 * with interrupts as the faulting code had them (it may block). */
	if (is_page_fault(code)) {
		if (ctx->status & SSTATUS_SPIE)
			csr_set(sstatus, SSTATUS_SIE);
		bool resolved =
			vd_page_fault(ctx, stval, fault_access(code), false);
		csr_clear(sstatus, SSTATUS_SIE);
		if (resolved)
			return;
	}
	rv_dump_registers(ctx, scause, stval);
	vd_panic("unhandled kernel trap: %s at 0x%llx, stval 0x%llx",
		 cause_name(scause), (unsigned long long)ctx->pc,
		 (unsigned long long)stval);
}

/* Trap from U-mode other than ecall; ctx is the saved user context. */
void rv_user_trap(struct vd_cpu_context *ctx, uint64_t scause)
{
	if (took_interrupt(scause))
		return;
	uint64_t code = scause, stval = csr_read(stval);
	/* sepc/scause/stval are safe in ctx and locals: let interrupts in
	 * while core resolves the fault (it may block). */
	csr_set(sstatus, SSTATUS_SIE);
	/* Any illegal instruction with FS = Off may be an FP one: load the
	 * thread's state (fpu.c) and retry; if it was not FP, it traps
	 * again with FS on and is reported below. */
	if (code == EXC_ILLEGAL_INST &&
	    (ctx->status & SSTATUS_FS) == SSTATUS_FS_OFF && vd_fpu_trap(ctx))
		return;
	if (!is_page_fault(code))
		vd_user_exception(ctx, cause_name(scause));
	else if (!vd_page_fault(ctx, stval, fault_access(code), true))
		vd_user_exception(ctx, "unresolved page fault");
}

/* Per-CPU trap state: interrupt sources on (sstatus.SIE stays off until
 * core calls hal_irq_local_enable), user memory access off.  External
 * interrupts only with an interrupt controller bound: without one nothing
 * could claim them. */
void rv_trap_cpu_init(void)
{
	csr_write(stvec, (uintptr_t)rv_trap_vector);
	csr_write(sscratch, 0);
	csr_clear(sstatus, SSTATUS_SUM | SSTATUS_MXR);
	csr_clear(sip, SIE_SSIE);
	csr_set(sie, SIE_SSIE | SIE_STIE);
	if (vd_driver_bound(VD_ROLE_IRQ))
		csr_set(sie, SIE_SEIE);
	/* user mode may read time and instret (rdtime/rdinstret), not cycle */
	csr_write(scounteren, SCOUNTEREN_TM | SCOUNTEREN_IR);
}
