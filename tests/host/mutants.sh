#!/bin/bash
# The mutants of make check-mutants (scripts/check-mutants) still apply:
# each one's sed expression changes its file of kmod/, so that a change of
# the code cannot quietly turn a mutant into the unbroken module.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

out=$(MUTANTS="crash discard write" scripts/check-mutants --apply-only 2>&1)
rc=$?
ktap_plan 5
for m in crash discard write; do
	ktap_check "mutant $m applies" "$(grep -c "^ok: mutant $m applies" <<<"$out")" = 1
done
ktap_check "the script says so and exits 0 (exit $rc)" \
	"$rc:$(tail -n 1 <<<"$out")" = "0:3 apply, 0 do not"
out=$(MUTANTS=nosuch scripts/check-mutants --apply-only 2>&1)
rc=$?
ktap_check "an unknown mutant fails ($(head -n 1 <<<"$out"))" \
	"$rc:$(tail -n 1 <<<"$out")" = "1:0 apply, 1 do not"
ktap_finish
