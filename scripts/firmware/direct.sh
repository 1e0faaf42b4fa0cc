# shellcheck shell=bash
# Firmware recipe: no firmware, QEMU loads the arm64 Image itself at its
# RAM base + 0x80000 (virt: 0x40080000, raspi3b: 0x80000) and passes the
# DTB in x0 (its own, or the board's board.dts given with -dtb).
# The board's KERNEL_CMDLINE goes in with -append (the kernel reads it
# from /chosen/bootargs or the start info).
fw_prepare() {
	FW_ARGS=(-kernel "$1")
	[ -n "${BOARD_KERNEL_CMDLINE:-}" ] && FW_ARGS+=(-append "$BOARD_KERNEL_CMDLINE")
	return 0
}
