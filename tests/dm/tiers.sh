#!/bin/bash
# The datapath on request-based tiers that split bios, as NVMe and SCSI
# devices do: null_blk (blk-mq, 2 queues, 32 KiB max_sectors, discard) and
# scsi_debug (the same transfer limit, write-zeroes).  Every check is on
# the data: what the device reads against what the slow tier holds.
#  - fio --verify, 4 KiB, 128 KiB and 1 MiB I/O over resident and
#    non-resident blocks, at block sizes 4 KiB, 128 KiB and 1 MiB;
#  - fast-tier read errors on split bios: retried on the slow tier;
#  - a discard held on the slow tier racing a promotion (message and read);
#  - write-zeroes drops the copies of what it zeroed;
#  - adjacent promotions go as one copy (split on both tiers), and every
#    slot holds its own block;
#  - fills copied aside: a read miss completes before its fill is written,
#    and a write during the fill wins; when memory is short (a test knob
#    fails the allocations) one read's copies go into the device's spare,
#    and a second read waits while the spare is busy.  Why a read waited
#    is counted (fill_aside_fallbacks) and printed when it should not have;
#    over a RAM-disk fast tier, whose writes cost about what a copy does,
#    reads wait for their fills instead of copying them (fast_writes);
#  - a read of a block whose copy is under way misses (read_filling), waits
#    for the copy (reads_parked) and reads it from the fast tier: the slow
#    tier is read once, by the copy; once copied, the block hits; 96 such
#    reads at once, past the 64 a device holds, with a suspend among them;
#  - a read that covers blocks whose copies are only queued fills them
#    itself (fills_adopted): the slow tier reads each block once; a read
#    of part of a block whose copy is queued next waits for it, and a
#    suspend lets such a read go on.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/nullb.sh

DEV=aatts_t_tiers
MNT=/dev/mapper/$DEV
FIO=(--direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c
	--verify_fatal=1 --randseed=20261129 --eta=never --group_reporting)

TMP=$(mktemp -d)
NOMEM=/sys/module/aatts/parameters/test_aside_nomem
cleanup() {
	echo 0 >$NOMEM 2>/dev/null
	echo auto >/sys/module/aatts/parameters/fill_aside 2>/dev/null
	dmsetup resume aatts_t_tgate >/dev/null 2>&1
	dm_remove $DEV aatts_t_tslow aatts_t_tgate aatts_t_tfastd
	nullb_remove tslow tfast
	scsi_debug_remove
	rm -rf "$TMP"
}
trap cleanup EXIT

counter() { aatts_stat $DEV "$1"; }
# fallbacks CAUSE: reads that waited for their fills for CAUSE (too_large,
# limit, suspended, nomem), from fill_aside_fallbacks.
fallbacks() {
	counter fill_aside_fallbacks | tr ' ' '\n' | sed -n "s/^$1=//p"
}
# aside_diag: why reads waited for their fills, as diagnostics.
aside_diag() {
	ktap_diag "fill_aside_fallbacks: $(counter fill_aside_fallbacks)"
	ktap_diag "fills_aside $(counter fills_aside), fills_aside_spare $(counter fills_aside_spare), inflight_migrations $(counter inflight_migrations)"
}
# aside_check NAME TEST-ARGS...: ktap_check, with aside_diag when it fails.
aside_check() { KTAP_FAIL_HOOK=aside_diag ktap_check "$@"; }

# same_data BS SKIP COUNT: what the device reads equals what the slow tier
# ($SLOW) holds.
same_data() {
	read_blocks $MNT "$1" "$2" "$3" "$TMP/dev" &&
	read_blocks "$SLOW" "$1" "$2" "$3" "$TMP/slow" &&
	cmp "$TMP/dev" "$TMP/slow"
}

# zeros BS SKIP COUNT: the device reads zeros there.
zeros() {
	read_blocks $MNT "$1" "$2" "$3" "$TMP/dev" &&
	cmp -n $(($(numfmt --from=iec "${1^^}") * $3)) "$TMP/dev" /dev/zero
}

# resident: the device's VALID copies.
resident() { counter fast_blocks_used; }

# fio_over_resident SIZE_MIB: in three regions, one per I/O size, fills the
# region, makes part of it resident, then overwrites it with verified
# random writes while a reader keeps promoting, then verifies it again.
fio_over_resident() {
	local mib=$1 off=0 io
	for io in 4k 128k 1m; do
		fio --name=fill --filename=$MNT --rw=write --bs=1m \
			--offset=${off}M --size=${mib}M --direct=1 --eta=never \
			--output=/dev/null || return 1
		dd if=$MNT of=/dev/null bs=1M skip=$off count="$mib" \
			iflag=direct status=none || return 1
		aatts_settle $DEV || return 1
		fio --filename=$MNT --offset=${off}M --size=${mib}M "${FIO[@]}" \
			--name=writer --rw=randwrite --bs=$io --verify_backlog=64 \
			--name=reader --rw=randread --bs=128k --verify=0 \
			--io_size=$((mib * 2))M --output=/dev/null || return 1
		fio --name=writer --filename=$MNT --offset=${off}M \
			--size=${mib}M "${FIO[@]}" --rw=randwrite --bs=$io \
			--verify_only --output=/dev/null || return 1
		off=$((off + mib))
	done
	aatts_settle $DEV
}

nullb_setup || { echo "Bail out! null_blk with configfs is missing"; exit 1; }

ktap_plan 62

# 1-16: fio --verify at three block sizes on null_blk tiers, then on a
# scsi_debug slow tier.
run_fio_case() {
	local bs=$1 slow_mib=$2 fast_mib=$3 what=$4 valid
	dm_create $DEV "0 $((slow_mib * 2048)) aatts $SLOW $FAST $bs 4 policy lru error_threshold 0"
	ktap_result "$what: aatts over split request-based tiers" $?
	ktap_test "$what: fio verified writes over resident blocks, 4k/128k/1m I/O" \
		fio_over_resident 8
	valid=$(resident)
	ktap_check "$what: blocks were resident ($valid)" "${valid:-0}" -gt 0
	ktap_test "$what: the device reads what the slow tier holds" \
		same_data 1M 0 24
	dm_remove $DEV
}

for bs in 8 256 2048; do
	SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 16)
	run_fio_case $bs 64 16 "null_blk, $((bs / 2)) KiB blocks"
	nullb_remove tslow tfast
done

SLOW=$(scsi_debug_create 64) && FAST=$(nullb_create tfast 16)
run_fio_case 256 64 16 "scsi_debug slow tier, 128 KiB blocks"

# 17-20: write-zeroes (scsi_debug: WRITE SAME) drops the copies it zeroed.
# Device-mapper offers write-zeroes only when every device of the table
# takes it, the fast tier included: here a loop device on tmpfs.
nullb_remove tfast
modprobe loop
FAST=$(loop_dev 16)
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 4 policy lru error_threshold 0"
wz=$(cat "/sys/dev/block/$(dm_devno $DEV)/queue/write_zeroes_max_bytes")
ktap_check "write-zeroes reaches the device ($wz bytes at most)" "${wz:-0}" -gt 0
# Only blocks 0..63 resident: whatever else was read (a partition scan) goes.
dmsetup message $DEV 0 demote 0 $((64 * 2048)) >/dev/null
promote_all 8
ktap_diag "resident before: $(resident)"
before=$(counter invalidations)
blkdiscard -z -o 0 -l 4M $MNT
ktap_result "blkdiscard -z through the device" $?
after=$(counter invalidations)
ktap_test "after write-zeroes the device reads zeros where the slow tier does" \
	zeros 1M 0 4
# Zero writes (no write-zeroes) would update the copies and drop none.
ktap_check "write-zeroes dropped the 32 copies it zeroed (invalidations $before -> $after)" \
	"${after:-0}" -ge $((${before:-x} + 32))
dm_remove $DEV
losetup -d "$FAST"
scsi_debug_remove

# 21-24: fast-tier read errors on split bios.  The second quarter of every
# fast slot fails; 128 KiB reads of resident blocks split into four on the
# fast tier, one part fails, and the read is served from the slow tier.
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 4)
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 4 policy lru error_threshold 0"
head -c 4M /dev/urandom | dd of=$MNT bs=1M iflag=fullblock oflag=direct status=none
promote_all 4
ktap_check "blocks resident before the errors ($(resident))" "$(resident)" -gt 0
for s in $(seq 0 31); do
	nullb_badblocks tfast + $((s * 256 + 64)) $((s * 256 + 127))
