#!/bin/bash
# Long control operations and how files become ranges, through aattsctl
# (and tests/netlink/prefetch_prio for per-range priorities), on null_blk
# tiers:
#  9. a long PREFETCH (1 copy/s, 10240 blocks, a queue of 4096) waits for
#     room and stops when its caller is killed (EINTR: it ends at once and
#     starts nothing more, and the device's control lock is free again;
#     with AATTS_F_NOWAIT a PREFETCH returns at once on the full queue);
#     a long PIN stops when the device is removed, and the removal is not
#     held up by it: it returns what it started (exit 0), as on a suspend,
#     because device-mapper suspends the device before its destructor
#     runs (the ENODEV of the uapi header and the admin guide needs
#     'dying', set only by the destructor, by then the PIN has returned); a PREFETCH examines at most four times the fast
#     tier's blocks per call (isa admits only hinted blocks: one inside the
#     budget, one past it), with one range and with two;
# 10. PREFETCH takes its ranges in descending priority, stable for equal
#     ones (a fast tier of 64 blocks, four ranges of 32 blocks);
#     FIEMAP: inline data (ext4 inline_data) and encoded extents (f2fs
#     compression; btrfs cannot serve: its st_dev is an anonymous device,
#     never the aatts device) are refused with their reason; a file written and not
#     yet synced has delayed extents (filefrag) and is mapped after
#     FIEMAP_FLAG_SYNC writes it out, every block of it.
# 11. default's decision is visible, and the same, in dmsetup status (the
#     fields appended at the end of the line), sysfs policy_adapt and
#     netlink (aattsctl status and stats): it starts in isa's mode, runs a
#     recency mode (lru, fifo or wtinylfu) after hot sets that move (which
#     isa/minio cannot follow), and minio or isa again after a loop larger
#     than the cache (which lru and fifo miss entirely); aatts-sim replays
#     the same reads to the same modes.  Under another policy the status
#     line ends with that policy and no shadow ratios.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/nullb.sh
. tests/lib/ctl.sh

DEV=aatts_t_control
PRIO=build/tests/netlink/prefetch_prio
MNT=$(mktemp -d)
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV
	nullb_remove cslow cfast
	rm -rf "$OUT" "$ERR" "$TMP" "$MNT"
}
trap cleanup EXIT

st() { aatts_stat $DEV "$1"; }
# count: the block count in the last prefetch output.
count() { sed -n 's/.* for \([0-9]*\) blocks .*/\1/p' "$OUT"; }
# demoted START LEN: valid copies a demote message drops (sectors).
demoted() {
	local n
	n=$(dmsetup message $DEV 0 demote "$1" "$2") || { echo x; return; }
	echo "${n:-0}"
}

# create SLOW_MIB FAST_MIB BLOCK_SECTORS FEATURES...: fresh tiers and DEV.
create() {
	local s=$1 f=$2 bs=$3
	shift 3
	dm_remove $DEV
	nullb_remove cslow cfast
	SLOW=$(nullb_create cslow "$s") && FAST=$(nullb_create cfast "$f") &&
	dm_create $DEV "0 $((s * 2048)) aatts $SLOW $FAST $bs $# $*"
}

# full: waits (15 s) until the promotion queue is (nearly) full.
full() {
	local i
	for i in $(seq 150); do
		[ "$(st queued_migrations)" -ge 4000 ] && return 0
		sleep 0.1
	done
	return 1
}

