#!/bin/bash
# aatts-trace on small hand-written inputs: blkparse default output and
# aattsd's recorded events (aatts-events 1) give exactly the expected
# trace v1 records, the result parses in aatts-sim, and a malformed line
# fails with its line number.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh
. tests/lib/bounded.sh

TRACE=${AATTS_BIN:-build/bin}/aatts-trace

# expect NAME WANT_FILE ARGS...: aatts-trace ARGS prints WANT_FILE's
# records (comments aside) and exits 0.
expect() {
	local name=$1 want=$2 out rc=0
	shift 2
	out=$("$TRACE" "$@" 2>&1) || rc=$?
	if [ $rc != 0 ] || ! diff <(grep -v '^#' <<<"$out") "$want" >"$TMP/diff"; then
		ktap_diag "exit $rc; diff (got < > want):" "$(cat "$TMP/diff")" "$out"
		ktap_result "$name" 1
		return
	fi
	ktap_result "$name" 0
}

# fails NAME LINE ARGS... < INPUT: exit 1 and "line LINE" on stderr.
fails() {
	local name=$1 line=$2 out rc=0
	shift 2
	out=$("$TRACE" "$@" 2>&1 >/dev/null) || rc=$?
	if [ $rc != 1 ] || ! grep -q "line $line:" <<<"$out"; then
		ktap_diag "exit $rc: $out"
		ktap_result "$name" 1
		return
	fi
	ktap_result "$name" 0
}

# blkparse's default output: "dev cpu seq time pid action RWBS sector +
# count [process]", then the summary.  Sectors are 512 bytes.
cat >"$TMP/blk" <<'T'
  8,0    3        1     0.000000000   697  Q   R 223490 + 8 [kjournald]
  8,0    3        2     0.000002347   697  G   R 223490 + 8 [kjournald]
  8,0    1        3     0.000010195   697  D   R 223490 + 8 [kjournald]
  8,0    1        4     0.000160811     0  C   R 223490 + 8 [0]
  8,0    3        5     0.000165000   697  Q  WS 100 + 16 [jbd2]
  8,0    0        6     0.000200000   697  Q FWS [kworker/0:1]
  8,0    0        0     0.000300000     0  m   N cfq697 insert_request
  8,0    2        7     0.000400000   100  Q  RA 1000 + 256 [Web Content]
  8,0    2        8     0.000400000   100  Q   D 5000 + 2048 [fstrim]
  8,16   2        9     0.000500000   100  Q   R 64 + 8 [dd]
  8,0    2       10     0.000600000   100  C  RA 1000 + 256 [0]

CPU0 (8,0):
 Reads Queued:           2,      132KiB	 Writes Queued:           1,        8KiB
Total (8,0):
T
# Q on 8,0: R 223490*512 4096; W 100*512 8192; R 1000*512 131072 (the
# flush, the message and the discard carry no data: skipped).
printf 'R 114426880 4096\nW 51200 8192\nR 512000 131072\n' >"$TMP/blk.q"
# C on 8,0: the two completions, in completion order.
printf 'R 114426880 4096\nR 512000 131072\n' >"$TMP/blk.c"
# Q on 8,16 with the partition starting at sector 32: (64 - 32) * 512.
printf 'R 16384 4096\n' >"$TMP/blk.part"

# Events: file 0 has two extents (file 0..8191 at device 40960, file
# 8192..12287 at device 1048576); file 7 one extent; file 9 is on
# another device.
cat >"$TMP/ev" <<'T'
# recorded by aattsd
aatts-events 1
F 0 253:3 131 0
X 0 8192 4096 1048576
X 0 0 8192 40960
F 7 253:3 132 5
X 7 0 65536 2097152
F 9 8:1 77 0
R 1000 42 0 0 4096
R 1001 42 0 4096 8192
I 7 0 16384 300
E
W 1002 43 7 65000 1000
R 1003 43 9 0 4096
R 1004 43 0 12288 4096
T
# R 0+4096 -> 40960; R 4096+8192 spans both extents: 45056+4096 then
# 1048576+4096; I 7 -> 2097152; E; W 65000+1000: 536 bytes mapped, the
# rest past the extent; file 9 skipped (other device); R 12288: a hole.
cat >"$TMP/ev.want" <<'T'
R 40960 4096
R 45056 4096
R 1048576 4096
I 2097152 16384 300
E
W 2162152 536
T

ktap_plan 24
expect "blktrace: Q events, discards and flushes skipped" "$TMP/blk.q" \
	blktrace --dev 8,0 "$TMP/blk"
expect "blktrace --action C: completion order" "$TMP/blk.c" \
	blktrace --action C --dev 8,0 "$TMP/blk"
expect "blktrace --sector-offset: partition-relative offsets" \
	"$TMP/blk.part" blktrace --dev 8,16 --sector-offset 32 "$TMP/blk"
expect "blktrace from stdin" "$TMP/blk.q" blktrace --dev 8,0 - <"$TMP/blk"
fails "blktrace: two devices without --dev" 10 blktrace "$TMP/blk"
expect "events: file ranges mapped through the extents" "$TMP/ev.want" \
	events --dev 253:3 "$TMP/ev"
