#!/bin/bash
# make demo at a small scale (scripts/demo with DEMO_*): two variants, three
# epochs, a few hundred samples.  The result line parses and passes
# python/demo/report.py's check (every field, hit ratios and accuracy in
# [0, 1]); the variants are the ones asked, in order; the aatts variant's
# hits and misses are the device's own counters (its reads reached it) and
# substitution happened (epoch 3: isa promotes only once the first
# epoch_end gave it scores, so epoch 2 finds little resident, and epoch 1
# is the warm-up's plain shuffle); no-cache read the data set
# from the slow tier.  (Too few steps to assert on learning: the full demo
# shows it.)
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
N=${DEMO_TEST_SAMPLES:-400}
ktap_plan 7

start=$(date +%s)
scripts/demo DEMO_SAMPLES="$N" DEMO_EPOCHS=3 DEMO_VARIANTS=no-cache,isa+substitution \
	DEMO_DELAY_MS=1 >"$TMP/log" 2>&1
rc=$?
ktap_diag "$(grep -v '^# demo-json' "$TMP/log" | tail -n 30)"
ktap_check "scripts/demo exits 0 ($(($(date +%s) - start)) s)" "$rc" = 0

/usr/bin/python3 python/demo/report.py --no-plots "$TMP/log" "$TMP/out" >"$TMP/report" 2>&1
rc=$?
[ $rc = 0 ] || ktap_diag "$(cat "$TMP/report")"
ktap_check "report.py: the result line parses and passes its check" "$rc" = 0
J=$TMP/out/demo.json
ktap_check "the variants asked, in order, 3 epochs each" \
	"$(jq -c '[.variants[] | "\(.name):\(.epochs | length)"]' "$J" 2>/dev/null)" = \
	'["no-cache:3","isa+substitution:3"]'
ktap_check "every epoch: hit ratio and accuracy in [0, 1], samples read = $N" \
	"$(jq '[.variants[].epochs[] | select(.hit_ratio >= 0 and .hit_ratio <= 1 and
		.accuracy >= 0 and .accuracy <= 1 and .samples == '"$N"')] | length' "$J" 2>/dev/null)" = 6
ktap_check "no-cache: each epoch read at least the data set from the slow tier" \
	"$(jq --argjson b $((N * 3073)) '[.variants[0].epochs[] | select(.slow_bytes >= $b)] | length' "$J" 2>/dev/null)" = 3
ktap_check "isa+substitution: hit_ratio is the device's hits / (hits + misses), reads > 0" \
	"$(jq '[.variants[1].epochs[] | select(.read_hits + .read_misses > 0 and
		((.hit_ratio - .read_hits / (.read_hits + .read_misses)) | fabs) < 0.001)] | length' "$J" 2>/dev/null)" = 3
ktap_check "isa+substitution: none in epoch 1 (warm-up), substitutions in epoch 3" \
	"$(jq -r '.variants[1].epochs | "\(.[0].substitutions) \(.[2].substitutions > 0)"' "$J" 2>/dev/null)" = "0 true"
ktap_finish
