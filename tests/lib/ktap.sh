# SPDX-License-Identifier: GPL-2.0-only
# KTAP output for shell tests (the 6.1 tree has no ktap_helpers.sh).
#
#   . tests/lib/ktap.sh
#   ktap_plan 3
#   ktap_test "name" command args...   # ok when the command succeeds
#   ktap_result "name" $?               # ok when the status is 0
#   ktap_check "name" "$a" -eq 3        # ok when [ "$a" -eq 3 ] holds
#   ktap_skip "name" "reason"
#   ktap_finish                         # exits 0 only if nothing failed
#
# Diagnostics go to stdout prefixed with '# ' via ktap_diag.

KTAP_NUM=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_plan() {
	echo "KTAP version 1"
	echo "1..$1"
}

ktap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

ktap_result() {
	KTAP_NUM=$((KTAP_NUM + 1))
	if [ "$2" = 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		echo "ok $KTAP_NUM $1"
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
		echo "not ok $KTAP_NUM $1"
	fi
}

ktap_skip() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_NUM $1 # SKIP $2"
}

# ktap_check NAME TEST-ARGS...: ok when "[ TEST-ARGS... ]" holds.  An
# empty value makes the test malformed, and so a failure.  On a failure
# the command KTAP_FAIL_HOOK names (if set) runs first, to print more
# diagnostics: KTAP_FAIL_HOOK=dump_state ktap_check ...
ktap_check() {
	local name=$1
	shift
	if [ "$@" ] 2>/dev/null; then
		ktap_result "$name" 0
	else
		ktap_diag "failed: [ $* ]"
		[ -n "${KTAP_FAIL_HOOK:-}" ] && "$KTAP_FAIL_HOOK"
		ktap_result "$name" 1
	fi
}

# Runs a command, shows its output as diagnostics, reports its status.
ktap_test() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	[ -n "$out" ] && ktap_diag "$out"
	ktap_result "$name" "$rc"
}

ktap_finish() {
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	[ "$KTAP_FAIL" = 0 ]
	exit
}

# until_true SECS CMD...: retries CMD every 0.2 s for up to SECS seconds.
# A single argument is a condition evaluated afresh each time, so that its
# $(...) is read again: until_true 5 '[ "$(counter x)" = 1 ]'.  (Written
# unquoted, test "$(counter x)" = 1 would compare one reading again and
# again.)
until_true() {
	local n=$(($1 * 5))
	shift
	while [ $n -gt 0 ]; do
		if [ $# = 1 ]; then
			eval "$1" && return 0
		else
			"$@" && return 0
		fi
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# ktap_expect NAME RC PATTERN CMD...: one result: CMD exits RC and its
# output (stdout and stderr) matches PATTERN (grep).
ktap_expect() {
	local name=$1 rc=$2 pat=$3 out got
	shift 3
	out=$("$@" 2>&1) && got=0 || got=$?
	if [ "$got" != "$rc" ] || ! grep -q -- "$pat" <<<"$out"; then
		ktap_diag "${1##*/} ${*:2}: exit $got, want $rc and '$pat': $out"
		ktap_result "$name" 1
	else
		ktap_result "$name" 0
	fi
}
