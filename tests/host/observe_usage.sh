#!/bin/bash
# aatts-observe's command line on the host: usage errors exit 2 with the
# usage, bad devices and cgroups exit 1 naming them (before anything is
# loaded), --help exits 0, and --probe names the running kernel and exits
# 0 exactly when it says the observers can run (the VM test runs them).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

OBS=${AATTS_BIN:-build/bin}/aatts-observe
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect NAME RC PATTERN ARGS...: aatts-observe ARGS exits RC, its output
# matches PATTERN.
expect() {
	local name=$1 rc=$2 pat=$3
	shift 3
	ktap_expect "$name" "$rc" "$pat" "$OBS" "$@"
}

ktap_plan 11
expect "no device: usage error" 2 "^aatts-observe: no device given" 
expect "the usage follows a usage error" 2 "^usage: aatts-observe --probe"
expect "--pid 0: usage error" 2 "^aatts-observe: --pid needs a positive integer" --pid 0 1:0
expect "--duration x: usage error" 2 "^aatts-observe: --duration needs a positive integer" --duration x 1:0
expect "--probe with a device: usage error" 2 "^aatts-observe: --probe takes no other argument" --probe 1:0
expect "major 4096: usage error" 2 "^aatts-observe: 4096:0: not a device number" 4096:0
expect "--help exits 0" 0 "^usage: aatts-observe" --help
expect "a missing device node: exit 1, named" 1 "^aatts-observe: $TMP/none: No such file" "$TMP/none"
expect "a regular file: exit 1, not a block device" 1 "^aatts-observe: /etc/passwd: not a block device" /etc/passwd
expect "--cgroup on a plain directory: exit 1" 1 "^aatts-observe: $TMP: not a cgroup v2 directory" --cgroup "$TMP" 1:0

"$OBS" --probe >"$TMP/probe" 2>&1
rc=$?
ktap_diag "$(cat "$TMP/probe")"
want=1
grep -qx 'observers: can run' "$TMP/probe" && want=0
ktap_check "--probe: kernel $(uname -r), exit $rc as its verdict says" \
	"$(awk '/^kernel:/ { print $2 }' "$TMP/probe"):$rc:$(grep -c '^observers: can' "$TMP/probe")" = "$(uname -r):$want:1"
ktap_finish
