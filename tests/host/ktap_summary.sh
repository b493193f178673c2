#!/bin/bash
# tests/ktap-summary counts nested KTAP results the way make check needs:
# nothing counted that did not run.  Synthetic logs for each rule, then
# tests/run-ktap on small programs and tests/vm/unreported on a VM log
# that stops mid-suite.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect NAME "SUMMARY LINE" EXIT_CODE [LISTED-LINE...] <<< KTAP: the last
# line of the summary, its exit status, and lines it must list before it
# ("# failed: ..." / "# skipped: ..."), each exactly.
expect() {
	local name=$1 want=$2 want_rc=$3 got rc l bad=0
	shift 3
	got=$(tests/ktap-summary /dev/stdin)
	rc=$?
	if [ "$(tail -n 1 <<<"$got")" != "$want" ] || [ "$rc" != "$want_rc" ]; then
		ktap_diag "want '$want' (exit $want_rc), got exit $rc:" "$got"
		bad=1
	fi
	for l in "$@"; do
		if ! grep -qxF -- "$l" <<<"$got"; then
			ktap_diag "'$l' is not listed in:" "$got"
			bad=1
		fi
	done
	ktap_result "$name" $bad
}

ktap_plan 23
expect "flat results" "2 passed, 1 failed, 0 skipped" 1 "# failed: b" <<'K'
KTAP version 1
1..3
ok 1 a
not ok 2 b
ok 3 c
K
expect "nested results count their leaves, skips listed with the reason" \
	"3 passed, 0 failed, 1 skipped" 0 "# skipped: x: x.two: no device" <<'K'
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
expect "a program that crashed after 2 of 3: its missing result fails" \
	"2 passed, 1 failed, 0 skipped" 1 \
	"# failed: prog: only 2 of 3 planned results came back, 1 counted as failures" <<'K'
KTAP version 1
1..1
    1..3
    ok 1 a
    ok 2 b
not ok 1 prog # exit=139
K
expect "a bad exit after all subtests passed is one failure" \
	"2 passed, 1 failed, 0 skipped" 1 "# failed: prog: not ok # exit=1" <<'K'
KTAP version 1
1..1
    1..2
    ok 1 a
    ok 2 b
not ok 1 prog # exit=1
K
expect "failed subtests are not double counted" "1 passed, 2 failed, 0 skipped" 1 \
	"# failed: prog: b" "# failed: prog: c" <<'K'
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
# The VM died in the second of four programs: the second's remaining
# subtests and the two programs that never ran are failures, the
# second's passes stand; the same count whether or not tests/vm/unreported
# named the programs.
expect "crash mid-suite: 3 missing subtests and 2 programs that never ran fail" \
	"4 passed, 5 failed, 0 skipped" 1 \
	"# failed: top level: only 2 of 4 planned results came back, 2 counted as failures" \
	"# failed: t/two.sh: only 2 of 5 planned results came back, 3 counted as failures" <<'K'
KTAP version 1
1..4
    # Subtest: t/one.sh
    KTAP version 1
    1..2
    ok 1 a
    ok 2 b
ok 1 t/one.sh # time=1s
    # Subtest: t/two.sh
    KTAP version 1
    1..5
    ok 1 c
    ok 2 d
# aatts-vm: the guest did not finish (no boot, crash or timeout after 3000s); console tail:
# [   12.0] sysrq: Trigger a crash
K
expect "crash mid-suite with the unreported programs named" \
	"4 passed, 5 failed, 0 skipped" 1 \
	"# failed: t/two.sh: only 2 of 5 planned results came back, 3 counted as failures" \
	"# failed: t/three.sh: not ok # did not report" \
	"# failed: t/four.sh: not ok # did not report" <<'K'
KTAP version 1
1..4
    # Subtest: t/one.sh
    KTAP version 1
    1..2
    ok 1 a
    ok 2 b
ok 1 t/one.sh # time=1s
    # Subtest: t/two.sh
    KTAP version 1
    1..5
    ok 1 c
    ok 2 d
not ok 2 t/two.sh # did not report
not ok 3 t/three.sh # did not report
not ok 4 t/four.sh # did not report
K
expect "short plan: 1..5, one result, exit 0 is 1 pass and 4 failures" \
	"1 passed, 4 failed, 0 skipped" 1 \
	"# failed: p: only 1 of 5 planned results came back, 4 counted as failures" <<'K'
KTAP version 1
1..1
    # Subtest: p
    KTAP version 1
    1..5
    ok 1 a
ok 1 p # time=0s
K
expect "empty output and exit 0 is a failure" "1 passed, 1 failed, 0 skipped" 1 \
	"# failed: p: reported no results" <<'K'
KTAP version 1
1..2
    # Subtest: p
ok 1 p # time=0s
    # Subtest: q
    1..1
    ok 1 a
ok 2 q
K
expect "results without a plan are a failure" "2 passed, 1 failed, 0 skipped" 1 \
	"# failed: p: 2 results without a plan" <<'K'
KTAP version 1
1..1
    # Subtest: p
    ok 1 a
    ok 2 b
ok 1 p
K
expect "more results than planned is a failure" "3 passed, 1 failed, 0 skipped" 1 \
	"# failed: p: 3 results, 2 planned" <<'K'
