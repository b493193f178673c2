#!/bin/bash
# STATUSTYPE_IMA: with IMA measuring critical data (tests/vm/run boots with
# ima_policy=critical_data ima_template=ima-buf), a table load records the
# target's IMA string, which must name every table field.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

log=/sys/kernel/security/ima/ascii_runtime_measurements
# The dm_table_load measurements, decoded.
measured() {
	awk '$5 == "dm_table_load" { print $6 }' "$log" |
		perl -ne 'chomp; print pack("H*", $_), "\n"'
}

ktap_plan 2
if [ ! -r "$log" ] || ! grep -q critical_data /proc/cmdline; then
	ktap_skip "table load measured" "IMA critical-data measurement is off"
	ktap_skip "measurement names every field" "IMA critical-data measurement is off"
	ktap_finish
fi
dm_remove aatts_t_ima
before=$(measured | grep -c 'name=aatts_t_ima')
dm_create aatts_t_ima "0 4096 aatts /dev/ram5 /dev/ram6 16 1 writearound"
slow=$(dm_devno_of /dev/ram5)
fast=$(dm_devno_of /dev/ram6)
after=$(measured | grep -c 'name=aatts_t_ima')
ktap_result "table load measured" $([ "$after" -gt "$before" ]; echo $?)
want="target_name=aatts,target_version=1.6.0,slow_dev=$slow,fast_dev=$fast,block_size=16,mode=writearound,policy=default;"
got=$(measured | grep 'name=aatts_t_ima' | tail -n 1)
ktap_diag "measured: $got"
case "$got" in
*"$want"*) ktap_result "measurement names every field" 0 ;;
*) ktap_diag "want: $want"; ktap_result "measurement names every field" 1 ;;
esac
dm_remove aatts_t_ima
ktap_finish
