#!/bin/bash
# The eBPF read observers (ebpf/, aatts-observe) on ext4 on an aatts device:
# dd reads of known offsets and lengths come back as ranges with the file's
# inode, generation and device; a sequential 8 MiB read as a few ranges,
# not one per page; MISSED when cold, CACHED when re-read; page faults on a
# mapping as MMAP; a file on a device that is not watched (ext4 on plain
# brd) is not reported; --pid reports only that process; --prompt gives a
# run's first read at once and ends a run when its reader turns to
# another file; --probe; two watched devices in one slot of the filter.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/ctl.sh

OBS=${AATTS_BIN:-build/bin}/aatts-observe
DEV=aatts_t_ebpf
MNT=$(mktemp -d)
PLAIN=$(mktemp -d)
TMP=$(mktemp -d)
OBS_PID=
cleanup() {
	[ -n "$OBS_PID" ] && kill "$OBS_PID" 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	mountpoint -q "$PLAIN" && umount "$PLAIN"
	dm_remove $DEV
	rm -rf "$OUT" "$ERR" "$TMP"
	rmdir "$MNT" "$PLAIN"
}
trap cleanup EXIT

# observe_start FILE ARGS...: aatts-observe ARGS in the background, ranges
# into FILE, its stderr into FILE.err; returns once it is attached.
observe_start() {
	local out=$1 i
	shift
	"$OBS" "$@" >"$out" 2>"$out.err" &
	OBS_PID=$!
	for i in $(seq 300); do
		grep -q '^aatts-observe: observing' "$out.err" && return 0
		kill -0 "$OBS_PID" 2>/dev/null || break
		sleep 0.1
	done
	ktap_diag "aatts-observe did not start: $(cat "$out.err")"
	return 1
}

# observe_stop: SIGINT (flushes the open runs), its exit status.
observe_stop() {
	local rc
	kill -INT "$OBS_PID"
	wait "$OBS_PID"
	rc=$?
	OBS_PID=
	return $rc
}

# bg_dd ARGS...: dd ARGS status=none in the background, waited for; its
# pid in $DD_PID, its status in $DD_RC.
bg_dd() {
	dd "$@" status=none &
	DD_PID=$!
	wait $DD_PID
	DD_RC=$?
}

# Fields of the ranges: 1 time 2 tgid 3 tid 4 cgroup 5 dev 6 ino 7 gen
# 8 offset 9 length 10 flags.
# of_pid FILE PID: the ranges of one process.
of_pid() { awk -v p="$2" '$2 == p' "$1"; }

ktap_plan 34

# --- probe -----------------------------------------------------------------
"$OBS" --probe >"$TMP/probe" 2>&1
rc=$?
ktap_diag "$(cat "$TMP/probe")"
ktap_check "--probe exits 0 and says the observers can run" \
	"$rc:$(grep -c '^observers: can run$' "$TMP/probe")" = "0:1"
ktap_check "--probe names the running kernel" \
	"$(awk '/^kernel:/ { print $2 }' "$TMP/probe")" = "$(uname -r)"
ktap_check "--probe: every hook point is there on this kernel" \
	"$(grep -c '^hook .*: ok$' "$TMP/probe")" -eq 5
"$OBS" --probe extra >/dev/null 2>&1
ktap_check "a usage error exits 2" $? -eq 2

# --- file systems --------------------------------------------------------------
dm_remove $DEV
ram_zero 8 /dev/ram4
run create $DEV --slow /dev/ram4 --fast /dev/ram5 --block-size 64K --policy lru
ktap_result "create $DEV" $RC
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/$DEV &&
	mount /dev/mapper/$DEV "$MNT" &&
	mkfs.ext4 -q -F /dev/ram6 && mount /dev/ram6 "$PLAIN"
ktap_result "ext4 on $DEV and on plain /dev/ram6" $?
head -c 8M /dev/urandom >"$MNT/big" &&
	head -c 1M /dev/urandom >"$MNT/small" &&
	head -c 1M /dev/urandom >"$MNT/mapped" &&
	head -c 1M /dev/urandom >"$PLAIN/other" && sync
ktap_result "write the files" $?
DEVNO=$(dm_devno $DEV)
BIG_INO=$(stat -c %i "$MNT/big")
SMALL_INO=$(stat -c %i "$MNT/small")
BIG_GEN=$(lsattr -v "$MNT/big" | awk '{ print $1 }')
ktap_diag "$DEV is $DEVNO; big: inode $BIG_INO generation $BIG_GEN; small: inode $SMALL_INO"

