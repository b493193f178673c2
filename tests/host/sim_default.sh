#!/bin/bash
# The default policy against lru on generated traces (tests/host/sim/
# gen_trace.c, seeded, 10000 blocks of 4096 bytes, 200000 reads): never
# much worse (a working set that moves included), much better on a scan
# over a hot set, and at least as good on per-epoch permutations and
# importance-sampled epochs, and within 15% of lru on interleaved
# sequential streams.  Behavioural
# assertions on hit ratios, not timings.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

GEN=build/tests/host/gen_trace

# trace KIND: generates $TMP/KIND with gen_trace unless it exists; fails
# when the generator fails or writes nothing.
trace() {
	[ -s "$TMP/$1" ] && return 0
	"$GEN" "$1" 7 10000 200000 >"$TMP/$1" && [ -s "$TMP/$1" ] && return 0
	rm -f "$TMP/$1"
	return 1
}

# at_least NAME KIND RATIO FACTOR: default >= FACTOR * lru on KIND.  A
# simulator or generator that fails, or prints no ratio, fails the test.
at_least() {
	local name=$1 kind=$2 ratio=$3 factor=$4 d l rc
	if ! trace "$kind"; then
		ktap_diag "$kind: no trace"
		ktap_result "$name" 1
		return
	fi
	d=$(hit_ratio "$TMP/$kind" default "$ratio") || d=""
	l=$(hit_ratio "$TMP/$kind" lru "$ratio") || l=""
	ktap_diag "$kind, cache ratio $ratio: default '$d', lru '$l'"
	if [ -z "$d" ] || [ -z "$l" ]; then
		ktap_result "$name" 1
		return
	fi
	awk -v d="$d" -v l="$l" -v f="$factor" 'BEGIN { exit !(d >= f * l) }'
	rc=$?
	ktap_result "$name" $rc
}

# opt_bounds KIND: no demand policy has more hits than opt (ratio 0.2):
# seven counts, opt's (the last) the largest and not zero.
opt_bounds() {
	local out rc hits max
	trace "$1" &&
		out=$("$SIM" --trace "$TMP/$1" --block-size 4096 \
			--cache-ratio 0.2 --json \
			--policy lru,fifo,minio,lfu,isa,default,opt) && rc=0 || rc=$?
	hits=($(grep -o '"hits":[0-9]*' <<<"$out" | cut -d: -f2))
	ktap_diag "$1 hits (lru fifo minio lfu isa default opt): ${hits[*]} (exit $rc)"
	max=$(printf '%s\n' "${hits[@]}" | sort -n | tail -n 1)
	ktap_check "$1: opt is the bound" "$rc:${#hits[@]}" = 0:7 -a \
		"${hits[6]:-0}" -gt 0 -a "${hits[6]:-0}" -ge "${max:-1}"
}

ktap_plan 24
for r in 0.1 0.5; do
	at_least "random, ratio $r: default >= 0.95 lru" random $r 0.95
	at_least "zipf, ratio $r: default >= 0.95 lru" zipf $r 0.95
	at_least "scan over a hot set, ratio $r: default >= 1.5 lru" scan $r 1.5
	at_least "per-epoch permutations, ratio $r: default >= lru" perm $r 1
	at_least "importance-sampled epochs, ratio $r: default >= lru" \
		importance $r 1
done
at_least "importance-sampled epochs, ratio 0.1: default >= 1.5 lru" \
	importance 0.1 1.5
at_least "per-epoch permutations, ratio 0.2: default >= 2 lru" perm 0.2 2
for kind in random zipf scan perm importance; do
	opt_bounds $kind
done
for r in 0.1 0.2 0.5; do
	at_least "moving working set, ratio $r: default >= 0.95 lru" shift $r 0.95
done
# aatts-tracegen's interleaved sequential streams and jobs sharing a data
# set (as make bench generates them): recency that a small window misses.
TG=${AATTS_BIN:-build/bin}/aatts-tracegen
"$TG" seq --seed 42 --blocks 32768 --accesses 10000 >"$TMP/seq" ||
	rm -f "$TMP/seq"
"$TG" multijob --seed 42 --blocks 32768 --epochs 4 --jobs 3 >"$TMP/multijob" ||
	rm -f "$TMP/multijob"
for r in 0.2 0.4; do
	at_least "interleaved sequential streams, ratio $r: default >= 0.85 lru" seq $r 0.85
	at_least "jobs sharing a data set, ratio $r: default >= 0.9 lru" multijob $r 0.9
done
ktap_finish
