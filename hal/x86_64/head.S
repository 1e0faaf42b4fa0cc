/*
 * x86_64 boot entry: QEMU's PVH loader or a Multiboot2 loader (GRUB) ->
 * 32-bit protected mode -> long mode -> x86_boot_main in the upper half.
 *
 * The PVH boot ABI (Xen's docs/misc/pvh.pandoc, which QEMU follows): entry
 * at the 32-bit physical address named by the XEN_ELFNOTE_PHYS32_ENTRY
 * note, in flat 32-bit protected mode with paging off and interrupts
 * disabled, %ebx = physical address of struct hvm_start_info.
 * Multiboot2: the same state, entered through the header below with
 * %eax = magic and %ebx = the boot information.  Each entry stores which
 * protocol it was and its registers; the rest is shared.
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

/*
 * Multiboot2 header (Multiboot2 specification, 3.1): GRUB looks for it in
 * the first 32 KiB of the file, 8-byte aligned; the linker script puts
 * this section first in the text segment.
 *   u32 magic 0xe85250d6, u32 architecture (0: 32-bit protected-mode
 *   i386), u32 header_length, u32 checksum (the four sum to 0 mod 2^32),
 *   then tags {u16 type, u16 flags, u32 size, ...}, each 8-byte aligned,
 *   ending with type 0 size 8.
 * Tag 3 (entry address) names the 32-bit physical entry.  GRUB's ELF64
 * loader first checks e_entry, a virtual address, against the PT_LOAD
 * segments and translates it itself, so ENTRY() in kernel.ld is the same
 * entry's link address.  Without an address tag (2) GRUB loads the ELF's
 * PT_LOAD segments at their physical addresses (p_paddr), like PVH.
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386	 0
#define MB2_TAG_END	 0
#define MB2_TAG_ENTRY	 3

	.section .multiboot2, "a"
	.p2align 3
x86_mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long x86_mb2_header_end - x86_mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + \
		(x86_mb2_header_end - x86_mb2_header))
	.p2align 3
	.short MB2_TAG_ENTRY, 0
	.long 12
	.long X86_PA(x86_mb2_entry)
	.p2align 3
	.short MB2_TAG_END, 0
	.long 8
x86_mb2_header_end:

	.section .text.boot32, "ax", @progbits
	.code32
/*
 * Multiboot2 entry (3.3, i386 machine state): 32-bit protected mode,
 * paging off, interrupts off, flat 4 GiB CS/DS/ES/SS; EAX = 0x36d76289,
 * EBX = physical address of the boot information; no stack, GDTR and
 * IDTR undefined.  boot.c checks the magic (it can report a bad one).
 */
	.globl x86_mb2_entry
x86_mb2_entry:
	cli
	cld
	movl $X86_BOOT_MULTIBOOT2, X86_PA(x86_boot_protocol)
	movl %eax, X86_PA(x86_boot_magic)
	movl %ebx, X86_PA(x86_boot_info)
	jmp x86_boot32

/* PVH entry: %ebx = physical address of struct hvm_start_info. */
	.globl x86_pvh_entry
x86_pvh_entry:
	cli
	cld
	movl $X86_BOOT_PVH, X86_PA(x86_boot_protocol)
	movl %ebx, X86_PA(x86_boot_info)

/* Both protocols from here: what they passed is in .data, which the
 * loader loaded; .bss is cleared next. */
x86_boot32:

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

	.data
	.p2align 2
	.globl x86_boot_protocol, x86_boot_magic, x86_boot_info
x86_boot_protocol:
	.long 0
x86_boot_magic:
	.long 0
x86_boot_info:
	.long 0

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
