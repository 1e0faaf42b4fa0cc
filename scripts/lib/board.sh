# shellcheck shell=bash
# Board descriptor access for the scripts: sourced, not run.
#
#   board_load NAME      reads boards/NAME/board.conf into BOARD_* variables
#   board_list           names of all boards, sorted
#   board_print_list     one line per board: name, arch, description
#   board_qemu_cmd IMG WORKDIR MODE
#                        fills the array QEMU_CMD with the QEMU command line
#                        for MODE (run | test | bench | debug); the firmware
#                        recipe scripts/firmware/$FIRMWARE.sh prepares any
#                        extra files (U-Boot env, boot disk) in WORKDIR.
#                        The recipe sees $smp (the CPU count of this run),
#                        $BOARD_DTB (the board directory's board.dts compiled, or
#                        empty) and $BOARD_KERNEL_CMDLINE (to pass on).
#
# Board keys read here besides QEMU*, FIRMWARE, PASS_STATUS, TIMEOUT:
#   QEMU_SMP_MIN / QEMU_SMP_MAX  CPU counts the machine accepts
#   QEMU_CONSOLE_PORT            which of QEMU's serial ports (0-based, in
#                                -serial order) is the kernel's console;
#                                the ports before it get -serial null.
#                                Default 0.  (raspi3b: 1, its mini-UART;
#                                port 0 is the PL011.)

VD_ROOT=${VD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

board_list() {
	local d
	# sorted by name in byte order (scripts/gen-presets' order too)
	for d in "$VD_ROOT"/boards/*/board.conf; do
		basename "$(dirname "$d")"
	done | LC_ALL=C sort
}

board_print_list() {
	local b
	for b in $(board_list); do
		(
			board_load "$b" || exit 1
			printf '%-28s %-8s %s\n' "$b" "$BOARD_ARCH" "$BOARD_DESCRIPTION"
		) || return 1
	done
}

board_load() {
	local name=$1 conf="$VD_ROOT/boards/$1/board.conf" key val
	[ -f "$conf" ] || { echo "unknown board '$name' (see boards/)" >&2; return 1; }
	# forget the previous board's keys (scripts may load several)
	unset "${!BOARD_@}"
	BOARD_NAME=$name
	BOARD_DIR="$VD_ROOT/boards/$name"
	while IFS= read -r line; do
		[[ $line =~ ^([A-Z_0-9]+)=(.*)$ ]] || continue
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[2]}
		val=${val#\"}
		val=${val%\"}
		printf -v "BOARD_$key" '%s' "$val"
	done <"$conf"
}

board_qemu_cmd() {
	local img=$1 work=$2 mode=$3 smp=${VD_QEMU_SMP:-$BOARD_QEMU_SMP}
	local recipe="$VD_ROOT/scripts/firmware/$BOARD_FIRMWARE.sh"
	[ -f "$recipe" ] || { echo "no firmware recipe $recipe" >&2; return 1; }
	mkdir -p "$work"
	# Benchmarks count instructions on one CPU with exact counters; a
	# machine that cannot run with one (QEMU_SMP_MIN) gets its minimum.
	[ "$mode" = bench ] && smp=1
	[ "$smp" -lt "${BOARD_QEMU_SMP_MIN:-1}" ] && smp=$BOARD_QEMU_SMP_MIN
	[ -n "${BOARD_QEMU_SMP_MAX:-}" ] && [ "$smp" -gt "$BOARD_QEMU_SMP_MAX" ] &&
		smp=$BOARD_QEMU_SMP_MAX
	# A board whose QEMU machine builds no device tree ships its own:
	# board.dts in its directory, compiled here and handed over with -dtb.
	BOARD_DTB=
	if [ -f "$BOARD_DIR/board.dts" ]; then
		BOARD_DTB="$work/board.dtb"
		dtc -q -I dts -O dtb -o "$BOARD_DTB" "$BOARD_DIR/board.dts" || return 1
	fi
	# The recipes put the command line into QEMU's -append, U-Boot's
	# environment and scripts and grub.cfg, none of which is quoted the
	# same way: allow only characters that need no quoting anywhere.
	if [[ ${BOARD_KERNEL_CMDLINE:-} =~ [^A-Za-z0-9._=@,:/+\ -] ]]; then
		echo "board $BOARD_NAME: KERNEL_CMDLINE may hold only letters, digits, spaces and ._=@,:/+- ('$BOARD_KERNEL_CMDLINE')" >&2
		return 1
	fi
	FW_ARGS=()
	# shellcheck source=/dev/null
	source "$recipe"
	fw_prepare "$img" "$work" || return 1
	QEMU_CMD=("$BOARD_QEMU" -M "$BOARD_QEMU_MACHINE" -m "$BOARD_QEMU_MEM"
		-display none -no-reboot)
	[ -n "${BOARD_QEMU_CPU:-}" ] && QEMU_CMD+=(-cpu "$BOARD_QEMU_CPU")
	[ "$mode" = bench ] && QEMU_CMD+=(-icount shift=0,sleep=off)
	QEMU_CMD+=(-smp "$smp")
	local port
	[[ ${BOARD_QEMU_CONSOLE_PORT:-0} =~ ^[0-9]$ ]] || {
		echo "board $BOARD_NAME: QEMU_CONSOLE_PORT must be 0-9, not '$BOARD_QEMU_CONSOLE_PORT'" >&2
		return 1
	}
	for ((port = 0; port < ${BOARD_QEMU_CONSOLE_PORT:-0}; port++)); do
		QEMU_CMD+=(-serial null)
	done
	if [ "$mode" = run ] || [ "$mode" = debug ]; then
		QEMU_CMD+=(-serial mon:stdio)
	else
		QEMU_CMD+=(-serial stdio -monitor none)
	fi
	[ "$mode" = debug ] && QEMU_CMD+=(-s -S)
	[ -n "$BOARD_DTB" ] && QEMU_CMD+=(-dtb "$BOARD_DTB")
	# shellcheck disable=SC2206
	[ -n "${BOARD_QEMU_DEVICES:-}" ] && QEMU_CMD+=($BOARD_QEMU_DEVICES)
	QEMU_CMD+=("${FW_ARGS[@]}")
}
