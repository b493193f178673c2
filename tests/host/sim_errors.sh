#!/bin/bash
# aatts-sim refuses a bad trace line with its line number (exit 1) and a
# bad command line with a usage message (exit 2).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh
. tests/lib/bounded.sh

# The cap on the blocks of one R, W or P record (tools/sim/trace.h).
CAP=$((1 << 20))

# bounded SECS KB ARGS...: aatts-sim ARGS within SECS seconds and KB KiB
# of address space (tests/lib/bounded.sh; with an ASan build, the plain
# build under the limit as well); sets OUT and RC (124: timed out).
bounded() {
	local secs=$1 kb=$2
	shift 2
	bounded_run "$secs" "$kb" "$SIM" "$@"
}

# bad_line NAME LINE: a trace of two good lines then LINE fails on line 3,
# with that one error line, in 10 s and 1 GiB of address space.
bad_line() {
	printf 'R 0 4096\n# comment\n%s\nR 0 4096\n' "$2" >"$TMP/bad"
	bounded 10 1048576 --trace "$TMP/bad" --block-size 4096 --cache-blocks 1
	if [ "$RC" != 1 ] || ! grep -q "line 3" <<<"$OUT" ||
	   [ "$(wc -l <<<"$OUT")" != 1 ]; then
		ktap_diag "exit $RC: $OUT"
		ktap_result "bad line: $1" 1
		return
	fi
	ktap_result "bad line: $1" 0
}

# accepted NAME ACCESSES: $TMP/ok replays (lru, 4 KiB blocks) with ACCESSES
# read block accesses in 20 s and 1 GiB of address space.
accepted() {
	bounded 20 1048576 --trace "$TMP/ok" --block-size 4096 \
		--cache-blocks 1 --policy lru --json
	if [ "$RC" != 0 ] || [ "$(field accesses <<<"$OUT")" != "$2" ]; then
		ktap_diag "exit $RC: $OUT"
		ktap_result "$1" 1
		return
	fi
	ktap_result "$1" 0
}

# usage NAME ARGS...: aatts-sim ARGS exits 2 and prints the usage.
usage() {
	local name=$1 out rc
	shift
	out=$("$SIM" "$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" != 2 ] || ! grep -q "^usage:" <<<"$out"; then
		ktap_diag "exit $rc: $out"
		rc=1
	else
		rc=0
	fi
	ktap_result "usage error: $name" $rc
}

printf 'R 0 4096\n' >"$TMP/good"
ktap_plan 34
bad_line "unknown record" "X 0 4096"
bad_line "missing field" "R 0"
bad_line "extra field" "R 0 4096 1"
bad_line "trailing space" "R 0 4096 "
bad_line "double space" "R  0 4096"
bad_line "negative offset" "R -1 4096"
bad_line "not a number" "W 0 4k"
bad_line "zero length" "R 0 0"
bad_line "range past 2^64" "R 18446744073709551615 2"
bad_line "E with a field" "E 1"
bad_line "I without score" "I 0 4096"
bad_line "empty line" ""
bad_line "carriage return" $'R 0 4096\r'
usage "no arguments"
usage "unknown policy" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --policy lru,bogus
usage "ratio and blocks" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --cache-ratio 0.5
usage "zero block size" --trace "$TMP/good" --block-size 0 --cache-blocks 1
usage "bad ratio" --trace "$TMP/good" --block-size 4096 --cache-ratio 0.5x
usage "unknown option" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --bogus
usage "unknown prefetcher" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --prefetch oracle
usage "json and csv" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --json --csv
usage "markov confidence above 3" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --prefetch markov --markov-min-conf 4
usage "shadow lag above its ring" --trace "$TMP/good" --block-size 4096 \
	--cache-blocks 1 --shadow-lag 257
bad_line "P without length" "P 4096"

# A record's blocks are hashed and replayed one by one: above the cap it
# is an error naming the line, before any work on its blocks.
bad_line "R one block above the cap" "R 0 $(((CAP + 1) * 4096))"
bad_line "R of 2^40 blocks" "R 4096 $((1 << 52))"
bad_line "W above the cap" "W 4095 $((CAP * 4096 + 2))"
bad_line "P above the cap" "P 0 $(((CAP + 1) * 4096))"
printf 'R 0 %d\n' $((CAP * 4096)) >"$TMP/ok"
accepted "R of exactly the cap is replayed" $CAP
printf 'I 0 %d 5\nR 0 4096\n' $((1 << 62)) >"$TMP/ok"
accepted "I above the cap is no error (mapped, not hashed)" 1

# A parse error stops the load: the blocks of the records before it are
# not hashed (32 records of the cap: 32 Mi blocks, seconds and 1.5 GB
# when they were; 256 MiB of address space is plenty without).
for i in $(seq 0 31); do
	printf 'R %d %d\n' $((i * 2 * CAP * 4096)) $((CAP * 4096))
done >"$TMP/late"
echo X >>"$TMP/late"
bounded 10 262144 --trace "$TMP/late" --block-size 4096 --cache-blocks 1 \
	--policy lru
[ "$RC" = 1 ] && grep -q "line 33: not a trace v1 record" <<<"$OUT" &&
	[ "$(wc -l <<<"$OUT")" = 1 ]
rc=$?
[ $rc = 0 ] || ktap_diag "exit $RC: $OUT"
ktap_result "an error on line 33 stops before hashing lines 1-32" $rc
printf 'R 0 %d\nR 0\n' $((CAP * 4096)) >"$TMP/two"
bounded 10 1048576 --trace "$TMP/two" --block-size 4096 --cache-blocks 1
[ "$RC" = 1 ] && grep -q "line 2: not a trace v1 record" <<<"$OUT"
rc=$?
[ $rc = 0 ] || ktap_diag "exit $RC: $OUT"
ktap_result "a two-line trace with an error on line 2" $rc
ktap_test "--help exits 0" "$SIM" --help
out=$("$SIM" --trace "$TMP/missing" --block-size 1 --cache-blocks 1 2>&1)
ktap_result "missing trace file: exit 1" $(($? != 1))
ktap_finish
