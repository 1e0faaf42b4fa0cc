# shellcheck shell=bash
# Firmware recipe: UEFI (OVMF, package ovmf) boots GRUB 2's EFI image from
# a CD (the ISO of scripts/lib/grub-iso.sh: EFI/BOOT/BOOTX64.EFI in its
# EFI system partition), and GRUB loads the kernel ELF through Multiboot2
# with the board's KERNEL_CMDLINE.  See docs/boot-x86_64.md.
#
# OVMF comes in two flash images: CODE (the firmware, read-only, shared)
# and VARS (the UEFI variable store, written by the firmware: boot
# entries it discovers), so each run gets its own copy of VARS.
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

fw_prepare() {
	local img=$1 work=$2
	# shellcheck source=scripts/lib/grub-iso.sh
	source "$VD_ROOT/scripts/lib/grub-iso.sh"
	if [ ! -f "$OVMF_CODE" ] || [ ! -f "$OVMF_VARS" ]; then
		echo "no OVMF at $OVMF_CODE (scripts/setup installs ovmf)" >&2
		return 1
	fi
	grub_iso "$img" "$work" x86_64-efi || return 1
	cp "$OVMF_VARS" "$work/ovmf-vars.fd" || return 1
	# shellcheck disable=SC2034 # read by scripts/lib/board.sh
	FW_ARGS=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
		-drive "if=pflash,format=raw,file=$work/ovmf-vars.fd"
		-cdrom "$GRUB_ISO")
}
