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

ktap_plan 23
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
# The debug kernel of make check-debug: its boot is clean, its detectors are not.
clean "debug kernel boot" "[    0.0] KernelAddressSanitizer initialized (generic)
[    0.1] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.2] kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)
[    0.3] kmemleak: Kernel memory leak detector initialized (mem pool available: 14843)
[    0.4] ODEBUG: selftest passed"
splat "KASAN" "[  12.3] BUG: KASAN: slab-use-after-free in aatts_map+0x12/0x40 [aatts]"
splat "KFENCE" "[  12.3] BUG: KFENCE: out-of-bounds read in aatts_map+0x12/0x40 [aatts]"
splat "lockdep: non-static key" "[  12.3] INFO: trying to register non-static key."
splat "lockdep off" "[  12.3] turning off the locking correctness validator."
splat "RCU stall" "[  80.0] rcu: INFO: rcu_preempt self-detected stall on CPU"
splat "kmemleak" "[ 900.0] aatts-debug: kmemleak: unreferenced object 0xffff888012345678 (size 64):"
splat "list double add" "[  12.3] list_add double add: new=ffff888000000000, prev=ffff888000000000, next=ffff888000000100."
splat "list_del corruption" "[  12.3] list_del corruption, ffff888000000000->next is LIST_POISON1 (dead000000000100)"
splat "ODEBUG" "[  12.3] ODEBUG: free active (active state 0) object: ffff888000000000 object type: timer_list hint: aatts_tick+0x0/0x10 [aatts]"
splat "kmemleak disabled" "[  12.3] kmemleak: Kernel memory leak detector disabled"
ktap_finish
