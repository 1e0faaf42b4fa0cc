# shellcheck shell=bash
# Firmware recipe: OpenSBI fw_dynamic (M-mode) runs U-Boot in S-mode
# (QEMU's -kernel), which boots from a virtio disk:
#
#   boot.disk  MBR, one FAT partition (type 0x0c) at 1 MiB holding
#                boot.scr   mkimage -T script of boards/<board>/boot.cmd
#                Image      the kernel (RISC-V Image header, booti)
#   uboot.dtb  QEMU's own DTB for this machine (or the board's board.dts)
#              plus /config/bootdelay = -2,
#              so U-Boot boots at once instead of counting down 2 s (its
#              environment cannot be stored on this board)
#
# Built with mtools, sfdisk and dd only: no loop devices, no mounting.
# The board's KERNEL_CMDLINE is set as bootargs at the top of the script
# (booti writes it into the DTB's /chosen/bootargs).
fw_prepare() {
	local img=$1 work=$2
	local part="$work/boot.part" disk="$work/boot.disk" dtb="$work/uboot.dtb"
	local part_mib=16 cpus=${smp:-$BOARD_QEMU_SMP}

	# The board's KERNEL_CMDLINE becomes U-Boot's bootargs, which booti
	# writes into the DTB's /chosen/bootargs.
	{
		[ -n "${BOARD_KERNEL_CMDLINE:-}" ] &&
			printf "setenv bootargs '%s'\n" "$BOARD_KERNEL_CMDLINE"
		cat "$BOARD_DIR/boot.cmd"
	} >"$work/boot.cmd" || return 1
	mkimage -A riscv -O linux -T script -C none -n "Veridian" \
		-d "$work/boot.cmd" "$work/boot.scr" >/dev/null || return 1

	rm -f "$part" "$disk"
	truncate -s "${part_mib}M" "$part"
	export MTOOLS_SKIP_CHECK=1
	mformat -i "$part" -T $((part_mib * 2048)) -h 64 -s 32 -v VERIDIAN :: || return 1
	mcopy -i "$part" "$work/boot.scr" ::boot.scr || return 1
	mcopy -i "$part" "$img" ::Image || return 1

	truncate -s $((part_mib + 1))M "$disk"
	echo 'start=2048, type=c, bootable' | sfdisk -q "$disk" >/dev/null || return 1
	dd if="$part" of="$disk" bs=1M seek=1 conv=notrunc status=none || return 1
	rm -f "$part"

	FW_ARGS=(-bios "$BOARD_OPENSBI_BIN" -kernel "$BOARD_UBOOT_BIN"
		-drive "file=$disk,format=raw,if=none,id=bootdisk"
		-device virtio-blk-device,drive=bootdisk)

	# Same machine as the real run (memory, CPUs, cpu model), so the DTB
	# describes it exactly; without it U-Boot just waits its default delay.
	# A board that ships its own tree (board.dts, $BOARD_DTB) starts from
	# that one instead: this -dtb comes after board.sh's and replaces it.
	local cpu_args=() base_ok=false
	[ -n "${BOARD_QEMU_CPU:-}" ] && cpu_args=(-cpu "$BOARD_QEMU_CPU")
	if [ -n "${BOARD_DTB:-}" ]; then
		cp "$BOARD_DTB" "$dtb" && base_ok=true
	elif "$BOARD_QEMU" -M "$BOARD_QEMU_MACHINE,dumpdtb=$dtb" -m "$BOARD_QEMU_MEM" \
		-smp "$cpus" "${cpu_args[@]}" -display none >/dev/null 2>&1; then
		base_ok=true
	fi
	if $base_ok &&
		fdtput -c "$dtb" /config 2>/dev/null &&
		fdtput -t x "$dtb" /config bootdelay 0xfffffffe; then
		FW_ARGS+=(-dtb "$dtb")
	fi
}
