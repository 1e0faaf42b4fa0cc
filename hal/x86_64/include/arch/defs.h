/*
 * x86_64 HAL: constants shared by C and assembly (this header must stay
 * free of C declarations outside the __ASSEMBLER__ guard).
 *
 * Virtual address layout (4-level paging, 48-bit canonical addresses):
 *
 *   0x0000_0000_0001_0000 .. 0x0000_7fff_ffff_f000   user (VD_USER_BASE ..
 *                                                    hal_user_top)
 *   0xffff_8000_0000_0000 + pa                       physmap: all RAM, RW, NX
 *   0xffff_ffff_8000_0000 + pa                       kernel image (linked at
 *                                                    KERNEL_VMA + load pa)
 *   0xffff_ffff_c000_0000 ..                         MMIO window (LAPIC,
 *                                                    IOAPIC), uncached, NX
 *
 * Physical layout at boot:
 *
 *   0x0000_8000  AP start-up trampoline (copied there; real mode needs
 *                an address below 1 MiB, SIPI vector 0x08)
 *   0x0020_0000  kernel image (X86_KERNEL_LOAD), followed by the page
 *                tables the boot code allocates
 */
#ifndef ARCH_DEFS_H
#define ARCH_DEFS_H

#define X86_KERNEL_VMA	 0xffffffff80000000
#define X86_KERNEL_LOAD	 0x200000
#define X86_PHYSMAP_BASE 0xffff800000000000
#define X86_MMIO_BASE	 0xffffffffc0000000
/* the window runs to the top of the address space: 1 GiB */
#define X86_MMIO_SIZE	  0x40000000
#define X86_TRAMPOLINE_PA 0x8000

/* Which boot protocol entered (head.S -> boot.c) */
#define X86_BOOT_PVH	    1
#define X86_BOOT_MULTIBOOT2 2

/* Virtual -> load address of a kernel symbol, for code running before
 * paging (the PVH entry) and for the trampoline set-up. */
#define X86_PA(sym) ((sym)-X86_KERNEL_VMA)

/*
 * GDT selectors.  SYSCALL loads CS = STAR[47:32] and SS = CS + 8; SYSRET to
 * 64-bit mode loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, both
 * with RPL 3.  Hence the fixed order kernel code, kernel data, (unused
 * 32-bit user code), user data, user code.
 */
#define X86_SEL_KCODE	0x08
#define X86_SEL_KDATA	0x10
#define X86_SEL_UCODE32 0x18
#define X86_SEL_UDATA	(0x20 | 3)
#define X86_SEL_UCODE	(0x28 | 3)
#define X86_SEL_TSS	0x30
#define X86_GDT_ENTRIES 8 /* TSS descriptor takes two slots */

/* MSRs */
#define X86_MSR_APIC_BASE      0x1b
#define X86_MSR_EFER	       0xc0000080
#define X86_MSR_STAR	       0xc0000081
#define X86_MSR_LSTAR	       0xc0000082
#define X86_MSR_FMASK	       0xc0000084
#define X86_MSR_FS_BASE	       0xc0000100
#define X86_MSR_GS_BASE	       0xc0000101
#define X86_MSR_KERNEL_GS_BASE 0xc0000102

#define X86_EFER_SCE (1 << 0)  /* SYSCALL/SYSRET */
#define X86_EFER_LME (1 << 8)  /* long mode enable */
#define X86_EFER_NXE (1 << 11) /* execute-disable bit in PTEs */

#define X86_CR0_PE (1 << 0)
#define X86_CR0_MP (1 << 1)
#define X86_CR0_EM (1 << 2)
#define X86_CR0_TS (1 << 3)
#define X86_CR0_NE (1 << 5)
#define X86_CR0_WP (1 << 16) /* ring 0 honours read-only pages */
#define X86_CR0_PG (1 << 31)

#define X86_CR4_PAE	   (1 << 5)
#define X86_CR4_PGE	   (1 << 7)
#define X86_CR4_OSFXSR	   (1 << 9)  /* FXSAVE/FXRSTOR and SSE allowed */
#define X86_CR4_OSXMMEXCPT (1 << 10) /* unmasked SSE exceptions -> #XM */
#define X86_CR4_UMIP	   (1 << 11)
#define X86_CR4_OSXSAVE	   (1 << 18) /* XSAVE family and XCR0 allowed */
#define X86_CR4_SMEP	   (1 << 20)
#define X86_CR4_SMAP	   (1 << 21)

/* RFLAGS */
#define X86_RFLAGS_CF	 0x1
#define X86_RFLAGS_FIXED 0x2 /* bit 1 always reads 1 */
#define X86_RFLAGS_TF	 0x100
#define X86_RFLAGS_IF	 0x200
#define X86_RFLAGS_DF	 0x400
#define X86_RFLAGS_IOPL	 0x3000
#define X86_RFLAGS_NT	 0x4000
#define X86_RFLAGS_AC	 0x40000
/* Flags user mode may own: CF PF AF ZF SF TF DF OF AC ID.  IOPL, NT, RF,
 * VM and the virtual-interrupt bits are forced to 0 on return to user. */
#define X86_RFLAGS_USER_MASK 0x240dd5
/* SYSCALL clears these in RFLAGS (IA32_FMASK): no interrupts until the
 * entry code is on the kernel stack, no single-step, DF=0 as the C ABI
 * wants, AC=0 so SMAP protects the kernel from the first instruction. */
#define X86_SYSCALL_FMASK                                                      \
	(X86_RFLAGS_TF | X86_RFLAGS_IF | X86_RFLAGS_DF | X86_RFLAGS_NT |       \
	 X86_RFLAGS_AC)

/* Interrupt vectors */
#define X86_VEC_PIC_BASE   0x20 /* legacy 8259s, remapped and masked */
#define X86_VEC_IRQ_BASE   0x30 /* IOAPIC GSI n -> vector 0x30 + n */
#define X86_NR_IRQS	   64
#define X86_VEC_TIMER	   0xf0 /* LAPIC timer */
#define X86_VEC_IPI	   0xf1 /* reschedule IPI */
#define X86_VEC_APIC_ERROR 0xfe
#define X86_VEC_SPURIOUS   0xff

/* IST slots in the TSS (1-based, 0 = no stack switch) */
#define X86_IST_DOUBLE_FAULT  1
#define X86_IST_NMI	      2
#define X86_IST_MACHINE_CHECK 3
#define X86_IST_STACK_SIZE    4096

#define X86_BOOT_STACK_SIZE 16384
/* boot stack of each application processor: 1 << X86_AP_STACK_SHIFT */
#define X86_AP_STACK_SHIFT 14
/* VD_MAX_CPUS for assembly (smp.c asserts they agree) */
#define VD_MAX_CPUS_ASM 8

/*
 * Per-CPU block, reached through the GS base in kernel mode (the user's
 * GS base is parked in IA32_KERNEL_GS_BASE and SWAPGS exchanges the two on
 * every user<->kernel transition).  Offsets used by assembly; the C
 * struct in percpu.h has _Static_asserts on them.
 */
#define X86_PCPU_SELF	  0
#define X86_PCPU_USER_RSP 8  /* syscall entry: user rsp until saved */
#define X86_PCPU_SCRATCH  16 /* trap entry: user rax until saved */
#define X86_PCPU_CPU_ID	  24
/* tss.rsp[0]: the ring-3 interrupt stack, which is also where the current
 * thread's user context is (thread.c): the entries save into it */
#define X86_PCPU_TSS_RSP0 132

/* struct vd_cpu_context offsets (arch/context.h) */
#define CTX_RAX	   0
#define CTX_RBX	   8
#define CTX_RDX	   16
#define CTX_RSI	   24
#define CTX_RDI	   32
#define CTX_RBP	   40
#define CTX_R8	   48
#define CTX_R9	   56
#define CTX_R10	   64
#define CTX_R12	   72
#define CTX_R13	   80
#define CTX_R14	   88
#define CTX_R15	   96
#define CTX_RIP	   104
#define CTX_RFLAGS 112
#define CTX_RSP	   120
#define CTX_RCX	   128
#define CTX_R11	   136
#define CTX_SIZE   144

/* First non-user address; user RIPs at or above it are non-canonical or
 * kernel addresses and must never reach SYSRET (see vectors.S). */
#define X86_USER_END 0x0000800000000000

/* How far below the frame pointer its {caller's fp, return address}
 * record sits (the System V ABI: fp points at the record;
 * hal/common/kernel/unwind.c). */
#define ARCH_FP_RECORD_BELOW 0

#endif /* ARCH_DEFS_H */
