#!/bin/bash
# The policy core against an independent re-computation: aatts-sim
# --engine ref implements lru, fifo and minio straight from trace format
# v1 (tools/sim/ref.c); on every generated trace kind, two block sizes and
# two cache ratios, both engines must give identical hits, promotions,
# evictions, rejections and slow bytes per epoch.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

GEN=${AATTS_BIN:-build/bin}/aatts-tracegen
KINDS="seq cyclic random zipf burst scan perm importance model multijob"

# same TRACE: core and ref agree on every point; prints the differences.
same() {
	local bs r rc=0
	for bs in 4096 65536; do
		for r in 0.1 0.5; do
			if ! diff <("$SIM" --trace "$1" --block-size $bs \
					--cache-ratio $r --policy lru,fifo,minio --csv) \
				  <("$SIM" --trace "$1" --block-size $bs \
					--cache-ratio $r --policy lru,fifo,minio --csv \
					--engine ref) >"$TMP/diff"; then
				ktap_diag "block size $bs, ratio $r:" "$(cat "$TMP/diff")"
				rc=1
			fi
		done
	done
	return $rc
}

ktap_plan 14
for k in $KINDS; do
	"$GEN" "$k" --seed 9 --blocks 4096 --accesses 20000 --epochs 4 >"$TMP/$k"
	same "$TMP/$k"
	ktap_result "$k: core and reference engine agree (lru, fifo, minio)" $?
done
# P and W records mixed into reads: admissions by prefetch, writes that
# admit nothing.
"$GEN" random --seed 3 --blocks 512 --accesses 6000 |
	awk 'NR > 1 && NR % 7 == 0 { print "P " $2 " " $3; next }
	     NR > 1 && NR % 5 == 0 { print "W " $2 " " $3; next } { print }' >"$TMP/pw"
same "$TMP/pw"
ktap_result "P and W records: core and reference engine agree" $?
"$SIM" --trace "$TMP/pw" --block-size 4096 --cache-ratio 0.2 \
	--engine ref --policy lfu >/dev/null 2>&1
ktap_check "--engine ref refuses lfu (exit 2)" $? = 2
"$SIM" --trace "$TMP/pw" --block-size 4096 --cache-ratio 0.2 \
	--engine ref --prefetch markov --policy lru >/dev/null 2>&1
ktap_check "--engine ref refuses --prefetch (exit 2)" $? = 2
got=$("$SIM" --trace "$TMP/pw" --block-size 4096 --cache-ratio 0.2 \
	--engine ref --csv | cut -d, -f1 | tail -n +2 | paste -sd,)
ktap_check "--engine ref runs lru,fifo,minio,opt by default ($got)" \
	"$got" = lru,fifo,minio,opt
ktap_finish
