#!/usr/bin/env bash
# Run one libFuzzer harness of the fuzz build for a fixed time.
# Used by ctest (cmake/fuzz.cmake) and by scripts/fuzz-host.
#   fuzz-run.sh BINARY SECONDS SEED [libFuzzer args...]
# SEED 0 lets libFuzzer pick one (it prints it).  The working corpus is
# build/fuzz/corpus/NAME, which grows from run to run -- or, with
# FUZZ_FRESH=1 (ctest), build/fuzz/ci-corpus/NAME, emptied first, so that
# a test run starts from the seeds alone and takes the same time on every
# machine.  The seed corpora under tests/fuzz/NAME/corpus and
# build/fuzz/seeds/NAME are only read.  Crash, leak, timeout and
# out-of-memory inputs land in build/fuzz/crashes/.
# On failure the reproducer command is printed last.
# FUZZ_RUNS=N (ctest) makes the run a fixed number of inputs from the fixed
# seed, so that CI sees the same inputs on every machine (SECONDS is then
# only a cap: a slow machine does fewer, never different, inputs).
set -uo pipefail

bin=$1 seconds=$2 seed=$3
shift 3
name=$(basename "$bin")
build=$(cd "$(dirname "$bin")" && pwd)
root=${VD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

work="$build/corpus/$name"
if [ "${FUZZ_FRESH:-0}" = 1 ]; then
	work="$build/ci-corpus/$name"
	rm -rf "$work"
fi
crashes="$build/crashes"
mkdir -p "$work" "$crashes"
dirs=("$work")
for d in "$root/tests/fuzz/$name/corpus" "$build/seeds/$name"; do
	[ -d "$d" ] && dirs+=("$d")
done

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
	-print_final_stats=1 -artifact_prefix="$crashes/$name-")
[ "$seed" != 0 ] && args+=(-seed="$seed")
[ -n "${FUZZ_RUNS:-}" ] && args+=(-runs="$FUZZ_RUNS")

echo "fuzz: $name for ${FUZZ_RUNS:+$FUZZ_RUNS inputs or }${seconds}s, corpus ${dirs[*]}"
# leaks are checked at exit by LeakSanitizer, per input by -detect_leaks
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$bin" "${args[@]}" "$@" "${dirs[@]}" 2>&1 | tee "$build/$name.log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
	echo "fuzz: $name FAILED (exit $rc)"
	grep -ho "Test unit written to .*" "$build/$name.log" |
		sed 's/Test unit written to /fuzz: reproduce with: '"${bin//\//\\/}"' /'
	exit "$rc"
fi
echo "fuzz: $name ok"
