#!/bin/bash
# aattsctl's command line on the host (no kernel needed): usage errors exit
# 2 with a message and the command's usage, --help exits 0, a bad hints
# file exits 1 naming the line, and without aatts.ko a command exits 1
# saying so.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

CTL=${AATTS_BIN:-build/bin}/aattsctl
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect NAME RC PATTERN ARGS...: aattsctl ARGS exits RC, its output
# matches PATTERN.
expect() {
	local name=$1 rc=$2 pat=$3
	shift 3
	ktap_expect "$name" "$rc" "$pat" "$CTL" "$@"
}
usage() {
	local name=$1 pat=$2
	shift 2
	expect "usage: $name" 2 "^aattsctl: .*$pat" "$@"
}

ktap_plan 43
expect "no command: usage on stderr, exit 2" 2 "^usage: aattsctl COMMAND" 
expect "--help: exit 0" 0 "^  residency" --help
expect "create --help: exit 0, the create usage" 0 "^usage: aattsctl create NAME" create --help
usage "unknown command" "unknown command 'frobnicate'" frobnicate
usage "unknown option" "unknown option '--bogus'" status --bogus
usage "option without its value" "option '--slow' needs a value" create x --slow
usage "create without NAME" "NAME missing" create --slow /dev/a --fast /dev/b
usage "create without --fast" "slow and --fast are required" create x --slow /dev/a
usage "create with two names" "too many arguments" create x y --slow /dev/a --fast /dev/b
usage "block size 3K (not a power of two)" "power of two" create x --slow a --fast b --block-size 3K
usage "block size 2K (below 4K)" "power of two" create x --slow a --fast b --block-size 2K
usage "block size 2G (above 1G)" "power of two" create x --slow a --fast b --block-size 2G
usage "block size 64X" "invalid block size '64X'" create x --slow a --fast b --block-size 64X
usage "block size 1.5M" "invalid block size" create x --slow a --fast b --block-size 1.5M
usage "unknown mode" "unknown mode 'writeback'" create x --slow a --fast b --mode writeback
expect "block size 1G with suffix accepted (fails later on the device)" 1 \
	"/nonexistent: No such file" create x --slow /nonexistent --fast b --block-size 1G
expect "block size 4k lower case accepted" 1 \
	"/nonexistent: No such file" create x --slow /nonexistent --fast b --block-size 4k
usage "remove without NAME" "NAME missing" remove
usage "list with an argument" "too many arguments" list x
usage "status with two names" "too many arguments" status a b
usage "policy without set/get" "'set' or 'get' missing" policy
usage "policy frob" "unknown policy command 'frob'" policy frob
usage "policy set without POLICY" "POLICY missing" policy set
usage "policy set KEY without VALUE" "'aging' is not KEY=VALUE" policy set dev lfu aging
usage "policy set VALUE not a number" "'aging=5K' is not KEY=VALUE" policy set dev lfu aging=5K
usage "policy set key too long" "key too long" policy set dev lfu "$(printf 'k%.0s' $(seq 40))=1"
usage "stats --watch 0" "invalid --watch '0'" stats --watch 0
usage "prefetch without NAME" "NAME missing" prefetch
usage "prefetch without targets" "no FILE or --range" prefetch dev
usage "--range without LEN" "invalid range '4K'" prefetch dev --range 4K
usage "--range with LEN 0" "invalid range '4K:0'" demote dev --range 4K:0
usage "--force is for prefetch" "are for prefetch" pin dev --force --range 0:4K
usage "--nowait is for prefetch" "are for prefetch" demote dev --nowait --range 0:4K
usage "events --count 0" "invalid count '0'" events --count 0
usage "hints without load" "want 'hints load NAME FILE'" hints dev file

printf '# scores\n/data/a 7\n\n/data/b x7\n' >"$TMP/hints"
expect "hints file: a bad score is exit 1 naming line 4" 1 \
	"hints: line 4: score is not a decimal number" hints load dev "$TMP/hints"
usage "apply with an argument" "too many arguments" apply dev
usage "apply --down --remove-unlisted" "--down takes neither" apply --down --remove-unlisted
expect "apply --help: exit 0, the apply usage" 0 "^usage: aattsctl apply" apply --help
expect "apply of a file that does not exist: exit 1" 1 \
	"$TMP/nosuch: No such file" apply --file "$TMP/nosuch"
# The whole file is checked before the kernel is asked anything.
printf '# name slow fast\na /dev/ram0 /dev/ram1\n\nb /dev/ram2 /dev/ram3 64K lru mode=writeback\n' >"$TMP/tab"
expect "aattstab: a bad line 4 is exit 1 naming it, nothing applied" 1 \
	"tab: line 4: mode is writethrough or writearound; nothing applied" apply --file "$TMP/tab"
out=$(printf 'a /dev/ram0 /dev/ram1\nb /dev/ram2 /dev/ram1\n' |
	"$CTL" apply --file - 2>&1) && rc=0 || rc=$?
ktap_check "aattstab on stdin: a device used twice is exit 1 naming line 2" \
	"$rc:$(grep -c -- '-: line 2: a device of line 1 used again; nothing applied' <<<"$out")" = "1:1"
if [ -d /sys/module/aatts ]; then
	ktap_skip "without aatts.ko: exit 1 saying so" "aatts.ko is loaded here"
else
	expect "without aatts.ko: exit 1 saying so" 1 "is aatts.ko loaded" list
fi
ktap_finish
