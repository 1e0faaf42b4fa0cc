/*
 * Exception handling in C: decoding ESR_EL1, page faults, the register
 * dump for unexpected kernel traps, and interrupt dispatch.
 *
 * ESR_EL1 (exception syndrome): [31:26] EC exception class, [25] IL,
 * [24:0] ISS.  For data/instruction aborts the ISS holds [5:0] DFSC/IFSC
 * (fault status: 0b0001LL translation, 0b0010LL access flag, 0b0011LL
 * permission fault at level LL), [6] WnR (write), [8] CM (cache
 * maintenance).  FAR_EL1 holds the faulting virtual address.
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <hal/regdump.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

_Static_assert(offsetof(struct vd_cpu_context, x[29]) == A64_CTX_X(29),
	       "ctx x29");
_Static_assert(offsetof(struct vd_cpu_context, sp) == A64_CTX_SP, "ctx sp");
_Static_assert(offsetof(struct vd_cpu_context, pc) == A64_CTX_PC, "ctx pc");
_Static_assert(offsetof(struct vd_cpu_context, pstate) == A64_CTX_PSTATE,
	       "ctx pstate");
_Static_assert(sizeof(struct vd_cpu_context) == A64_CTX_SIZE, "ctx size");
_Static_assert(sizeof(struct hal_jmpbuf) >= 14 * 8, "jmpbuf");

/*
 * Set while a64_probe_undefined runs fn: an undefined instruction is
 * then stepped over and recorded instead of panicking (a64_el1_sync).
 * Boot CPU only, interrupts masked, so no other code can run meanwhile.
 */
static volatile bool undef_probing;
static volatile bool undef_hit;

static const char *ec_name(unsigned ec)
{
	switch (ec) {
	case A64_EC_UNKNOWN: /* undefined instruction */
		return "undefined instruction";
	case A64_EC_WFX:
		return "trapped wfi/wfe";
	case A64_EC_FP:
		return "FP/SIMD access";
	case A64_EC_ILLEGAL:
		return "illegal execution state";
	case A64_EC_SVC64:
		return "svc";
	case A64_EC_SYSREG:
		return "trapped system register access";
	case A64_EC_IABT_LOW:
	case A64_EC_IABT_CUR:
		return "instruction abort";
	case A64_EC_PC_ALIGN:
		return "PC alignment fault";
	case A64_EC_DABT_LOW:
	case A64_EC_DABT_CUR:
		return "data abort";
	case A64_EC_SP_ALIGN:
		return "SP alignment fault";
	case A64_EC_FP_EXC:
		return "FP exception";
	case A64_EC_SERROR:
		return "SError";
	case A64_EC_BKPT_LOW:
	case A64_EC_BKPT_CUR:
		return "hardware breakpoint";
	case A64_EC_STEP_LOW:
	case A64_EC_STEP_CUR:
		return "software step";
	case A64_EC_WATCH_LOW:
	case A64_EC_WATCH_CUR:
		return "watchpoint";
	case A64_EC_BRK:
		return "brk instruction";
	default:
		return "unknown exception class";
	}
}

VD_NORETURN void a64_dump_and_panic(struct vd_cpu_context *ctx, uint64_t esr,
				    uint64_t far, const char *what)
{
	unsigned ec = a64_esr_ec(esr);
	kprintf("\n*** aarch64 trap: %s on cpu %u\n", what, hal_cpu_id());
	kprintf("ESR_EL1 %016llx  EC 0x%02x (%s)  ISS 0x%07llx\n",
		(unsigned long long)esr, ec, ec_name(ec),
		(unsigned long long)(esr & A64_ESR_ISS_MASK));
	kprintf("FAR_EL1 %016llx\n", (unsigned long long)far);
	static const char *const names[31] = {
		"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",	 "x7",
		"x8",  "x9",  "x10", "x11", "x12", "x13", "x14", "x15",
		"x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
		"x24", "x25", "x26", "x27", "x28", "fp",  "lr",
	};
	struct hal_reg regs[35];
	for (unsigned i = 0; i < 31; i++)
		regs[i] = (struct hal_reg){names[i], ctx->x[i]};
	regs[31] = (struct hal_reg){"sp", ctx->sp};
	regs[32] = (struct hal_reg){"pc", ctx->pc};
	regs[33] = (struct hal_reg){"spsr", ctx->pstate};
	regs[34] = (struct hal_reg){"ttbr0", a64_read_sysreg(ttbr0_el1)};
	hal_print_regs(regs, VD_ARRAY_SIZE(regs), 3);
	vd_panic("unexpected %s (%s) at pc 0x%llx, address 0x%llx", what,
		 ec_name(ec), (unsigned long long)ctx->pc,
		 (unsigned long long)far);
}

