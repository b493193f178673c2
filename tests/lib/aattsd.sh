# shellcheck shell=bash
# Driving aattsd from a VM test (sourced after tests/lib/ktap.sh).  The
# test sets AATTSD (the binary), CLIENT (build/tests/daemon/client), SOCK,
# LOG and the config file it passes; PID is the running daemon's.

# ask LINES...: sends each argument as one line, prints the replies.
ask() {
	printf '%s\n' "$@" | "$CLIENT" "$SOCK"
}
# q JQ LINE: one request, one jq expression on its reply.
q() {
	ask "$2" | jq -r "$1"
}
hello_ok() { [ "$(q .ok '{"v":1,"op":"hello"}' 2>/dev/null)" = true ]; }
# aattsd_start CONF [ARGS...]: starts aattsd in the background (PID) and
# waits until it answers on SOCK; its output goes to LOG.
aattsd_start() {
	local conf=$1
	shift
	"$AATTSD" --foreground --config "$conf" --socket "$SOCK" "$@" >>"$LOG" 2>&1 &
	PID=$!
	until_true 60 test -S "$SOCK" && until_true 30 hello_ok
}