"$TRACE" events --dev 253:3 "$TMP/ev" | grep -q '^# 4 file records converted, 4560 bytes in no extent dropped$'
ktap_result "events: the bytes in no extent are counted (464 + 4096)" $?
"$TRACE" events --dev 253:3 "$TMP/ev" >"$TMP/ev.trace"
out=$("$SIM" --trace "$TMP/ev.trace" --block-size 4096 --cache-blocks 4 \
	--policy lru --json)
ktap_check "events: the converted trace parses in aatts-sim" \
	"$(field accesses <<<"$out")" = 3
fails "events: files on two devices without --dev" 8 events "$TMP/ev"

printf '  8,0 3 1 0.0 697 Q R 1 + 8 [a]\n  8,0 3 x 0.1 697 Q R 9 + 8 [a]\n' >"$TMP/b1"
fails "blktrace: a bad event line names line 2" 2 blktrace "$TMP/b1"
printf '  8,0 3 1 0.0 697 Q R 1 + 8 [a]\nhello\n' >"$TMP/b2"
fails "blktrace: a stray line names line 2" 2 blktrace "$TMP/b2"
printf '  8,0 3 1 0.0 697 Q R 1 + x [a]\n' >"$TMP/b3"
fails "blktrace: a bad sector count names line 1" 1 blktrace "$TMP/b3"
printf '  8,0 3 1 0.0 697 Q R 1 + 8 [a]\n' >"$TMP/b4"
fails "blktrace: a sector below --sector-offset" 1 blktrace --sector-offset 2 "$TMP/b4"
printf 'F 0 8:0 1 0\n' >"$TMP/e1"
fails "events: no 'aatts-events 1' header" 1 events "$TMP/e1"
printf 'aatts-events 1\nF 0 8:0 1 0\nR 1 1 3 0 4096\n' >"$TMP/e2"
fails "events: undeclared file" 3 events "$TMP/e2"
printf 'aatts-events 1\nF 0 8:0 1 0\nX 0 0 8192 0\nX 0 4096 4096 9000\nR 1 1 0 0 1\n' >"$TMP/e3"
fails "events: overlapping extents name the second X" 4 events "$TMP/e3"
printf 'aatts-events 1\nF 0 8:0 1 0\nX 0 8192 4096 0\nX 0 4096 4097 9000\n' >"$TMP/e3b"
fails "events: an earlier extent overlapping a later one" 4 events "$TMP/e3b"
printf 'aatts-events 1\nF 16777216 8:0 1 0\n' >"$TMP/e6"
fails "events: file id 2^24" 2 events "$TMP/e6"
printf 'aatts-events 1\nF 0 8:0 1 0\nR 1 1 0 0\n' >"$TMP/e4"
fails "events: a missing field" 3 events "$TMP/e4"
printf 'aatts-events 1\nF 0 8:0 1 0\nX 0 0 4096  0\n' >"$TMP/e5"
fails "events: a double space" 3 events "$TMP/e5"
"$TRACE" bogus >/dev/null 2>&1
ktap_check "unknown mode: exit 2" $? = 2

# bounded NAME SECS KB WANT INPUT: aatts-trace events INPUT within SECS
# seconds and KB KiB of address space (tests/lib/bounded.sh; with an ASan
# build, the plain build under the limit as well) prints WANT's records.
bounded() {
	bounded_run "$2" "$3" "$TRACE" events "$5"
	if [ "$RC" != 0 ] || ! diff -q <(grep -v '^#' <<<"$OUT") "$4" >/dev/null
	then
		ktap_diag "exit $RC: $(head -c 300 <<<"$OUT")"
		ktap_result "$1" 1
		return
	fi
	ktap_result "$1" 0
}

# Memory follows the declared files, not the largest file id (a table of
# 2^24 files took 656 MB).
printf 'aatts-events 1\nF 16777215 8:0 1 0\nX 16777215 0 4096 8192\nR 1 1 16777215 0 4096\n' >"$TMP/bigfid"
echo 'R 8192 4096' >"$TMP/bigfid.want"
bounded "events: file id 2^24 - 1 in 32 MiB" 10 32768 "$TMP/bigfid.want" \
	"$TMP/bigfid"
# 40 000 extents, each followed by a read of it, in file order and in
# reverse: each extent is inserted in order once (they were re-sorted
# before every read: 29-60 s).
pairs() {
	awk -v order="$1" 'BEGIN {
		print "aatts-events 1"; print "F 3 8:0 1 0"
		for (k = 0; k < 40000; k++) {
			i = order == "up" ? k : 39999 - k
			print "X 3 " i * 4096 " 4096 " i * 8192
			print "R " k " 1 3 " i * 4096 " 4096"
		}
	}' >"$TMP/pairs.$1"
	awk -v order="$1" 'BEGIN {
		for (k = 0; k < 40000; k++) {
			i = order == "up" ? k : 39999 - k
			print "R " i * 8192 " 4096"
		}
	}' >"$TMP/pairs.$1.want"
}
pairs up
bounded "events: 40 000 extent/read pairs in file order in 10 s" 10 65536 \
	"$TMP/pairs.up.want" "$TMP/pairs.up"
pairs down
bounded "events: 40 000 extent/read pairs in reverse order in 10 s" 10 65536 \
	"$TMP/pairs.down.want" "$TMP/pairs.down"
ktap_finish