done
errs=$(counter fast_errors)
ktap_test "128 KiB reads over failing split fast reads return the slow tier's data" \
	same_data 128k 0 32
ktap_check "fast-tier errors counted ($errs -> $(counter fast_errors))" \
	"$(counter fast_errors)" -gt "${errs:-x}"
ktap_check "the fast tier stays in service (error_threshold 0)" \
	"$(counter state)" = running
dm_remove $DEV
nullb_remove tfast tslow

# 25-28: a discard held on the slow tier while the same block is promoted
# and copied.  The slow tier is dm-delay with reads going straight to the
# null_blk device and writes (discards among them) through a dm-linear
# "gate" that is suspended: the discard waits there, deterministically,
# until the gate resumes.  Once both are done the device must read what
# the slow tier holds (zeros).
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 16)
dm_create aatts_t_tgate "0 $((64 * 2048)) linear $SLOW 0"
dm_create aatts_t_tslow "0 $((64 * 2048)) delay $SLOW 0 0 /dev/mapper/aatts_t_tgate 0 0"
dm_create $DEV "0 $((64 * 2048)) aatts /dev/mapper/aatts_t_tslow $FAST 256 2 policy lru"
# race HOW BLOCK: writes a pattern to BLOCK, holds a discard of it on the
# slow tier and promotes it meanwhile, by message or by a read.
race() {
	local how=$1 b=$2 start=$(($2 * 256)) pid p0 p1 held=0
	head -c 128k /dev/urandom |
		dd of=$MNT bs=128k seek="$b" iflag=fullblock oflag=direct status=none
	aatts_settle $DEV
	p0=$(counter promotions)
	dmsetup suspend --noflush aatts_t_tgate || return 1
	blkdiscard -o $((b * 131072)) -l 131072 $MNT &
	pid=$!
	# Wait until the discard is in flight on the device (counted as a write).
	for _ in $(seq 200); do
		[ "$(awk '{ print $2 }' "/sys/dev/block/$(dm_devno $DEV)/inflight")" -gt 0 ] &&
			held=1 && break
		sleep 0.05
	done
	if [ "$how" = message ]; then
		dmsetup message $DEV 0 promote $start 256 >/dev/null
	else
		# pread, not lseek + read: the held BLKDISCARD keeps the block
		# device's inode locked, and lseek takes that lock.
		fio --name=promote --filename=$MNT --rw=read --bs=128k \
			--offset=$((b * 131072)) --size=128k --direct=1 \
			--ioengine=psync --output=/dev/null
	fi
	aatts_settle $DEV
	p1=$(counter promotions)
	kill -0 $pid 2>/dev/null || held=0
	dmsetup resume aatts_t_tgate
	wait $pid || return 1
	aatts_settle $DEV
	echo "promotions $p0 -> $p1 while the discard was held ($held)"
	# The race took place: the copy was made while the discard was held.
	[ "$held" = 1 ] && [ "$p1" -gt "$p0" ] || return 1
	same_data 128k "$b" 1 &&
	zeros 128k "$b" 1
}
ktap_test "discard held on the slow tier vs promote message (block 3)" race message 3
ktap_test "discard held on the slow tier vs promote message (block 9)" race message 9
ktap_test "discard held on the slow tier vs a promoting read (block 17)" race read 17
ktap_test "discard held on the slow tier vs a promoting read (block 33)" race read 33

