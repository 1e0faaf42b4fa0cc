/*
 * Virtual memory layout of the RISC-V kernel (Sv39).
 *
 * Sv39 translates 39-bit virtual addresses; bits 63..39 must equal bit 38,
 * so the space splits into a lower half for user space and an upper half
 * of 256 GiB for the kernel.  Each root-table entry covers 1 GiB:
 *
 *   0x0000000000010000  VD_USER_BASE
 *   0x0000004000000000  hal_user_top()           (root entries 0..255)
 *   ---- non-canonical hole ----
 *   0xffffffc000000000  RV_PHYSMAP_BASE: RAM at base + pa, RW, NX
 *                       (root entries 256..383: physical 0 .. 128 GiB)
 *   0xffffffe000000000  RV_IOMAP_BASE: device MMIO at base + pa
 *                       (root entries 384..447: physical 0 .. 64 GiB)
 *   0xffffffff80000000  RV_KERNEL_VBASE: the kernel image, linked here and
 *                       mapped to wherever the firmware loaded it
 *                       (root entry 510)
 *
 * The kernel image is position independent until the MMU is on
 * (-mcmodel=medany code only addresses data PC-relatively), so the same
 * binary runs from 0x80200000 (OpenSBI) or wherever U-Boot's booti put it.
 */
#ifndef ARCH_DEFS_H
#define ARCH_DEFS_H

#define RV_PHYSMAP_BASE	 0xffffffc000000000
#define RV_PHYSMAP_LIMIT 0x2000000000 /* 128 GiB of physical space */
#define RV_IOMAP_BASE	 0xffffffe000000000
#define RV_IOMAP_LIMIT	 0x1000000000 /* 64 GiB of physical space */
#define RV_KERNEL_VBASE	 0xffffffff80000000
#define RV_USER_TOP	 0x0000004000000000

/* Sv39: virtual addresses are 39 bits (sign-extended to 64), physical
 * addresses 56. */
#define RV_VA_BITS 39
#define RV_PA_BITS 56

/* RISC-V Image header: booti places the image text_offset above a 2 MiB
 * aligned RAM base (OpenSBI's fw_dynamic jumps to 0x80200000 too). */
#define RV_IMAGE_TEXT_OFFSET 0x200000

/* Kernel stack per CPU for boot and for the secondary entry. */
#define RV_BOOT_STACK_SIZE 16384

/* Page tables that map the kernel image: one L0 table per 2 MiB.  The
 * linker script asserts the image fits. */
#define RV_KERNEL_L0_TABLES 8

/* How far below the frame pointer its {caller's fp, return address}
 * record sits (the psABI: fp points just above the record;
 * hal/common/kernel/unwind.c). */
#define ARCH_FP_RECORD_BELOW 16

#endif /* ARCH_DEFS_H */
