#!/bin/bash
# aattsd in the guest: a device created after the start shows up through
# the kernel's events (the poll timer is set to an hour, so nothing else
# can find it), policy events are followed, malformed and oversized
# control requests get error replies and the daemon goes on, a caller
# outside group aatts is refused (by the file mode, and by the credentials
# check when the mode is opened up), SIGHUP with a bad config keeps the
# old one and a good one is applied, kill -9 under fio --verify leaves the
# device serving with its policy and a restart picks it up again, and the
# daemon follows a device removed and created again.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/aattsd.sh

BIN=${AATTS_BIN:-build/bin}
AATTSD=$BIN/aattsd
CTL=$BIN/aattsctl
CLIENT=build/tests/daemon/client
DEV1=aatts_t_d1
DEV2=aatts_t_d2
TMP=$(mktemp -d)
chmod 0755 "$TMP"	# the socket's own mode decides who may connect
SOCK=$TMP/aattsd.sock
CONF=$TMP/aattsd.conf
LOG=$TMP/aattsd.log
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	dm_remove $DEV1 $DEV2
	[ -n "$ADDED_GROUP" ] && groupdel aatts
	rm -rf "$TMP"
}
trap cleanup EXIT

devices() { q "$1" '{"v":1,"op":"devices"}'; }
dstat() { q ".stats.$1" '{"v":1,"op":"stats"}'; }
has_dev() { [ "$(devices "[.devices[] | select(.name == \"$1\")] | length")" = 1 ]; }
no_dev() { [ "$(devices "[.devices[] | select(.name == \"$1\")] | length")" = 0 ]; }
dev_field() { devices ".devices[] | select(.name == \"$1\") | .$2"; }
start() { aattsd_start "$CONF"; }
create() { dm_create "$1" "0 $RAM_SECTORS aatts $2 $3 128"; }

ktap_plan 41
dm_remove $DEV1 $DEV2
ADDED_GROUP=
getent group aatts >/dev/null || { groupadd -r aatts && ADDED_GROUP=1; }
AATTS_GID=$(getent group aatts | cut -d: -f3)
printf '# the tests: no polling, so devices come by events only\npoll_interval_ms = 3600000\nlog_level = debug\n' >"$CONF"

out=$("$AATTSD" --help) && rc=0 || rc=$?
ktap_check "--help: exit 0, the usage" "$rc:$(grep -c -e '^  -r, --record FILE' -e '^  -s, --socket PATH' <<<"$out")" = 0:2

ktap_test "create $DEV1 before aattsd starts" create $DEV1 /dev/ram0 /dev/ram1
start
ktap_result "aattsd starts; the control socket answers" $?
ktap_check "socket mode 0660, group aatts" "$(stat -c %a:%G "$SOCK")" = 660:aatts

r=$(ask '{"v":1,"op":"hello","id":"h1"}')
ktap_check "hello: ok, protocol 1, id echoed, version" \
	"$(jq -r '[.v, .ok, .protocols[0], .id, .daemon] | join(" ")' <<<"$r")" = "1 true 1 h1 aattsd"
ktap_check "hello: cap_dac_read_search (observers loaded: prefetch) and cap_net_admin kept" "$(jq -r .capabilities <<<"$r")" = "cap_dac_read_search,cap_net_admin=ep"

ktap_check "devices: $DEV1 (there at start) with its devt" \
	"$(dev_field $DEV1 devt)" = "$(dm_devno $DEV1)"
ktap_check "devices: $DEV1 with 26 counters (read_filling since 1.6), fast_blocks_total that of /dev/ram1" \
	"$(dev_field $DEV1 'stats | length'):$(dev_field $DEV1 stats.fast_blocks_total)" \
	= "26:$((RAM_SECTORS / 128))"

# --- a device created after the start: by the kernel's uevents ------------
ktap_test "create $DEV2 after aattsd started" create $DEV2 /dev/ram2 /dev/ram3
ktap_test "devices: $DEV2 shows up within 5 s" until_true 5 has_dev $DEV2
ktap_check "devices: $DEV2's devt, policy default" \
	"$(dev_field $DEV2 devt) $(dev_field $DEV2 policy)" = "$(dm_devno $DEV2) default"
ktap_check "stats: uevents seen, no poll ran" "$(($(dstat uevents) > 0)):$(dstat polls)" = 1:0

# --- policy events ----------------------------------------------------------
"$CTL" policy set $DEV2 lfu aging=7 >/dev/null
ktap_test "policy set lfu on $DEV2: devices says lfu within 5 s" \
	until_true 5 '[ "$(dev_field $DEV2 policy)" = lfu ]'
ktap_check "devices: $DEV2 policy_params.aging 7, one event counted" \
	"$(dev_field $DEV2 policy_params.aging):$(dev_field $DEV2 events)" = 7:1

# --- malformed requests -------------------------------------------------------
r=$(ask 'not json' '{"v":1}' '{"v":2,"op":"hello"}' '{"v":1,"op":"nope"}' \
	'{"v":1,"op":"hello","x":1}' '[1,2]' '{"v":"1","op":"hello"}' \
	'{"v":1,"op":"devices","name":3}' '{"v":1,"op":"devices","name":"nosuch"}' \
	'{"v":1,"op":"hello"} trailing' '{"v":1,"op":"hello"}')
codes=$(jq -r 'if .ok then "ok" else .error end' <<<"$r" | paste -sd ' ')
ktap_check "malformed requests: one error reply each, in order, then ok" "$codes" = \
	"parse bad_request unsupported_version unknown_op bad_request bad_request bad_request bad_request no_device parse ok"
ktap_check "every error reply has v 1 and a message" \
	"$(jq -r 'select(.ok == false) | select(.v == 1 and (.message | length) > 0) | 1' <<<"$r" | grep -c 1)" = 10

# PROTO_LINE_MAX is 1 MiB since the trainer ops (daemon/aattsd.h).
big=$(head -c 1100000 /dev/zero | tr '\0' x)
r=$(ask "$big" '{"v":1,"op":"hello","id":2}')
codes=$(jq -r 'if .ok then "ok:\(.id)" else .error end' <<<"$r" | paste -sd ' ')
ktap_check "a 1100000-byte line: too_long, and the next request is answered" "$codes" = "too_long ok:2"
r=$(head -c 100000 /dev/urandom | "$CLIENT" "$SOCK" | head -n 20)
ktap_check "100 kB of random bytes: error replies only" \
	"$(jq -r '.ok' <<<"$r" 2>/dev/null | sort -u | paste -sd ' ')" = false
ktap_test "aattsd still alive and answering" \
	bash -c "kill -0 $PID && [ \"\$(printf '%s\n' '{\"v\":1,\"op\":\"hello\"}' | $CLIENT $SOCK | jq -r .ok)\" = true ]"
ktap_check "stats: the errors counted" "$(dstat request_errors)" -ge 12

# --- who may ask --------------------------------------------------------------
out=$(printf '{"v":1,"op":"hello"}\n' | setpriv --reuid 65534 --regid 65534 --clear-groups "$CLIENT" "$SOCK" 2>&1)
ktap_check "uid 65534 outside group aatts: connect refused by the mode" \
	"$(grep -c 'Permission denied' <<<"$out")" = 1
chmod 0666 "$SOCK"
out=$(printf '{"v":1,"op":"hello"}\n' | setpriv --reuid 65534 --regid 65534 --clear-groups "$CLIENT" "$SOCK" 2>&1)
ktap_check "mode opened up: uid 65534 refused by the credentials check" \
	"$(jq -r '.error' <<<"$out" 2>/dev/null)" = permission
out=$(printf '{"v":1,"op":"hello"}\n' | setpriv --reuid 65534 --regid 65534 --groups "$AATTS_GID" "$CLIENT" "$SOCK" 2>&1)
ktap_check "uid 65534 with group aatts among its groups: served" \
	"$(jq -r '.ok' <<<"$out" 2>/dev/null)" = true
chmod 0660 "$SOCK"

# --- SIGHUP -------------------------------------------------------------------
cp "$CONF" "$TMP/good.conf"
printf 'poll_interval_ms = 500\nlog_level = info\nthis is not a key\n' >"$CONF"
kill -HUP "$PID"
ktap_test "SIGHUP, bad line 3: reload error counted" until_true 5 '[ "$(dstat reload_errors)" = 1 ]'
ktap_check "the log names line 3; the old config stays (poll 3600000 ms)" \
	"$(grep -c 'line 3: .*keeping' "$LOG"):$(dstat poll_interval_ms)" = 1:3600000
PROM=$TMP/metrics.prom
printf 'poll_interval_ms = 500\nlog_level = debug\nmetrics_file = %s\n' "$PROM" >"$CONF"
kill -HUP "$PID"
ktap_test "SIGHUP, good config: poll every 500 ms, and polls run" \
	until_true 15 '[ "$(dstat poll_interval_ms):$(($(dstat polls) > 1))" = 500:1 ]'

# --- metrics (node_exporter textfile) -------------------------------------------
# Three passes over 16 blocks: misses, then hits once they are promoted.
for i in 1 2 3; do
	dd if=/dev/mapper/$DEV1 of=/dev/null bs=64K count=16 iflag=direct status=none
	aatts_settle $DEV1
done
sys1=$(aatts_sysfs $DEV1)
w=$(dstat metrics_writes)
until_true 5 '[ "$(dstat metrics_writes)" -gt $((w + 1)) ]'
prom() { grep "^$1{device=\"$DEV1\"," "$PROM" | awk '{ print $2 }'; }
ktap_check "metrics file: mode 0640, aattsd_devices 2" \
	"$(stat -c %a "$PROM"):$(awk '$1 == "aattsd_devices" { print $2 }' "$PROM")" = 640:2
ktap_check "metrics: $DEV1's read_misses_total and fast_blocks_used are sysfs's" \
	"$(prom aatts_read_misses_total):$(prom aatts_fast_blocks_used)" = \
	"$(cat "$sys1/read_misses"):$(cat "$sys1/fast_blocks_used")"
ratio=$(awk -v h="$(cat "$sys1/read_hits")" -v m="$(cat "$sys1/read_misses")" \
	'BEGIN { if (h > 0 && m > 0) printf "%.6f", h / (h + m) }')
ktap_check "metrics: $DEV1's hit ratio is hits / (hits + misses), both non-zero ($ratio)" \
	"$(prom aatts_read_hit_ratio)" = "$ratio"
cp "$TMP/good.conf" "$CONF"

# --- kill -9 under I/O, restart -----------------------------------------------
fio --name=k9 --filename=/dev/mapper/$DEV2 --rw=randwrite --bs=4k --size=32M \
	--direct=1 --ioengine=psync --verify=crc32c --verify_fatal=1 \
	--eta=never >"$TMP/fio.out" 2>&1 &
FIO=$!
sleep 1
kill -9 "$PID"
wait "$PID" 2>/dev/null
gone=$?
PID=
wait $FIO
rc=$?
[ $rc = 0 ] || ktap_diag "$(tail -n 20 "$TMP/fio.out")"
ktap_check "kill -9 of aattsd during fio --verify: fio verified everything" "$gone:$rc" = 137:0
sys=$(aatts_sysfs $DEV2)
ktap_check "$DEV2 kept its policy (lfu) and state" "$(cat "$sys/policy") $(cat "$sys/state")" = "lfu running"
# What a restart must not change: the policy, its parameters, the counters.
snap() { (cd "$sys" && grep -H . policy policy_params read_hits read_misses write_hits write_misses promotions evictions fast_blocks_used); }
snap >"$TMP/snap0"
start
ktap_result "restart over the stale socket: answers" $?
ktap_check "after restart: both devices served" \
	"$(devices '[.devices[].name] | sort | join(" ")')" = "$DEV1 $DEV2"
snap >"$TMP/snap1"
diff "$TMP/snap0" "$TMP/snap1" | sed 's/^/# /'
ktap_check "restart disturbed nothing: policy, parameters, counters ($(grep -c . "$TMP/snap1") files)" \
	"$(dev_field $DEV2 policy):$(cmp -s "$TMP/snap0" "$TMP/snap1" && grep -c '^write_misses:[1-9]' "$TMP/snap1")" = "lfu:1"

# --- removal and creation again ---------------------------------------------
dmsetup remove $DEV2
ktap_test "$DEV2 removed: gone from devices within 5 s" until_true 5 no_dev $DEV2
create $DEV2 /dev/ram4 /dev/ram5
ktap_test "$DEV2 created again: back within 5 s" until_true 5 has_dev $DEV2
ktap_check "devices: the new $DEV2's devt and its default policy" \
	"$(dev_field $DEV2 devt) $(dev_field $DEV2 policy)" = "$(dm_devno $DEV2) default"
"$CTL" policy set $DEV2 fifo >/dev/null
ktap_test "policy events still followed after the removal (fifo)" \
	until_true 5 '[ "$(dev_field $DEV2 policy)" = fifo ]'

# --- SIGTERM --------------------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
ktap_check "SIGTERM: exit 0, the socket removed" "$rc:$(test -e "$SOCK" && echo there)" = "0:"
ktap_test "$DEV1 serves reads after aattsd stopped" \
	dd if=/dev/mapper/$DEV1 of=/dev/null bs=1M count=4 iflag=direct status=none
ktap_check "the log has no sanitizer report" "$(grep -c -e 'Sanitizer' -e 'runtime error' "$LOG")" = 0
grep -v '^aattsd\[.*debug: uevent' "$LOG" | tail -n 30 | sed 's/^/# log: /'
ktap_finish