# 29-33: a promote of 32 adjacent blocks into 32 free slots, taken in
# order: they are copied in runs of up to 16 blocks (2 MiB copies, split
# into 32 KiB requests on both tiers), not one copy each, and every block
# then reads back from its own slot (read hits) as the slow tier holds it.
dm_remove $DEV aatts_t_tslow aatts_t_tgate
nullb_remove tslow tfast
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 8)
head -c 8M /dev/urandom | dd of="$SLOW" bs=1M seek=1 iflag=fullblock oflag=direct status=none
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 4 policy lru error_threshold 0"
ktap_result "aatts over null_blk, 128 KiB blocks, 64 slots" $?
aatts_settle $DEV
p0=$(counter promotions) c0=$(counter migration_copies)
dmsetup message $DEV 0 promote $((8 * 256)) $((32 * 256)) >/dev/null
aatts_settle $DEV
p1=$(counter promotions) c1=$(counter migration_copies)
ktap_check "32 blocks promoted ($p0 -> $p1)" "${p1:-0}" -eq $((${p0:-x} + 32))
ktap_check "in at most 4 copies ($c0 -> $c1)" "${c1:-999}" -le $((${c0:-x} + 4))
h0=$(counter read_hits)
ktap_test "each promoted block reads as the slow tier holds it" \
	same_data 128k 8 32
h1=$(counter read_hits)
ktap_check "and was read from the fast tier (read_hits $h0 -> $h1)" \
	"${h1:-0}" -ge $((${h0:-x} + 32))
dm_remove $DEV
nullb_remove tfast tslow