# --- one observer, several readers ---------------------------------------------
R=$TMP/ranges
observe_start "$R" /dev/mapper/$DEV
ktap_result "aatts-observe attached, watching $DEVNO" $?
echo 3 >/proc/sys/vm/drop_caches
bg_dd if="$MNT/big" of=/dev/null bs=64K
COLD=$DD_PID
bg_dd if="$MNT/big" of=/dev/null bs=64K
WARM=$DD_PID
bg_dd if="$MNT/small" of=/dev/null bs=1000 skip=3 count=5
CHUNK=$DD_PID
bg_dd if="$PLAIN/other" of=/dev/null bs=64K
OTHER=$DD_PID
echo 3 >/proc/sys/vm/drop_caches
/usr/bin/python3 -c '
import mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    s = sum(m[i] for i in range(0, len(m), 4096))
' "$MNT/mapped" &
MAPPER=$!
wait $MAPPER
MAP_RC=$?
observe_stop
ktap_result "aatts-observe exits 0 on SIGINT" $?
ktap_diag "$(cat "$R.err")"
ktap_diag "ranges: $(wc -l <"$R"), of the cold read: $(of_pid "$R" $COLD | wc -l)"
of_pid "$R" $COLD | head -n 5 | while read -r l; do ktap_diag "  $l"; done

