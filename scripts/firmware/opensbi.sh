# shellcheck shell=bash
# Firmware recipe: OpenSBI fw_dynamic in M-mode; QEMU loads the kernel
# Image at 0x80200000 and OpenSBI jumps to it in S-mode with a0 = hart id,
# a1 = DTB.
# The board's KERNEL_CMDLINE goes in with -append (the kernel reads it
# from /chosen/bootargs or the start info).
fw_prepare() {
	FW_ARGS=(-bios "$BOARD_OPENSBI_BIN" -kernel "$1")
	[ -n "${BOARD_KERNEL_CMDLINE:-}" ] && FW_ARGS+=(-append "$BOARD_KERNEL_CMDLINE")
	return 0
}