# 34-40: fills copied aside.  The fast tier is dm-delay holding every
# write HOLD_MS (8 s, times AATTS_TEST_SCALE: 4 s was too short on a
# loaded host, where one dd took up to 2.4 s, and on the debug kernel one
# took 10 s, its fill copied aside: the next step came after the fill had
# landed).  Whether a read completed before its fill is told by
# promotions_filled, unchanged when the read returns (a read that waits
# returns after its fill is counted), not by a time limit: a 128 KiB read
# miss that fills its block completes at once
# (its data copied aside), not after the fill; a write to the block while
# the fill is held makes the fill stale, and once it lands the device
# reads the write.  A 1 MiB read fills 8 blocks, more than is copied
# aside (512 KiB): it waits for its fills.
dm_remove $DEV
nullb_remove tfast tslow
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 8)
head -c 4M /dev/urandom >"$TMP/data"
dd if="$TMP/data" of="$SLOW" bs=1M oflag=direct status=none
HOLD_MS=$((8000 * ${AATTS_TEST_SCALE:-1}))
dm_create aatts_t_tfastd "0 $((8 * 2048)) delay $FAST 0 0 $FAST 0 $HOLD_MS"
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW /dev/mapper/aatts_t_tfastd 256 4 policy lru error_threshold 0"
ktap_result "aatts over null_blk, fast-tier writes held $((HOLD_MS / 1000)) s" $?
aatts_settle $DEV
# ms_to_read BS SKIP: milliseconds one direct read of the device takes.
ms_to_read() {
	local t0 t1
	t0=$(date +%s%N)
	dd if=$MNT of="$TMP/got" bs="$1" skip="$2" count=1 iflag=direct status=none || return 1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
f0=$(counter promotions_filled) x0=$(counter promotions_failed)
a0=$(counter fills_aside)
ms=$(ms_to_read 128k 8)
fr=$(counter promotions_filled)
aside_check "a 128 KiB read miss completes before its fill is written ($ms ms; writes held $HOLD_MS ms; filled $f0 -> $fr)" \
	"${ms:-99999}" -lt $HOLD_MS -a "${fr:-x}" -eq "${f0:-y}"
dd if="$TMP/data" of="$TMP/want" bs=128k skip=8 count=1 status=none
ktap_test "and returns the slow tier's data" cmp "$TMP/got" "$TMP/want"
head -c 128k /dev/urandom >"$TMP/new"
dd if="$TMP/new" of=$MNT bs=128k seek=8 count=1 oflag=direct status=none
aatts_settle $DEV
ktap_test "a write during the held fill wins: the device and the slow tier read it" \
	sh -c "dd if=$MNT bs=128k skip=8 count=1 iflag=direct status=none | cmp - '$TMP/new' &&
	       dd if=$SLOW bs=128k skip=8 count=1 iflag=direct status=none | cmp - '$TMP/new'"
# The read did fill (one fill written), and the fill was not kept.
x1=$(counter promotions_failed) f1=$(counter promotions_filled)
ktap_check "the read's fill was written but not kept (filled $f0 -> $f1, promotions_failed $x0 -> $x1)" \
	"${f1:-0}" -eq $((${f0:-x} + 1)) -a "${x1:-0}" -gt "${x0:-x}"
a1=$(counter fills_aside)
aside_check "its fill was copied aside (fills_aside $a0 -> $a1)" \
	"${a1:-0}" -eq $((${a0:-x} + 1))
f0=$(counter promotions_filled) t0=$(fallbacks too_large)
ms=$(ms_to_read 1M 2)
ktap_check "a 1 MiB read miss (8 fills) waits for its fills ($ms ms)" "${ms:-0}" -ge $((HOLD_MS - 500))
aatts_settle $DEV
t1=$(fallbacks too_large)
aside_check "counted as too large to copy aside (too_large $t0 -> $t1)" \
	"${t1:-0}" -eq $((${t0:-x} + 1))
filled_from_fast() {
	local h0 h1
	h0=$(counter read_hits)
	same_data 128k 16 8 || return 1
	h1=$(counter read_hits)
	echo "filled $f0 -> $(counter promotions_filled), read_hits $h0 -> $h1"
	[ "$(counter promotions_filled)" -ge $((f0 + 8)) ] && [ "$h1" -ge $((h0 + 8)) ]
}
ktap_test "the 8 filled blocks read as the slow tier holds them, from the fast tier" \
	filled_from_fast

# 42-47: memory short in the completion (test_aside_nomem fails the
# GFP_NOWAIT allocations): a 128 KiB read miss still completes before its
# fill is written (promotions_filled unchanged when it returns; a read that
# waits returns after it), its copy in the device's spare; a second miss
# while that fill is held (the spare busy) waits for its own fill, counted
# as nomem; once the fill is written the spare serves a third miss.
s0=$(counter fills_aside_spare) n0=$(fallbacks nomem)
echo 1 >$NOMEM
fa=$(counter promotions_filled)
ms1=$(ms_to_read 128k 40)
fb=$(counter promotions_filled)
ms2=$(ms_to_read 128k 41)
fc=$(counter promotions_filled)
echo 0 >$NOMEM
aatts_settle $DEV
n1=$(fallbacks nomem)
echo 1 >$NOMEM
fd=$(counter promotions_filled)
ms3=$(ms_to_read 128k 42)
fe=$(counter promotions_filled)
echo 0 >$NOMEM
aatts_settle $DEV
s1=$(counter fills_aside_spare)
aside_check "no memory: a 128 KiB read miss completes before its fill, copied into the spare ($ms1 ms, filled $fa -> $fb)" \
	"${ms1:-99999}" -lt $HOLD_MS -a "${fb:-x}" -eq "${fa:-y}"
aside_check "a second miss while the spare is busy waits for its fill ($ms2 ms, filled $fb -> $fc, nomem $n0 -> $n1)" \
	"${ms2:-0}" -ge $((HOLD_MS - 500)) -a "${fc:-0}" -gt "${fb:-x}" -a "${n1:-0}" -eq $((${n0:-x} + 1))
aside_check "the spare is given back: a third miss completes before its fill ($ms3 ms, filled $fd -> $fe)" \
	"${ms3:-99999}" -lt $HOLD_MS -a "${fe:-x}" -eq "${fd:-y}"
aside_check "two fills went through the spare (fills_aside_spare $s0 -> $s1)" \
	"${s1:-0}" -eq $((${s0:-x} + 2))
spare_blocks() {
	local h0 h1
	h0=$(counter read_hits)
	same_data 128k 40 3 || return 1
	h1=$(counter read_hits)
	echo "read_hits $h0 -> $h1"
	[ "$h1" -ge $((h0 + 3)) ]
}
ktap_test "the 3 blocks filled from the spare or by waiting read as the slow tier holds them, from the fast tier" \
	spare_blocks
dm_remove $DEV aatts_t_tfastd
nullb_remove tfast tslow

# 48-49: a RAM-disk fast tier (brd: a write is a copy in the submitter's
# context; its pages written once before, so none is allocated now) writes
# about as fast as a fill is copied aside: once both are measured, reads
# of whole blocks wait for their fills instead (fill_aside auto, counted as
# fast_writes), and every block is filled.  The first 64 reads measure
# both (moving averages, which a busy host's first samples can tip); the
# next 64 are counted.
SLOW=$(nullb_create tslow 64)
dd if=/dev/zero of=/dev/ram7 bs=1M count=16 oflag=direct status=none
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW /dev/ram7 256 4 policy lru error_threshold 0"
aatts_settle $DEV
dd if=$MNT of=/dev/null bs=128k count=64 iflag=direct status=none
aatts_settle $DEV
f0=$(counter promotions_filled) w0=$(fallbacks fast_writes) a0=$(counter fills_aside)
dd if=$MNT of=/dev/null bs=128k skip=64 count=64 iflag=direct status=none
aatts_settle $DEV
f1=$(counter promotions_filled) w1=$(fallbacks fast_writes) a1=$(counter fills_aside)
ktap_diag "per block: copy aside $(counter fill_copy_ns) ns, fast-tier write $(counter fill_write_ns) ns"
ktap_check "64 read misses of whole blocks filled 64 slots (filled $f0 -> $f1)" \
	"${f1:-0}" -eq $((${f0:-x} + 64))
aside_check "most waited for their fills, not copied aside (fast_writes $w0 -> $w1, fills_aside $a0 -> $a1)" \
	"${w1:-0}" -ge $((${w0:-x} + 32)) -a "${a1:-99}" -lt $((${a0:-x} + 32))
dm_remove $DEV
nullb_remove tslow

# 50-52: a read of a block whose promotion is under way (the copy's read
# of the slow tier held 2 s by dm-delay) is a miss counted in
# read_filling; it waits for the copy (reads_parked) instead of reading
# the slow tier a second time, and returns what the slow tier holds; once
# the copy is done the block reads from the fast tier.
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 8)
head -c 1M /dev/urandom | dd of="$SLOW" bs=1M oflag=direct status=none
dm_create aatts_t_tslow "0 $((64 * 2048)) delay $SLOW 0 2000"
dm_create $DEV "0 $((64 * 2048)) aatts /dev/mapper/aatts_t_tslow $FAST 256 4 policy lru error_threshold 0"
aatts_settle $DEV
r0=$(counter read_filling) m0=$(counter read_misses) p0=$(counter reads_parked)
s0=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno aatts_t_tslow)/stat")
dmsetup message $DEV 0 promote $((2 * 256)) 256 >/dev/null
# The copy started (not only queued): a read then waits for it.
for _ in $(seq 100); do
	[ "$(counter inflight_migrations)" = 1 ] && break
	sleep 0.05
