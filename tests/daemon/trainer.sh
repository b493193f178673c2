#!/bin/bash
# aattsd's trainer ops through python/aatts's Client, as a user in group
# aatts (not root): a manifest, importance, epoch_end raise the kernel's
# hints and epochs counters by what the replies say; a published order
# (seed + named shuffle) agrees with the Python shuffle and becomes hints
# at the next epoch_end; residency says true for the files just read into
# the fast tier (lru, direct reads) and false for the others, null for a
# file the user may not read; malformed requests get error replies and the
# daemon goes on; a user outside the group is refused.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

BIN=${AATTS_BIN:-build/bin}
AATTSD=$BIN/aattsd
CTL=$BIN/aattsctl
DEV=aatts_t_trainer
TMP=$(mktemp -d)
chmod 0755 "$TMP"
SOCK=$TMP/aattsd.sock
CONF=$TMP/aattsd.conf
LOG=$TMP/aattsd.log
MNT=$TMP/mnt
DATA=$MNT/data
PID=
ADDED_GROUP=
NFILES=40
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	dm_remove $DEV
	[ -n "$ADDED_GROUP" ] && groupdel aatts
	rm -rf "$TMP"
}
trap cleanup EXIT

st() { aatts_stat $DEV "$1"; }

# tpy [--as root|member|outsider] CMD ARGS...: the driver below, with the
# Client of python/aatts; prints one JSON line.
tpy() {
	local as=member
	if [ "$1" = --as ]; then
		as=$2
		shift 2
	fi
	local env=(env PYTHONPATH="$PWD/python" PYTHONDONTWRITEBYTECODE=1 HOME=/tmp
		/usr/bin/python3 "$TMP/driver.py" "$SOCK")
	case $as in
	root) "${env[@]}" "$@" ;;
	member) setpriv --reuid 65534 --regid 65534 --groups "$AATTS_GID" "${env[@]}" "$@" ;;
	outsider) setpriv --reuid 65534 --regid 65534 --clear-groups "${env[@]}" "$@" ;;
	esac
}

cat >"$TMP/driver.py" <<'PY'
import json, os, sys, time
from aatts import AattsError, Client, shuffle_order

sock, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
data = os.environ.get("DATA", "")
paths = [os.path.join(data, "s%03d" % i) for i in range(int(os.environ.get("NFILES", "0")))]
def out(x):
    print(json.dumps(x))
def resident_within(c, samples, secs=10):
    """residency of samples, asked until all are resident or secs pass."""
    for _ in range(int(secs * 10)):
        r = c.residency(samples)
        if all(r):
            break
        time.sleep(0.1)
    return r
try:
    c = Client(sock, job=os.environ.get("JOB"))
except OSError as e:
    out({"refused": "connect", "errno": e.errno})
    sys.exit(0)
