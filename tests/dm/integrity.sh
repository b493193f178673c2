#!/bin/bash
# Documented integrity behaviour of the datapath, each checked on the data
# a read returns or on a counter, on request-based tiers (null_blk,
# scsi_debug) whose faults tests/lib/nullb.sh injects:
#  1. restore_fast drops every copy: copies resident, fast tier failed
#     (error_threshold 1), new data written while failed, restore_fast:
#     fast_blocks_used 0 and the device reads the new data;
#  2. write-zeroes (scsi_debug WRITE SAME, fallocate --punch-hole: no
#     fallback to writes) drops exactly the copies of the zeroed blocks
#     (tiers.sh checks the zeros only);
#  3. a failed fast-tier update of a resident copy drops the copy, counts a
#     fast error, and the write still succeeds; the device reads it;
#  4. a slow-tier write error fails the write (EIO), drops the copy it
#     touched (the fast leg succeeded: the copy held data the slow tier
#     does not) and counts a slow error;
#  5. an empty flush reaches both tiers (the flush counters of
#     /sys/block/<dev>/stat, null_blk with a write cache); REQ_FUA of an
#     O_DSYNC direct write reaches both (block_rq_issue tracepoint, rwbs);
#  6. suspend drops the queued promotions and waits for the copies in
#     flight (slow tier's reads delayed 1 s by dm-delay, 1 copy/s); the
#     sysfs directory goes on suspend and comes back on resume;
#  8. the promotion queue holds at most 4096 entries (4 KiB blocks, 8192
#     slots, 1 copy/s); read misses while it is full are not admitted:
#     nothing reserved, nothing dropped (promotions_dropped stays 0);
# 10. DM_TARGET_SINGLETON: a table with two aatts targets, or aatts and
#     another target, is refused with device-mapper's message.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/nullb.sh

DEV=aatts_t_integ
MNT=/dev/mapper/$DEV
TRACE=/sys/kernel/tracing

TMP=$(mktemp -d)
cleanup() {
	[ -d $TRACE/events/block ] &&
		echo 0 >$TRACE/events/block/block_rq_issue/enable 2>/dev/null
	dm_remove $DEV aatts_t_integ2 aatts_t_islowd
	nullb_remove islow ifast
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
	scsi_debug_remove
	rm -rf "$TMP"
}
trap cleanup EXIT

counter() { aatts_stat $DEV "$1"; }
# dm_disk: the device's dm-N (the /dev/mapper node is not a link here).
dm_disk() { dmsetup info -c --noheadings -o blkdevname $DEV; }
resident() { counter fast_blocks_used; }

# reads_as BS SKIP COUNT FILE: the device reads FILE's bytes there, and so
# does the slow tier ($SLOW).
reads_as() {
	read_blocks $MNT "$1" "$2" "$3" "$TMP/dev" &&
	read_blocks "$SLOW" "$1" "$2" "$3" "$TMP/slow" &&
	[ -s "$4" ] && cmp "$TMP/dev" "$4" && cmp "$TMP/slow" "$4"
}

# put BS SEEK FILE: writes FILE through the device (direct).
put() {
	dd if="$3" of=$MNT bs="$1" seek="$2" oflag=direct status=none
}

# random NAME SIZE: a file of SIZE random bytes in $TMP.
random() { head -c "$2" /dev/urandom >"$TMP/$1" && echo "$TMP/$1"; }

# tiers SLOW_MIB FAST_MIB [ATTR=VALUE...]: fresh null_blk tiers.
tiers() {
	local s=$1 f=$2
	shift 2
	nullb_remove islow ifast
	SLOW=$(nullb_create islow "$s" "$@") && FAST=$(nullb_create ifast "$f" "$@")
}

# status_field FIELD: a field of 'dmsetup status' by position after the
# target name (1: block_size ... 13: inflight_migrations).
status_field() {
	dmsetup status $DEV | awk -v f="$1" '$3 == "aatts" { print $(f + 3) }'
}

# section NAME: names a section and when it starts, for the run's timing.
section() { ktap_diag "$1: starts at ${SECONDS}s"; }

nullb_setup || { echo "Bail out! null_blk with configfs is missing"; exit 1; }