done
dd if=$MNT of="$TMP/during" bs=128k skip=2 count=1 iflag=direct status=none
r1=$(counter read_filling) m1=$(counter read_misses) p1=$(counter reads_parked)
ktap_check "a read of block 2 while its copy is under way: one miss, counted in read_filling ($r0 -> $r1, misses $m0 -> $m1)" \
	"${r1:-0}" -eq $((${r0:-x} + 1)) -a "${m1:-0}" -eq $((${m0:-x} + 1))
aatts_settle $DEV
h0=$(counter read_hits)
dd if=$MNT of="$TMP/after" bs=128k skip=2 count=1 iflag=direct status=none
h1=$(counter read_hits)
dd if="$SLOW" of="$TMP/slow" bs=128k skip=2 count=1 iflag=direct status=none
s1=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno aatts_t_tslow)/stat")
ktap_check "the read waited for the copy (reads_parked $p0 -> $p1): the slow tier read the block once ($((s1 - s0)) sectors, one block is 256)" \
	"${p1:-0}" -eq $((${p0:-x} + 1)) -a $((s1 - s0)) -eq 256
ktap_check "both reads return the slow tier's data; the second is a hit (read_hits $h0 -> $h1)" \
	"$(cmp -s "$TMP/during" "$TMP/slow" && cmp -s "$TMP/after" "$TMP/slow" && echo same)" = same -a \
	"${h1:-0}" -eq $((${h0:-x} + 1))
dm_remove $DEV aatts_t_tslow
nullb_remove tslow tfast

