#!/bin/bash
# tests/ktap-summary counts nested KTAP results the way make check needs.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

# expect NAME "SUMMARY LINE" EXIT_CODE <<< KTAP
expect() {
	local name=$1 want=$2 want_rc=$3 got rc
	got=$(tests/ktap-summary /dev/stdin)
	rc=$?
	if [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ]; then
		ktap_result "$name" 0
	else
		ktap_diag "want '$want' (exit $want_rc), got '$got' (exit $rc)"
		ktap_result "$name" 1
	fi
}

ktap_plan 7
expect "flat results" "2 passed, 1 failed, 0 skipped" 1 <<'K'
KTAP version 1
1..3
ok 1 a
not ok 2 b
ok 3 c
K
expect "nested results count their leaves" "3 passed, 0 failed, 1 skipped" 0 <<'K'
KTAP version 1
1..2
    TAP version 13
    1..2
    ok 1 x.one
    ok 2 x.two # SKIP no device
ok 1 x
    1..2
    ok 1 y.one
    ok 2 y.two
ok 2 y
K
expect "crash after passing subtests is a failure" "2 passed, 1 failed, 0 skipped" 1 <<'K'
KTAP version 1
1..1
    1..3
    ok 1 a
    ok 2 b
not ok 1 prog # exit=139
K
expect "failed subtests are not double counted" "1 passed, 2 failed, 0 skipped" 1 <<'K'
1..1
    1..3
    ok 1 a
    not ok 2 b
    not ok 3 c
not ok 1 prog # exit=1
K
expect "program without subtests counts once" "0 passed, 1 failed, 0 skipped" 1 <<'K'
1..1
# prog: timed out after 10s
not ok 1 prog # exit=124
K
expect "diagnostics that look like results are ignored" "1 passed, 0 failed, 0 skipped" 0 <<'K'
1..1
# ok 7 not a result
    # not ok 3 neither
ok 1 a
K
expect "no test at all fails" "0 passed, 0 failed, 0 skipped" 1 <<'K'
KTAP version 1
1..0
K
ktap_finish
