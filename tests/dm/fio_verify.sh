#!/bin/bash
# fio --verify through the target on a data set four times the fast tier,
# with mixed reads and writes while blocks are promoted all the time, the
# slow tier behind dm-delay; afterwards the slow device, read directly,
# must hold exactly what was written.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

SLOWRAM=/dev/ram3
FASTRAM=/dev/ram4
MIB=$((256 / SCALE))		# 256 MiB target (AATTS_TEST_SCALE)
LEN=$((MIB * 2048))
FAST_LEN=$((LEN / 8))		# 32 MiB fast tier
DATA=$((MIB / 2))M		# each fio data set: 128 MiB
FIO_ARGS=(--ioengine=libaio --iodepth=16 --direct=1 --randseed=20261121
	--verify=crc32c --verify_fatal=1 --group_reporting --eta=never)

cleanup() {
	dm_remove aatts_t_fio aatts_t_fast aatts_t_slow
}
trap cleanup EXIT

# verify_only DEV: replays the first job's writes and checks every block.
verify_only() {
	fio --name=rand4k --filename="$1" --rw=randwrite --bs=4k --size=$DATA \
		--verify_only "${FIO_ARGS[@]}"
}

ktap_plan 9
cleanup
dm_create aatts_t_slow "0 $LEN delay $SLOWRAM 0 1"
dm_create aatts_t_fast "0 $FAST_LEN linear $FASTRAM 0"
TABLE="0 $LEN aatts $(dm_devno aatts_t_slow) $(dm_devno aatts_t_fast) 128 2 policy lru"
ktap_test "create aatts: $((FAST_LEN / 2048)) MiB fast tier, $MIB MiB dm-delay'd slow tier" \
	dm_create aatts_t_fio "$TABLE"

ktap_test "fio 4k random writes then verify over $DATA" \
	fio --name=rand4k --filename=/dev/mapper/aatts_t_fio --rw=randwrite \
	--bs=4k --size=$DATA "${FIO_ARGS[@]}"

# A writer that verifies what it wrote as it goes, and a reader that keeps
# promoting blocks of the same region, at the same time.
ktap_test "fio mixed: verified random writes beside random reads" \
	fio --filename=/dev/mapper/aatts_t_fio --offset=$DATA --size=$DATA \
	"${FIO_ARGS[@]}" \
	--name=writer --rw=randwrite --bsrange=4k-64k --verify_backlog=512 \
	--name=reader --rw=randread --bs=4k --io_size=$((MIB / 4))M --verify=0

ktap_test "first data set verified again through the target" \
	verify_only /dev/mapper/aatts_t_fio

stat_field() {
	dmsetup status aatts_t_fio | awk -v f="$1" '{ print $(f + 3) }'
}
hits=$(stat_field 6)
promotions=$(stat_field 10)
ktap_diag "status: $(dmsetup status aatts_t_fio)"
ktap_result "reads were served from the fast tier (read hits $hits)" \
	"$([ "$hits" -gt 0 ]; echo $?)"
ktap_result "blocks were promoted (promotions $promotions)" \
	"$([ "$promotions" -gt 0 ]; echo $?)"

# A known pattern through the target must land, byte for byte, on the slow
# device.
pattern=$(mktemp)
PAT=$((MIB / 32))		# 8 MiB at 3/4 of the device
head -c ${PAT}M /dev/urandom >"$pattern"
ktap_test "pattern written through the target" \
	dd if="$pattern" of=/dev/mapper/aatts_t_fio bs=1M seek=$((MIB * 3 / 4)) oflag=direct status=none
dm_remove aatts_t_fio
ktap_test "slow device holds the fio data (verify_only on the slow tier)" \
	verify_only /dev/mapper/aatts_t_slow
ktap_test "slow device holds the pattern" \
	cmp -n $((PAT << 20)) "$pattern" \
	<(dd if=$SLOWRAM bs=1M skip=$((MIB * 3 / 4)) count=$PAT status=none)
rm -f "$pattern"
ktap_finish