# 53-55: 96 reads, each of its own block, while the copies of all those
# blocks are under way (16 MiB promoted, the slow tier delayed 2 s), and
# a suspend among them: as many as the device holds (64) wait for their
# copy, the rest read the slow tier; the suspend waits for them all; every
# read returns the slow tier's data, and the slow tier was read by the
# copies and by the reads that did not wait, nothing else.
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 32)
head -c 16M /dev/urandom | dd of="$SLOW" bs=1M oflag=direct status=none
dm_create aatts_t_tslow "0 $((64 * 2048)) delay $SLOW 0 2000"
dm_create $DEV "0 $((64 * 2048)) aatts /dev/mapper/aatts_t_tslow $FAST 128 4 policy lru error_threshold 0"
aatts_settle $DEV
p0=$(counter reads_parked) h0=$(counter read_hits)
s0=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno aatts_t_tslow)/stat")
# One process, so that the 96 reads start within milliseconds: it sends
# the promote message, starts a thread per read (4 KiB, O_DIRECT, at 4 KiB
# into blocks 0, 2, 4, ...), suspends and resumes the device 0.5 s later,
# and prints "SUSPEND_STATUS MS DIFFERING" once all are done.
read -r susp ms bad < <(python3 - "$MNT" "$SLOW" "$DEV" <<'PY'
import mmap, os, subprocess, sys, threading, time
dev, slow, name = sys.argv[1:4]
N, BLOCK, OFF = 96, 128 * 1024, 4096
def pread(path, off):
    buf = mmap.mmap(-1, 4096)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        os.preadv(fd, [buf], off)
    finally:
        os.close(fd)
    return bytes(buf)
got = [None] * N
def reader(i):
    got[i] = pread(dev, i * BLOCK + OFF)
subprocess.run(["dmsetup", "message", name, "0", "promote", "0",
                str(16 * 2048)], check=True, stdout=subprocess.DEVNULL)
ts = [threading.Thread(target=reader, args=(i,)) for i in range(N)]
for t in ts:
    t.start()
time.sleep(0.5)
t0 = time.monotonic()
r = subprocess.run(["timeout", "60", "dmsetup", "suspend", name]).returncode
ms = int((time.monotonic() - t0) * 1000)
subprocess.run(["dmsetup", "resume", name], check=True)
for t in ts:
    t.join()
bad = sum(got[i] != pread(slow, i * BLOCK + OFF) for i in range(N))
print(r, ms, bad)
PY
)
aatts_settle $DEV
p1=$(counter reads_parked) h1=$(counter read_hits)
s1=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno aatts_t_tslow)/stat")
ktap_check "a suspend while reads wait for their copies completes (${ms:-?} ms, status ${susp:-?})" \
	"${susp:-1}" -eq 0
parked=$((p1 - p0)) hits=$((h1 - h0))
ktap_check "of 96 reads during the copies, $parked waited for them (at least 32), $hits came after; the slow tier read 16 MiB for the copies and 4 KiB per other read ($((s1 - s0)) sectors)" \
	"$parked" -ge 32 -a $((s1 - s0)) -eq $((32768 + 8 * (96 - parked - hits)))
ktap_check "every read returned the slow tier's data (${bad:-?} differ)" "${bad:-1}" -eq 0
dm_remove $DEV aatts_t_tslow
nullb_remove tslow tfast

# 56-58: a read that covers blocks whose copies are only queued (held back
# by migration_bandwidth: one 128 KiB block per second) fills them from
# its own data: the queued copies are taken over (fills_adopted), the slow
# tier reads each block once, and the blocks then hit.
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 8)
head -c 1M /dev/urandom | dd of="$SLOW" bs=1M oflag=direct status=none
dm_create $DEV "0 $((64 * 2048)) aatts $SLOW $FAST 256 6 policy lru error_threshold 0 migration_bandwidth 256"
aatts_settle $DEV
a0=$(counter fills_adopted) f0=$(counter promotions_filled)
s0=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno_of "$SLOW")/stat")
dmsetup message $DEV 0 promote 0 $((8 * 256)) >/dev/null
q=$(counter queued_migrations)
dd if=$MNT of="$TMP/during" bs=512k skip=1 count=1 iflag=direct status=none
a1=$(counter fills_adopted) f1=$(counter promotions_filled)
ktap_check "a 512 KiB read of blocks 4-7 while their copies are queued ($q queued) took them over (fills_adopted $a0 -> $a1) and filled them (promotions_filled $f0 -> $f1)" \
	"${q:-0}" -ge 4 -a "${a1:-0}" -eq $((${a0:-x} + 4)) -a "${f1:-0}" -eq $((${f0:-x} + 4))