ktap_plan 54

# --- 1. restore_fast drops every copy --------------------------------
section "1"
tiers 64 8
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 4 policy lru error_threshold 1"
old=$(random old 4M)
put 1M 0 "$old" && promote_all 4
r0=$(resident)
ktap_check "1: the 32 blocks written are resident ($r0)" "${r0:-0}" -eq 32
# Every fast sector fails: the first hit fails the tier (threshold 1).
nullb_badblocks ifast + 0 $((8 * 2048 - 1))
reads_as 1M 0 4 "$old"
ktap_check "1: a failing fast read is served from the slow tier; state $(counter state)" \
	"$?:$(counter state)" = 0:failed
new=$(random new 4M)
put 1M 0 "$new"
ktap_result "1: a write while failed succeeds (slow tier only)" $?
r1=$(resident)
ktap_check "1: stale copies still counted before restore_fast ($r1)" "${r1:-0}" -gt 0
nullb_badblocks ifast - 0 $((8 * 2048 - 1))
dmsetup message $DEV 0 restore_fast
ktap_result "1: restore_fast" $?
ktap_check "1: restore_fast dropped every copy: fast_blocks_used $(resident), state $(counter state)" \
	"$(resident):$(counter state)" = 0:running
ktap_test "1: the device reads the data written while failed" reads_as 1M 0 4 "$new"
promote_all 4
ktap_check "1: caching resumes: 32 blocks resident again ($(resident))" "$(resident)" -eq 32
ktap_test "1: and they hold the new data" reads_as 1M 0 4 "$new"
dm_remove $DEV
nullb_remove islow ifast

# --- 2. write-zeroes drops the copies of what it zeroed --------------
section "2"
# The fast tier must take write-zeroes too, or device-mapper offers none:
# a loop device over a tmpfs file does, null_blk does not.
modprobe loop
SLOW=$(scsi_debug_create 64) && LOOP=$(loop_dev 16) && FAST=$LOOP
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 4 policy lru error_threshold 0"
old=$(random old 8M)
put 1M 0 "$old" && promote_all 8
r0=$(resident)
ktap_check "2: 64 blocks resident ($r0)" "${r0:-0}" -eq 64
i0=$(counter invalidations)
# --punch-hole on a block device is write-zeroes without fallback to writes.
wz=$(cat "/sys/block/$(dm_disk)/queue/write_zeroes_max_bytes")
ktap_check "2: the device takes write-zeroes ($wz bytes at most)" "${wz:-0}" -gt 0
fallocate --punch-hole -o 1M -l 4M $MNT
ktap_result "2: write-zeroes of 4 MiB (fallocate --punch-hole)" $?
ktap_check "2: exactly the 32 zeroed blocks dropped: resident $r0 -> $(resident), invalidations +$(($(counter invalidations) - i0))" \
	"$(resident):$(($(counter invalidations) - i0))" = "$((r0 - 32)):32"
head -c 4M /dev/zero >"$TMP/zero4"
dd if="$old" of="$TMP/exp" bs=1M count=8 status=none &&
	dd if="$TMP/zero4" of="$TMP/exp" bs=1M seek=1 conv=notrunc status=none
ktap_test "2: the device reads zeros there and the old data around them" \
	reads_as 1M 0 8 "$TMP/exp"
dm_remove $DEV
losetup -d "$LOOP" && LOOP=
scsi_debug_remove

# --- 3. a failed fast-tier update drops the copy, the write succeeds ---
section "3"
tiers 64 8
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 4 policy lru error_threshold 0"
old=$(random old 4M)
put 1M 0 "$old" && promote_all 4
r0=$(resident)
ktap_check "3: 32 blocks resident ($r0)" "${r0:-0}" -eq 32
fe0=$(counter fast_errors)
nullb_badblocks ifast + 0 $((8 * 2048 - 1))
# One 4 KiB bio into resident block 5: its update fails on the fast tier.
cp "$old" "$TMP/exp"
new=$(random new 4K)
dd if="$new" of="$TMP/exp" bs=4K seek=$((5 * 32 + 3)) conv=notrunc status=none
put 4K $((5 * 32 + 3)) "$new"
ktap_result "3: the write succeeds although its fast-tier update fails" $?
ktap_check "3: the copy is dropped ($r0 -> $(resident)) and a fast error counted ($fe0 -> $(counter fast_errors))" \
	"$(resident):$(counter fast_errors)" = "$((r0 - 1)):$((fe0 + 1))"
