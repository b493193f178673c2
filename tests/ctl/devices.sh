#!/bin/bash
# aattsctl on devices: create/list/status/remove checked against dmsetup
# and sysfs, policy set/get with parameters, stats --json against sysfs,
# events, and the error cases (exit codes and messages).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/ctl.sh

DEV=aatts_t_ctl
DEV2=aatts_t_ctl2
LIN=aatts_t_ctl_lin
trap 'dm_remove $DEV $DEV2 $LIN; rm -f "$OUT" "$ERR"' EXIT

jqo() { jq -r "$1" "$OUT"; }

ktap_plan 38
dm_remove $DEV $DEV2 $LIN
ram_zero 8 /dev/ram0 /dev/ram1

# --- no device at all ----------------------------------------------------
expect "status without NAME and no device: usage error" 2 "no aatts device exists" status
expect "status of a device that does not exist: kernel's message" 1 "No such aatts device" status nosuch

# --- create, checked against dmsetup ------------------------------------
run create $DEV --slow /dev/ram0 --fast /dev/ram1 --block-size 64K \
	--policy lru --mode writearound
ktap_result "create $DEV (64K blocks, lru, writearound)" $RC
want="0 $RAM_SECTORS aatts $(dm_devno_of /dev/ram0) $(dm_devno_of /dev/ram1) 128 3 writearound policy lru"
got=$(dmsetup table $DEV)
[ "$got" = "$want" ] || ktap_diag "table '$got', want '$want'"
ktap_check "dmsetup table is the line aattsctl built" "$got" = "$want"
ktap_test "/dev/mapper/$DEV exists" test -b /dev/mapper/$DEV

# --- list and status agree with dmsetup ---------------------------------
run list --json
devno=$(dm_devno $DEV)
ktap_check "list --json: one device, its name" "$(jqo 'length'):$(jqo '.[0].name')" = "1:$DEV"
ktap_check "list --json: devt is dmsetup's major:minor" "$(jqo '.[0].devt')" = "$devno"
ktap_check "list --json: size, block size, mode, policy" \
	"$(jqo '[.[0].size, .[0].block_size, .[0].mode, .[0].policy] | join(" ")')" = \
	"$((RAM_SECTORS * 512)) 65536 writearound lru"
ktap_check "list --json: slow and fast tiers" "$(jqo '.[0].slow + " " + .[0].fast')" = \
	"$(dm_devno_of /dev/ram0) $(dm_devno_of /dev/ram1)"
run list
ktap_check "list: a header and one row naming $DEV and lru" \
	"$(grep -c . "$OUT"):$(awk 'NR == 2 { print $1 ":" $NF }' "$OUT")" = "2:$DEV:lru"
run status
ktap_check "status without NAME picks the only device" "$(grep -c "^$DEV (dm-[0-9]*, $devno)" "$OUT")" = 1
run status $DEV --json
sys=$(aatts_sysfs $DEV)
ktap_check "status --json: disk is the sysfs directory" "/sys/kernel/aatts/$(jqo .disk)" = "$sys"

# --- stats --json against sysfs (the device is idle) --------------------
run stats --json
bad=0
n=0
for k in $(jq -r '.stats | keys[]' "$OUT"); do
	n=$((n + 1))
	[ -r "$sys/$k" ] || continue
	v=$(jq -r ".stats.$k" "$OUT")
	if [ "$v" != "$(cat "$sys/$k")" ]; then
		ktap_diag "stats $k=$v, sysfs $(cat "$sys/$k")"
		bad=1
	fi
done
ktap_check "stats --json: 26 counters (read_filling since 1.6)" "$n" -eq 26
ktap_check "stats --json: every counter equals its sysfs file" "$bad" -eq 0
# 16 reads of one 64K block each, on blocks not resident (the fast tier
# was zeroed and nothing promoted yet): 16 misses more, the tool showing
# what sysfs shows.
m0=$(cat "$sys/read_misses")
dd if=/dev/mapper/$DEV of=/dev/null bs=64K count=16 iflag=direct status=none
aatts_settle $DEV
run stats $DEV
m=$(awk '$1 == "read_misses" { print $2 }' "$OUT")
[[ $m =~ ^[0-9]+$ ]] || m=-1
ktap_check "stats: read_misses after 16 block reads: 16 more ($m0 -> $m), as in sysfs" \
	"$((m - m0)):$m" = "16:$(cat "$sys/read_misses")"

# --watch 1: the first four objects, each with a time, one a second
# (their times, whole seconds, span 2..6 s: never faster than asked,
# and slack for a sanitized tool in an emulated guest).  SIGTERM: a
# background job of a script ignores SIGINT.
: >"$OUT"
"$CTL" stats $DEV --json --watch 1 >"$OUT" &
w=$!
for i in $(seq 600); do
	[ "$(grep -c . "$OUT")" -ge 4 ] && break
	sleep 0.1
