#!/bin/bash
# aattsd --record with the eBPF observers, ext4 on an aatts device: three
# files read after the page cache was dropped become F, X and R records
# that aatts-trace converts to the files' own device offsets (as filefrag
# gives them) in the order read, none dropped; a read served by the page
# cache is not recorded; a file rewritten is declared again;
# capabilities: cap_dac_read_search kept.  (A file gone is the host test's,
# tests/host/daemon_record.sh.)
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/aattsd.sh

BIN=${AATTS_BIN:-build/bin}
AATTSD=$BIN/aattsd
TRACE=$BIN/aatts-trace
CLIENT=build/tests/daemon/client
DEV=aatts_t_rec
TMP=$(mktemp -d)
MNT=$(mktemp -d)
SOCK=$TMP/aattsd.sock
LOG=$TMP/aattsd.log
EV=$TMP/events
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV
	rm -rf "$TMP" "$MNT"
}
trap cleanup EXIT

rstat() { q ".stats.record.$1" '{"v":1,"op":"stats"}'; }
# first_phys FILE: the device byte offset of the file's first byte.
first_phys() { filefrag -v -b1 "$1" | awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4 }'; }
# One read() of the whole (1 MiB) file: with 64 KiB reads, async readahead
# could bring a file's tail in before the reader asked for it, and those
# reads were then served from the page cache (the debug kernel's check-debug
# run: c's second read recorded 851968 of its 1048576 bytes).
cold_read() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	dd if="$1" of=/dev/null bs=1M status=none
}

ktap_plan 12
dm_remove $DEV
dm_create $DEV "0 $RAM_SECTORS aatts /dev/ram0 /dev/ram1 128"
mkfs.ext4 -q -F /dev/mapper/$DEV && mount /dev/mapper/$DEV "$MNT"
for f in a b c; do
	dd if=/dev/urandom of="$MNT/$f" bs=1M count=1 status=none
done
sync
printf 'poll_interval_ms = 200\nlog_level = debug\nfmap_revalidate_ms = 0\n' >"$TMP/conf"
aattsd_start "$TMP/conf" --record "$EV"
ktap_check "aattsd --record answers, the observers loaded" \
	"$(grep -c 'observers loaded' "$LOG")" = 1
ktap_check "capabilities: cap_dac_read_search and cap_net_admin kept" \
	"$(q .capabilities '{"v":1,"op":"hello"}')" = "cap_dac_read_search,cap_net_admin=ep"

for f in a b c; do
	cold_read "$MNT/$f"
done
ktap_test "three cold reads recorded within 5 s" until_true 5 '[ "$(rstat recorded)" -ge 3 ]'
r0=$(rstat recorded)
c0=$(rstat cached)
dd if="$MNT/c" of=/dev/null bs=64K status=none	# c, read last: in the page cache
until_true 5 '[ "$(rstat cached)" -gt "$c0" ]'
sleep 1	# a tick or more: a wrongly recorded range would show
ktap_check "a read from the page cache: counted cached, not recorded" \
	"$(( $(rstat cached) > c0 )):$(rstat recorded)" = "1:$r0"

d0=$(rstat declared)
dd if=/dev/urandom of="$MNT/c" bs=1M count=1 conv=notrunc status=none
cold_read "$MNT/c"
ktap_test "c rewritten and read: declared again" until_true 5 '[ "$(rstat declared)" -gt "$d0" ]'
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
ktap_check "SIGTERM: exit 0" "$rc" = 0

ktap_check "the record starts 'aatts-events 1'" "$(head -n 1 "$EV")" = "aatts-events 1"
"$TRACE" events "$EV" >"$TMP/trace" 2>"$TMP/trace.err"
ktap_result "aatts-trace converts it" $?
ktap_check "no byte in no extent" "$(grep -c ' 0 bytes in no extent dropped' "$TMP/trace")" = 1
bytes=$(awk '$1 == "R" { n += $3 } END { print n + 0 }' "$TMP/trace")
[ "$bytes" = $((4 << 20)) ] || grep -v '^X' "$EV" | sed 's/^/# /'
ktap_check "4 MiB of reads that reached the device: a, b, c, c again" "$bytes" = $((4 << 20))
# The trace's device offsets: a's first byte, b's, c's, in that order.
first=$(for f in a b c; do
	off=$(first_phys "$MNT/$f")
	awk -v o="$off" '$1 == "R" && $2 == o { print NR; exit }' "$TMP/trace"
done | paste -sd ' ')
ktap_check "the trace reads a's, b's and c's first device bytes in that order ($first)" \
	"$(tr ' ' '\n' <<<"$first" | sort -n | paste -sd ' '):$(wc -w <<<"$first")" = "$first:3"
grep -E 'observers|record' "$LOG" | head -n 20 | sed 's/^/# log: /'
ktap_check "the log has no sanitizer report" "$(grep -c -e 'Sanitizer' -e 'runtime error' "$LOG")" = 0
ktap_finish
