# shellcheck shell=bash
# The GRUB 2 boot ISO of the x86_64 GRUB boards, shared by the firmware
# recipes scripts/firmware/grub-bios.sh and grub-uefi.sh: sourced, not run.
#
#   grub_iso KERNEL WORKDIR PLATFORM
#                             writes WORKDIR/grub.iso and sets GRUB_ISO;
#                             PLATFORM is the GRUB platform the board boots
#                             (i386-pc or x86_64-efi), checked first
#
# grub-mkrescue (grub-common; the BIOS part from grub-pc-bin, the EFI part
# from grub-efi-amd64-bin, the image with xorriso and, for the EFI system
# partition, mtools) makes one hybrid ISO that boots both ways:
#
#   BIOS   El Torito boot image -> GRUB i386-pc core from the CD
#   UEFI   EFI system partition (FAT image) -> GRUB x86_64-efi
#          (EFI/BOOT/BOOTX64.EFI)
#
# and the ISO 9660 tree holds
#
#   /boot/kernel.elf       the kernel ELF (the same image PVH boots)
#   /boot/grub/grub.cfg    serial console, no menu, Multiboot2 boot
#
# GRUB reads the ELF's Multiboot2 header (hal/x86_64/head.S), loads its
# segments at their physical addresses and passes the board's
# KERNEL_CMDLINE in the Multiboot2 command-line tag.
# grub-mkrescue leaves out, without a word, every platform whose modules
# are not installed (/usr/lib/grub/<platform>): the ISO would then not
# boot and the run would only hang to its timeout.  Say which package is
# missing instead.
grub_need() {
	local platform=$1 pkg tool
	case $platform in
	i386-pc) pkg=grub-pc-bin ;;
	x86_64-efi) pkg=grub-efi-amd64-bin ;;
	*) echo "grub_iso: unknown GRUB platform '$platform'" >&2; return 1 ;;
	esac
	if [ ! -d "/usr/lib/grub/$platform" ]; then
		echo "no GRUB $platform modules in /usr/lib/grub/$platform" \
			"(package $pkg; scripts/setup installs it)" >&2
		return 1
	fi
	local tools="grub-mkrescue xorriso"
	# mformat (mtools) builds the EFI system partition image
	[ "$platform" = x86_64-efi ] && tools="$tools mformat"
	for tool in $tools; do
		command -v "$tool" >/dev/null && continue
		echo "no $tool (packages grub-common, xorriso, mtools;" \
			"scripts/setup installs them)" >&2
		return 1
	done
}

grub_iso() {
	local kernel=$1 work=$2 platform=$3 tree="$2/grub-iso"
	grub_need "$platform" || return 1
	rm -rf "$tree"
	mkdir -p "$tree/boot/grub" || return 1
	cp "$kernel" "$tree/boot/kernel.elf" || return 1
	cat >"$tree/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
multiboot2 /boot/kernel.elf ${BOARD_KERNEL_CMDLINE:-}
boot
CFG
	GRUB_ISO="$work/grub.iso"
	grub-mkrescue -o "$GRUB_ISO" "$tree" >"$work/grub-mkrescue.log" 2>&1 || {
		echo "grub-mkrescue failed (see $work/grub-mkrescue.log;" \
			"scripts/setup installs grub-pc-bin, grub-efi-amd64-bin," \
			"xorriso, mtools)" >&2
		return 1
	}
}
