#!/bin/bash
# python/aatts's pytest tests (Debian's python3-pytest; standard library
# only, torch not needed): the samplers' statistics and the Client against
# a fake aattsd.  One KTAP result per pytest test, from pytest's report.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top/python" || exit 1
. "$top/tests/lib/ktap.sh"

PY=/usr/bin/python3
if ! $PY -c 'import pytest' 2>/dev/null; then
	ktap_plan 1
	ktap_result "python3-pytest is installed (make deps)" 1
	ktap_finish
fi
out=$(PYTHONDONTWRITEBYTECODE=1 $PY -m pytest -p no:cacheprovider -q -rA tests 2>&1)
rc=$?
# The short summary: "PASSED file::test", "FAILED file::test - why", "ERROR ...".
mapfile -t res < <(grep -E '^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) ' <<<"$out")
if [ ${#res[@]} = 0 ]; then
	ktap_plan 1
	ktap_diag "$out"
	ktap_result "pytest ran tests (exit $rc)" 1
	ktap_finish
fi
ktap_plan ${#res[@]}
for r in "${res[@]}"; do
	word=${r%% *}
	name=${r#* }
	case $word in
	PASSED|XFAIL) ktap_result "$name" 0 ;;
	SKIPPED) ktap_skip "$name" "skipped by pytest" ;;
	*) ktap_diag "$(grep -A 30 -F -- "${name%% - *}" <<<"$out" | head -40)"
	   ktap_result "$name" 1 ;;
	esac
done
[ "$rc" = 0 ] || [ "$KTAP_FAIL" != 0 ] || { ktap_diag "pytest exited $rc"; KTAP_FAIL=1; }
ktap_finish
