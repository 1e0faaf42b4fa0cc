/*
 * RISC-V kernel entry: the Image header, the boot hart's entry and the
 * secondary harts' entry.
 *
 * Boot flow (docs/boot-riscv64.md has the whole picture):
 *   OpenSBI (M-mode) -- or U-Boot's booti -- jumps to _start in S-mode with
 *   the MMU off, a0 = hart id, a1 = physical address of the DTB.  Nothing
 *   here may use an absolute address until the MMU is on: the image runs
 *   wherever it was loaded (0x80200000 under both OpenSBI and booti, but
 *   nothing relies on that), and `lla` is PC-relative.
 *
 *   1. clear .bss, take the boot stack
 *   2. rv_early_map() builds the kernel page table (image at
 *      RV_KERNEL_VBASE, W^X; the DTB's gigabyte in the physmap)
 *   3. turn the MMU on: stvec = the virtual address of the next step, then
 *      write satp.  The instruction fetch after the satp write uses the old
 *      physical pc, which is not mapped, so it faults straight to stvec --
 *      the jump into the upper half, with no identity mapping needed.
 *   4. real trap vector, tp = CPU 0's per-CPU block, rv_boot_main(hart, dtb)
 */
#include <arch/cpu.h>
#include <arch/defs.h>
#include <arch/percpu.h>

/*
 * RISC-V Image header (Linux Documentation/arch/riscv/boot-image-header.rst),
 * 64 bytes, little endian:
 *
 *   0  code0, code1   jump over the header (fixed 4-byte encodings)
 *   8  text_offset    load offset from a 2 MiB aligned RAM base
 *  16  image_size     bytes the image occupies once loaded, .bss included
 *  24  flags          bit 0 = 0: little-endian kernel
 *  32  version        0.2 (major << 16 | minor)
 *  36  res1, res2
 *  48  magic          "RISCV\0\0\0" (deprecated, still checked by some)
 *  56  magic2         "RSC\x05" (what U-Boot's booti checks)
 *  60  res3           PE/COFF offset for EFI; unused
 */
	.section .text.head, "ax"
	.globl _start
_start:
	.option push
	.option norvc
	j	rv_entry
	.word	0
	.option pop
	.dword	RV_IMAGE_TEXT_OFFSET
	.dword	_image_size
	.dword	0
	.word	(0 << 16) | 2
	.word	0
	.dword	0
	.ascii	"RISCV\0\0\0"
	.ascii	"RSC\x05"
	.word	0

	.text
rv_entry:
	csrw	sie, zero
	li	t0, SSTATUS_SIE | SSTATUS_SUM | SSTATUS_MXR | SSTATUS_FS
	csrc	sstatus, t0
	mv	s0, a0
	mv	s1, a1

	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	lla	sp, rv_boot_stack + RV_BOOT_STACK_SIZE
	mv	a0, s1
	call	rv_early_map		/* a0 = satp for the kernel table */

	lla	t0, rv_va_pa_offset
	ld	t0, 0(t0)
	lla	t1, .Lboot_virtual
	add	t1, t1, t0
	csrw	stvec, t1
	sfence.vma
	csrw	satp, a0
	j	.			/* not reached: the fetch faults */

	.balign	4
.Lboot_virtual:
	lla	t0, rv_trap_vector
	csrw	stvec, t0
	csrw	sscratch, zero
	lla	sp, rv_boot_stack + RV_BOOT_STACK_SIZE
	lla	tp, rv_percpu
	mv	a0, s0
	mv	a1, s1
	li	s0, 0			/* end of the frame-pointer chain */
	li	ra, 0
	call	rv_boot_main
	j	.

/*
 * Secondary harts: SBI HSM hart_start enters here in S-mode, MMU off,
 * a0 = hart id, a1 = the opaque word hal_cpu_start passed: the virtual
 * address of the hart's rv_percpu.  The same stvec trick switches on the
 * kernel page table.
 */
	.globl rv_secondary_entry
	.balign 4
rv_secondary_entry:
	csrw	sie, zero
	li	t0, SSTATUS_SIE | SSTATUS_SUM | SSTATUS_MXR | SSTATUS_FS
	csrc	sstatus, t0
	lla	t0, rv_va_pa_offset
	ld	t0, 0(t0)
	lla	t1, rv_kernel_satp
	ld	t2, 0(t1)
	lla	t1, .Lsecondary_virtual
	add	t1, t1, t0
	csrw	stvec, t1
	sfence.vma
	csrw	satp, t2
	j	.

	.balign	4
.Lsecondary_virtual:
	sfence.vma
	lla	t0, rv_trap_vector
	csrw	stvec, t0
	csrw	sscratch, zero
	mv	tp, a1
	ld	sp, PCPU_BOOT_STACK_TOP(tp)
	li	s0, 0
	li	ra, 0
	call	rv_secondary_main
	j	.

	.bss
	.balign	16
	.globl	rv_boot_stack
rv_boot_stack:
	.space	RV_BOOT_STACK_SIZE
