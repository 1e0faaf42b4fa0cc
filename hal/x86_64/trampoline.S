/*
 * x86_64 application-processor start-up.
 *
 * A CPU woken by INIT-SIPI-SIPI starts in 16-bit real mode at
 * CS:IP = (vector << 8):0000, i.e. physical vector * 4 KiB, which must
 * be below 1 MiB.  smp.c copies [x86_trampoline_start, x86_trampoline_end)
 * to X86_TRAMPOLINE_PA (vector 0x08) and patches the three data words at
 * the end.  The code goes straight from real mode to long mode (PAE, CR3,
 * EFER.LME, then CR0.PE|PG together) on page tables that identity-map the
 * first 2 MiB (where it runs) and share the kernel half, then jumps to
 * x86_ap_entry in the upper half.
 *
 * Addresses inside the copy are T(label): the link-time offset from the
 * start plus the run-time base.
 */
#include <arch/defs.h>

#define T(x) (X86_TRAMPOLINE_PA + (x) - x86_trampoline_start)

	.section .rodata.trampoline, "a"
	.code16
	.globl x86_trampoline_start
x86_trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tramp_gdt_desc)
	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl T(x86_trampoline_cr3), %eax
	movl %eax, %cr3
	movl $X86_MSR_EFER, %ecx
	movl T(x86_trampoline_efer), %eax
	xorl %edx, %edx
	wrmsr
	movl %cr0, %eax
	orl $(X86_CR0_PG | X86_CR0_PE), %eax
	movl %eax, %cr0
	ljmpl $X86_SEL_KCODE, $T(tramp64)

	.code64
tramp64:
	movl $X86_SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq T(x86_trampoline_entry), %rax
	jmp *%rax

	.p2align 3
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit kernel code */
	.quad 0x00cf92000000ffff	/* 0x10: kernel data */
tramp_gdt_desc:
	.word tramp_gdt_desc - tramp_gdt - 1
	.long T(tramp_gdt)

	.p2align 3
	.globl x86_trampoline_cr3, x86_trampoline_efer, x86_trampoline_entry
x86_trampoline_cr3:
	.long 0			/* below 4 GiB: loaded by a 32-bit mov */
x86_trampoline_efer:
	.long 0
x86_trampoline_entry:
	.quad 0
	.globl x86_trampoline_end
x86_trampoline_end:

/*
 * x86_ap_entry: in the upper half on the trampoline page tables.  Switch
 * to the kernel's, find this CPU's logical id from its APIC id (CPUID 1
 * EBX[31:24]), take its boot stack and call x86_ap_main(cpu).
 */
	.text
	.globl x86_ap_entry
x86_ap_entry:
	movq x86_kernel_root(%rip), %rax
	movq %rax, %cr3
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	leaq x86_apic_to_cpu(%rip), %rax
	movzbl (%rax, %rbx), %edi
	cmpl $VD_MAX_CPUS_ASM, %edi
	jae 2f
	movq %rdi, %rax
	addq $1, %rax
	shlq $X86_AP_STACK_SHIFT, %rax
	leaq x86_ap_stacks(%rip), %rsp
	addq %rax, %rsp
	xorl %ebp, %ebp
	call x86_ap_main
2:	cli
	hlt
	jmp 2b
