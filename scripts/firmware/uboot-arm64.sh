# shellcheck shell=bash
# Firmware recipe: U-Boot (qemu_arm64) as -bios, the arm64 Image through
# QEMU's fw_cfg (-kernel).  U-Boot's environment comes from pflash unit 1
# (QEMU virt: 0x04000000, where qemu_arm64 U-Boot keeps its env, 256 KiB
# sector), built here from boards/$BOARD/uboot-env.txt with mkenvimage:
# bootdelay=-2 skips the 2 s autoboot countdown and bootcmd does
# "qfw load" + "booti" with the DTB U-Boot itself runs on.  An env in flash
# replaces U-Boot's built-in one completely, so the text also sets the
# load addresses the built-in env would have provided.  The board's
# KERNEL_CMDLINE becomes the env's bootargs, which booti writes into the
# DTB's /chosen/bootargs.
fw_prepare() {
	local img=$1 work=$2
	local env_txt="$BOARD_DIR/uboot-env.txt" flash="$work/uboot-env-pflash.img"
	[ -f "$env_txt" ] || { echo "no $env_txt" >&2; return 1; }
	command -v mkenvimage >/dev/null ||
		{ echo "mkenvimage missing (apt-get install u-boot-tools)" >&2; return 1; }
	# QEMU virt wants a full 64 MiB flash image; the env is at its start.
	# The board's KERNEL_CMDLINE becomes U-Boot's bootargs, which booti
	# writes into the DTB's /chosen/bootargs.
	{
		cat "$env_txt"
		# (an if, not &&: an empty command line must not fail the block)
		if [ -n "${BOARD_KERNEL_CMDLINE:-}" ]; then
			printf 'bootargs=%s\n' "$BOARD_KERNEL_CMDLINE"
		fi
	} >"$work/uboot-env.txt" || return 1
	mkenvimage -s 0x40000 -o "$flash" "$work/uboot-env.txt" || return 1
	truncate -s 64M "$flash" || return 1
	FW_ARGS=(-bios "${BOARD_UBOOT_BIN:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}"
		-drive "if=pflash,format=raw,unit=1,file=$flash"
		-kernel "$img")
}
