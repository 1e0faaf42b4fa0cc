# shellcheck shell=bash
# Firmware recipe: QEMU's built-in PVH loader (x86_64).  The kernel ELF
# carries a .note.pvh entry; QEMU enters it in 32-bit protected mode with
# ebx -> hvm_start_info.  Nothing to prepare.
# The board's KERNEL_CMDLINE goes in with -append (the kernel reads it
# from /chosen/bootargs or the start info).
fw_prepare() {
	FW_ARGS=(-kernel "$1")
	[ -n "${BOARD_KERNEL_CMDLINE:-}" ] && FW_ARGS+=(-append "$BOARD_KERNEL_CMDLINE")
	return 0
}
