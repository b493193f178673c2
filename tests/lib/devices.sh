# SPDX-License-Identifier: GPL-2.0-only
# Device helpers for the VM shell tests.  The suite (tests/dm/suite) has
# loaded brd with /dev/ram0../dev/ram7, each RAM_SECTORS long.

RAM_SECTORS=$(blockdev --getsz /dev/ram0 2>/dev/null || echo 0)

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

# ram_zero DEV...: empties brd devices (discard frees their pages).
ram_zero() {
	local d
	for d in "$@"; do
		blkdiscard "$d"
	done
}

# dm_devno_of PATH: prints the major:minor of a block device node.
dm_devno_of() {
	printf '%d:%d\n' "0x$(stat -c %t "$1")" "0x$(stat -c %T "$1")"
}