try:
    if cmd == "hello":
        out(c.hello())
    elif cmd == "train":            # manifest, importance of the first half, epoch_end
        n = c.manifest(paths)
        half = len(paths) // 2
        imp = c.importance(range(half), [1.0 + i for i in range(half)])
        ee = c.epoch_end()
        top = resident_within(c, range(half))
        out({"manifest": n, "scored": imp["scored"], "epoch_end": ee,
             "top_resident": sum(bool(x) for x in top)})
    elif cmd == "order":            # order by seed, then epoch_end
        c.manifest(paths)
        r = c.order_seed(int(args[0]))
        out({"head": r["head"], "python": shuffle_order(len(paths), int(args[0]))[:8],
             "epoch_end": c.epoch_end()})
    elif cmd == "residency":        # by index after a manifest, and by path
        c.manifest(paths)
        out({"by_index": c.residency(range(len(paths))),
             "by_path": c.residency(paths[:10] + args)})
    elif cmd == "cursor":           # prefetch along the published order
        c.manifest(paths)
        early = c.raw('{"v":1,"op":"order","cursor":0}').get("error")
        mixed = c.raw('{"v":1,"op":"order","cursor":0,"seed":1}').get("error")
        order = shuffle_order(len(paths), 11)
        c.order_seed(11)
        c.epoch_end()
        r1 = c.order_cursor(0, window=8)
        r2 = c.order_cursor(4, window=8)
        head = resident_within(c, order[:12])
        rest = sum(bool(x) for x in c.residency(order[12:]))
        r3 = c.order_cursor(12)     # no window: aattsd sizes it
        time.sleep(0.5)
        r4 = c.order_cursor(16)
        out({"errors": [early, mixed], "sent": [r1["sent"], r2["sent"]],
             "ahead": r2["ahead"], "started": r1["started"] + r2["started"],
             "head": all(head), "rest": rest, "window": r1["window"], "auto": [r3, r4]})
    elif cmd == "walk":             # a named job walks an order with a cursor
        c.manifest(paths)
        c.order_seed(21)
        first = c.epoch_end()
        out({"first": first, "cursor": c.order_cursor(0, window=8)})
    elif cmd == "boundary":         # ... and publishes the next at its end
        c.order_seed(22)
        b = c.epoch_end()
        order = shuffle_order(len(paths), 22)
        head = resident_within(c, order[:8])
        rest = sum(bool(x) for x in c.residency(order[8:]))
        out({"prefetch": b.get("prefetch"), "head": all(head), "rest": rest})
    elif cmd == "cache":            # paths resolved once per fmap_revalidate_ms
        def counters():
            t = c.stats()["trainer"]
            return [t["paths_opened"], t["paths_cached"]]
        c.manifest(paths)
        seen = [counters()]
        for seed, pause in ((31, 0), (32, 0), (33, 1.2)):
            time.sleep(pause)
            c.order_seed(seed)
            t0 = time.monotonic()
            unresolved = c.epoch_end()["unresolved"]
            seen.append(counters() + [round(time.monotonic() - t0, 3), unresolved])
        out([[b[0] - a[0], b[1] - a[1]] + b[2:] for a, b in zip(seen, seen[1:])])
    elif cmd == "advise":           # page_cache_advice: resident samples ahead
        c.manifest(paths)
        order = shuffle_order(len(paths), 41)
        c.order_seed(41)
        c.epoch_end()
        # The advice follows each cursor's reply: the next reply (stats)
        # comes after it.
        def advised():
            return c.stats()["trainer"]["advised_samples"]
        a0 = advised()
        c.order_cursor(0, window=8)
        a1 = advised()
        head = resident_within(c, order[:8])
        c.order_cursor(4, window=8)
        a2 = advised()
        out({"first": a1 - a0, "second": a2 - a1,
             "paths": [paths[i] for i in order[4:8]],
             "others": [paths[i] for i in order[8:16]]})
    elif cmd == "malformed":
        replies = [c.raw(x) for x in ['{', '{"v":1,"op":"importance","samples":[0],"scores":[-1]}',
                                     '{"v":1,"op":"manifest","paths":[1]}',
                                     '{"v":1,"op":"manifest","paths":["relative"]}',
                                     '{"v":1,"op":"order","indices":[0]}',
                                     '{"v":1,"op":"residency","samples":[0]}',
                                     '{"v":1,"op":"epoch_end","commit":"yes"}',
                                     '{"v":1,"op":"hello"}']]
        out([r.get("error", "ok") for r in replies])
except AattsError as e:
    out({"error": e.code, "message": e.message})
PY

ktap_plan 33
ADDED_GROUP=
getent group aatts >/dev/null || { groupadd -r aatts && ADDED_GROUP=1; }
AATTS_GID=$(getent group aatts | cut -d: -f3)
printf 'log_level = debug\n' >"$CONF"
export DATA NFILES

dm_remove $DEV
mkdir -p "$MNT"
dm_create $DEV "0 $RAM_SECTORS aatts /dev/ram4 /dev/ram5 128" &&
	mkfs.ext4 -q -F /dev/mapper/$DEV && mount /dev/mapper/$DEV "$MNT" &&
	mkdir -m 0755 "$DATA" && for i in $(seq 0 $((NFILES - 1))); do
		f=$(printf '%s/s%03d' "$DATA" "$i")
		dd if=/dev/urandom of="$f" bs=64k count=4 status=none && chmod 0644 "$f" || exit 1
	done && dd if=/dev/urandom of="$DATA/secret" bs=64k count=2 status=none &&
	chmod 0600 "$DATA/secret" && chmod 0755 "$MNT" && sync
