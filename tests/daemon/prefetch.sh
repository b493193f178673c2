#!/bin/bash
# aattsd's prefetch (issue 12): ext4 on an aatts device (policy lru, a
# 16 MiB fast tier over a dm-delay'd slow tier), a "model" of 40 tensor
# files (24 MiB, more than the fast tier) loaded 4 times in one fixed
# order, each file read after the page cache was dropped.  Without aattsd
# first, then with it: the device's prefetch counters rose, the planner's
# precision on loads 3-4 is at least 0.9, the last load's read hit ratio
# (kernel stats) beats the one without aattsd; then loads in random
# orders waste at most 10% of the blocks read.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

BIN=${AATTS_BIN:-build/bin}
AATTSD=$BIN/aattsd
CTL=$BIN/aattsctl
CLIENT=build/tests/daemon/client
DEV=aatts_t_pf
SLOWRAM=/dev/ram1
FASTRAM=/dev/ram0
LEN=$((64 * 2048))	# 64 MiB device
FAST_LEN=$((16 * 2048))	# 16 MiB fast tier
NFILES=40
TMP=$(mktemp -d)
MNT=$(mktemp -d)
SOCK=$TMP/aattsd.sock
LOG=$TMP/aattsd.log
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV aatts_t_pffast aatts_t_pfslow
	rm -rf "$TMP" "$MNT"
}
trap cleanup EXIT

q() { printf '%s\n' "$2" | "$CLIENT" "$SOCK" | jq -r "$1"; }
hello_ok() { test "$(q .ok '{"v":1,"op":"hello"}' 2>/dev/null)" = true; }
pf() { q ".devices[] | select(.name == \"$DEV\") | .prefetch.$1 // empty" '{"v":1,"op":"devices"}'; }
kstat() { "$CTL" list --json | jq -r "(.devices? // .)[] | select(.name == \"$DEV\") | .stats.$1"; }
# load ORDER...: reads the files in that order, each from a cold page cache.
load() {
	local i
	for i in "$@"; do
		sync
		echo 3 >/proc/sys/vm/drop_caches
		cat "$MNT/t$i" >/dev/null
	done
}
# hit_ratio_of_load ORDER...: per mille of read blocks that hit, one load.
hit_ratio_of_load() {
	local h0 m0 h m
	h0=$(kstat read_hits); m0=$(kstat read_misses)
	load "$@"
	h=$(kstat read_hits); m=$(kstat read_misses)
	echo $(( (h - h0) * 1000 / (h - h0 + m - m0 + 1) ))
}
# setup: a fresh device and model (the fast tier cold, the same layout).
setup() {
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV aatts_t_pffast aatts_t_pfslow
	ram_zero 64 $SLOWRAM
	dm_create aatts_t_pfslow "0 $LEN delay $SLOWRAM 0 1" &&
	dm_create aatts_t_pffast "0 $FAST_LEN linear $FASTRAM 0" &&
	dm_create $DEV "0 $LEN aatts $(dm_devno aatts_t_pfslow) $(dm_devno aatts_t_pffast) 128 2 policy lru" &&
	mkfs.ext4 -q -F /dev/mapper/$DEV && mount /dev/mapper/$DEV "$MNT" || return 1
	for i in $(seq 1 $NFILES); do
		head -c $(( (400 + (i * 37) % 400) * 1024 )) /dev/urandom >"$MNT/t$i"
	done
	sync
}

ORDER=$(seq 1 $NFILES | shuf --random-source=<(yes) | paste -sd ' ')

ktap_plan 8
setup
ktap_result "ext4 on aatts (lru, 16 MiB fast, dm-delay'd slow), $NFILES files" $?
for n in 1 2 3; do load $ORDER; done
without=$(hit_ratio_of_load $ORDER)

setup
printf 'poll_interval_ms = 200\nmode = performance\nfmap_revalidate_ms = 60000\n' >"$TMP/conf"
"$AATTSD" --foreground --config "$TMP/conf" --socket "$SOCK" >"$LOG" 2>&1 &
PID=$!
until_true 60 test -S "$SOCK"
until_true 30 hello_ok
ktap_check "aattsd answers, the observers loaded" "$(grep -c 'observers loaded' "$LOG")" = 1
load $ORDER; load $ORDER
sleep 1
u2=$(pf used); w2=$(pf wasted)
load $ORDER
with=$(hit_ratio_of_load $ORDER)
sleep 1
u4=$(pf used); w4=$(pf wasted); iss=$(pf issued); req=$(pf requests); st=$(pf started)
echo "# without aattsd: last load hit ratio $without/1000; with: $with/1000"
echo "# prefetch: issued $iss blocks in $req requests ($st started); loads 3-4 used $((u4 - u2)) wasted $((w4 - w2))"
ktap_check "the device's prefetch counters rose (issued ${iss:-none}, started ${st:-none})" \
	"$(( ${iss:-0} > 0 && ${st:-0} > 0 ))" = 1
ktap_check "precision on loads 3-4 >= 0.9" \
	"$(( (u4 - u2) > 0 && (u4 - u2) * 10 >= 9 * (u4 - u2 + w4 - w2) ))" = 1
ktap_check "last load's hit ratio with aattsd ($with) > without ($without)" \
	"$(( with > without ))" = 1

w0=$(pf wasted); r0=$(pf read_blocks)
for n in 1 2; do load $(seq 1 $NFILES | shuf); done
sleep 1
w=$(( $(pf wasted) - w0 )); r=$(( $(pf read_blocks) - r0 ))
echo "# random orders: wasted $w of $r blocks read"
ktap_check "random orders: wasted <= 10% of the blocks read" "$(( r > 0 && w * 10 <= r ))" = 1
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
ktap_check "SIGTERM: exit 0" "$rc" = 0
ktap_check "the log has no sanitizer report" "$(grep -c -e 'Sanitizer' -e 'runtime error' "$LOG")" = 0
ktap_finish