KTAP version 1
1..1
    1..2
    ok 1 a
    ok 2 b
    ok 3 c
ok 1 p
K
expect "not ok with a SKIP directive is a failure, not a skip" "1 passed, 1 failed, 1 skipped" 1 \
	"# failed: p: b: not ok # SKIP no device (a skip that says not ok is a failure)" \
	"# skipped: p: c: no sparse" <<'K'
KTAP version 1
1..1
    1..3
    ok 1 a
    not ok 2 b # SKIP no device
    ok 3 c # SKIP no sparse
ok 1 p
K
expect "kselftest skips are named by their RUN line" "1 passed, 0 failed, 1 skipped" 0 \
	"# skipped: nl: nl.events: no CAP_NET_ADMIN" <<'K'
KTAP version 1
1..1
    # Subtest: nl
    TAP version 13
    1..2
    # Starting 2 tests from 1 test cases.
    #  RUN           nl.dev_get ...
    #            OK  nl.dev_get
    ok 1 nl.dev_get
    #  RUN           nl.events ...
    #      SKIP      no CAP_NET_ADMIN
    #            OK  nl.events
    ok 2 # SKIP no CAP_NET_ADMIN
ok 1 nl
K
expect "nested subtests: leaves at every depth, missing ones included" \
	"4 passed, 3 failed, 1 skipped" 1 \
	"# failed: suite: group: c" \
	"# failed: suite: part: only 1 of 2 planned results came back, 1 counted as failures" \
	"# failed: suite: other: not ok # exit=2" \
	"# skipped: suite: group: b: why" <<'K'
KTAP version 1
1..1
    # Subtest: suite
    KTAP version 1
    1..4
        # Subtest: group
        KTAP version 1
        1..3
        ok 1 a
        ok 2 b # SKIP why
        not ok 3 c
    not ok 1 group
        # Subtest: part
        KTAP version 1
        1..2
        ok 1 e
    ok 2 part
    ok 3 d
        # Subtest: other
        1..1
        ok 1 f
    not ok 4 other # exit=2
not ok 1 suite
K

# tests/run-ktap on programs that lie with exit 0, and on honest ones.
mk() { printf '#!/bin/bash\n%s\n' "$2" >"$TMP/$1"; chmod +x "$TMP/$1"; }
mk short 'echo "KTAP version 1"; echo 1..5; echo "ok 1 a"'
mk silent ':'
mk good 'echo 1..2; echo "ok 1 a"; echo "ok 2 b # SKIP reason"'
mk liar 'echo 1..2; echo "ok 1 a"; echo "not ok 2 b"'
out=$(tests/run-ktap "$TMP/short" "$TMP/silent" "$TMP/good" "$TMP/liar")
rc=$?
ktap_diag "$out"
ktap_check "run-ktap: a short plan with exit 0 is not ok" \
	"$(grep -c "^not ok 1 $TMP/short # exit=0" <<<"$out")" = 1
ktap_check "run-ktap: no output with exit 0 is not ok" \
	"$(grep -c "^not ok 2 $TMP/silent # exit=0" <<<"$out")" = 1
ktap_check "run-ktap: a plan kept is ok, a failed subtest with exit 0 not; exit 1" \
	"$(grep -c "^ok 3 $TMP/good " <<<"$out"):$(grep -c "^not ok 4 $TMP/liar " <<<"$out"):$rc" = 1:1:1

# tests/vm/unreported on a VM log that stops in the second of four
# programs, and on one where the suite never started.
cat >"$TMP/vm.log" <<'K'
# aatts-vm: kernel 6.1.0-0-amd64, accel tcg, command: tests/dm/suite t/one.sh t/two.sh t/three.sh t/four.sh
KTAP version 1
1..4
    # Subtest: t/one.sh
    1..1
    ok 1 a
ok 1 t/one.sh # time=1s
    # Subtest: t/two.sh
    1..3
    ok 1 b
K
tests/vm/unreported "$TMP/vm.log" t/one.sh t/two.sh t/three.sh t/four.sh >"$TMP/un"
rc=$?
ktap_diag "$(cat "$TMP/un")"
ktap_check "unreported: the three programs after the crash, numbered, exit 1" \
	"$(cut -d' ' -f1-4 "$TMP/un" | paste -sd,):$rc" = \
	"not ok 2 t/two.sh,not ok 3 t/three.sh,not ok 4 t/four.sh:1"
ktap_check "unreported: the summary of the completed log names them" \
	"$(cat "$TMP/vm.log" "$TMP/un" | tests/ktap-summary /dev/stdin | grep -c -e '^# failed: t/two.sh: only 1 of 3' -e '^# failed: t/three.sh: not ok # did not report' -e '^# failed: t/four.sh: not ok # did not report' -e '^2 passed, 4 failed, 0 skipped$')" = 4
echo "# aatts-vm: the guest did not come up" >"$TMP/vm.log"
ktap_check "unreported: no suite at all: a plan and every program" \
	"$(tests/vm/unreported "$TMP/vm.log" a b | tests/ktap-summary /dev/stdin | tail -n 1)" = \
	"0 passed, 2 failed, 0 skipped"
ktap_finish
