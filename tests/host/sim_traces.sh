#!/bin/bash
# aatts-sim on tiny traces whose hits are worked out by hand below: the
# reference policies (lru, fifo, minio, opt) exactly as trace format v1
# defines them, lfu, and isa with staged hints.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

# Blocks of 4096 bytes: a = 0, b = 1, c = 2; reads a b a c a b.
#   cap 1: lru, fifo: 0 hits.  minio keeps a: hits at 3 and 5.
#          opt admits a (next use 3), bypasses b (next use 6 > 3), hits
#          a at 3 and 5, bypasses c and b (never used again): 2 hits.
#   cap 2: lru: a b a(hit) c(evicts b) a(hit) b(evicts c): 2 hits.
#          fifo: a b a(hit) c(evicts a) a(evicts b) b(evicts c): 1 hit.
#          minio: a b a(hit) c(no room) a(hit) b(hit): 3 hits.
#          opt: a b a(hit) c(never again: bypass) a(hit) b(hit): 3 hits.
#   cap 3: everything fits: 3 hits for every policy.
cat >"$TMP/abacab" <<'T'
# a b a c a b
R 0 4096
R 4096 4096
R 0 4096
R 8192 4096
R 0 4096
R 4096 4096
T

# Writes admit nothing and are not accesses; a record spans blocks.
#   W 0..1; R 0 (miss); R 1 (miss); W 0 (write hit); R 0..1 (2 hits);
#   R 4 (miss, evicts 0 under lru with cap 2).  D = {0, 1, 4} = 3 blocks:
#   ratio 0.67 -> floor(2.01) = 2 blocks, ratio 0.66 -> floor(1.98) = 1.
#   cap 2: lru 2 hits of 5.  cap 1: lru 0 hits.
cat >"$TMP/writes" <<'T'
W 0 8192
R 0 4096
R 4096 4096
W 0 4096
R 0 8192
R 16384 1
T

# lfu, cap 2, block size 1: 0 0 0 1 2 0 1 2 0
#   0(m) 0(h) 0(h) 1(m) 2(m, evicts 1: 1 read vs 3) 0(h) 1(m, evicts 2)
#   2(m, evicts 1) 0(h): 4 hits.  lru: 0(m) 0 0 1(m) 2(m, evicts 0)
#   0(m, evicts 1) 1(m, evicts 2) 2(m, evicts 0) 0(m): 2 hits.
printf 'R %s 1\n' 0 0 0 1 2 0 1 2 0 >"$TMP/lfu"

# isa, cap 2, block size 1.  Step numbers are reads.
#   1-2: 0, 1 fill free slots (the epoch's hints are only staged).
#   3: 2 scores 0, not above the minimum 0: rejected.
#   E: 0 -> 5, 1 -> 9 (3, 9 and 4 hinted: the highest stays).
#   4: 2 (0 < 5) rejected; I 2 7 staged; 5: 2 still 0, rejected.
#   E: 2 -> 7; 6: 2 (7 > 5) evicts 0; 7: 1 hits; 8: 0 (5 < 7) rejected.
#   E: 3 -> 7; 9: 3 (7, not above 7) rejected.
#   E: 1 -> 1; 10: 3 (7 > 1) evicts 1; 11: 2 hits.
#   E: 4 -> 8; 12: 4 evicts the least recent of the score-7 blocks, 3
#   (read at 10; 2 at 11); 13: 2 hits; 14: 3 (7, minimum 7) rejected.
#   3 hits of 14, 5 promotions, 3 evictions, 6 rejections.
cat >"$TMP/isa" <<'T'
I 0 1 5
I 1 1 3
I 1 1 9
I 1 1 4
R 0 1
R 1 1
R 2 1
E
R 2 1
I 2 1 7
R 2 1
E
R 2 1
R 1 1
R 0 1
I 3 1 7
E
R 3 1
I 1 1 1
E
R 3 1
R 2 1
I 4 1 8
E
R 4 1
R 2 1
R 3 1
T