# The cold read: 8 MiB from 0, contiguous, inode/generation/device right.
cold=$(of_pid "$R" $COLD | sort -n -k8 | awk -v d="$DEVNO" -v i="$BIG_INO" -v g="$BIG_GEN" '
	{ n++; if ($5 != d || $6 != i || $7 != g) bad++
	  if ($8 != next_off) gap++; next_off = $8 + $9; total += $9 }
	END { printf "%d %d %d %d", n, total, bad + 0, gap + 0 }')
set -- $cold
ktap_check "cold 8 MiB read: ranges cover [0, 8 MiB) exactly ($cold)" "$2:$4" = "8388608:0"
ktap_check "cold read: device $DEVNO, inode $BIG_INO, generation $BIG_GEN in every range" "${3:-x}" = 0
ktap_check "cold read: 128 reads of 64 KiB came as 1..4 ranges, not one per page ($1)" \
	"$(( ${1:-0} >= 1 && ${1:-0} <= 4 ))" = 1
ktap_check "cold read: every range MISSED" \
	"$(of_pid "$R" $COLD | awk '$10 != "missed"' | wc -l):$1" = "0:$1"
warm=$(of_pid "$R" $WARM | awk '{ n++; t += $9; if ($10 != "cached") bad++ }
	END { printf "%d %d %d", n, t, bad + 0 }')
set -- $warm
ktap_check "re-read: 8 MiB in 1..4 ranges, every one CACHED ($warm)" \
	"$2:$(( ${1:-0} >= 1 && ${1:-0} <= 4 )):$3" = "8388608:1:0"
ktap_check "dd bs=1000 skip=3 count=5: one range, inode $SMALL_INO, offset 3000, length 5000" \
	"$(of_pid "$R" $CHUNK | awk '{ print NR, $6, $8, $9 }')" = "1 $SMALL_INO 3000 5000"
ktap_check "tid and tgid are the reader's" "$(of_pid "$R" $CHUNK | awk '{ print $3 }')" = "$CHUNK"
# The cgroup id: the reader's (not 0) where the kernel has cgroups; 0 in
# every range, and no load failure, on a kernel without (the debug kernel
# of make check-debug is built without CONFIG_CGROUPS).
if grep -q '^helper bpf_get_current_cgroup_id: ok$' "$TMP/probe"; then
	want_cg=nonzero
else
	want_cg=zero
fi
ktap_check "cgroup ids: $want_cg in every range, as the probe says" \
	"$(awk '{ z += ($4 == 0) } END { print (NR && z == NR) ? "zero" : (NR && z == 0) ? "nonzero" : "mixed" }' "$R")" = "$want_cg"
ktap_check "the file on plain /dev/ram6 is not reported" \
	"$(of_pid "$R" $OTHER | wc -l):$(awk -v d="$DEVNO" '$5 != d' "$R" | wc -l)" = "0:0"
if [ $MAP_RC = 0 ]; then
	of_pid "$R" $MAPPER | head -n 5 | while read -r l; do ktap_diag "  mmap: $l"; done
	mm=$(of_pid "$R" $MAPPER | sort -n -k8 | awk -v i="$(stat -c %i "$MNT/mapped")" '
		NR == 1 { first = $8 }
		{ all++ } $6 == i && $10 == "missed,mmap" { n++; t += $9 }
		END { printf "%d %d %d %d", n, all, t, first }')
	set -- $mm
	ktap_check "page faults on a 1 MiB mapping, read in order: 1..3 MISSED MMAP ranges from 0, of at most 1 MiB ($mm)" \
		"$(( ${1:-0} >= 1 && ${1:-0} <= 3 && $1 == ${2:-0} && ${3:-0} > 0 && ${3:-0} <= 1048576 )):${4:-x}" = 1:0
else
	ktap_skip "page faults on a mapping" "python3 mmap failed"
fi
ktap_check "drops 0 in the stats line" \
	"$(sed -n 's/.* \([0-9]*\) drops.*/\1/p' "$R.err")" = 0
reads=$(sed -n 's/.* \([0-9]*\) reads,.*/\1/p' "$R.err")
ktap_check "reads counted: at least the 256 of the two 8 MiB dd ($reads)" "${reads:-0}" -ge 256

# --- --pid ------------------------------------------------------------------
FIFO=$TMP/fifo
mkfifo "$FIFO"
(read -r _ <"$FIFO"; exec dd if="$MNT/small" of=/dev/null bs=4K status=none) &
TARGET=$!
P=$TMP/pid
observe_start "$P" --pid $TARGET /dev/mapper/$DEV
ktap_result "aatts-observe --pid $TARGET attached" $?
bg_dd if="$MNT/big" of=/dev/null bs=64K count=16
echo go >"$FIFO"
wait $TARGET
observe_stop
ktap_result "aatts-observe --pid exits 0" $?
ktap_check "--pid: the target's 1 MiB read is reported" \
	"$(of_pid "$P" $TARGET | awk '{ t += $9 } END { print t + 0 }')" = 1048576
ktap_check "--pid: nothing from any other process" \
	"$(awk -v p=$TARGET '$2 != p' "$P" | wc -l)" = 0

# --- --prompt (as aattsd loads them) ------------------------------------------
# One process reads 5 x 1000 bytes of small from 3000, then 64 KiB of big,
# then waits: small's head (its first read) and the rest of its run (ended
# when the reader turned to big) arrive while the reader still lives.
Q=$TMP/prompt
observe_start "$Q" --prompt /dev/mapper/$DEV
ktap_result "aatts-observe --prompt attached" $?
echo 3 >/proc/sys/vm/drop_caches
/usr/bin/python3 -c '
import os, sys, time
s = os.open(sys.argv[1], os.O_RDONLY)
for i in range(5):
    os.pread(s, 1000, 3000 + 1000 * i)
b = os.open(sys.argv[2], os.O_RDONLY)
os.pread(b, 65536, 0)
open(sys.argv[3], "w").close()
time.sleep(30)
' "$MNT/small" "$MNT/big" "$TMP/read" &
READER=$!
until_true 20 test -e "$TMP/read"
until_true 5 '[ "$(awk -v i="$SMALL_INO" '"'"'$6 == i'"'"' "$Q" | wc -l)" -ge 2 ]'
small=$(of_pid "$Q" $READER | awk -v i="$SMALL_INO" '$6 == i { print $8 "+" $9 }' | paste -sd ' ')
alive=$(kill -0 $READER 2>/dev/null && echo alive)
ktap_check "--prompt: small's first read came alone, then the rest of its run, the reader $alive ($small)" \
	"$small:$alive" = "3000+1000 4000+4000:alive"
kill $READER 2>/dev/null
wait $READER 2>/dev/null
observe_stop
ktap_check "--prompt: big's head (its first 64 KiB read) came while its run was open" \
	"$(of_pid "$Q" $READER | awk -v i="$BIG_INO" '$6 == i { print $8 "+" $9; exit }')" = "0+65536"

# --- a device that is not watched -------------------------------------------------
N=$TMP/none
observe_start "$N" "$(dm_devno_of /dev/ram6)"
ktap_result "aatts-observe on plain /dev/ram6 attached" $?
bg_dd if="$MNT/big" of=/dev/null bs=64K
observe_stop
ktap_check "a reader of $DEV is not reported when only /dev/ram6 is watched" \
	"$(wc -l <"$N")" = 0

# --- the filter's shared slot ---------------------------------------------------
# Every read on the host first loads the watched device's slot in a table
# (ebpf/reads.h); a slot two watched devices share sends the read to the
# map.  240:M (a local-use major: no device) takes $DEV's slot.
maj=${DEVNO%%:*} min=${DEVNO##*:}
twin="240:$(( (min + 97 * maj - 97 * 240) & 1023 ))"
S=$TMP/shared
observe_start "$S" "$twin" /dev/mapper/$DEV
ktap_result "aatts-observe on $twin (the slot of $DEVNO) and $DEV attached" $?
bg_dd if="$MNT/small" of=/dev/null bs=4096 count=2
observe_stop
ktap_check "a shared slot: the reader of $DEV is reported, one range of 8192 bytes" \
	"$(of_pid "$S" $DD_PID | awk '{ print $5, $8, $9 }')" = "$DEVNO 0 8192"
observe_start "$S.twin" "$twin"
ktap_result "aatts-observe on $twin alone attached" $?
bg_dd if="$MNT/small" of=/dev/null bs=4096 count=2
observe_stop
ktap_check "$twin alone in $DEVNO's slot: the reader of $DEV is not reported" \
	"$(wc -l <"$S.twin")" = 0

ktap_finish
