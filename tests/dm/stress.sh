#!/bin/bash
# The target under load: the policy switched every second through every
# policy under verified I/O; suspend/resume and a table reload with I/O in
# flight; the migration limits hold; a forced removal with I/O in flight.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

SLOWRAM=/dev/ram3
FASTRAM=/dev/ram4
DEV=aatts_t_stress
LEN=$((128 * 2048))		# 128 MiB
FAST_LEN=$((16 * 2048 / SCALE))	# 16 MiB fast tier (AATTS_TEST_SCALE)
M=/dev/mapper/$DEV
FIO=(fio --filename=$M --ioengine=libaio --iodepth=8 --direct=1
	--randseed=7 --verify=crc32c --verify_fatal=1 --eta=never
	--output-format=terse)

cleanup() { dm_remove $DEV aatts_t_sfast aatts_t_sslow; }
trap cleanup EXIT

ktap_plan 11
cleanup
dm_create aatts_t_sslow "0 $LEN delay $SLOWRAM 0 1"
dm_create aatts_t_sfast "0 $FAST_LEN linear $FASTRAM 0"
SLOWDEV=$(dm_devno aatts_t_sslow)
FASTDEV=$(dm_devno aatts_t_sfast)
ktap_test "create" dm_create $DEV "0 $LEN aatts $SLOWDEV $FASTDEV 64 2 policy lru"

# fio_bg OUT ARGS...: fio in the background (its pid in $pid): writes,
# then verifies, over 64 MiB (four times the fast tier; AATTS_TEST_SCALE
# divides both), with a reader
# promoting beside it.
fio_bg() {
	local out=$1
	shift
	"${FIO[@]}" --size=$((64 / SCALE))M "$@" \
		--name=writer --rw=randwrite --bsrange=4k-32k --verify_backlog=256 \
		--name=reader --rw=randread --bs=4k --verify=0 >"$out" 2>&1 &
	pid=$!
}

out=$(mktemp)
fio_bg "$out" --loops=3
switches=0 failed=0
while kill -0 "$pid" 2>/dev/null; do
	for p in default lru fifo lfu minio isa; do
		kill -0 "$pid" 2>/dev/null || break
		if dmsetup message $DEV 0 policy $p; then
			switches=$((switches + 1))
		else
			failed=$((failed + 1))
		fi
		sleep 1
	done
done
wait "$pid"
rc=$?
ktap_diag "$(grep -v '^3;' "$out")"
ktap_result "verified I/O while the policy switched $switches times" \
	"$([ $rc = 0 ] && [ $failed = 0 ] && [ $switches -ge 6 ]; echo $?)"

fio_bg "$out" --loops=2
cycles=0
while kill -0 "$pid" 2>/dev/null && [ $cycles -lt 20 ]; do
	dmsetup suspend $DEV && dmsetup resume $DEV && cycles=$((cycles + 1))
	sleep 0.3
done
wait "$pid"
rc=$?
ktap_result "verified I/O across $cycles suspend/resume cycles" \
	"$([ $rc = 0 ] && [ $cycles -ge 3 ]; echo $?)"

fio_bg "$out" --loops=2
sleep 2
ktap_test "table reload with I/O in flight" bash -c "
	dmsetup reload $DEV --table '0 $LEN aatts $SLOWDEV $FASTDEV 64 2 policy fifo' &&
	dmsetup resume $DEV"
wait "$pid"
ktap_result "verified I/O across the reload" $?

# Migration limits: one block in flight, 2048 sectors (1 MiB) per second.
aatts_settle $DEV
dmsetup message $DEV 0 demote 0 $LEN >/dev/null
ktap_test "message migration 64 2048" dmsetup message $DEV 0 migration 64 2048
m0=$(aatts_stat $DEV migrated_bytes)
start=$(date +%s.%N)
dmsetup message $DEV 0 promote 0 $((8 * 2048)) >/dev/null
max_inflight=0
for i in $(seq 10); do
	n=$(aatts_stat $DEV inflight_migrations)
	[ "$n" -gt "$max_inflight" ] && max_inflight=$n
done
sleep 2
migrated=$(($(aatts_stat $DEV migrated_bytes) - m0))
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
# The bucket starts with one second's worth; one block may be finishing.
limit=$(awk -v s="$secs" 'BEGIN { printf "%d", (1 + s) * 1048576 + 32768 }')
ktap_diag "migrated $migrated of 8388608 bytes in ${secs}s (limit $limit), peak in flight $max_inflight"
ktap_check "bandwidth limit held" "$migrated" -le "$limit" -a "$migrated" -gt 0
ktap_check "in-flight limit held (one block)" "$max_inflight" -le 1
dmsetup message $DEV 0 migration 65536 0

# Forced removal under load: remove --force swaps in the error target
# (the aatts table is suspended with I/O in flight and destroyed) and,
# as fio still holds the device open, the removal itself is refused as
# busy; fio then stops on the errors (10 s under TCG) long before its
# runtime, and a plain remove succeeds.
"${FIO[@]}" --name=load --rw=randread --bs=4k --size=64M --verify=0 \
	--time_based --runtime=120 >"$out" 2>&1 &
pid=$!
sleep 2
err=$(dmsetup remove --force $DEV 2>&1) && frc=0 || frc=$?
start=$(date +%s)
tbl=$(dmsetup table $DEV 2>&1 | awk '{ print $1, $2, $3 }')
ktap_diag "remove --force: exit $frc: $err; table now: $tbl"
ktap_check "remove --force with I/O in flight: gone, or busy with the error target in place" \
	"$frc" = 0 -o "$(grep -c 'Device or resource busy' <<<"$err"):$tbl" = "1:0 $LEN error"
wait "$pid"
frc=$?
secs=$(($(date +%s) - start))
ktap_diag "fio: exit $frc after ${secs}s more: $(grep -m 2 -i 'error' "$out")"
ktap_check "fio stopped on the errors, well before its 120 s (exit $frc after ${secs}s)" \
	"$frc" -ne 0 -a "$secs" -le 60
frc=0 err=""
if dmsetup info $DEV >/dev/null 2>&1; then
	err=$(dmsetup remove $DEV 2>&1) || frc=$?
fi
ktap_diag "remove: exit $frc $err"
ktap_result "forced removal with I/O in flight: a plain remove then succeeds, the device is gone" \
	"$([ $frc = 0 ] && ! dmsetup info $DEV >/dev/null 2>&1; echo $?)"
rm -f "$out"
ktap_finish
