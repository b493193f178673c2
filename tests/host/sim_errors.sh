#!/bin/bash
# aatts-sim refuses a bad trace line with its line number (exit 1) and a
# bad command line with a usage message (exit 2).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

# bad_line NAME LINE: a trace of two good lines then LINE fails on line 3.
bad_line() {
	local out rc=0
	printf 'R 0 4096\n# comment\n%s\nR 0 4096\n' "$2" >"$TMP/bad"
	out=$("$SIM" --trace "$TMP/bad" --block-size 4096 --cache-blocks 1 \
		2>&1) && rc=0 || rc=$?
	if [ "$rc" != 1 ] || ! grep -q "line 3" <<<"$out"; then
		ktap_diag "exit $rc: $out"
		ktap_result "bad line: $1" 1
		return
	fi
	ktap_result "bad line: $1" 0
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
ktap_plan 25
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
bad_line "P without length" "P 4096"
ktap_test "--help exits 0" "$SIM" --help
out=$("$SIM" --trace "$TMP/missing" --block-size 1 --cache-blocks 1 2>&1)
ktap_result "missing trace file: exit 1" $(($? != 1))
ktap_finish
