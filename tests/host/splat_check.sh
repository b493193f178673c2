#!/bin/bash
# tests/vm/splat-check flags every kind of kernel splat and nothing else.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

clean() {
	printf '%s\n' "$2" >"$log"
	tests/vm/splat-check "$log" >/dev/null
	ktap_result "clean: $1" $?
}
splat() {
	printf '%s\n' "$2" >"$log"
	tests/vm/splat-check "$log" >/dev/null
	[ $? = 1 ]
	ktap_result "splat: $1" $?
}

ktap_plan 12
clean "boot log" "[    0.000000] Linux version 6.1.0 (debian-kernel@lists.debian.org)
[    1.234567] device-mapper: ioctl: 4.47.0-ioctl (2022-07-28) initialised
[    2.000000] device-mapper: table: 253:0: aatts: Block size is not a power of two (-EINVAL)
[    2.100000] brd: module loaded"
clean "warnings that are not splats" "[    3.0] EXT4-fs warning (device dm-0): something
[    3.1] systemd[1]: warning-free"
splat "WARNING" "[   5.1] WARNING: CPU: 1 PID: 42 at drivers/md/dm.c:123 foo+0x1/0x2 [dm_mod]"
splat "BUG" "[   5.1] BUG: kernel NULL pointer dereference, address: 0000000000000008"
splat "kernel BUG at" "[   5.1] kernel BUG at drivers/md/aatts.c:10!"
splat "Oops" "[   5.1] Oops: 0000 [#1] PREEMPT SMP NOPTI"
splat "lockdep" "[   5.1] WARNING: possible circular locking dependency detected"
splat "hung task" "[ 245.0] INFO: task kworker/0:1:33 blocked for more than 120 seconds."
splat "sleep in atomic" "[   5.1] BUG: sleeping function called from invalid context at mm/slab.h:1"
splat "UBSAN" "[   5.1] UBSAN: shift-out-of-bounds in kmod/aatts_target.c:99:1"
splat "panic" "[   5.1] Kernel panic - not syncing: Fatal exception"
splat "call trace" "[   5.1] Call Trace:"
ktap_finish
