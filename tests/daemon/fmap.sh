#!/bin/bash
# aattsd's FIEMAP cache (the host unit tests of tests/host/daemon/fmap_test.c)
# on ext4 with inline data, on an aatts device: tiny files must be inline,
# and every extent's device offset must hold the file's bytes on the aatts
# device itself.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/devices.sh

DEV=aatts_t_fmap
MNT=$(mktemp -d)
cleanup() {
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV
	rmdir "$MNT"
}
trap cleanup EXIT

dm_remove $DEV
dm_create $DEV "0 $RAM_SECTORS aatts /dev/ram6 /dev/ram7 128" &&
	mkfs.ext4 -q -F -O inline_data /dev/mapper/$DEV &&
	mount /dev/mapper/$DEV "$MNT" || {
	echo "KTAP version 1"
	echo "1..1"
	echo "not ok 1 ext4 -O inline_data on an aatts device"
	exit 1
}
FMAP_DIR=$MNT FMAP_EXPECT_INLINE=1 FMAP_EXPECT_DEVICE=1 build/tests/host/fmap_test
