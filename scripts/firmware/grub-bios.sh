# shellcheck shell=bash
# Firmware recipe: a PC's BIOS (QEMU's SeaBIOS) boots GRUB 2 from a CD
# (the ISO of scripts/lib/grub-iso.sh), and GRUB loads the kernel ELF
# through Multiboot2 with the board's KERNEL_CMDLINE.  See
# docs/boot-x86_64.md.
fw_prepare() {
	local img=$1 work=$2
	# shellcheck source=scripts/lib/grub-iso.sh
	source "$VD_ROOT/scripts/lib/grub-iso.sh"
	grub_iso "$img" "$work" i386-pc || return 1
	# shellcheck disable=SC2034 # read by scripts/lib/board.sh
	FW_ARGS=(-cdrom "$GRUB_ISO" -boot d)
}