void a64_bad_vector(struct vd_cpu_context *ctx, unsigned idx)
{
	static const char *const kinds[4] = {"sync", "irq", "fiq", "serror"};
	static const char *const from[4] = {"EL1t", "EL1h", "EL0 AArch64",
					    "EL0 AArch32"};
	char what[48];
	vd_snprintf(what, sizeof(what), "%s exception from %s", kinds[idx & 3],
		    from[idx >> 2]);
	a64_dump_and_panic(ctx, a64_read_sysreg(esr_el1),
			   a64_read_sysreg(far_el1), what);
}

static unsigned abort_access(unsigned ec, uint64_t esr)
{
	if (ec == A64_EC_IABT_LOW || ec == A64_EC_IABT_CUR)
		return VD_FAULT_EXEC;
	if (a64_esr_is_write(esr))
		return VD_FAULT_WRITE;
	return VD_FAULT_READ;
}

/* Synchronous exception taken from EL1 (vectors.S, el1_sync). */
void a64_el1_sync(struct vd_cpu_context *ctx)
{
	uint64_t esr = a64_read_sysreg(esr_el1);
	uint64_t far = a64_read_sysreg(far_el1);
	unsigned ec = a64_esr_ec(esr);

	switch (ec) {
	case A64_EC_DABT_CUR:
	case A64_EC_IABT_CUR:
		/* Like the other HALs: kernel page faults, fetches too, go
		 * to core (fault-safe user copies, lazy pages), with the
		 * interrupt mask the faulting code had (core may block).
		 * IRQs go off again before el1_restore reloads ELR/SPSR. */
		if (a64_fixup_ad_fault(far, esr, ctx->pstate))
			return;
		if (!(ctx->pstate & A64_DAIF_I))
			hal_irq_local_enable();
		bool resolved =
			vd_page_fault(ctx, far, abort_access(ec, esr), false);
		(void)hal_irq_save();
		if (resolved)
			return;
		a64_dump_and_panic(ctx, esr, far,
				   ec == A64_EC_DABT_CUR
					   ? "kernel data abort"
					   : "kernel instruction abort");
	case A64_EC_UNKNOWN: /* undefined instruction */
		if (undef_probing) {
			undef_hit = true;
			ctx->pc += 4; /* e.g. hlt without -semihosting */
			return;
		}
		/* fall through */
	default:
		a64_dump_and_panic(ctx, esr, far, "kernel exception");
	}
}

/* Synchronous exception from EL0 other than svc (vectors.S). */
void a64_el0_sync(struct vd_cpu_context *ctx, uint64_t esr)
{
	uint64_t far = a64_read_sysreg(far_el1);
	unsigned ec = a64_esr_ec(esr);

	if (ec == A64_EC_DABT_LOW || ec == A64_EC_IABT_LOW) {
		if (far < A64_KERNEL_HALF &&
		    a64_fixup_ad_fault(far, esr, ctx->pstate))
			return;
		hal_irq_local_enable();
		if (!vd_page_fault(ctx, far, abort_access(ec, esr), true))
			vd_user_exception(ctx, "unresolved page fault");
		return;
	}
	hal_irq_local_enable();
	/* FPEN traps: the thread's FP state is not loaded (fpu.c) */
	if (ec == A64_EC_FP && vd_fpu_trap(ctx))
		return;
	vd_user_exception(ctx, ec_name(ec));
}

/*
 * IRQ from either level (vectors.S): the bound interrupt controller
 * driver acknowledges, calls a64_irq_quiesce, ends the interrupt and
 * calls a64_irq_deliver (or vd_ipi for its IPI).  boot.c does not go on
 * without an irq driver, so ops is set before IRQs are ever unmasked.
 */
void a64_handle_irq(void)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);

	ops->handle();
}

/* Before the controller ends `irq`: the timer's level must drop first,
 * or it would be taken again at once. */
void a64_irq_quiesce(unsigned irq)
{
	if (irq == a64_timer_intid())
		a64_timer_irq();
}

/* After the end: core may switch threads, so the controller must be
 * ready for the next interrupt by then. */
void a64_irq_deliver(unsigned irq)
{
	if (irq == a64_timer_intid())
		vd_timer_irq();
	else
		vd_irq(irq);
}

bool a64_probe_undefined(void (*fn)(void *), void *arg)
{
	hal_irqstate_t st = hal_irq_save();

	undef_hit = false;
	undef_probing = true;
	fn(arg);
	undef_probing = false;
	hal_irq_restore(st);
	return !undef_hit;
}