# Sparse offsets: blocks 0 and 2^64 - 2 (block size 1), memory capped at
# 100 MB: nothing may be sized by the largest offset.  Cache 2: 0, x, 0
# (hit), x (hit): 2 hits of 4.
printf 'R 0 1\nR 18446744073709551614 1\nR 0 1\nR 18446744073709551614 1\n' >"$TMP/sparse"

ktap_plan 20
for p in lru fifo; do
	expect_sim "abacab $p, 1 block: 0 hits" "$TMP/abacab" $p \
		"--block-size 4096 --cache-blocks 1" "hits=0 accesses=6"
done
for p in minio opt; do
	expect_sim "abacab $p, 1 block: 2 hits" "$TMP/abacab" $p \
		"--block-size 4096 --cache-blocks 1" "hits=2 accesses=6"
done
expect_sim "abacab lru, 2 blocks: 2 hits" "$TMP/abacab" lru \
	"--block-size 4096 --cache-blocks 2" "hits=2 evictions=2"
expect_sim "abacab fifo, 2 blocks: 1 hit" "$TMP/abacab" fifo \
	"--block-size 4096 --cache-blocks 2" "hits=1 evictions=3"
expect_sim "abacab minio, 2 blocks: 3 hits, no eviction" "$TMP/abacab" \
	minio "--block-size 4096 --cache-blocks 2" \
	"hits=3 evictions=0 rejections=1"
expect_sim "abacab opt, 2 blocks: 3 hits, c bypassed" "$TMP/abacab" opt \
	"--block-size 4096 --cache-blocks 2" \
	"hits=3 promotions=2 evictions=0 rejections=1"
for p in lru fifo minio opt; do
	expect_sim "abacab $p, 3 blocks: 3 hits" "$TMP/abacab" $p \
		"--block-size 4096 --cache-blocks 3" "hits=3 accesses=6"
done
expect_sim "writes admit nothing (ratio 0.67 = 2 blocks)" "$TMP/writes" \
	lru "--block-size 4096 --cache-ratio 0.67" \
	"hits=2 accesses=5 cache_blocks=2 block_size=4096 slow_bytes=12288"
expect_sim "writes, ratio 0.66 = 1 block: 0 hits" "$TMP/writes" lru \
	"--block-size 4096 --cache-ratio 0.66" "hits=0 cache_blocks=1"
expect_sim "writes, opt: 2 hits" "$TMP/writes" opt \
	"--block-size 4096 --cache-blocks 2" "hits=2 accesses=5"
expect_sim "lfu evicts the least frequent: 4 hits" "$TMP/lfu" lfu \
	"--block-size 1 --cache-blocks 2" "hits=4 accesses=9 evictions=3"
expect_sim "lru on the lfu trace: 2 hits" "$TMP/lfu" lru \
	"--block-size 1 --cache-blocks 2" "hits=2 accesses=9"
expect_sim "isa: staged hints, highest kept, minimum evicted, lru ties" \
	"$TMP/isa" isa "--block-size 1 --cache-blocks 2" \
	"hits=3 accesses=14 promotions=5 evictions=3 rejections=6"
# The memory bound is checked on the plain build: ASan reserves terabytes
# of address space up front, which no ulimit -v allows.
PLAIN_SIM=build/bin/aatts-sim
out=$(ulimit -v 100000; "$PLAIN_SIM" --trace "$TMP/sparse" --block-size 1 \
	--cache-blocks 2 --policy lru,opt --json 2>&1)
ktap_check "sparse offsets near 2^64 in 100 MB: 2 hits of 4" \
	"$(grep -o '"hits":[0-9]*' <<<"$out" | paste -sd' ')" = '"hits":2 "hits":2'
out=$(ulimit -v 100000; "$PLAIN_SIM" --trace "$TMP/sparse" --block-size 1 \
	--cache-blocks 2 --policy lru --engine ref --prefetch-depth 1 --json 2>&1)
ktap_check "sparse offsets, reference engine: 2 hits" "$(field hits <<<"$out")" = 2
ktap_finish
