# shellcheck shell=bash
# Helpers for the aattsctl VM tests (tests/ctl/): source after ktap.sh.
# Sets CTL, OUT and ERR (temporary files the caller removes).

CTL=${AATTS_BIN:-build/bin}/aattsctl
OUT=$(mktemp)
ERR=$(mktemp)

# run ARGS...: runs aattsctl, stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$CTL" "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	[ -s "$ERR" ] && ktap_diag "aattsctl $*: $(cat "$ERR")"
	return $RC
}

# expect NAME RC PATTERN ARGS...: aattsctl ARGS exits RC, stderr matches.
expect() {
	local name=$1 rc=$2 pat=$3
	shift 3
	run "$@"
	if [ "$RC" != "$rc" ] || ! grep -q -- "$pat" "$ERR"; then
		ktap_diag "want exit $rc and '$pat', got exit $RC"
		ktap_result "$name" 1
	else
		ktap_result "$name" 0
	fi
}
