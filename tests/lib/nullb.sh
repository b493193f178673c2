# SPDX-License-Identifier: GPL-2.0-only
# Request-based test tiers from the distribution kernel, as real NVMe and
# SCSI devices are: blk-mq with several queues, split bios (a small
# max_sectors), discard.  brd and dm-delay are bio-based and split nothing.

NULLB_CFS=/sys/kernel/config/nullb

# nullb_setup: loads null_blk with no devices and mounts configfs.
nullb_setup() {
	modprobe null_blk nr_devices=0 || return 1
	if [ ! -d "$NULLB_CFS" ]; then
		mount -t configfs none /sys/kernel/config || return 1
	fi
	[ -d "$NULLB_CFS" ]
}

# nullb_create NAME MIB [ATTR=VALUE...]: a memory-backed null_blk device:
# multi-queue (2 queues), 32 KiB max_sectors, discard, softirq completion;
# ATTR=VALUE overrides.  Prints its /dev path (6.1 names the disk after
# the configfs item).
nullb_create() {
	local name=$1 d=$NULLB_CFS/$1 kv
	shift
	mkdir "$d" || return 1
	{
		echo "$1" >"$d/size" &&
		echo 1 >"$d/memory_backed" &&
		echo 2 >"$d/queue_mode" &&
		echo 2 >"$d/submit_queues" &&
		echo 64 >"$d/max_sectors" &&
		echo 1 >"$d/discard"
	} || return 1
	shift
	for kv in "$@"; do
		echo "${kv#*=}" >"$d/${kv%%=*}" || return 1
	done
	echo 1 >"$d/power" || return 1
	[ -b "/dev/$name" ] || return 1
	echo "/dev/$name"
}

# nullb_badblocks NAME +|- FIRST LAST: marks sectors FIRST..LAST bad (I/O
# to them fails) or good again.  In pieces of at most 512 sectors, in
# ascending order: 6.1's badblocks_set() stores a longer range as pieces
# in descending order, which badblocks_check() then does not find.
nullb_badblocks() {
	local s=$3
	while [ "$s" -le "$4" ]; do
		echo "$2$s-$((s + 511 < $4 ? s + 511 : $4))" \
			>"$NULLB_CFS/$1/badblocks" || return 1
		s=$((s + 512))
	done
}

# nullb_remove NAME...: removes devices that exist.
nullb_remove() {
	local n
	for n in "$@"; do
		[ -d "$NULLB_CFS/$n" ] || continue
		echo 0 >"$NULLB_CFS/$n/power"
		rmdir "$NULLB_CFS/$n"
	done
	return 0
}

# scsi_debug_create MIB [PARAM=VALUE...]: loads scsi_debug with one disk
# (2 queues, WRITE SAME with unmap: write-zeroes and discard) and a 32 KiB
# max transfer; prints its /dev path.
scsi_debug_create() {
	local mib=$1 d i
	shift
	# No udev in the guest: nothing loads the disk driver by itself.
	modprobe sd_mod || return 1
	modprobe scsi_debug dev_size_mb="$mib" submit_queues=2 lbpws=1 \
		lbpu=1 lbprz=1 delay=0 "$@" || return 1
	for i in $(seq 50); do
		for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			if [ -e "$d" ]; then
				d=$(basename "$d")
				echo 32 >"/sys/block/$d/queue/max_sectors_kb" || return 1
				# devtmpfs makes the node.
				[ -b "/dev/$d" ] && echo "/dev/$d" && return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

scsi_debug_remove() {
	modprobe -r scsi_debug 2>/dev/null
	return 0
}