ktap_result "ext4 on $DEV, $NFILES sample files of 256 KiB" $?

"$AATTSD" --foreground --config "$CONF" --socket "$SOCK" >>"$LOG" 2>&1 &
PID=$!
until_true 30 test -S "$SOCK" && until_true 30 '[ "$(tpy --as root hello | jq -r .ok)" = true ]'
ktap_result "aattsd starts; the Client (root) says hello" $?
ktap_test "devices: $DEV served within 10 s" until_true 10 \
	"tpy --as root hello >/dev/null && printf '%s\n' '{\"v\":1,\"op\":\"devices\",\"name\":\"$DEV\"}' | build/tests/daemon/client $SOCK | jq -e .ok >/dev/null"

r=$(tpy hello)
ktap_check "uid 65534 in group aatts: the Client is served" "$(jq -r .ok <<<"$r")" = true

# --- importance, epoch_end -> HINTS_SET + EPOCH_COMMIT ----------------------
h0=$(st hints)
e0=$(st epochs)
r=$(tpy train)
ktap_diag "train: $r"
ktap_check "manifest of $NFILES paths; 20 scored" "$(jq -r '"\(.manifest) \(.scored)"' <<<"$r")" = "$NFILES 20"
ranges=$(jq -r .epoch_end.ranges <<<"$r")
ktap_check "epoch_end: ranges staged (>= 20), on $DEV, none unresolved" \
	"$((ranges >= 20)):$(jq -r '"\(.epoch_end.devices[0]):\(.epoch_end.unresolved):\(.epoch_end.samples)"' <<<"$r")" \
	= "1:$DEV:0:20"
ktap_check "the kernel's hints counter rose by the ranges staged" "$(($(st hints) - h0))" = "$ranges"
ktap_check "the kernel's epochs counter rose by 1" "$(($(st epochs) - e0))" = 1
# The committed importance: the top-scored samples that fit the fast tier
# (all 20 here) are prefetched at once, for the next epoch.
ktap_check "epoch_end prefetches the 20 scored samples (blocks started >= 20), all resident" \
	"$(jq -r '"\(.epoch_end.prefetch_top >= 20) \(.top_resident)"' <<<"$r")" = "true 20"

# --- the next epoch's order --------------------------------------------------
h0=$(st hints)
r=$(tpy order 7)
ktap_diag "order: $(jq -c '{head, python, ranges: .epoch_end.ranges}' <<<"$r")"
ktap_check "order by seed 7: aattsd's head is Python's shuffle_order" \
	"$(jq -c .head <<<"$r")" = "$(jq -c .python <<<"$r")"
ktap_check "epoch_end publishes the order: all $NFILES samples hinted, hints counter +ranges" \
	"$(jq -r .epoch_end.samples <<<"$r"):$(($(st hints) - h0))" = "$NFILES:$(jq -r .epoch_end.ranges <<<"$r")"

# --- residency -----------------------------------------------------------------
"$CTL" policy set $DEV lru >/dev/null && aatts_settle $DEV &&
	"$CTL" demote $DEV --range 0:$(($(blockdev --getsz /dev/mapper/$DEV) * 512)) >/dev/null
ktap_check "lru, the whole device demoted: no block resident" "$(st fast_blocks_used)" = 0
read_files() {
	local i
	for i in "$@"; do
		dd if="$(printf '%s/s%03d' "$DATA" "$i")" of=/dev/null bs=64k iflag=direct status=none || return 1
	done
}
read_files 0 1 2 3 4 && aatts_settle $DEV && read_files 0 1 2 3 4 && aatts_settle $DEV
ktap_result "files 0..4 read twice with O_DIRECT" $?
q0=$(tpy --as root hello >/dev/null; printf '%s\n' '{"v":1,"op":"stats"}' | build/tests/daemon/client "$SOCK" | jq -r .stats.trainer.residency_queries)
r=$(tpy residency "$DATA/secret")
ktap_diag "residency: $r"
ktap_check "by index: files 0..4 resident, the other 35 not" \
	"$(jq -c '[(.by_index[:5] | all), (.by_index[5:] | any)]' <<<"$r")" = "[true,false]"
ktap_check "by path: the same for files 0..9" \
	"$(jq -c '.by_path[:10]' <<<"$r")" = "[true,true,true,true,true,false,false,false,false,false]"
ktap_check "a file the user may not read (0600 root): null" "$(jq -c '.by_path[10]' <<<"$r")" = null
q1=$(printf '%s\n' '{"v":1,"op":"stats"}' | build/tests/daemon/client "$SOCK" | jq -r .stats.trainer.residency_queries)
ktap_check "two batches, one RESIDENCY_GET each" "$((q1 - q0))" = 2
r=$(tpy --as root residency "$DATA/secret")
ktap_check "root may ask about it: a boolean" "$(jq -r '.by_path[10] | type' <<<"$r")" = boolean

# --- prefetch along the order: the reader's cursor ------------------------------
"$CTL" demote $DEV --range 0:$(($(blockdev --getsz /dev/mapper/$DEV) * 512)) >/dev/null &&
	aatts_settle $DEV
r=$(tpy cursor)
ktap_diag "cursor: $r"
ktap_check "cursor before any published order: no_order; with seed: bad_request" \
	"$(jq -c .errors <<<"$r")" = '["no_order","bad_request"]'
ktap_check "cursor 0 window 8 sends 8 samples; cursor 4 window 8 only the 4 new (ahead 8)" \
	"$(jq -c '[.sent, .ahead]' <<<"$r")" = '[[8,4],8]'
ktap_check "the kernel started at least a block per file sent (12)" \
	"$(jq -r .started <<<"$r")" -ge 12
ktap_check "the first 12 samples of the order are resident, the other 28 not" \
	"$(jq -r '"\(.head) \(.rest)"' <<<"$r")" = "true 0"
# Cursors without a window (12, then 16): aattsd sizes it from the
# reader's rate (measured from all its cursors), the slow tier's bandwidth
# and the fast tier of the device the samples live on (its size, as the
# kernel says, and the samples' bytes): within 8 and a quarter of the fast tier.
auto_sent=$(jq -r '[.auto[].sent] | add' <<<"$r")
fast_bytes=$(( $("$CTL" list --json | jq -r "(.devices? // .)[] | select(.name == \"$DEV\") | .stats.fast_blocks_total") * 65536 ))
ktap_diag "fast tier $fast_bytes bytes; cursors without a window: $(jq -c .auto <<<"$r")"
ktap_check "cursors without a window: sized from a measured rate, the fast tier and the samples' size, within 8 and a quarter of the fast tier" \
	"$(jq -r --argjson f "$fast_bytes" '[.window] + [.auto[] |
		(.fast_bytes == $f and .rate > 0 and .sample_bytes > 0 and
		 .window >= 8 and .window <= ([8, ($f / 4 / .sample_bytes | floor)] | max))] | join(" ")' <<<"$r")" \
	= "8 true true"

# The boundary: a job that walked its order with cursors gets the next
# order's first window (its last cursor's) at epoch_end, before any cursor.
r=$(JOB=walker tpy walk)
ktap_diag "walk: $r"
ktap_check "an epoch_end before any cursor prefetches nothing; cursor 0 window 8 sends 8" \
	"$(jq -r '"\(.first.prefetch) \(.cursor.sent)"' <<<"$r")" = "null 8"
"$CTL" demote $DEV --range 0:$(($(blockdev --getsz /dev/mapper/$DEV) * 512)) >/dev/null &&
	aatts_settle $DEV