ktap_check "3: the tier stays in service (threshold 0)" "$(counter state)" = running
nullb_badblocks ifast - 0 $((8 * 2048 - 1))
ktap_test "3: the device reads the new data" reads_as 1M 0 4 "$TMP/exp"

# --- 4. a slow-tier write error drops the copy it touched ------------
section "4"
r0=$(resident)
se0=$(counter slow_errors)
h0=$(counter write_hits)
nullb_badblocks islow + $((9 * 256)) $((9 * 256 + 255))
put 4K $((9 * 32)) "$(random bad 4K)" 2>"$TMP/err"
rc=$?
ktap_check "4: a write to resident block 9 fails: $(cat "$TMP/err")" \
	"$rc:$(grep -c 'Input/output error' "$TMP/err")" = 1:1
ktap_check "4: it was a write hit (write_hits $h0 -> $(counter write_hits))" \
	"$(counter write_hits)" = $((h0 + 1))
ktap_check "4: its copy is dropped ($r0 -> $(resident)), slow_errors $se0 -> $(counter slow_errors)" \
	"$(resident):$(counter slow_errors)" = "$((r0 - 1)):$((se0 + 1))"
nullb_badblocks islow - $((9 * 256)) $((9 * 256 + 255))
ktap_test "4: the device reads what the slow tier kept (the old data)" \
	reads_as 1M 0 4 "$TMP/exp"
# A read miss whose slow-tier read fails: the slot reserved to be filled
# from it is given up, nothing of the failed read is kept.
r0=$(resident)
se0=$(counter slow_errors)
pf0=$(counter promotions_failed)
m0=$(counter read_misses)
nullb_badblocks islow + $((40 * 256)) $((40 * 256 + 255))
dd if=$MNT of="$TMP/b40" bs=128K skip=40 count=1 iflag=direct status=none \
	2>"$TMP/err"
rc=$?
ktap_check "4: a read miss of block 40 fails with the slow tier's error: $(cat "$TMP/err")" \
	"$rc:$(grep -c 'Input/output error' "$TMP/err"):$(($(counter read_misses) - m0))" = 1:1:1
ktap_check "4: its fill is given up: resident $r0 -> $(resident), promotions_failed $pf0 -> $(counter promotions_failed), slow_errors $se0 -> $(counter slow_errors)" \
	"$(resident):$(counter promotions_failed):$(counter slow_errors)" = \
	"$r0:$((pf0 + 1)):$((se0 + 1))"
nullb_badblocks islow - $((40 * 256)) $((40 * 256 + 255))
read_blocks "$SLOW" 128K 40 1 "$TMP/b40.slow"
dd if=$MNT of=/dev/null bs=128K skip=40 count=1 iflag=direct status=none
until_true 10 '[ "$(resident)" = $((r0 + 1)) ]'
ktap_check "4: once the slow tier reads again, the miss fills the block ($r0 -> $(resident))" \
	"$(resident)" = $((r0 + 1))
ktap_test "4: and the device reads the slow tier's data there" \
	reads_as 128K 40 1 "$TMP/b40.slow"
dm_remove $DEV
nullb_remove islow ifast

# --- 5. flushes and FUA reach both tiers -----------------------------
section "5"
# A write cache (cache_size) makes null_blk take flushes and FUA itself.
tiers 64 8 cache_size=4
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 2 policy lru"
# flushes NAME: the flush requests the disk completed (/sys/block stat 16).
flushes() { awk '{ print $16 }' "/sys/block/$1/stat"; }
fs0=$(flushes islow)
ff0=$(flushes ifast)
ktap_check "5: the tiers count flushes ($fs0, $ff0)" "${fs0:-x}:${ff0:-x}" != x:x
sync $MNT
ktap_result "5: fsync of the device" $?
ktap_check "5: the flush reached the slow tier (flushes $fs0 -> $(flushes islow))" \
	"$(flushes islow)" -gt "${fs0:-0}"
ktap_check "5: and the fast tier (flushes $ff0 -> $(flushes ifast))" \
	"$(flushes ifast)" -gt "${ff0:-0}"
fua=$(cat "/sys/block/$(dm_disk)/queue/fua")
ktap_check "5: the device offers FUA ($fua)" "$fua" = 1
dmsetup message $DEV 0 promote $((2 * 256)) 256 >/dev/null && aatts_settle $DEV
ktap_check "5: block 2 resident" "$(resident)" = 1
mountpoint -q $TRACE || mount -t tracefs nodev $TRACE
ev=$TRACE/events/block/block_rq_issue
if [ -w $ev/enable ]; then
	echo >$TRACE/trace
	echo 1 >$ev/enable
	# O_DSYNC direct writes carry REQ_FUA.
	dd if="$(random fua 4K)" of=$MNT bs=4K seek=$((2 * 32 + 1)) \
		oflag=direct,dsync status=none
	rc=$?
	echo 0 >$ev/enable
	cp $TRACE/trace "$TMP/trace"
	ktap_diag "$(grep block_rq_issue "$TMP/trace" | sed 's/.*block_rq_issue: //')"
	# fua_writes DEV: writes with REQ_FUA issued to DEV (rwbs "W" then "F").
	fua_writes() {
		local mm
		mm=$(dm_devno_of "$1" | tr : ,)
		awk -v mm="$mm" '$0 !~ /^#/ {
			for (i = 1; i < NF; i++)
				if ($i == mm && $(i + 1) ~ /^F?WF/) n++
		} END { print n + 0 }' "$TMP/trace"
	}
	ktap_check "5: an O_DSYNC direct write to resident block 2 succeeds" "$rc" = 0
	ktap_check "5: REQ_FUA reached the slow tier ($(fua_writes "$SLOW") FUA writes)" \
		"$(fua_writes "$SLOW")" -ge 1
	ktap_check "5: and the fast tier with the update ($(fua_writes "$FAST") FUA writes)" \
		"$(fua_writes "$FAST")" -ge 1
else
	for t in "write succeeds" "FUA on the slow tier" "FUA on the fast tier"; do
		ktap_result "5: $t: no block_rq_issue tracepoint in tracefs" 1
	done
fi
dm_remove $DEV
nullb_remove islow ifast

# --- 6. suspend: queued promotions dropped, copies in flight waited for ---
section "6"
tiers 64 16
# Reads of the slow tier take 1 s: each copy is in flight that long.
dm_create aatts_t_islowd "0 $((64 * 2048)) delay $SLOW 0 1000 $SLOW 0 0"
dm_create $DEV "0 $((64 * 2048)) aatts /dev/mapper/aatts_t_islowd $FAST 256 6 policy lru migration_inflight 256 migration_bandwidth 256"
sysdir=$(aatts_sysfs $DEV)
n=$(dmsetup message $DEV 0 promote 0 $((64 * 256)))
sleep 1.5
q0=$(counter queued_migrations)
f0=$(counter inflight_migrations)
ktap_check "6: promote of 64 blocks at 1 copy/s: $n started, $q0 queued, $f0 in flight" \
	"${n:-0}:$((q0 >= 50)):$f0" = "64:1:1"
dmsetup suspend $DEV
ktap_result "6: suspend" $?
fl=$(status_field 13)
ktap_check "6: no copy in flight once suspended (status: $fl)" "$fl" = 0
ktap_check "6: /sys/kernel/aatts/${sysdir##*/} is gone while suspended" \
	"${sysdir:-x}:$([ -e "$sysdir" ] && echo present)" = "$sysdir:"
dmsetup resume $DEV
ktap_result "6: resume" $?
ktap_check "6: the sysfs directory is back ($(aatts_sysfs $DEV))" "$(aatts_sysfs $DEV)" = "${sysdir:-x}"
q1=$(counter queued_migrations)
r1=$(resident)
ktap_check "6: the queued promotions were dropped: queued $q1, $r1 of 64 blocks copied" \
	"$q1:$((r1 < 32))" = 0:1
sleep 2
ktap_check "6: and none is copied after the resume ($r1 -> $(resident))" "$(resident)" = "$r1"
dm_remove $DEV aatts_t_islowd
nullb_remove islow ifast

# --- 8. the promotion queue limit ------------------------------------
section "8"
# 4 KiB blocks: 8192 slots, a pool of 4096 entries; one copy per second.
tiers 64 32
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 8 6 policy lru migration_inflight 8 migration_bandwidth 8"
dmsetup message $DEV 0 promote 0 $((6000 * 8)) >/dev/null 2>"$TMP/err" &
pid=$!
# Sampled until 5 samples after it reached 4000 (10 s at most), read
# without a fork: the counters are read in the guest under TCG.
sysdir=$(aatts_sysfs $DEV)
max=0
after=0
for i in $(seq 50); do
	read -r q <"$sysdir/queued_migrations" || break
	[ "$q" -gt "$max" ] && max=$q
	[ "$max" -ge 4000 ] && after=$((after + 1))
	[ "$after" -ge 5 ] && break
	sleep 0.2
done
ktap_check "8: a promote of 6000 blocks fills the queue to the limit: at most $max queued" \
	"$((max >= 4000 && max <= 4096))" = 1
ktap_check "8: the promote waits for room instead of dropping (still running; dropped $(counter promotions_dropped))" \
	"$(kill -0 $pid 2>/dev/null && echo running):$(counter promotions_dropped)" = running:0
# 64 read misses (blocks 10240..10303) while the promote keeps the queue
# full: a read may take an entry only in the moment between a copy
# freeing it and the promote taking it again.
m0=$(counter read_misses)
e0=$(counter evictions)
d0=$(counter promotions_dropped)
dd if=$MNT of=/dev/null bs=256K skip=160 count=1 iflag=direct status=none
ktap_result "8: read misses while the queue is full succeed" $?
ktap_check "8: they reach the policy (read_misses +$(($(counter read_misses) - m0)))" \
	"$(($(counter read_misses) - m0))" -ge 64
d1=$(counter promotions_dropped)
ktap_check "8: and are counted as dropped: promotions_dropped +$((d1 - d0)) (63 or 64)" \
	"$((d1 - d0 >= 63 && d1 - d0 <= 64))" = 1
h0=$(counter read_hits)
dd if=$MNT of=/dev/null bs=256K skip=160 count=1 iflag=direct status=none
h1=$(counter read_hits)
ktap_check "8: and are not admitted: $((h1 - h0)) of the 64 resident after (at most 1), evictions +$(($(counter evictions) - e0))" \
	"$((h1 - h0 <= 1)):$(($(counter evictions) - e0))" = 1:0
kill -9 $pid
wait $pid 2>/dev/null
dm_remove $DEV
nullb_remove islow ifast

# --- 10. DM_TARGET_SINGLETON -----------------------------------------
section "10"
tiers 64 8
# refused NAME TABLE: the table is refused, no device is left, and the
# kernel log gives device-mapper's singleton message.
refused() {
	local n0
	n0=$(dmesg | grep -c 'must appear alone in table')
	if printf '%b' "$2" | dmsetup create "$1" 2>/dev/null; then
		dmsetup remove "$1"
		return 1
	fi
	dmsetup info "$1" >/dev/null 2>&1 && return 1
	[ "$(dmesg | grep -c 'must appear alone in table')" -gt "$n0" ]
}
ktap_test "10: two aatts targets in one table are refused" refused aatts_t_integ2 \
	"0 65536 aatts $SLOW $FAST 256\n65536 65536 aatts $SLOW $FAST 256\n"
ktap_test "10: aatts followed by linear is refused" refused aatts_t_integ2 \
	"0 65536 aatts $SLOW $FAST 256\n65536 65536 linear $SLOW 0\n"
ktap_test "10: linear followed by aatts is refused" refused aatts_t_integ2 \
	"0 65536 linear $SLOW 0\n65536 65536 aatts $SLOW $FAST 256\n"
ktap_test "10: a table of aatts alone loads" dm_create aatts_t_integ2 \
	"0 65536 aatts $SLOW $FAST 256"
dm_remove aatts_t_integ2
ktap_diag "done at ${SECONDS}s"
ktap_finish
