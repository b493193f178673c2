#!/bin/bash
# aattsctl on files of an ext4 file system on an aatts device: prefetch,
# residency (checked against the sysfs counters), demote, pin/unpin,
# batches of more than AATTS_RANGES_MAX ranges, hints load + epoch commit
# (their effect seen through isa's min_score), and the error cases.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/ctl.sh

DEV=aatts_t_ctlfs
MNT=$(mktemp -d)
SRC=$(mktemp -d)
cleanup() {
	fsfreeze --unfreeze "$MNT" 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV
	rm -rf "$OUT" "$ERR" "$SRC"
	rmdir "$MNT"
}
trap cleanup EXIT

st() { aatts_stat $DEV "$1"; }
# res FILE FIELD: a field of 'residency --json' for FILE.
res() { "$CTL" residency $DEV --json "$1" | jq -r ".[0].$2"; }
# count: the block count in the last prefetch/demote output.
count() { sed -n 's/.* \([0-9]*\) blocks .*/\1/p' "$OUT"; }

ktap_plan 39
dm_remove $DEV
ram_zero 8 /dev/ram2
run create $DEV --slow /dev/ram2 --fast /dev/ram3 --block-size 64K --policy lru
ktap_result "create $DEV" $RC
SIZE=$((RAM_SECTORS * 512))
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/$DEV &&
	mount /dev/mapper/$DEV "$MNT"
ktap_result "mkfs.ext4 and mount on $DEV" $?
head -c 8M /dev/urandom >"$SRC/f1"
head -c 4M /dev/urandom >"$SRC/f2"
cp "$SRC/f1" "$SRC/f2" "$MNT/" && sync
ktap_result "write two files" $?
F1=$MNT/f1
F2=$MNT/f2

# --- errors --------------------------------------------------------------
expect "prefetch of a file on another device: names both devices" 1 \
	"$SRC/f1: on device .*, not on the aatts device $DEV (" prefetch $DEV "$SRC/f1"
expect "residency of a file on another device: exit 1" 1 \
	"not on the aatts device" residency $DEV "$SRC/f1"
expect "prefetch of a missing file: exit 1" 1 "No such file" prefetch $DEV "$MNT/none"
expect "prefetch on a device that does not exist: exit 1" 1 "No such aatts device" \
	prefetch nosuch "$F1"

# --- demote everything, prefetch one file ----------------------------------
aatts_settle $DEV
run demote $DEV --range 0:$SIZE
ktap_result "demote the whole device" $RC
ktap_check "no block resident after it" "$(st fast_blocks_used)" -eq 0
t0=$(date +%s%N)
b1=$(res "$F1" blocks)
ktap_diag "residency of an 8 MiB file (FIEMAP + RESIDENCY_GET): $((($(date +%s%N) - t0) / 1000000)) ms"
ktap_check "f1: 8 MiB of extents, 128..130 blocks ($b1)" "$(res "$F1" bytes):$((b1 >= 128 && b1 <= 130))" = "8388608:1"
p0=$(st promotions)
run prefetch $DEV "$F1"
ktap_check "prefetch f1 started $b1 promotions ($(count))" "$RC:$(count)" = "0:$b1"
aatts_settle $DEV
ktap_check "residency f1: every byte resident" "$(res "$F1" resident_bytes)" = 8388608
ktap_check "residency f1: every block resident" "$(res "$F1" resident_blocks)" = "$b1"
ktap_check "sysfs fast_blocks_used equals f1's resident blocks" "$(st fast_blocks_used)" = "$b1"
ktap_check "sysfs promotions grew by $b1" "$(($(st promotions) - p0))" = "$b1"
run residency $DEV "$F1" "$F2"
ktap_check "residency (table): f1 100.0%, f2 at most 2 blocks (shared edges)" \
	"$(awk 'NR == 2 { print $NF }' "$OUT"):$(awk 'NR == 3 { split($3, a, "/"); print (a[1] <= 2) }' "$OUT")" = "100.0:1"
echo 3 >/proc/sys/vm/drop_caches
h0=$(st read_hits)
cmp "$SRC/f1" "$F1"
ktap_result "f1 reads back intact" $?
ktap_check "and from the fast tier ($(($(st read_hits) - h0)) read hits)" "$(($(st read_hits) - h0))" -ge "$b1"

