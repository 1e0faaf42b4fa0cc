/*
 * x86_64 HAL: exception and interrupt dispatch (called from vectors.S).
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <hal/regdump.h>
#include <veridian/hal.h>
#include <veridian/panic.h>
#include <veridian/printf.h>

void x86_kernel_trap(struct vd_cpu_context *ctx, uint64_t vec, uint64_t err);
void x86_user_trap(struct vd_cpu_context *ctx, uint64_t vec, uint64_t err);
void x86_user_ctx_sanitize(struct vd_cpu_context *ctx);

static const char *const exception_names[32] = {
	[0] = "divide error",
	[1] = "debug",
	[2] = "NMI",
	[3] = "breakpoint",
	[4] = "overflow",
	[5] = "bound range exceeded",
	[6] = "invalid opcode",
	[7] = "device not available",
	[8] = "double fault",
	[9] = "coprocessor segment overrun",
	[10] = "invalid TSS",
	[11] = "segment not present",
	[12] = "stack-segment fault",
	[13] = "general protection",
	[14] = "page fault",
	[16] = "x87 floating-point error",
	[17] = "alignment check",
	[18] = "machine check",
	[19] = "SIMD floating-point error",
	[20] = "virtualization exception",
	[21] = "control protection",
	[28] = "hypervisor injection",
	[29] = "VMM communication",
	[30] = "security exception",
};

static const char *exception_name(uint64_t vec)
{
	if (vec < 32 && exception_names[vec])
		return exception_names[vec];
	return "reserved exception";
}

/*
 * Page-fault error code (SDM vol. 3, 4.7):
 *   bit 0 P     1 = protection violation, 0 = not-present page
 *   bit 1 W/R   1 = write
 *   bit 2 U/S   1 = user-mode access
 *   bit 3 RSVD  reserved bit set in a paging entry
 *   bit 4 I/D   instruction fetch
 *   bit 5 PK    protection key
 */
#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_USER	   0x4
#define PF_RSVD	   0x8
#define PF_FETCH   0x10

static unsigned pf_access(uint64_t err)
{
	if (err & PF_FETCH)
		return VD_FAULT_EXEC;
	return (err & PF_WRITE) ? VD_FAULT_WRITE : VD_FAULT_READ;
}

static VD_NORETURN void dump_and_panic(struct vd_cpu_context *c, uint64_t vec,
				       uint64_t err, bool user)
{
	uint64_t cr2 = x86_read_cr2();
	kprintf("\n*** %s exception %llu (%s), error code 0x%llx, cpu %u\n",
		user ? "user" : "kernel", (unsigned long long)vec,
		exception_name(vec), (unsigned long long)err, hal_cpu_id());
	if (vec == 14)
		kprintf("    fault address 0x%016llx: %s %s%s%s%s\n",
			(unsigned long long)cr2,
			(err & PF_PRESENT) ? "protection violation"
					   : "page not present",
			(err & PF_FETCH)   ? "on fetch"
			: (err & PF_WRITE) ? "on write"
					   : "on read",
			(err & PF_USER) ? ", user mode" : ", kernel mode",
			(err & PF_RSVD) ? ", reserved bit set" : "",
			(err & 0x20) ? ", protection key" : "");
	const struct hal_reg regs[] = {
		{"rip", c->rip},	 {"rsp", c->rsp},
		{"rflags", c->rflags},	 {"rax", c->rax},
		{"rbx", c->rbx},	 {"rcx", c->rcx},
		{"rdx", c->rdx},	 {"rsi", c->rsi},
		{"rdi", c->rdi},	 {"rbp", c->rbp},
		{"r8", c->r8},		 {"r9", c->r9},
		{"r10", c->r10},	 {"r11", c->r11},
		{"r12", c->r12},	 {"r13", c->r13},
		{"r14", c->r14},	 {"r15", c->r15},
		{"cr0", x86_read_cr0()}, {"cr2", cr2},
		{"cr3", x86_read_cr3()}, {"cr4", x86_read_cr4()},
	};
	hal_print_regs(regs, VD_ARRAY_SIZE(regs), 3);
	if (!user)
		vd_backtrace(c->rbp);
	vd_panic("unhandled %s %s at rip 0x%llx", user ? "user" : "kernel",
		 exception_name(vec), (unsigned long long)c->rip);
}

