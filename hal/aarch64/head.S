/*
 * AArch64 entry: the arm64 Image header, the primary CPU's path from the
 * firmware to the upper half, and the secondary CPUs' path from PSCI
 * CPU_ON.  See docs/boot-aarch64.md for the whole flow.
 *
 * Everything before the branch to the upper half runs with the MMU off at
 * whatever physical address the loader chose (QEMU: 0x40080000; U-Boot
 * booti: a 2 MiB-aligned base + text_offset, possibly elsewhere), so it
 * uses only PC-relative addressing (adr/adrp, b/bl).  The literal-pool
 * loads ("ldr xN, =symbol") give link-time upper-half addresses and are
 * used only once the kernel is mapped there.
 */
#include <arch/cpu.h>
#include <arch/defs.h>

/* reg = address of sym, PC-relative (+-4 GiB): with the MMU off the
 * physical address, after it the link address. */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

/* Turn the MMU on (a64_mmu_params) and jump to the upper-half label. */
.macro mmu_on_then high
	adr_l	x0, a64_mmu_params
	bl	a64_mmu_on
	ldr	x9, =\high
	br	x9
.endm

/* Upper half, sp set: install the vectors, then call fn with an empty
 * frame chain (fn never returns). */
.macro enter_c_upper fn
	ldr	x9, =a64_vectors
	msr	vbar_el1, x9
	isb
	mov	x29, xzr
	mov	x30, xzr
	bl	\fn
	b	.
.endm

	.section .text.head, "ax"
	.globl _start
/*
 * arm64 Image header (Linux Documentation/arch/arm64/booting.rst), 64 bytes:
 *
 *   0  code0        a branch to the real entry
 *   4  code1        unused
 *   8  text_offset  0x80000: load at a 2 MiB-aligned base + 0x80000
 *  16  image_size   bytes from the header to the end of .bss
 *  24  flags        0x2: little-endian, 4 KiB pages, placement bit 0
 *  32  res2..res4
 *  56  magic        "ARM\x64"
 *  60  res5         (PE header offset, none)
 */
_start:
	b	a64_primary_entry
	.word	0
	.quad	0x80000
	.quad	_kernel_image_size
	.quad	0x2
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.word	0

	.section .text.boot, "ax"
/*
 * Primary CPU.  Firmware contract: MMU and D-cache off, x0 = DTB physical
 * address, EL2 or EL1.
 */
a64_primary_entry:
	mov	x19, x0			// DTB physical address
	adr	x20, _start		// where we were loaded
	mrs	x21, CurrentEL		// for the boot log
	bl	a64_el2_to_el1

	/* Zero .bss (it holds the boot stack and the table pool). */
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	adr_l	x0, a64_boot_stack_top
	mov	sp, x0
	mov	x29, xzr

	/* Build the identity map and the upper-half kernel map (C, MMU off). */
	mov	x0, x20
	mov	x1, x19
	bl	a64_boot_build_tables

	/*
	 * Everything in .bss was written with the D-cache off, straight to
	 * memory.  Drop any stale lines for it (the loader may have touched
	 * this memory with caches on) before the cacheable view appears.
	 */
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
	mrs	x2, ctr_el0
	ubfx	x2, x2, #16, #4		// DminLine: log2(words per line)
	mov	x3, #4
	lsl	x2, x3, x2		// line size in bytes
	sub	x3, x2, #1
	bic	x0, x0, x3
3:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	3b
	dsb	sy

	mmu_on_then a64_primary_high

/*
 * Secondary CPU, started by PSCI CPU_ON at the physical address of this
 * label with x0 = context id = logical CPU number.
 */
	.globl a64_secondary_entry
a64_secondary_entry:
	mov	x19, x0
	bl	a64_el2_to_el1
	mmu_on_then a64_secondary_high

/*
 * Leave EL2 for EL1 if the firmware entered us at EL2 (QEMU with
 * virtualization=on); either way return at EL1 with interrupts masked and
 * SCTLR_EL1 in a known MMU-off state.  Clobbers x9, x10.
 */
a64_el2_to_el1:
	msr	daifset, #0xf
	mov	x9, #(A64_SCTLR_RES1 & 0xffff)	// MMU/caches off
	movk	x9, #(A64_SCTLR_RES1 >> 16), lsl #16
	mrs	x10, CurrentEL
	cmp	x10, #A64_CURRENTEL_EL2
	b.eq	1f
	msr	sctlr_el1, x9
	isb
	ret
1:	msr	sctlr_el1, x9
	mov	x9, #A64_HCR_RW		// EL1 is AArch64, no traps
	msr	hcr_el2, x9
	mrs	x9, cnthctl_el2
	orr	x9, x9, #(A64_CNTHCTL_EL1PCTEN | A64_CNTHCTL_EL1PCEN)
	msr	cnthctl_el2, x9
	msr	cntvoff_el2, xzr	// virtual counter == physical counter
	mrs	x9, midr_el1
	msr	vpidr_el2, x9
	mrs	x9, mpidr_el1
	msr	vmpidr_el2, x9
	mov	x9, #A64_CPTR_EL2_RES1	// no FP/SIMD traps
	msr	cptr_el2, x9
	msr	hstr_el2, xzr
	mrs	x9, pmcr_el0		// MDCR_EL2.HPMN = PMCR_EL0.N: EL1 owns
	ubfx	x9, x9, #A64_PMCR_N_SHIFT, #5	// every PMU counter
	msr	mdcr_el2, x9
	msr	vttbr_el2, xzr
	mrs	x9, id_aa64pfr0_el1	// GIC system registers present?
	ubfx	x9, x9, #A64_PFR0_GIC_SHIFT, #A64_ID_WIDTH
	cbz	x9, 2f
	mrs	x9, icc_sre_el2
	orr	x9, x9, #A64_ICC_SRE_SRE
	orr	x9, x9, #A64_ICC_SRE_ENABLE	// EL1 may use ICC_*_EL1
	msr	icc_sre_el2, x9
	isb
2:	mov	x9, #(A64_PSR_DAIF | A64_PSR_M_EL1H)
	msr	spsr_el2, x9
	msr	elr_el2, x30
	isb
	eret

/*
 * Turn the MMU on with the values in struct a64_mmu_params (x0, physical).
 * Runs from the identity map, which TTBR0 holds at that moment.
 */
a64_mmu_on:
	ldp	x1, x2, [x0, #0]	// mair, tcr
	msr	mair_el1, x1
	msr	tcr_el1, x2
	ldp	x1, x2, [x0, #16]	// ttbr0 (identity), ttbr1 (kernel)
	msr	ttbr0_el1, x1
	msr	ttbr1_el1, x2
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	ldr	x1, [x0, #32]
	msr	sctlr_el1, x1
	isb
	ic	iallu
	dsb	nsh
	isb
	ret

	.ltorg

	.text
/* Upper half from here on. */
a64_primary_high:
	ldr	x9, =a64_boot_stack_top
	mov	sp, x9
	mov	x0, x20
	mov	x1, x19
	lsr	x2, x21, #2
	enter_c_upper a64_boot_main

a64_secondary_high:
	ldr	x9, =a64_secondary_sp
	ldr	x9, [x9, x19, lsl #3]
	mov	sp, x9
	mov	x0, x19
	enter_c_upper a64_secondary_main

	.ltorg

	.section .bss.boot_stack, "aw", %nobits
	.balign 16
a64_boot_stack:
	.space	A64_STACK_SIZE
	.globl a64_boot_stack_top
a64_boot_stack_top:
