/*
 * x86_64 boot entry: QEMU's PVH loader -> 32-bit protected mode -> long
 * mode -> x86_boot_main in the upper half.
 *
 * The PVH boot ABI (Xen's docs/misc/pvh.pandoc, which QEMU follows): entry
 * at the 32-bit physical address named by the XEN_ELFNOTE_PHYS32_ENTRY
 * note, in flat 32-bit protected mode with paging off and interrupts
 * disabled, %ebx = physical address of struct hvm_start_info.
 *
 * This code runs from the load address, so every symbol is used through
 * X86_PA().  It builds throw-away page tables that map
 *   - the first 4 GiB identity (the PVH start info, memory map, ACPI
 *     tables and the boot allocator are all reachable at their physical
 *     address while x86_boot_main reads them), and
 *   - the first 1 GiB again at X86_KERNEL_VMA (the kernel image),
 * both with 2 MiB pages, turns on PAE + long mode + paging and jumps to
 * the upper half.  x86_kmap_init later replaces these tables.
 */
#include <arch/defs.h>

/*
 * ELF note (type 18 = XEN_ELFNOTE_PHYS32_ENTRY, owner "Xen").  QEMU reads
 * the descriptor of a 64-bit ELF as a 64-bit value, and aligns the name by
 * the PT_NOTE segment's alignment: keep that at 4 and the entry a .quad.
 */
	.section .note.pvh, "a", @note
	.p2align 2
	.long 4			/* namesz */
	.long 8			/* descsz */
	.long 18		/* type */
	.asciz "Xen"
	.p2align 2
	.quad X86_PA(x86_pvh_entry)

#define EARLY_LEAF 0x83		/* P | RW | PS: 2 MiB page */
#define EARLY_TABLE 0x03	/* P | RW */

	.section .text.boot32, "ax", @progbits
	.code32
	.globl x86_pvh_entry
x86_pvh_entry:
	cli
	cld
	movl %ebx, %esi		/* start info: cpuid below clobbers ebx */

	/* Clear .bss (boot stack and these page tables live there). */
	movl $X86_PA(__bss_start), %edi
	movl $X86_PA(__bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl $X86_PA(x86_boot_stack_top), %esp

	/* Four page directories: 2048 2 MiB leaves covering 0 .. 4 GiB. */
	movl $X86_PA(x86_early_pd), %edi
	movl $EARLY_LEAF, %eax
	movl $2048, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b

	/* PDPT for the low half: entries 0-3 -> the four directories. */
	movl $X86_PA(x86_early_pdpt_low), %edi
	movl $(X86_PA(x86_early_pd) + EARLY_TABLE), %eax
	movl %eax, 0(%edi)
	addl $0x1000, %eax
	movl %eax, 8(%edi)
	addl $0x1000, %eax
	movl %eax, 16(%edi)
	addl $0x1000, %eax
	movl %eax, 24(%edi)

	/* PDPT for the top 512 GiB: entry 510 (0xffffffff80000000) -> the
	 * first directory, i.e. physical 0 .. 1 GiB. */
	movl $X86_PA(x86_early_pdpt_high), %edi
	movl $(X86_PA(x86_early_pd) + EARLY_TABLE), %eax
	movl %eax, (510 * 8)(%edi)

	movl $X86_PA(x86_early_pml4), %edi
	movl $(X86_PA(x86_early_pdpt_low) + EARLY_TABLE), %eax
	movl %eax, 0(%edi)
	movl $(X86_PA(x86_early_pdpt_high) + EARLY_TABLE), %eax
	movl %eax, (511 * 8)(%edi)

	/* EFER.LME, and EFER.NXE if the CPU has NX (CPUID 8000_0001h
	 * EDX[20]); without NX the XD bit would be reserved. */
	movl $0x80000001, %eax
	cpuid
	xorl %ebp, %ebp
	btl $20, %edx
	jnc 2f
	movl $X86_EFER_NXE, %ebp
2:	movl $X86_MSR_EFER, %ecx
	rdmsr
	orl $X86_EFER_LME, %eax
	orl %ebp, %eax
	wrmsr

	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $X86_PA(x86_early_pml4), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(X86_CR0_PG | X86_CR0_PE), %eax
	movl %eax, %cr0		/* long mode active (compatibility mode) */

	lgdt X86_PA(x86_early_gdt_desc)
	ljmp $X86_SEL_KCODE, $X86_PA(3f)

	.code64
3:	movl $X86_SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $x86_boot_stack_top, %rsp
	movabsq $x86_boot_high, %rax
	jmp *%rax

	.text
x86_boot_high:
	movl %esi, %edi		/* x86_boot_main(start_info_pa) */
	xorl %ebp, %ebp		/* end of the frame-pointer chain */
	call x86_boot_main
4:	hlt
	jmp 4b

/*
 * Boot GDT: null, 64-bit kernel code (0x08), kernel data (0x10).
 * x86_cpu_init replaces it with the per-CPU GDT.
 */
	.section .rodata
	.p2align 3
x86_early_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
x86_early_gdt_end:
x86_early_gdt_desc:
	.word x86_early_gdt_end - x86_early_gdt - 1
	.long X86_PA(x86_early_gdt)

	.bss
	.p2align 12
x86_early_pml4:
	.space 4096
x86_early_pdpt_low:
	.space 4096
x86_early_pdpt_high:
	.space 4096
x86_early_pd:
	.space 4 * 4096
	.p2align 4
	.globl x86_boot_stack_top
x86_boot_stack:
	.space X86_BOOT_STACK_SIZE
x86_boot_stack_top:
