# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# bounded_run SECS KB TOOL ARGS...: TOOL ARGS within SECS seconds and KB
# KiB of address space; sets OUT (stdout and stderr) and RC (124: timed
# out).  An ASan build maps terabytes of shadow, which no address-space
# limit allows: then TOOL runs without the limit (for its memory errors)
# and the plain build of the same tool (build/bin/, which make builds
# beside the sanitized one) runs under it, so that the memory bound is
# still what is tested.  The two must agree: a difference is RC 99 with
# both outputs in OUT.
bounded_run() {
	local secs=$1 kb=$2 tool=$3 limit=$2 plain out rc
	shift 3
	ldd "$tool" 2>/dev/null | grep -q libasan && limit=unlimited
	OUT=$( (ulimit -v "$limit" && exec timeout -k 1 "$secs" "$tool" "$@") \
		2>&1) && RC=0 || RC=$?
	[ "$limit" = unlimited ] && [ "$kb" != unlimited ] || return 0
	plain=build/bin/$(basename "$tool")
	if [ ! -x "$plain" ] || ldd "$plain" | grep -q libasan; then
		OUT="bounded_run: no plain build at $plain for the memory bound"
		RC=99
		return 0
	fi
	out=$( (ulimit -v "$kb" && exec timeout -k 1 "$secs" "$plain" "$@") \
		2>&1) && rc=0 || rc=$?
	if [ "$rc" != "$RC" ] || [ "$out" != "$OUT" ]; then
		OUT="ASan build: exit $RC: $OUT; plain build in $kb KiB: exit $rc: $out"
		RC=99
	fi
}
