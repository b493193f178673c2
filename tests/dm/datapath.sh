#!/bin/bash
# The tiered datapath: hits come from the fast tier, writes go through to
# the slow tier and keep a resident copy current (or drop it, writearound),
# discards drop copies, the control messages work, a policy switch keeps
# residency, and the counters in status, sysfs and /proc agree.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

modprobe loop
SLOW=$(loop_dev 64)	# a slow tier that supports discard
FAST=/dev/ram6
DEV=aatts_t_dp
LEN=$((64 * 2048))	# 64 MiB
BS=128			# 64 KiB blocks
M=/dev/mapper/$DEV

cleanup() { dm_remove $DEV; }
trap 'cleanup; losetup -d $SLOW' EXIT

# table [FEATURES...]: the table line over the two RAM disks.
table() {
	local feat=""
	[ $# -gt 0 ] && feat=" $# $*"
	echo "0 $LEN aatts $SLOW $FAST $BS$feat"
}

stat() { aatts_stat $DEV "$1"; }
# rd MIB_OFFSET MIBS: reads through the target to stdout.
rd() { dd if=$M bs=1M skip="$1" count="$2" iflag=direct status=none; }
# wr FILE MIB_OFFSET: writes FILE through the target.
wr() { dd if="$1" of=$M bs=1M seek="$2" oflag=direct status=none; }
# slow_wr FILE MIB_OFFSET: writes FILE straight to the slow tier, behind
# the target's back, so that a read that returns the old data proves it
# came from the fast tier.
slow_wr() { dd if="$1" of=$SLOW bs=1M seek="$2" oflag=direct status=none; }
ok_if() { local name=$1; shift; "$@" >/dev/null 2>&1; ktap_result "$name" $?; }
# refused ERRNO-TEXT KLOG MESSAGE...: "dmsetup message $DEV 0 MESSAGE"
# fails with the errno whose strerror() is ERRNO-TEXT (dmsetup prints it)
# and the kernel logs the reason, "device-mapper: aatts: dm-N: KLOG"
# (an ERE), while it runs.  A missing device or another error fails.
refused() {
	local errtext=$1 klog=$2 mark out rc kl
	shift 2
	mark="aatts-test: datapath.sh: message $* ($SRANDOM)"
	echo "$mark" >/dev/kmsg
	out=$(dmsetup message $DEV 0 "$@" 2>&1) && rc=0 || rc=$?
	kl=$(dmesg | awk -v m="$mark" 'f; index($0, m) { f = 1 }' |
		grep -E "device-mapper: aatts: dm-[0-9]+: $klog")
	ktap_diag "message $*: exit $rc: $out"
	ktap_diag "kernel log: ${kl:-(nothing)}"
	[ "$rc" != 0 ] && grep -q "failed: $errtext\$" <<<"$out" && [ -n "$kl" ]
}

a=$(mktemp); b=$(mktemp); c=$(mktemp); z=$(mktemp)
head -c 4M /dev/urandom >"$a"
head -c 4M /dev/urandom >"$b"
head -c 4M /dev/urandom >"$c"
head -c 4M /dev/zero >"$z"

ktap_plan 40
cleanup
ok_if "create with policy lru" dm_create $DEV "$(table policy lru)"

# --- reads: a miss promotes, the next read hits on the fast tier -------
wr "$a" 0
h0=$(stat read_hits)
ok_if "first read returns what was written" cmp "$a" <(rd 0 4)
aatts_settle $DEV
ktap_check "a read miss promoted every block ($(stat promotions) promotions)" $(stat fast_blocks_used) -eq 64
slow_wr "$c" 0
ok_if "second read hits: fast-tier data, not the slow tier's" cmp "$a" <(rd 0 4)
ktap_check "64 read hits counted" $(($(stat read_hits) - h0)) -eq 64
slow_wr "$a" 0

# --- write-through updates the resident copy ---------------------------
wh0=$(stat write_hits)
wr "$b" 0
ktap_check "writes to resident blocks are write hits" $(($(stat write_hits) - wh0)) -eq 64
ok_if "the slow tier has the new data" cmp "$b" <(dd if=$SLOW bs=1M count=4 iflag=direct status=none)
slow_wr "$c" 0
ok_if "the fast copy was updated too" cmp "$b" <(rd 0 4)
slow_wr "$b" 0

# --- discard drops copies ---------------------------------------------
inv0=$(stat invalidations)
ok_if "discard through the target" blkdiscard -o 0 -l 4M $M
ktap_check "discard invalidated 64 blocks" $(($(stat invalidations) - inv0)) -eq 64
ok_if "discarded range reads back as zeros" cmp "$z" <(rd 0 4)

# --- messages ---------------------------------------------------------
wr "$a" 8
used0=$(stat fast_blocks_used)
ok_if "message promote 8..12 MiB" dmsetup message $DEV 0 promote $((8 * 2048)) $((4 * 2048))
aatts_settle $DEV
ktap_check "promote made 64 blocks resident" $(($(stat fast_blocks_used) - used0)) -eq 64
h0=$(stat read_hits)
rd 8 4 >/dev/null
ktap_check "promoted blocks hit" $(($(stat read_hits) - h0)) -eq 64
ok_if "message demote 8..12 MiB" dmsetup message $DEV 0 demote $((8 * 2048)) $((4 * 2048))
ktap_check "demote dropped them" $(stat fast_blocks_used) -eq $used0
p0=$(stat pinned_blocks)
ok_if "message pin 8..10 MiB" dmsetup message $DEV 0 pin $((8 * 2048)) $((2 * 2048))
aatts_settle $DEV
ktap_check "pin promoted and pinned 32 blocks" $(stat pinned_blocks) -ge 32 -a $(stat fast_blocks_used) -eq $((used0 + 32))
ok_if "message unpin" dmsetup message $DEV 0 unpin $((8 * 2048)) $((2 * 2048))
ktap_check "unpin released them: pinned_blocks back to $p0" "$(stat pinned_blocks)" = "$p0"
ok_if "message hint + epoch_commit" bash -c "
	dmsetup message $DEV 0 hint 0 2048 100 &&
	dmsetup message $DEV 0 epoch_commit &&
	[ \$(cat $(aatts_sysfs $DEV)/epochs) -ge 1 ]"
refused "Numerical result out of range" \
	"promote: range past the end of the device" promote $LEN 8
ktap_result "range past the end is refused: ERANGE, and the kernel says why" $?
refused "Invalid argument" "unknown policy 'belady'" policy belady
ktap_result "unknown policy is refused: EINVAL, and the kernel says why" $?
refused "Invalid argument" "invalid message 'frobnicate' with 2 arguments" \
	frobnicate 1 2
ktap_result "unknown message is refused: EINVAL, and the kernel says why" $?

# --- policy parameters --------------------------------------------------
ok_if "policy lfu aging=5: sysfs and the table show it" bash -c "
	dmsetup message $DEV 0 policy lfu aging=5 &&
	[ \"\$(cat $(aatts_sysfs $DEV)/policy_params)\" = aging=5 ] &&
	dmsetup table $DEV | grep -q ' policy lfu aging=5'"
refused "Invalid argument" \
	"policy default: unknown, repeated or out of range parameter 'aging=5'" \
	policy default aging=5
rc=$?
ktap_check "an unknown parameter is refused (EINVAL, the kernel names it), nothing changes" \
	"$rc:$(stat policy):$(stat policy_params)" = "0:lfu:aging=5"
refused "Invalid argument" \
	"policy lfu: unknown, repeated or out of range parameter 'aging=0'" \
	policy lfu aging=0
rc=$?
ktap_check "a value out of range is refused (EINVAL, the kernel names it), nothing changes" \
	"$rc:$(stat policy):$(stat policy_params)" = "0:lfu:aging=5"
ok_if "a policy without parameters takes the defaults" bash -c "
	dmsetup message $DEV 0 policy default &&
	[ \"\$(cat $(aatts_sysfs $DEV)/policy_params)\" = 'min_freq=2 idle_turnovers=4' ]"

# --- a policy switch keeps residency ----------------------------------
used=$(stat fast_blocks_used)
kept=0
for p in fifo lfu minio isa default lru; do
	dmsetup message $DEV 0 policy "$p" &&
		[ "$(stat policy)" = "$p" ] &&
		[ "$(stat fast_blocks_used)" = "$used" ] && kept=$((kept + 1))
done
ktap_check "every policy adopts the $used resident blocks" $kept -eq 6
h0=$(stat read_hits)
rd 8 2 >/dev/null
ktap_check "resident blocks still hit after six switches" $(($(stat read_hits) - h0)) -eq 32

# --- writearound drops the copy on write -------------------------------
dmsetup message $DEV 0 demote 0 $LEN >/dev/null
ok_if "reload with writearound" bash -c "
	dmsetup reload $DEV --table '$(table writearound policy lru)' &&
	dmsetup resume $DEV"
rd 0 4 >/dev/null; aatts_settle $DEV
used=$(stat fast_blocks_used)
wr "$c" 0
ktap_check "a write drops resident copies in writearound" $(stat fast_blocks_used) -eq $((used - 64))
ok_if "and the data read back is the new data" cmp "$c" <(rd 0 4)

# --- counters agree everywhere ----------------------------------------
s=($(dmsetup status $DEV))
d=$(aatts_sysfs $DEV)
ok_if "status, sysfs and /proc/aatts agree" bash -c "
	[ '${s[3]}' = \$(( \$(cat $d/block_size) / 512 )) ] &&
	[ '${s[4]}' = \$(cat $d/state) ] && [ '${s[5]}' = \$(cat $d/policy) ] &&
	[ '${s[7]}' = \$(cat $d/fast_blocks_used)/\$(cat $d/fast_blocks_total) ] &&
	[ '${s[8]}' = \$(cat $d/read_hits) ] && [ '${s[12]}' = \$(cat $d/promotions) ] &&
	grep -q '^$DEV $(basename $d) ' /proc/aatts"
ktap_check "kernel memory per fast slot <= 64 bytes ($(stat bytes_per_slot))" $(stat bytes_per_slot) -le 64
# --- a flush reaches both tiers ----------------------------------------
# Loop devices have a write cache (brd has none, so the block layer drops
# flushes before they reach the target) and count flushes (stat field 16).
ls=$(loop_dev 16); lf=$(loop_dev 16)
flushes() { awk '{ print $16 }' "/sys/block/$(basename "$1")/stat"; }
dm_create aatts_t_flush "0 32768 aatts $ls $lf 64"
s0=$(flushes "$ls"); f0=$(flushes "$lf")
dd of=/dev/mapper/aatts_t_flush if=/dev/null count=0 conv=fsync status=none
ktap_check "an fsync of the device flushes both tiers" \
	$(($(flushes "$ls") - s0)) -ge 1 -a $(($(flushes "$lf") - f0)) -ge 1
dm_remove aatts_t_flush
losetup -d "$ls" "$lf"

# --- a large read miss of small blocks is one slow-tier read -------------
# 1 MiB over 4 KiB blocks: the core is asked 16 blocks per lock hold, but
# the read goes on to the slow tier whole (a dm-linear slow tier counts
# the bios it gets, stat field 1) and fills its 256 slots.
ls=$(loop_dev 16); lf=$(loop_dev 16)
dd if=/dev/urandom of="$ls" bs=1M count=16 oflag=direct status=none
dm_create aatts_t_bslow "0 32768 linear $ls 0"
dm_create aatts_t_big "0 32768 aatts $(dm_devno aatts_t_bslow) $lf 8 2 policy lru"
reads() { awk '{ print $1 }' "/sys/dev/block/$(dm_devno aatts_t_bslow)/stat"; }
big=$(mktemp)
r0=$(reads)
f0=$(aatts_stat aatts_t_big promotions_filled)
dd if=/dev/mapper/aatts_t_big of="$big" bs=1M skip=2 count=1 iflag=direct status=none
aatts_settle aatts_t_big
ktap_check "a 1 MiB read miss of 4 KiB blocks reaches the slow tier as one bio ($(($(reads) - r0)))" \
	$(($(reads) - r0)) -eq 1
ktap_check "and fills its 256 slots from that read ($f0 -> $(aatts_stat aatts_t_big promotions_filled))" \
	$(($(aatts_stat aatts_t_big promotions_filled) - f0)) -eq 256
ok_if "what it read is the slow tier's data, and so is a second read (all hits)" bash -c "
	cmp $big <(dd if=$ls bs=1M skip=2 count=1 iflag=direct status=none) &&
	h=\$(cat $(aatts_sysfs aatts_t_big)/read_hits) &&
	cmp $big <(dd if=/dev/mapper/aatts_t_big bs=1M skip=2 count=1 iflag=direct status=none) &&
	[ \$((\$(cat $(aatts_sysfs aatts_t_big)/read_hits) - h)) -eq 256 ]"
# Hits are counted in per-CPU batches that a worker applies while the
# readers go on: two readers on two CPUs lose and double none of them.
h0=$(aatts_stat aatts_t_big read_hits)
fio --thread --filename=/dev/mapper/aatts_t_big --rw=randread --bs=4k \
	--offset=2M --size=1M --io_size=12M --direct=1 --ioengine=psync \
	--name=cpu0 --cpus_allowed=0 --name=cpu1 --cpus_allowed="$(($(nproc) - 1))" \
	--eta=never --output=/dev/null
ktap_check "6144 reads from two CPUs at once, 6144 hits ($(($(aatts_stat aatts_t_big read_hits) - h0)))" \
	$(($(aatts_stat aatts_t_big read_hits) - h0)) -eq 6144
dm_remove aatts_t_big aatts_t_bslow
losetup -d "$ls" "$lf"

rm -f "$a" "$b" "$c" "$z" "$big"
ktap_finish
