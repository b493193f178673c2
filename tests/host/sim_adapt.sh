#!/bin/bash
# The default policy adapts (kmod/policy/mini.c): on generated traces it
# was not tuned on (seeds 21-23, other parameters than make bench's, and
# the held-out kinds shards, shift and listed), at two block sizes and three cache
# ratios, default stays within a bound of the best fixed policy (lru,
# fifo, lfu, minio, isa with the trace's hints) and of lru, per trace kind;
# it runs the mode its shadows show best (aatts-sim --adapt-log); and
# where importance is known it reaches isa.  The bounds are the worst
# ratios measured (Documentation/design/policies.rst) less a small margin,
# so a regression of the adaptation fails here.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

GEN=${AATTS_BIN:-build/bin}/aatts-tracegen
BLOCKS=4096
SEEDS="21 22 23"
# kind, its tracegen arguments, the floor of default / best fixed, the
# floor of default / lru (worst over seeds, block sizes and ratios).  seq
# and model are where default is furthest from the goal (0.95, 0.98): their
# floors guard what it reaches now (seq 0.754 / 0.868, model 0.878 / 0.883
# measured at seeds 21-23), not the goal.  listed's is 0.927 (seed 21,
# 4 KiB, ratio 0.8, where the listing is a seventh of the cache and isa's
# shadow never leads minio's by the margin: default keeps the listing as
# it did before dead blocks were dropped); its other points reach 0.95.
MATRIX="
cyclic|--accesses 32768|0.95|0.98
scan|--accesses 32768|0.92|0.98
shift|--accesses 32768|0.95|0.96
shards|--epochs 12 --shard 128|0.92|0.96
perm|--epochs 12 --sample-size 262144|0.80|1.2
listed|--epochs 8 --sample-size 8192|0.92|0.96
multijob|--epochs 5 --jobs 2|0.73|0.90
importance|--epochs 12|0.95|1.0
seq|--accesses 1365|0.72|0.84
model|--accesses 341|0.85|0.86
"

# point TRACE BS RATIO: "default best lru" hit ratios (best of the fixed
# policies); fails when the simulator fails or a ratio is missing.
point() {
	"$SIM" --trace "$1" --block-size "$2" --cache-ratio "$3" \
		--policy lru,fifo,lfu,minio,isa,default --csv |
		awk -F, 'NR > 1 { h[$1] = $4; n++ }
			 END {
				if (n != 6) exit 1
				b = 0
				for (p in h) if (p != "default" && h[p] > b) b = h[p]
				print h["default"], b, h["lru"]
			 }'
}

ktap_plan 15
while IFS='|' read -r kind args floor lfloor; do
	[ -n "$kind" ] || continue
	worst=9 worstl=9 where="" rc=0
	for s in $SEEDS; do
		# shellcheck disable=SC2086
		"$GEN" "$kind" --seed "$s" --blocks $BLOCKS $args >"$TMP/t" || rc=1
		for bs in 4096 131072; do
			for r in 0.1 0.4 0.8; do
				read -r d b l < <(point "$TMP/t" $bs $r) || rc=1
				if [ -z "$d" ] || [ -z "$b" ] || [ -z "$l" ]; then
					rc=1
					continue
				fi
				read -r worst worstl where < <(awk -v d="$d" -v b="$b" \
					-v l="$l" -v w="$worst" -v wl="$worstl" \
					-v at="$where" -v p="$s,$bs,$r" 'BEGIN {
					x = b > 0 ? d / b : 1; y = l > 0 ? d / l : 1
					if (x < w) { w = x; at = p " (" d " vs " b ")" }
					if (y < wl) wl = y
					print w, wl, at }')
			done
		done
	done
	ktap_diag "$kind: worst default/best $worst at seed,bs,ratio $where; worst default/lru $worstl"
	ktap_result "$kind: default >= $floor x best fixed, >= $lfloor x lru" \
		"$(awk -v w="$worst" -v wl="$worstl" -v f="$floor" -v lf="$lfloor" \
			-v rc=$rc 'BEGIN { print !(rc == 0 && w >= f && wl >= lf) }')"
done <<<"$MATRIX"

# The mode over time: a loop ends in a mode that keeps a fixed part
# (minio or isa), a moving working set in one that follows recency.
"$GEN" cyclic --seed 21 --blocks $BLOCKS --accesses 32768 >"$TMP/cyclic"
"$SIM" --trace "$TMP/cyclic" --block-size 4096 --cache-ratio 0.2 \
	--policy default --adapt-log "$TMP/log" >/dev/null
mode=$(tail -n 1 "$TMP/log" | cut -d, -f5)
ktap_check "cyclic: default ends in minio or isa (log: $mode)" \
	"$mode" = minio -o "$mode" = isa
"$GEN" shift --seed 21 --blocks $BLOCKS --accesses 32768 >"$TMP/shift"
"$SIM" --trace "$TMP/shift" --block-size 4096 --cache-ratio 0.2 \
	--policy default --adapt-log "$TMP/log" >/dev/null
mode=$(tail -n 1 "$TMP/log" | cut -d, -f5)
ktap_check "shift: default ends in lru, fifo, lfu or wtinylfu (log: $mode)" \
	-n "$mode" -a "$mode" != minio -a "$mode" != isa
# The log has a line per epoch at least, and its header names the modes.
ktap_check "--adapt-log: header and lines ($(wc -l <"$TMP/log") lines)" \
	"$(head -n 1 "$TMP/log")" = \
	"epoch,record,accesses,hits,mode,switches,warm,wtinylfu,lru,fifo,lfu,minio,isa" \
	-a "$(wc -l <"$TMP/log")" -gt 32
# Where importance is known (hints in the trace) default reaches isa.
"$GEN" importance --seed 22 --blocks $BLOCKS --epochs 12 >"$TMP/imp"
read -r d i < <("$SIM" --trace "$TMP/imp" --block-size 4096 --cache-ratio 0.2 \
	--policy default,isa --csv | awk -F, 'NR > 1 { printf "%s ", $4 }')
ktap_check "importance, ratio 0.2: default >= 0.95 x isa ($d vs $i)" \
	"$(awk -v d="$d" -v i="$i" 'BEGIN { print (d != "" && d >= 0.95 * i) }')" = 1
# A listing before the first epoch (the index, read once) does not stay
# in default's fixed set: default gets what it gets on the same epochs
# without the listing (the cache is floor(ratio x distinct blocks), so the
# listed trace's cache is larger by the index's share).
"$GEN" listed --seed 22 --blocks $BLOCKS --epochs 8 --sample-size 8192 >"$TMP/listed"
awk -v lim=$((BLOCKS / 8 * 4096)) '!($1 == "R" && $2 < lim)' "$TMP/listed" >"$TMP/unlisted"
read -r l < <("$SIM" --trace "$TMP/listed" --block-size 4096 --cache-ratio 0.1 \
	--policy default --csv | awk -F, 'NR > 1 { print $4 }')
read -r u < <("$SIM" --trace "$TMP/unlisted" --block-size 4096 --cache-ratio 0.1 \
	--policy default --csv | awk -F, 'NR > 1 { print $4 }')
ktap_check "listed, ratio 0.1: default >= 0.9 x default without the listing ($l vs $u)" \
	"$(awk -v l="$l" -v u="$u" 'BEGIN { print (l != "" && u != "" && l >= 0.9 * u) }')" = 1
ktap_finish
