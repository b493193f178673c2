#!/bin/bash
# aatts-tracegen: every kind is deterministic (same seed, same bytes;
# another seed, other bytes), parses in aatts-sim (the round trip through
# the simulator's strict parser), and has the shape --help promises.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh
. tests/host/sim/lib.sh

GEN=${AATTS_BIN:-build/bin}/aatts-tracegen
KINDS="seq cyclic random zipf burst scan perm listed importance model multijob shards shift"
SMALL="--blocks 2048 --accesses 4000 --epochs 3"

ktap_plan 53
for k in $KINDS; do
	# shellcheck disable=SC2086
	"$GEN" "$k" --seed 5 $SMALL >"$TMP/$k.a"
	# shellcheck disable=SC2086
	"$GEN" "$k" --seed 5 $SMALL >"$TMP/$k.b"
	# shellcheck disable=SC2086
	"$GEN" "$k" --seed 6 $SMALL >"$TMP/$k.c"
	ktap_result "$k: same seed, same bytes" "$(cmp -s "$TMP/$k.a" "$TMP/$k.b"; echo $?)"
	if [ "$k" = cyclic ]; then
		# No random choice in a loop: the seed only shows in the header.
		ktap_check "$k: the seed changes nothing but the header" \
			"$(diff "$TMP/$k.a" "$TMP/$k.c" | grep -c '^[<>] [^#]')" = 0
	else
		ktap_result "$k: another seed, other records" \
			"$(diff <(grep -v '^#' "$TMP/$k.a") <(grep -v '^#' "$TMP/$k.c") >/dev/null; echo $(($? != 1)))"
	fi
	out=$("$SIM" --trace "$TMP/$k.a" --block-size 4096 --cache-ratio 0.2 \
		--policy lru --json 2>&1)
	acc=$(field accesses <<<"$out")
	ktap_check "$k: parses in aatts-sim ($acc block accesses)" "${acc:-0}" -gt 0
done

# perm: every epoch reads every sample once, whole (the same set of
# "offset length" pairs in each of the 3 epochs).
awk '/^E/ { e++ } /^R/ { seen[$2 " " $3, e]++ }
	END {
		for (k in seen) {
			split(k, a, SUBSEP)
			c[a[1]]++
			if (seen[k] != 1) bad = 1
		}
		for (s in c) if (c[s] != e) bad = 1
		exit !(e == 3 && !bad)
	}' "$TMP/perm.a"
ktap_result "perm: 3 epochs, each sample read exactly once per epoch" $?
# importance: every epoch opens with one I per sample and then an E, and
# reads as many samples as there are (with replacement).
awk 'BEGIN { ep = 0 } /^I/ { if (inreads) { ep++; inreads = 0 }; hints[ep]++ }
	/^R/ { inreads = 1; reads[ep]++ }
	END { for (i = 0; i <= ep; i++) if (hints[i] != reads[i] || !hints[i]) exit 1; exit !(ep == 2) }' \
	"$TMP/importance.a"
ktap_result "importance: per epoch, I for every sample, then as many reads" $?
# importance draws with replacement: some sample repeats within an epoch.
ktap_check "importance: samples repeat within an epoch" \
	"$(awk '/^E/ { e++ } /^R/ && e == 1 { print $2 }' "$TMP/importance.a" | sort | uniq -d | wc -l)" -gt 0
# multijob: 3 jobs x 3 epochs of job 0: about 3 x 3 x samples reads.
s=$(awk '/^R/' "$TMP/perm.a" | wc -l)
m=$(grep -c '^R' "$TMP/multijob.a")
ktap_check "multijob: about 3 jobs' worth of reads ($m vs $s for one job)" \
	"$m" -gt $((2 * s))
# model: the same layer order repeats: markov prefetch turns lru's misses
# into hits (a behavioural check of the generator and the predictor).
"$GEN" model --seed 5 --blocks 2048 --accesses 2000 >"$TMP/model.big"
a=$("$SIM" --trace "$TMP/model.big" --block-size 4096 --cache-ratio 0.2 \
	--policy lru --json | field hits)
b=$("$SIM" --trace "$TMP/model.big" --block-size 4096 --cache-ratio 0.2 \
	--policy lru --prefetch markov --json | field hits)
ktap_check "model: markov prefetch more than doubles lru's hits ($a -> $b)" \
	"${b:-0}" -gt $((2 * ${a:-1}))
# shards: every epoch reads every block exactly once.
awk '/^E/ { e++ } /^R/ { for (b = $2 / 4096; b < ($2 + $3) / 4096; b++) n[b, e]++ }
	END { for (k in n) { if (n[k] != 1) exit 1; c++ }
	      exit !(e == 3 && c == 3 * 2048) }' "$TMP/shards.a"
ktap_result "shards: 3 epochs, each block read exactly once per epoch" $?
# shards: within a shard the reads are sequential: most reads continue
# the shard some earlier read of it stopped at.
ktap_check "shards: 64 KiB reads, sequential within a shard" \
	"$(awk '/^R/ { if ($3 != 65536) bad++; if (($2 / 4096) % 256 && !end[$2]) bad++; end[$2 + $3] = 1 }
		END { print bad + 0 }' "$TMP/shards.a")" = 0
# listed: the index (the first 2048/8 blocks) is read, all of it, before
# the first epoch and never after; then perm's epochs, each reading every
# sample once, outside the index.
awk '/^E/ { e++ }
	/^R/ && $2 < 256 * 4096 { if (e) bad++; for (b = $2 / 4096; b < ($2 + $3) / 4096; b++) idx[b] = 1 }
	/^R/ && $2 >= 256 * 4096 { seen[$2 " " $3, e]++ }
	END { for (k in seen) if (seen[k] != 1) bad++
	      n = 0; for (b in idx) n++
	      print bad + 0, n, e }' "$TMP/listed.a" >"$TMP/listed.shape"
ktap_check "listed: the whole index before epoch 1, none after; samples once per epoch ($(cat "$TMP/listed.shape"))" \
	"$(cat "$TMP/listed.shape")" = "0 256 3"
# shift: 90% of reads fall in a hot tenth that moves: lru beats minio.
"$GEN" shift --seed 5 --blocks 2048 --accesses 40000 >"$TMP/shift.big"
a=$("$SIM" --trace "$TMP/shift.big" --block-size 4096 --cache-ratio 0.2 \
	--policy lru --json | field hits)
b=$("$SIM" --trace "$TMP/shift.big" --block-size 4096 --cache-ratio 0.2 \
	--policy minio --json | field hits)
ktap_check "shift: the working set moves, lru beats minio ($a > $b)" \
	"${a:-0}" -gt "$((${b:-0} * 3 / 2))"
ktap_test "--help exits 0" "$GEN" --help
for k in $KINDS; do grep -q "^  $k " <("$GEN" --help) || echo "$k"; done >"$TMP/missing"
ktap_check "--help describes every kind ($(cat "$TMP/missing"))" ! -s "$TMP/missing"
"$GEN" bogus >/dev/null 2>&1
ktap_check "unknown kind: exit 2" $? = 2
"$GEN" random --blocks 10 >/dev/null 2>&1
ktap_check "too few blocks: exit 2" $? = 2
"$GEN" random --seed x >/dev/null 2>&1
ktap_check "bad seed: exit 2" $? = 2
ktap_finish