# gone PID SECS: the process has exited within SECS seconds.
gone() {
	local i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

nullb_setup || { echo "Bail out! null_blk with configfs is missing"; exit 1; }

ktap_plan 41

# --- 9. a long PREFETCH, its caller killed ----------------------------------
# 4 KiB blocks: 8192 slots, 4096 queue entries; one copy per second.
create 64 32 8 policy lru migration_inflight 8 migration_bandwidth 8
ktap_result "create $DEV: 4 KiB blocks, 1 copy/s" $?
"$CTL" prefetch $DEV --force --range 0:40M >"$OUT" 2>"$ERR" &
pid=$!
PIDS+=($pid)
full
ktap_check "9: prefetch of 10240 blocks fills the queue ($(st queued_migrations) queued)" "$?" = 0
sleep 1
ktap_check "9: and waits for room (still running, nothing dropped: $(st promotions_dropped))" \
	"$(kill -0 $pid 2>/dev/null && echo running):$(st promotions_dropped)" = running:0
kill -9 $pid
ktap_test "9: killed, it ends at once (EINTR)" gone $pid 5
p0=$(st promotions)
sleep 2
ktap_check "9: and starts nothing more (promotions $p0 -> $(st promotions))" \
	"$(st promotions)" = "${p0:-x}"
timeout 20 "$CTL" prefetch $DEV --force --nowait --range 48M:4M >"$OUT" 2>"$ERR"
rc=$?
ktap_diag "prefetch --nowait: exit $rc: $(cat "$OUT" "$ERR")"
n=$(sed -n 's/.*promotion started for \([0-9]*\) blocks.*/\1/p' "$OUT")
ktap_check "9: PREFETCH NOWAIT (1024 blocks, 1 copy/s, the queue full) returns at once, having started only what had room ($n)" \
	"$rc:$(( ${n:-9999} < 1024 ))" = 0:1
timeout 10 dmsetup message $DEV 0 migration 8 0
ktap_result "9: the device's control lock is free again (a message runs)" $?

# --- 9. a long PIN, the device removed ---------------------------------------
create 64 32 8 policy lru migration_inflight 8 migration_bandwidth 8
"$CTL" pin $DEV --range 0:40M >"$OUT" 2>"$ERR" &
pid=$!
PIDS+=($pid)
full
ktap_check "9: pin of 10240 blocks fills the queue and waits ($(st queued_migrations) queued)" \
	"$?:$(kill -0 $pid 2>/dev/null && echo running)" = 0:running
timeout 20 dmsetup remove $DEV
ktap_result "9: the device is removed while the pin runs" $?
gone $pid 5
ktap_result "9: the pin ends with it" $?
wait $pid
rc=$?
ktap_diag "pin exit $rc: $(cat "$OUT" "$ERR")"
ktap_check "9: returning what it started (exit $rc)" \
	"$rc:$(grep -c 'pinned 1 ranges' "$OUT")" = 0:1

# --- 9. at most four times the fast tier's blocks examined per call --------
# 128 KiB blocks: 64 slots, 512 blocks; isa admits only blocks 200 and 300
# (score 200 >= min_score 100); 200 is within 4 * 64 blocks, 300 past them.
create 64 8 256 policy isa min_score=100
ktap_result "create $DEV: 64 slots, isa min_score=100" $?
dmsetup message $DEV 0 hint $((200 * 256)) 256 200 &&
	dmsetup message $DEV 0 hint $((300 * 256)) 256 200 &&
	dmsetup message $DEV 0 epoch_commit
ktap_result "9: hints on blocks 200 and 300, committed" $?
run prefetch $DEV --range 0:64M
ktap_check "9: a prefetch of 512 blocks examines 256: 1 started ($(count))" "$RC:$(count)" = 0:1
aatts_settle $DEV
d300=$(demoted $((300 * 256)) 256)
d200=$(demoted $((200 * 256)) 256)
ktap_check "9: block 200 it was (demoted: block 300 $d300, block 200 $d200)" \
	"$d300:$d200" = 0:1
run prefetch $DEV --range $((250 * 131072)):$((262 * 131072))
ktap_check "9: block 300 is admitted when examined (blocks 250..505): 1 started ($(count))" \
	"$RC:$(count):$(demoted $((300 * 256)) 256)" = 0:1:1
# Not adjacent (aattsctl would merge them): blocks 0..149 and 151..511; a
# budget per range would reach block 300.
run prefetch $DEV --range 0:$((150 * 131072)) --range $((151 * 131072)):$((361 * 131072))
ktap_check "9: two ranges in one call share the budget: 1 started ($(count))" "$RC:$(count)" = 0:1

# --- 10. prefetch priority order -------------------------------------------
create 64 8 256 policy lru
A=0:4194304:1 B=8388608:4194304:5 C=16777216:4194304:3 D=25165824:4194304:3
n=$("$PRIO" $DEV --force $A $B $C $D 2>"$ERR")
ktap_check "10: PREFETCH of four 32-block ranges over 64 slots starts 64 ($n)" \
	"$?:$n" = 0:64
aatts_settle $DEV
res="$(demoted 16384 8192) $(demoted 32768 8192) $(demoted 49152 8192) $(demoted 0 8192)"
ktap_check "10: taken by priority, stable: B (5) and C (3) resident, D (3) and A (1) not ($res)" \
	"$res" = "32 32 0 0"

# --- 10. FIEMAP: inline data, delayed extents -------------------------------
create 64 16 256 policy lru
mkfs.ext4 -q -F -O inline_data -E lazy_itable_init=0,lazy_journal_init=0 \
	/dev/mapper/$DEV && mount /dev/mapper/$DEV "$MNT"
ktap_result "ext4 with inline_data on $DEV" $?
printf 'a small file, its data inside the inode\n' >"$MNT/small" && sync
expect "10: a file with inline data is refused" 1 "small: inline data at file offset 0" \
	prefetch $DEV "$MNT/small"
head -c 4M /dev/urandom >"$TMP/big" && cp "$TMP/big" "$MNT/big"
# filefrag without -s: FIEMAP without FIEMAP_FLAG_SYNC.
filefrag -v "$MNT/big" >"$TMP/frag" 2>&1
ktap_check "10: a file not yet synced has delayed extents ($(grep -c delalloc "$TMP/frag") of them)" \
	"$(grep -c delalloc "$TMP/frag")" -ge 1
run prefetch $DEV "$MNT/big"
rc=$RC
n=$(count)
filefrag -v "$MNT/big" >"$TMP/frag" 2>&1
"$CTL" residency $DEV --json "$MNT/big" >"$TMP/res"
nb=$(jq -r '.[0].blocks' "$TMP/res")
ktap_check "10: prefetch of it maps it after FIEMAP_FLAG_SYNC: its $nb blocks ($n)" \
	"$rc:$n:$((nb >= 32))" = "0:$nb:1"
ktap_check "10: and its extents are allocated now" "$(grep -c delalloc "$TMP/frag")" = 0
aatts_settle $DEV
"$CTL" residency $DEV --json "$MNT/big" >"$TMP/res"
ktap_check "10: every block of it resident ($(jq -c '.[0]' "$TMP/res"))" \
	"$(jq -r '.[0] | .resident_bytes == .bytes and .bytes == 4194304' "$TMP/res")" = true
echo 3 >/proc/sys/vm/drop_caches
cmp "$TMP/big" "$MNT/big"
ktap_result "10: and it reads back intact" $?
umount "$MNT"

# --- 10. FIEMAP: encoded (compressed) extents -------------------------------
create 128 16 256 policy lru
if command -v mkfs.f2fs >/dev/null && modprobe f2fs 2>/dev/null; then
	mkfs.f2fs -q -f -O extra_attr,compression /dev/mapper/$DEV >/dev/null &&
		mount -o compress_algorithm=lz4,compress_extension=bin \
			/dev/mapper/$DEV "$MNT"
	rc=$?
	ktap_result "f2fs with lz4 compression of *.bin on $DEV" $rc
	[ $rc = 0 ] && yes 'compressible tensor data' | head -c 1M >"$MNT/packed.bin" &&
		sync
	filefrag -v "$MNT/packed.bin" >"$TMP/frag" 2>&1
	ktap_check "10: the file's extents are encoded ($(grep -c encoded "$TMP/frag"))" \
		"$(grep -c encoded "$TMP/frag")" -ge 1
	expect "10: a file with encoded extents is refused" 1 \
		"packed.bin: an encoded (compressed) extent at file offset" \
		prefetch $DEV "$MNT/packed.bin"
	mountpoint -q "$MNT" && umount "$MNT"
else
	for t in "f2fs with compression" "encoded extents" "refused"; do
		ktap_result "10: $t: mkfs.f2fs or the f2fs module is missing" 1
	done
fi
# --- 11. default's decision, visible -----------------------------------------
# 128 KiB blocks: 64 slots, so the shadows have 64 slots and sample every
# block (a decision every 16 reads).
# field N of the status line (1: block_size); 16: the running mode.
sfield() { dmsetup status $DEV | awk -v f="$1" '{ print $(f + 3) }'; }
# skv KEY: KEY=VALUE among the status line's appended fields.
skv() { dmsetup status $DEV | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# akv KEY: from sysfs policy_adapt.
akv() { st policy_adapt | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# views: "status sysfs netlink(status) netlink(stats)" modes, then the
# switches and lru's and minio's ratios, each as status/sysfs/netlink.
views() {
	"$CTL" status $DEV --json >"$TMP/st.json" &&
		"$CTL" stats $DEV --json >"$TMP/stats.json" || { echo x; return; }
	echo "$(sfield 16) $(akv mode) $(jq -r .adapt.mode "$TMP/st.json")" \
		"$(jq -r .adapt.mode "$TMP/stats.json")" \
		"$(skv switches)/$(akv switches)/$(jq -r .adapt.switches "$TMP/st.json")" \
		"$(skv lru)/$(akv lru)/$(jq -r .adapt.ratios.lru "$TMP/st.json")" \
		"$(skv minio)/$(akv minio)/$(jq -r .adapt.ratios.minio "$TMP/stats.json")"
}
# agree: every view names the same mode, switches and ratios.
agree() {
	local v
	read -r -a v <<<"$1"
	[ "${#v[@]}" = 7 ] && [ "${v[0]}" = "${v[1]}" ] &&
		[ "${v[0]}" = "${v[2]}" ] && [ "${v[0]}" = "${v[3]}" ] &&
		for x in "${v[4]}" "${v[5]}" "${v[6]}"; do
			IFS=/ read -r a b c <<<"$x"
			[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] || return 1
		done
}
# reads SKIP COUNT TIMES: COUNT blocks from block SKIP, TIMES times.
reads() {
	local i
	for i in $(seq "$3"); do
		dd if=/dev/mapper/$DEV of=/dev/null bs=128k skip="$1" \
			count="$2" iflag=direct status=none || return 1
	done
}
create 64 8 256
ktap_result "create $DEV: 64 slots, policy default" $?
v=$(views)
ktap_diag "before: $(dmsetup status $DEV | cut -d' ' -f19-); views $v"
ktap_check "11: status appends the running mode after the 15 fields: isa at first ($v)" \
	"$(sfield 16):$(sfield 17):$(skv warm)" = isa:9:0
ktap_check "11: status, sysfs and netlink agree ($v)" "$(agree "$v" && echo yes)" = yes
# Eight hot sets of 48 blocks, each read six times.
for p in 0 1 2 3 4 5 6 7; do
	reads $((p * 48)) 48 6 || break
done
ktap_result "11: 2304 reads of eight moving hot sets" $?
aatts_settle $DEV
v=$(views)
m1=$(sfield 16)
ktap_diag "after hot sets: $(dmsetup status $DEV | cut -d' ' -f19-); views $v"
ktap_check "11: default runs a recency mode now ($m1), having switched ($(skv switches))" \
	"$(case $m1 in lru|fifo|wtinylfu) echo recency ;; esac):$(($(skv switches) >= 1))" = recency:1
ktap_check "11: why: lru's shadow hits more than minio's ($(skv lru) > $(skv minio) per mille)" \
	"$(skv lru)" -gt "$(skv minio)"
ktap_check "11: status, sysfs and netlink agree ($v)" "$(agree "$v" && echo yes)" = yes
# A loop over 96 blocks (1.5 caches), 30 times.
reads 0 96 30
ktap_result "11: 2880 reads of a loop larger than the cache" $?
aatts_settle $DEV
v=$(views)
m2=$(sfield 16)
ktap_diag "after the loop: $(dmsetup status $DEV | cut -d' ' -f19-); views $v"
ktap_check "11: default runs minio's or isa's mode now ($m2, was $m1)" \
	"$(case $m2 in minio|isa) echo fixed ;; esac):$(($(skv switches) >= 2))" = fixed:1
ktap_check "11: why: minio's shadow hits more than lru's ($(skv minio) > $(skv lru) per mille)" \
	"$(skv minio)" -gt "$(skv lru)"
ktap_check "11: status, sysfs and netlink agree ($v)" "$(agree "$v" && echo yes)" = yes
run policy set $DEV lru
"$CTL" status $DEV --json >"$TMP/st.json"
ktap_check "11: under lru: status ends 'lru 0', policy_adapt '-', no adapt in netlink" \
	"$RC:$(sfield 16):$(sfield 17):$(sfield 18):$(st policy_adapt):$(jq -r .adapt "$TMP/st.json")" = "0:lru:0::-:null"
dm_remove $DEV
ktap_finish