done
kill $w
wait $w
n=$(jq -s '.[0:4] | map(select(.time > 0 and .stats.read_hits >= 0)) | length' "$OUT")
span=$(jq -s '.[3].time - .[0].time' "$OUT")
ktap_check "stats --watch 1 --json: 4 objects with a time, 1 s apart ($n, over ${span}s)" \
	"${n:-0}" -eq 4 -a "${span:-0}" -ge 2 -a "${span:-0}" -le 6

# --- permissions: reading needs CAP_NET_ADMIN or the read_group, ----------
# --- changing needs CAP_NET_ADMIN ---------------------------------------------
run_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" "$@"; }
out=$(run_nobody status $DEV 2>&1) && rc=0 || rc=$?
ktap_check "status as nobody: exit 1, needs CAP_NET_ADMIN or read_group" \
	"$rc:$(grep -c 'Reading needs CAP_NET_ADMIN' <<<"$out")" = "1:1"
out=$(run_nobody policy set $DEV lru 2>&1) && rc=0 || rc=$?
ktap_diag "as nobody: $out"
ktap_check "policy set as nobody: exit 1, Operation not permitted" \
	"$rc:$(grep -c 'Operation not permitted' <<<"$out")" = "1:1"

# --- policy set/get with parameters --------------------------------------
run policy set lfu aging=5
ktap_result "policy set lfu aging=5 (NAME omitted)" $RC
run policy get --json
ktap_check "policy get --json: lfu, aging 5" "$(jqo '.policy + " " + (.params.aging | tostring)')" = "lfu 5"
ktap_check "dmsetup status shows lfu" "$(dmsetup status $DEV | awk '{ print $6 }')" = lfu
run policy get $DEV
ktap_check "policy get: 'lfu' then '  aging=5'" "$(tr '\n' '|' <"$OUT")" = "lfu|  aging=5|"
expect "policy set with an unknown key: exit 1, kernel's message naming it" 1 \
	"Parameter unknown to this policy.* ('bogus=1')" policy set $DEV lfu aging=3 bogus=1
expect "policy set with a value out of range: exit 1" 1 "out of range" \
	policy set $DEV lfu aging=0
expect "policy set of an unknown policy: exit 1" 1 "Unknown policy" \
	policy set $DEV nosuch
expect "policy set KEY without =VALUE: usage error" 2 "not KEY=VALUE" \
	policy set $DEV lfu aging
run policy get $DEV --json
ktap_check "a refused policy set changed nothing" "$(jqo '.policy + " " + (.params.aging | tostring)')" = "lfu 5"

# --- events --------------------------------------------------------------
"$CTL" events --count 1 --json >"$OUT" 2>"$ERR" &
ev=$!
for i in $(seq 50); do
	"$CTL" policy set $DEV isa min_score=7 || break
	sleep 0.2
	kill -0 $ev 2>/dev/null || break
done
wait $ev
ktap_result "events --count 1 exits after one event" $?
ktap_check "the event is the policy change to isa, min_score 7" \
	"$(jqo '.event + " " + .name + " " + .policy + " " + (.policy_params.min_score | tostring)')" = \
	"policy_changed $DEV isa 7"

# --- ranges past the end ---------------------------------------------------
size=$((RAM_SECTORS * 512))
expect "prefetch --range past the end: exit 1, kernel's message naming it" 1 \
	"past the end of the device (range $size:4096)" prefetch $DEV --range 0:4K --range $size:4K
expect "prefetch --range without a length: usage error" 2 "invalid range" \
	prefetch $DEV --range 4K

# --- several devices -------------------------------------------------------
run create $DEV2 --slow /dev/ram2 --fast /dev/ram3 --block-size 4k
ktap_result "create a second device, 4k blocks" $RC
expect "status without NAME, two devices: usage error naming both" 2 \
	"2 aatts devices exist ($DEV, $DEV2)\|2 aatts devices exist ($DEV2, $DEV)" status
expect "policy set without NAME, two devices: usage error" 2 \
	"name one" policy set lru

# --- remove ------------------------------------------------------------------
dm_create $LIN "0 2048 linear /dev/ram4 0"
expect "remove refuses a device that is not aatts" 1 "not an aatts device" remove $LIN
run remove $DEV2
run remove $DEV
ktap_result "remove both devices" $RC
ktap_check "dmsetup no longer knows them" "$(dmsetup info $DEV $DEV2 2>/dev/null | grep -c Name)" = 0
run list
ktap_check "list prints nothing now" "$RC:$(wc -c <"$OUT")" = "0:0"
ktap_finish
