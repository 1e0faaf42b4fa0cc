# shellcheck shell=bash
# Firmware recipe: no firmware, QEMU loads the arm64 Image itself at
# 0x40080000 and passes the DTB in x0.
fw_prepare() { FW_ARGS=(-kernel "$1"); }
