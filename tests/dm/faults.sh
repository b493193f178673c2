#!/bin/bash
# Fast-tier faults never reach the application and never corrupt data
# (Open CAS write-through semantics); too many take the fast tier out of
# service; slow-tier errors pass up unchanged.  The tiers are dm devices
# whose tables are swapped for dm-error or dm-flakey under the target.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

SLOWRAM=/dev/ram1
FASTRAM=/dev/ram2
DEV=aatts_t_faults
LEN=$((128 * 2048))
FAST_LEN=$((16 * 2048))
M=/dev/mapper/$DEV
FIO=(fio --filename=$M --ioengine=libaio --iodepth=8 --direct=1 --randseed=11
	--verify=crc32c --verify_fatal=1 --eta=never --output-format=terse)

cleanup() { dm_remove $DEV aatts_t_ffast aatts_t_fslow; }
trap cleanup EXIT

# swap NAME TABLE: replaces a live table.
swap() { dmsetup reload "$1" --table "$2" && dmsetup resume "$1"; }
fast_ok() { swap aatts_t_ffast "0 $FAST_LEN linear $FASTRAM 0"; }
fast_error() { swap aatts_t_ffast "0 $FAST_LEN error"; }
stat() { aatts_stat $DEV "$1"; }
rd() { dd if=$M bs=1M skip="$1" count="$2" iflag=direct status=none; }
ok_if() { local name=$1; shift; "$@" >/dev/null 2>&1; ktap_result "$name" $?; }

ktap_plan 16
cleanup
dm_create aatts_t_fslow "0 $LEN linear $SLOWRAM 0"
dm_create aatts_t_ffast "0 $FAST_LEN linear $FASTRAM 0"
ok_if "create (lru, error_threshold 0: never give up)" dm_create $DEV \
	"0 $LEN aatts $(dm_devno aatts_t_fslow) $(dm_devno aatts_t_ffast) 256 4 policy lru error_threshold 0"

a=$(mktemp); b=$(mktemp)
head -c 8M /dev/urandom >"$a"
head -c 8M /dev/urandom >"$b"
dd if="$a" of=$M bs=1M oflag=direct status=none
rd 0 8 >/dev/null
aatts_settle $DEV
used=$(stat fast_blocks_used)
ktap_check "8 MiB resident on the fast tier ($used blocks)" $used -eq 64

# --- the fast tier fails every I/O -------------------------------------
fast_error
ok_if "reads succeed with the data while every fast read fails" cmp "$a" <(rd 0 8)
ktap_check "fast-tier errors counted, one per failed read ($(stat fast_errors))" $(stat fast_errors) -ge 8
ktap_check "failed blocks dropped from the fast tier" $(stat fast_blocks_used) -eq 0
ok_if "writes succeed while the fast tier fails" \
	dd if="$b" of=$M bs=1M oflag=direct status=none
ok_if "and read back right" cmp "$b" <(rd 0 8)
ktap_check "state stays running with error_threshold 0" $(stat state) = running

# --- the threshold takes the fast tier out of service ------------------
dmsetup message $DEV 0 error_threshold $(($(stat fast_errors) + 4))
rd 16 16 >/dev/null	# misses: their promotions fail on the fast tier
aatts_settle $DEV
rd 16 16 >/dev/null
ktap_check "after the threshold the state is failed" $(stat state) = failed
ktap_check "status says failed" $(dmsetup status $DEV | awk '{ print $5 }') = failed
e=$(stat fast_errors)
ok_if "reads in pass-through return the data" cmp "$b" <(rd 0 8)
ktap_check "no fast-tier I/O in pass-through" $(stat fast_errors) -eq $e

fast_ok
dmsetup message $DEV 0 restore_fast
rd 0 8 >/dev/null
aatts_settle $DEV
h=$(stat read_hits)
m=$(stat read_misses)
rd 0 8 >/dev/null
ktap_check "restore_fast: running again, and reads hit" \
	$(stat state) = running -a $(($(stat read_hits) - h)) -ge 64 -a $(stat read_misses) -eq $m

# --- dm-flakey takes the fast tier down and up under verified I/O ------
dmsetup message $DEV 0 error_threshold 0
out=$(mktemp)
"${FIO[@]}" --size=64M --loops=2 \
	--name=writer --rw=randwrite --bsrange=4k-64k --verify_backlog=256 \
	--name=reader --rw=randread --bs=4k --verify=0 >"$out" 2>&1 &
pid=$!
sleep 2
swap aatts_t_ffast "0 $FAST_LEN flakey $FASTRAM 0 1 1"
wait "$pid"
rc=$?
fast_ok
ktap_diag "$(grep -v '^3;' "$out")"
ktap_check "fio --verify: no application error, no corruption (fast errors $(stat fast_errors))" $rc -eq 0 -a $(stat fast_errors) -gt 0

# --- slow-tier errors pass up -----------------------------------------
dmsetup message $DEV 0 demote 0 $LEN >/dev/null
swap aatts_t_fslow "0 $LEN error"
ok_if "a read from a failing slow tier fails" bash -c "! dd if=$M of=/dev/null bs=4k count=1 skip=8192 iflag=direct status=none"
ok_if "a write to a failing slow tier fails" bash -c "! dd if=$a of=$M bs=4k count=1 seek=8192 oflag=direct status=none"
swap aatts_t_fslow "0 $LEN linear $SLOWRAM 0"
rm -f "$a" "$b" "$out"
ktap_finish