aatts_settle $DEV
h0=$(counter read_hits)
dd if=$MNT of="$TMP/after" bs=512k skip=1 count=1 iflag=direct status=none
h1=$(counter read_hits)
s1=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno_of "$SLOW")/stat")
dd if="$SLOW" of="$TMP/slow" bs=512k skip=1 count=1 iflag=direct status=none
ktap_check "the slow tier read each of the 8 blocks once ($((s1 - s0)) sectors, 8 blocks are 2048)" \
	$((s1 - s0)) -eq 2048
ktap_check "both reads return the slow tier's data; the second hits all 4 blocks (read_hits $h0 -> $h1)" \
	"$(cmp -s "$TMP/during" "$TMP/slow" && cmp -s "$TMP/after" "$TMP/slow" && echo same)" = same -a \
	"${h1:-0}" -eq $((${h0:-x} + 4))
dm_remove $DEV
nullb_remove tslow tfast

# 59-62: a read of part of a block whose copy is queued next, behind one
# under way (migration_inflight: one block; the slow tier delayed 2 s),
# waits for that copy rather than read the slow tier; a suspend while
# such a read waits lets it go on at presuspend (the copy may never
# start) and completes.
SLOW=$(nullb_create tslow 64) && FAST=$(nullb_create tfast 8)
head -c 1M /dev/urandom | dd of="$SLOW" bs=1M oflag=direct status=none
dd if="$SLOW" of="$TMP/slow" bs=4k skip=33 count=1 iflag=direct status=none
dm_create aatts_t_tslow "0 $((64 * 2048)) delay $SLOW 0 2000"
dm_create $DEV "0 $((64 * 2048)) aatts /dev/mapper/aatts_t_tslow $FAST 256 6 policy lru error_threshold 0 migration_inflight 256"
aatts_settle $DEV
# started_one: waits until block 0's copy is under way and block 1's queued.
started_one() {
	local _
	for _ in $(seq 100); do
		[ "$(counter inflight_migrations)" = 1 ] &&
			[ "$(counter queued_migrations)" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}
p0=$(counter reads_parked)
s0=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno aatts_t_tslow)/stat")
dmsetup message $DEV 0 promote 0 512 >/dev/null
started_one
# 4 KiB at 4 KiB into block 1 (block 1 starts at 128 KiB).
dd if=$MNT of="$TMP/during" bs=4k skip=33 count=1 iflag=direct status=none
p1=$(counter reads_parked)
aatts_settle $DEV
s1=$(awk '{ print $3 }' "/sys/dev/block/$(dm_devno aatts_t_tslow)/stat")
ktap_check "a 4 KiB read of block 1 while its copy is queued next waited for it (reads_parked $p0 -> $p1)" \
	"${p1:-0}" -eq $((${p0:-x} + 1))
ktap_check "the slow tier was read by the two copies only ($((s1 - s0)) sectors, two blocks are 512)" \
	$((s1 - s0)) -eq 512
ktap_check "the read returned the slow tier's data" \
	"$(cmp -s "$TMP/during" "$TMP/slow" && echo same)" = same
dmsetup message $DEV 0 demote 0 512 >/dev/null
aatts_settle $DEV
dmsetup message $DEV 0 promote 0 512 >/dev/null
started_one
dd if=$MNT of="$TMP/during" bs=4k skip=33 count=1 iflag=direct status=none &
rd=$!
sleep 0.3
p2=$(counter reads_parked)
t0=$(date +%s%N)
timeout 30 dmsetup suspend $DEV
susp=$?
ms=$((($(date +%s%N) - t0) / 1000000))
dmsetup resume $DEV
wait $rd
ktap_check "a suspend while a read waited for a queued copy (reads_parked $p1 -> $p2) completes (status $susp, $ms ms) and the read returned the slow tier's data" \
	"${p2:-0}" -eq $((${p1:-x} + 1)) -a "$susp" -eq 0 -a \
	"$(cmp -s "$TMP/during" "$TMP/slow" && echo same)" = same
aatts_settle $DEV
dm_remove $DEV aatts_t_tslow
nullb_remove tslow tfast
ktap_finish
