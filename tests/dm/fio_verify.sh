#!/bin/bash
# fio --verify through the target, with the slow tier behind dm-delay; then
# the slow device, read directly, must hold exactly what was written.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

SLOWRAM=/dev/ram3
FASTRAM=/dev/ram4
LEN=$((256 * 2048))	# 256 MiB target
FIO_ARGS=(--ioengine=libaio --iodepth=16 --direct=1 --randseed=20261121
	--verify=crc32c --verify_fatal=1 --group_reporting)

cleanup() {
	dm_remove aatts_t_fio aatts_t_slow
}
trap cleanup EXIT

ktap_plan 8
cleanup
ram_zero $SLOWRAM $FASTRAM
dm_create aatts_t_slow "0 $LEN delay $SLOWRAM 0 1"
TABLE="0 $LEN aatts $(dm_devno aatts_t_slow) $FASTRAM 256"
ktap_test "create aatts over dm-delay slow tier" dm_create aatts_t_fio "$TABLE"

ktap_test "fio 4k random writes then verify" \
	fio --name=rand4k --filename=/dev/mapper/aatts_t_fio --rw=randwrite \
	--bs=4k --size=128M "${FIO_ARGS[@]}"

ktap_test "fio 4k-256k random writes then verify" \
	fio --name=randmix --filename=/dev/mapper/aatts_t_fio --rw=randwrite \
	--bsrange=4k-256k --offset=128M --size=64M "${FIO_ARGS[@]}"

recreate() {
	dmsetup remove aatts_t_fio && dm_create aatts_t_fio "$TABLE"
}
verify_only() {
	fio --name=rand4k --filename="$1" --rw=randwrite --bs=4k --size=128M --verify_only \
		"${FIO_ARGS[@]}"
}
ktap_test "remove and recreate the device" recreate
ktap_test "fio data verified again through the new device" \
	verify_only /dev/mapper/aatts_t_fio

# A known pattern through the target must land, byte for byte, on the slow
# device and nowhere else.
pattern=$(mktemp)
head -c 8M /dev/urandom >"$pattern"
ktap_test "pattern written through the target" \
	dd if="$pattern" of=/dev/mapper/aatts_t_fio bs=1M seek=200 oflag=direct status=none
dm_remove aatts_t_fio
ktap_test "slow device holds the fio data (verify_only on the slow tier)" \
	verify_only /dev/mapper/aatts_t_slow
ktap_test "slow device holds the pattern; fast tier untouched" bash -c "
	cmp -n 8388608 $pattern <(dd if=$SLOWRAM bs=1M skip=200 count=8 status=none) &&
	cmp -n $((RAM_SECTORS * 512)) /dev/zero $FASTRAM"
rm -f "$pattern"
ktap_finish