# --- demote, pin, unpin ------------------------------------------------------
run demote $DEV "$F1"
ktap_check "demote f1 dropped $b1 blocks" "$RC:$(count)" = "0:$b1"
ktap_check "residency f1: nothing resident" "$(res "$F1" resident_blocks):$(res "$F1" resident_bytes)" = "0:0"
b2=$(res "$F2" blocks)
run pin $DEV "$F2"
ktap_result "pin f2" $RC
aatts_settle $DEV
ktap_check "sysfs pinned_blocks is f2's $b2 blocks" "$(st pinned_blocks)" = "$b2"
ktap_check "residency f2: every block resident" "$(res "$F2" resident_blocks)" = "$b2"
run unpin $DEV "$F2"
ktap_check "unpin f2: pinned_blocks 0, still resident" \
	"$RC:$(st pinned_blocks):$(res "$F2" resident_blocks)" = "0:0:$b2"

# --- batches: 1500 disjoint ranges, more than AATTS_RANGES_MAX -------------
run demote $DEV --range 0:$SIZE
args=()
for i in $(seq 0 1499); do
	args+=(--range $((i * 131072)):4K)
done
# The ranges cover ext4's metadata too: frozen, the file system writes
# nothing (a journal commit) that would drop a copy in flight.
sync
fsfreeze --freeze "$MNT"
t0=$(date +%s%N)
run prefetch $DEV "${args[@]}"
ktap_diag "prefetch of 1500 ranges (2 PREFETCH messages): $((($(date +%s%N) - t0) / 1000000)) ms"
ktap_check "prefetch of 1500 ranges in two batches: 1500 promotions" "$RC:$(count)" = "0:1500"
aatts_settle $DEV
# counters: the device's counters, one line (a failure's diagnostic).
counters() { ktap_diag "$(dmsetup status $DEV)"; }
KTAP_FAIL_HOOK=counters ktap_check "sysfs fast_blocks_used 1500" "$(st fast_blocks_used)" = 1500
fsfreeze --unfreeze "$MNT"
run demote $DEV --range 0:$SIZE

# --- hints and epochs, seen through isa's min_score ------------------------
run policy set $DEV isa min_score=150
ktap_result "policy isa min_score=150" $RC
printf '# scores\n%s 100\n\n%s   200\n' "$F1" "$F2" >"$SRC/hints"
e0=$(st epochs)
n0=$(st hints)
run hints load $DEV "$SRC/hints" --no-commit
staged=$(sed -n 's/.*staged \([0-9]*\) ranges.*/\1/p' "$OUT")
ktap_check "hints load --no-commit staged ranges (sysfs hints +$staged)" \
	"$RC:$(($(st hints) - n0))" = "0:$staged"
ktap_check "no epoch committed" "$(st epochs)" = "$e0"
run prefetch $DEV "$F2"
ktap_check "before the commit isa refuses f2 (score 0 < 150)" "$RC:$(count)" = "0:0"
run epoch commit $DEV
ktap_check "epoch commit: sysfs epochs +1" "$RC:$(($(st epochs) - e0))" = "0:1"
run prefetch $DEV "$F2"
ktap_check "after it isa admits f2 (score 200): $b2 promotions" "$RC:$(count)" = "0:$b2"
run prefetch $DEV "$F1"
ktap_check "and still refuses f1 (score 100)" "$RC:$(count)" = "0:0"
aatts_settle $DEV
r1=$(res "$F1" resident_blocks)
printf '%s 300\n' "$F1" >"$SRC/hints1"
run hints load $DEV "$SRC/hints1"
ktap_check "hints load commits the epoch" "$RC:$(($(st epochs) - e0))" = "0:2"
run prefetch $DEV "$F1"
ktap_check "now isa admits f1 (score 300): $((b1 - r1)) promotions" "$RC:$(count)" = "0:$((b1 - r1))"

# --- hints file errors -------------------------------------------------------
printf '%s 100\n%s many\n' "$F1" "$F2" >"$SRC/bad"
expect "hints file with a bad score: exit 1 naming line 2" 1 "bad: line 2: score" \
	hints load $DEV "$SRC/bad"
printf '%s 100\n%s 2147483648\n' "$F1" "$F2" >"$SRC/bad"
expect "hints file with a score above the maximum: line 2" 1 "line 2: score above" \
	hints load $DEV "$SRC/bad"
printf '%s 100\n%s/none 5\n' "$F1" "$MNT" >"$SRC/bad"
expect "hints file naming a missing file: exit 1, line 2" 1 "line 2" \
	hints load $DEV "$SRC/bad"

umount "$MNT"
run remove $DEV
ktap_result "umount and remove" $RC
ktap_finish
