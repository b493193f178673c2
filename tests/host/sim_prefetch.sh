#!/bin/bash
# aatts-sim's prefetch and slow-tier accounting on tiny traces worked out
# by hand: P records, --prefetch markov (precision, recall, slow_bytes)
# and the per-epoch slow-tier bytes.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

# array NAME: the JSON array NAME of the one-policy output on stdin,
# as "a,b,c".
array() {
	tr -d ' \n' | grep -o "\"$1\":\[[0-9,]*\]" | sed 's/.*\[//; s/\]//'
}

# P records: block size 1, cache 1 (lru).
#   P 0: promoted (prefetched 1); R 0 hits; R 1 misses, evicts 0;
#   P 1: already resident, not counted; R 1 hits.
#   hits 2 of 3, slow = (1 miss + 1 prefetched) blocks = 2 bytes.
printf 'P 0 1\nR 0 1\nR 1 1\nP 1 1\nR 1 1\n' >"$TMP/p"

# Markov, block size 1, cache 1 (lru), reads 0 1 2 0 1 2 0 1 2; the
# predictor learns after each read record, predicts at confidence >= 2.
#   reads 1-6 miss; after them 0->1, 1->2, 2->0 are each seen twice.
#   read 7 (0) misses; 0->1 predicted: 1 prefetched, evicting 0.
#   read 8 (1) hits a prefetched block (useful 1); 1->2: 2 prefetched.
#   read 9 (2) hits (useful 2); 2->0: 0 prefetched, never read.
#   hits 2, misses 7, issued 3, useful 2: precision 2/3, recall 2/9,
#   slow (7 + 3) blocks = 10 bytes, promotions 7 + 3, evictions 9.
printf 'R %s 1\n' 0 1 2 0 1 2 0 1 2 >"$TMP/m"
# With --markov-min-conf 1 a transition seen once predicts:
#   read 4 (0): 0->1 (conf 1) prefetches 1; read 5 hits; 1->2 prefetches
#   2; read 6 hits; ... reads 5-9 all hit: hits 5, misses 4, issued 6
#   (after reads 4..9), useful 5: precision 5/6, recall 5/9.

# Epochs: block size 1, cache 2 (lru): R 0, R 1, E, R 0, R 1, E, R 2.
#   epoch 1: 2 misses; epoch 2: 2 hits; after the last E: 1 miss.
printf 'R 0 1\nR 1 1\nE\nR 0 1\nR 1 1\nE\nR 2 1\n' >"$TMP/e"
# The same with cache 1: every read misses (1 block each).

ktap_plan 9
expect_sim "P records: prefetched, hit, counted in slow_bytes" "$TMP/p" lru \
	"--block-size 1 --cache-blocks 1" \
	"hits=2 accesses=3 prefetched=1 slow_bytes=2 promotions=2"
expect_sim "markov, min confidence 2: precision 2/3, recall 2/9" "$TMP/m" lru \
	"--block-size 1 --cache-blocks 1 --prefetch markov" \
	"hits=2 accesses=9 prefetch_issued=3 prefetch_useful=2 prefetch_precision=0.666667 prefetch_recall=0.222222 slow_bytes=10 promotions=10 evictions=9"
expect_sim "markov, min confidence 1: precision 5/6, recall 5/9" "$TMP/m" lru \
	"--block-size 1 --cache-blocks 1 --prefetch markov --markov-min-conf 1" \
	"hits=5 accesses=9 prefetch_issued=6 prefetch_useful=5 prefetch_precision=0.833333 prefetch_recall=0.555556 slow_bytes=10"
expect_sim "without --prefetch: no prediction, 0 hits" "$TMP/m" lru \
	"--block-size 1 --cache-blocks 1" "hits=0 accesses=9 slow_bytes=9"
out=$("$SIM" --trace "$TMP/m" --block-size 1 --cache-blocks 1 --policy opt \
	--prefetch markov --json)
# opt, cache 1: keeps 0 (read again at 3, before 1 and 2), hits it at
# 3 and 6, bypasses the rest: 2 hits, no prefetch fields.
ktap_check "opt ignores --prefetch (the demand bound): 2 hits" \
	"$(grep -c prefetch_issued <<<"$out")$(field hits <<<"$out")" = 02
got=$("$SIM" --trace "$TMP/e" --block-size 1 --cache-blocks 2 --policy lru \
	--json | array epoch_slow_bytes)
ktap_check "epoch slow bytes, cache 2: 2,0,1 (got $got)" "$got" = 2,0,1
got=$("$SIM" --trace "$TMP/e" --block-size 1 --cache-blocks 1 --policy opt \
	--json | array epoch_slow_bytes)
ktap_check "opt epoch slow bytes, cache 1: 2,1,1 (got $got)" "$got" = 2,1,1
got=$("$SIM" --trace "$TMP/e" --block-size 1 --cache-blocks 2 --policy lru \
	--csv | awk -F, 'NR == 2 { print $NF }')
ktap_check "csv: epoch_slow_bytes 2;0;1 (got $got)" "$got" = "2;0;1"
got=$("$SIM" --trace "$TMP/m" --block-size 1 --cache-blocks 1 --policy lru \
	--prefetch markov --prefetch-depth 3 --json | field prefetch_issued)
# Depth 3 follows the chain: after read 7, 1, 2 and 0 are predicted; 1
# is prefetched, then 2 evicts it, then 0 evicts 2 (cache 1)...: the
# counts only grow with depth.
ktap_check "depth 3 issues more than depth 1 (got $got)" "${got:-0}" -gt 3
ktap_finish
