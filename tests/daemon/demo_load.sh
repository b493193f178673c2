#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo-load's path (scripts/demo-load, python/demo/load.py) at a
# small scale: an 8 MiB safetensors-style model, two cold-start loads under
# lru and under manifest (the loader prefetches the tensors ahead of it
# from the file's header).  Checks that it runs, that every load gives a
# result, that the manifest's prefetch starts copies, and that the report
# writes its JSON.  Neither times, hit ratios nor precision are checked:
# whether a copy lands before its read depends on the emulated CPU (a
# process per window; on the debug kernel 19 of 78 did, on the stock one
# 47 of 47); make demo-load measures them.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ktap_plan 4
scripts/demo-load MODEL_MIB=8 LOADS=2 VARIANTS=lru,manifest >"$TMP/out" 2>&1
rc=$?
grep -v '^# loader' "$TMP/out" | sed 's/^/# /'
ktap_result "scripts/demo-load MODEL_MIB=8 LOADS=2 VARIANTS=lru,manifest exits 0" $rc

# RESULT VARIANT LOAD SECONDS HIT PREFETCHED USED
field() { awk -v v="$1" -v l="$2" -v f="$3" '$1 == "RESULT" && $2 == v && $3 == l { print $f }' "$TMP/out"; }
ktap_check "a RESULT line for each of the 4 loads" "$(grep -c '^RESULT ' "$TMP/out")" = 4

pre1=$(field manifest 1 6) pre2=$(field manifest 2 6)
ktap_check "manifest: the loader's prefetch started blocks in both loads (${pre1:-none}, ${pre2:-none})" \
	"$(awk -v a="${pre1:-0}" -v b="${pre2:-0}" 'BEGIN { print (a > 0 && b > 0) }')" = 1

python3 python/demo/load.py report "$TMP/out" "$TMP" >/dev/null 2>&1
ktap_check "load.py report writes demo-load.json with both variants" \
	"$(jq -r '[.variants[].name] | join(",")' "$TMP/demo-load.json" 2>/dev/null)" = lru,manifest
ktap_finish
