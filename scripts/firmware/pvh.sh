# shellcheck shell=bash
# Firmware recipe: QEMU's built-in PVH loader (x86_64).  The kernel ELF
# carries a .note.pvh entry; QEMU enters it in 32-bit protected mode with
# ebx -> hvm_start_info.  Nothing to prepare.
fw_prepare() { FW_ARGS=(-kernel "$1"); }
