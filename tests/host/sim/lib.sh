# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the aatts-sim host tests (sourced after tests/lib/ktap.sh).

SIM=${AATTS_BIN:-build/bin}/aatts-sim
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# field NAME: the value of NAME in the one-policy JSON on stdin.
field() {
	grep -o "\"$1\":[0-9.]*" | head -n 1 | cut -d: -f2
}

# expect_sim NAME TRACE POLICY "ARGS" "FIELD=VALUE ...": runs aatts-sim
# --json on TRACE (a file) with ARGS and checks every FIELD.
expect_sim() {
	local name=$1 trace=$2 policy=$3 args=$4 want=$5 out kv got rc=0
	# shellcheck disable=SC2086
	out=$("$SIM" --trace "$trace" --policy "$policy" $args --json 2>&1) ||
		rc=1
	for kv in $want; do
		got=$(field "${kv%%=*}" <<<"$out")
		if [ "$got" != "${kv#*=}" ]; then
			ktap_diag "$policy $args: ${kv%%=*} is '$got', want ${kv#*=}"
			rc=1
		fi
	done
	ktap_result "$name" $rc
}

# hit_ratio TRACE POLICY RATIO: prints the policy's hit ratio; fails
# (printing nothing) when aatts-sim fails or reports no ratio.
hit_ratio() {
	local out
	out=$("$SIM" --trace "$1" --policy "$2" --block-size 4096 \
		--cache-ratio "$3" --json) || return 1
	out=$(field hit_ratio <<<"$out")
	[ -n "$out" ] && echo "$out"
}
