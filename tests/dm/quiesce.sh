#!/bin/bash
# A long control operation never holds up a suspend: a promote message over
# more blocks than the migration queue takes waits for room (copies are
# throttled to one block a second); device-mapper's suspend waits for the
# message, so presuspend must stop it.  Then the device resumes and works.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

SLOWRAM=/dev/ram5
FASTRAM=/dev/ram6
DEV=aatts_t_quiesce
LEN=$((512 * 2048))		# 512 MiB, 131072 blocks of 4 KiB
FAST_LEN=$((64 * 2048))		# 16384 slots; the queue holds 4096

cleanup() {
	dmsetup resume $DEV >/dev/null 2>&1
	dm_remove $DEV
}
trap cleanup EXIT

ktap_plan 6
ktap_test "create: 4 KiB blocks, copies throttled to 8 sectors/s" \
	dm_create $DEV "0 $LEN aatts $SLOWRAM $FASTRAM 8 4 policy lru migration_bandwidth 8"

out=$(mktemp)
dmsetup message $DEV 0 promote 0 $LEN >"$out" 2>&1 &
msg=$!
# The message has filled the queue and waits for room.
for _ in $(seq 100); do
	[ "$(aatts_stat $DEV queued_migrations)" -ge 4000 ] && break
	sleep 0.1
done
queued=$(aatts_stat $DEV queued_migrations)
ktap_check "the message filled the migration queue ($queued queued)" \
	"${queued:-0}" -ge 4000
ktap_result "the message is still waiting for room" \
	"$(kill -0 $msg 2>/dev/null; echo $?)"

start=$(date +%s)
timeout 60 dmsetup suspend $DEV
rc=$?
secs=$(($(date +%s) - start))
ktap_diag "suspend took ${secs}s"
ktap_result "dmsetup suspend returns while the message was waiting (rc $rc)" $rc
wait $msg
ktap_result "the message ended without error ($(cat "$out"))" $?
dmsetup resume $DEV
ktap_test "after resume the device reads" \
	dd if=/dev/mapper/$DEV of=/dev/null bs=1M count=4 iflag=direct status=none
ktap_finish
