#!/bin/bash
# The module refuses to unload while an aatts device exists and unloads
# cleanly once it is gone.  Reloads aatts.ko afterwards for later tests.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

loaded() { grep -q '^aatts ' /proc/modules; }

ktap_plan 6
dm_remove aatts_t_unload
ktap_test "aatts.ko is loaded" loaded
ktap_test "create a device" dm_create aatts_t_unload "0 2048 aatts /dev/ram5 /dev/ram6 8"
ktap_test "rmmod refused while the device exists" bash -c '! rmmod aatts && grep -q "^aatts " /proc/modules'
ktap_test "remove the device" dmsetup remove aatts_t_unload
ktap_test "rmmod succeeds once no device exists" bash -c 'rmmod aatts && ! grep -q "^aatts " /proc/modules'
ktap_test "reload aatts.ko and create again" bash -c "
	insmod '$AATTS_KO' &&
	dmsetup create aatts_t_unload --table '0 2048 aatts /dev/ram5 /dev/ram6 8' &&
	dmsetup remove aatts_t_unload"
ktap_finish
