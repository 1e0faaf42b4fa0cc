# shellcheck shell=bash
# Firmware recipe: OpenSBI fw_dynamic in M-mode; QEMU loads the kernel
# Image at 0x80200000 and OpenSBI jumps to it in S-mode with a0 = hart id,
# a1 = DTB.
fw_prepare() { FW_ARGS=(-bios "$BOARD_OPENSBI_BIN" -kernel "$1"); }
