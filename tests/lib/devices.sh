# SPDX-License-Identifier: GPL-2.0-only
# Device helpers for the VM shell tests.  The suite (tests/dm/suite) has
# loaded brd with /dev/ram0../dev/ram7, each RAM_SECTORS long.

RAM_SECTORS=$(blockdev --getsz /dev/ram0 2>/dev/null || echo 0)

# AATTS_TEST_SCALE: divides the data sizes of the longest programs
# (fio_verify.sh, stress.sh, netlink/fuzz_test), keeping their ratios to
# the fast tier; the debug kernel's lane sets 4 (KASAN and lockdep under
# TCG run fio at about 200 KiB/s).
SCALE=${AATTS_TEST_SCALE:-1}
case $SCALE in 1 | 2 | 4 | 8) ;; *) echo "AATTS_TEST_SCALE must be 1, 2, 4 or 8" >&2; exit 1 ;; esac

# dm_create NAME TABLE: creates a device and its /dev/mapper node (no udev).
dm_create() {
	dmsetup create "$1" --table "$2" && dmsetup mknodes "$1"
}

# dm_remove NAME...: removes devices that exist, quietly.
dm_remove() {
	local n
	for n in "$@"; do
		dmsetup info "$n" >/dev/null 2>&1 && dmsetup remove "$n"
	done
	return 0
}

# dm_devno NAME: prints major:minor.
dm_devno() {
	dmsetup info -c --noheadings -o major,minor --separator : "$1"
}

# ram_zero MIB DEV...: zeroes the first MIB MiB of each device (6.1's brd
# has no discard).
ram_zero() {
	local mib=$1 d
	shift
	for d in "$@"; do
		dd if=/dev/zero of="$d" bs=1M count="$mib" oflag=direct status=none
	done
}

# loop_dev MIB: a loop device over a sparse file in /dev/shm (tmpfs), which
# supports discard; prints its path.
loop_dev() {
	local f
	f=$(mktemp /dev/shm/aatts-loop.XXXXXX)
	truncate -s "${1}M" "$f"
	losetup --find --show "$f" && rm -f "$f"
}

# dm_devno_of PATH: prints the major:minor of a block device node.
dm_devno_of() {
	printf '%d:%d\n' "0x$(stat -c %t "$1")" "0x$(stat -c %T "$1")"
}

# aatts_sysfs NAME: the /sys/kernel/aatts/<dm-N> directory of a device.
aatts_sysfs() {
	local d
	for d in /sys/kernel/aatts/dm-*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "$d"; return 0; }
	done
	return 1
}

# aatts_stat NAME COUNTER: one counter of a device, from sysfs.
aatts_stat() {
	cat "$(aatts_sysfs "$1")/$2"
}

# aatts_settle NAME: waits (up to 60 s) until no migration is queued or
# in flight.
aatts_settle() {
	local d i
	d=$(aatts_sysfs "$1") || return 1
	for i in $(seq 600); do
		[ "$(cat "$d/queued_migrations")" = 0 ] &&
			[ "$(cat "$d/inflight_migrations")" = 0 ] && return 0
		sleep 0.1
	done
	echo "aatts_settle: migrations of $1 still busy after 60 s" >&2
	return 1
}

# promote_all MIB: reads the first MIB MiB of $MNT twice (lru fills or
# promotes on a miss) and waits for $DEV's copies each time.
promote_all() {
	dd if="$MNT" of=/dev/null bs=1M count="$1" iflag=direct status=none &&
	aatts_settle "$DEV" &&
	dd if="$MNT" of=/dev/null bs=1M count="$1" iflag=direct status=none &&
	aatts_settle "$DEV"
}

# read_blocks DEV BS SKIP COUNT FILE: reads COUNT blocks of BS bytes, all of
# them, into FILE (fails when dd fails or reads short).
read_blocks() {
	rm -f "$5"
	dd if="$1" of="$5" bs="$2" skip="$3" count="$4" iflag=direct \
		status=none &&
	[ "$(stat -c %s "$5")" = $(($(numfmt --from=iec "${2^^}") * $4)) ]
}