volatile uint64_t x86_irq_counts[X86_NR_IRQS];

/* Interrupt vectors (>= 32); false if the vector is not one we use. */
static bool handle_interrupt(uint64_t vec)
{
	if (vec == X86_VEC_TIMER) {
		x86_timer_interrupt();
	} else if (vec == X86_VEC_IPI) {
		x86_this_cpu()->ipis++;
		x86_lapic_eoi();
		vd_ipi();
	} else if (vec >= X86_VEC_IRQ_BASE &&
		   vec < X86_VEC_IRQ_BASE + X86_NR_IRQS) {
		/* a device line: the irq driver (the I/O APIC's) routed it */
		const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);
		if (ops && ops->handle)
			ops->handle();
		else
			x86_lapic_eoi();
	} else if (vec == X86_VEC_SPURIOUS) {
		/* no EOI for the spurious vector */
	} else if (vec >= X86_VEC_PIC_BASE && vec < X86_VEC_PIC_BASE + 16) {
		/* spurious IRQ 7/15 from the masked 8259s: ignore */
	} else if (vec == X86_VEC_APIC_ERROR) {
		x86_lapic_eoi();
	} else {
		return false;
	}
	return true;
}

void x86_kernel_trap(struct vd_cpu_context *ctx, uint64_t vec, uint64_t err)
{
	if (vec >= 32) {
		if (!handle_interrupt(vec))
			vd_panic("unexpected interrupt vector %llu",
				 (unsigned long long)vec);
		return;
	}
	if (vec == 14) {
		/* Faults on user addresses (fault-safe copies) and on
		 * addresses core manages go to core first, with interrupts
		 * back on if the faulting code had them (core may block);
		 * vectors.S disables them again before IRETQ. */
		uint64_t addr = x86_read_cr2();
		if (ctx->rflags & X86_RFLAGS_IF)
			hal_irq_local_enable();
		if (vd_page_fault(ctx, addr, pf_access(err), false))
			return;
		__asm__ volatile("cli");
	}
	dump_and_panic(ctx, vec, err, false);
}

/* interrupts taken while in user mode (a statistic, and for ktests) */
volatile uint64_t x86_user_interrupts;

void x86_user_trap(struct vd_cpu_context *ctx, uint64_t vec, uint64_t err)
{
	if (vec >= 32) {
		x86_user_interrupts++;
		if (!handle_interrupt(vec))
			vd_user_exception(ctx, "unexpected interrupt vector");
		return;
	}
	if (vec == 2 || vec == 8 || vec == 18)
		dump_and_panic(ctx, vec, err, true); /* not the user's fault */
	/* A user exception runs like a system call: interrupts on (core may
	 * block or switch); x86_return_to_user turns them off again. */
	uint64_t addr = x86_read_cr2();
	hal_irq_local_enable();
	/* #NM: CR0.TS is set, the thread's FP state is not loaded (fpu.c) */
	if (vec == 7 && vd_fpu_trap(ctx))
		return;
	if (vec == 14) {
		if (!vd_page_fault(ctx, addr, pf_access(err), true))
			vd_user_exception(ctx, "page fault");
		return;
	}
	vd_user_exception(ctx, exception_name(vec));
}

/*
 * Before IRETQ to user mode: RFLAGS may only carry user-owned bits (IOPL
 * 0, no NT/VM/VIF), always with IF; RIP must be a user-half address, or
 * IRETQ would #GP in ring 0 after SWAPGS.  A bad RIP is replaced by 0,
 * which faults in user mode where core deals with it.
 */
void x86_user_ctx_sanitize(struct vd_cpu_context *ctx)
{
	ctx->rflags = (ctx->rflags & X86_RFLAGS_USER_MASK) | X86_RFLAGS_IF |
		      X86_RFLAGS_FIXED;
	if (ctx->rip >= X86_USER_END)
		ctx->rip = 0;
}