r=$(JOB=walker tpy boundary)
ktap_diag "boundary: $r"
ktap_check "epoch_end after it sends the next order's first 8 samples, which become resident, and no others" \
	"$(jq -r '"\(.prefetch.window) \(.prefetch.sent) \(.prefetch.started >= 8) \(.head) \(.rest)"' <<<"$r")" = "8 8 true true 0"

# --- malformed requests, who may ask -------------------------------------------
r=$(tpy malformed)
ktap_check "malformed trainer requests: an error each, then hello ok" "$(jq -r 'join(" ")' <<<"$r")" = \
	"parse bad_score bad_sample bad_sample no_manifest no_manifest bad_request ok"
ktap_check "aattsd still running" "$(kill -0 $PID && echo yes)" = yes
r=$(tpy --as outsider hello)
ktap_check "uid 65534 outside group aatts: connect refused (EACCES)" "$(jq -r '"\(.refused):\(.errno)"' <<<"$r")" = "connect:13"
chmod 0666 "$SOCK"
r=$(tpy --as outsider hello)
chmod 0660 "$SOCK"
ktap_check "the mode opened up: refused by the daemon (permission)" "$(jq -r .error <<<"$r")" = permission
# Cursors 0 and 4 (window 8) sent 12 samples, cursors 12 and 16 what
# their replies say, the walker's cursor and boundary 8 each.
ktap_check "stats: the trainer's counters (epochs 5, cursors 5, samples prefetched $((12 + auto_sent + 16)))" \
	"$(printf '%s\n' '{"v":1,"op":"stats"}' | build/tests/daemon/client "$SOCK" |
		jq -r '.stats.trainer | "\(.epochs) \(.cursors) \(.prefetch_samples)"')" = "5 5 $((12 + auto_sent + 16))"
# A sample's path is opened once per fmap_revalidate_ms (1000 here): an
# epoch_end right after another resolves every sample from the first's
# resolution; 1.2 s later each is opened again.
r=$(tpy cache)
ktap_diag "cache: [opened, cached, epoch_end seconds, unresolved] per epoch_end: $r"
ktap_check "sample paths: opened $NFILES, then 0 (all $NFILES cached), then $NFILES again past fmap_revalidate_ms" \
	"$(jq -r 'map("\(.[0]) \(.[1]) \(.[3])") | join(",")' <<<"$r")" = "$NFILES 0 0,0 $NFILES 0,$NFILES 0 0"
# page_cache_advice = willneed (SIGHUP): after its reply, a cursor asks
# the resident samples of the first half of its window into the page
# cache (advised_samples counts them).  Cursor 4
# (window 8), once order[0..8) is resident, advises order[4..8): their
# bytes are in the page cache, those of order[8..16) are not.
printf 'log_level = debug\npage_cache_advice = willneed\n' >"$CONF"
kill -HUP "$PID"
until_true 10 "grep -q 'SIGHUP: configuration reloaded' \"\$LOG\""
"$CTL" demote $DEV --range 0:$(($(blockdev --getsz /dev/mapper/$DEV) * 512)) >/dev/null &&
	aatts_settle $DEV
sync
echo 3 >/proc/sys/vm/drop_caches
r=$(tpy advise)
cached() { local f n=0; for f in $(jq -r ".$1[]" <<<"$r"); do
	[ "$(fincore --bytes --noheadings --output RES "$f" | tr -d ' ')" -gt 0 ] && n=$((n + 1)); done; echo $n; }
ktap_diag "advise: cursors advised $(jq -c '[.first, .second]' <<<"$r"); cached: advised $(cached paths) of 4, beyond $(cached others) of 8"
ktap_check "cursor 4 advises the 4 resident samples ahead; they are in the page cache, the 8 beyond are not" \
	"$(jq -r .second <<<"$r"):$(cached paths):$(cached others)" = "4:4:0"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
san=$(grep -c -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' "$LOG")
[ "$san" != 0 ] && ktap_diag "$(grep -A 20 -e Sanitizer -e 'runtime error' "$LOG" | head -60)"
ktap_check "SIGTERM: aattsd exits 0, no sanitizer report in its log (with AATTS_BIN=build/san/bin)" "$rc:$san" = 0:0
ktap_finish
