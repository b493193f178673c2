#!/bin/bash
# contrib/ and the units (issue 14): the Prometheus alert rules pass
# `promtool check rules` and their unit tests (each alert fires on the
# series that should raise it, not on a healthy device); every expression
# of the Grafana dashboard parses as PromQL; every metric named in either
# is one aattsd writes (its names taken from daemon/metrics.c and the
# target's counters in lib/aattsnl); the systemd units pass
# `systemd-analyze verify` (their /usr/sbin commands pointed at build/bin);
# the manual pages build from Documentation/ without a warning.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RULES=contrib/prometheus/aatts-alerts.yml
DASH=contrib/grafana/aatts-dashboard.json

ktap_plan 7
ktap_test "promtool check rules $RULES" promtool check rules "$RULES"
ktap_test "promtool test rules: each alert fires when it should, only then" \
	promtool test rules contrib/prometheus/aatts-alerts-test.yml

# The dashboard's expressions as recording rules, for promtool to parse.
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	jq -r '.. | .expr? // empty' "$DASH" | sed 's/\$device/.*/g' |
		awk '{ gsub(/\x27/, "\x27\x27"); printf "      - record: dashboard:expr%d\n        expr: \x27%s\x27\n", NR, $0 }'
} >"$TMP/dash.yml"
n=$(jq -r '.. | .expr? // empty' "$DASH" | wc -l)
ktap_diag "$n expressions in $DASH"
ktap_check "the dashboard is JSON with expressions" "$n" -gt 10
ktap_test "every dashboard expression parses (promtool)" promtool check rules "$TMP/dash.yml"

# The names aattsd writes: the target's counters (aatts_<name>_total, or
# aatts_<name> for levels), and the literals of daemon/metrics.c.
{
	sed -n 's/.*\] = "\([a-z_]*\)",$/\1/p' lib/aattsnl/aattsnl.c |
		awk '{ print "aatts_" $1; print "aatts_" $1 "_total" }'
	grep -o '"aatts_[a-z_]*"' daemon/metrics.c | tr -d '"'
	grep -o '{ "prefetch_[a-z_]*"' daemon/metrics.c | sed 's/{ "/aatts_/; s/"//'
	grep -o 'daemon_metric(f, "[a-z_]*"' daemon/metrics.c | sed 's/.*"\([a-z_]*\)"/aattsd_\1/'
} | sort -u >"$TMP/known"
ktap_diag "$(wc -l <"$TMP/known") metric names aattsd can write"
grep -ohE '\baattsd?_[a-z_]+' "$RULES" contrib/prometheus/aatts-alerts-test.yml "$DASH" |
	sort -u >"$TMP/used"
unknown=$(comm -23 "$TMP/used" "$TMP/known" | paste -sd ' ')
[ -n "$unknown" ] && ktap_diag "not written by aattsd: $unknown"
ktap_check "the rules and the dashboard name only metrics aattsd writes ($(wc -l <"$TMP/used") names)" \
	"$(wc -l <"$TMP/used")" -gt 10 -a -z "$unknown"

# The units, their commands pointed at this build.
mkdir -p "$TMP/units"
for u in contrib/systemd/*.service; do
	sed "s|/usr/sbin/|$top/build/bin/|g" "$u" >"$TMP/units/${u##*/}"
done
out=$(systemd-analyze verify --man=no "$TMP"/units/*.service 2>&1)
rc=$?
[ -n "$out" ] && ktap_diag "$out"
ktap_check "systemd-analyze verify: both units, no warning" "$rc" = 0 -a -z "$out"

# Manual pages: rst2man of each source with ":Manual section:".
out=$(make --no-print-directory B="$TMP/b" man 2>&1)
rc=$?
pages=$(find "$TMP/b/man" -type f 2>/dev/null | sed 's|.*/||' | sort | paste -sd ' ')
ktap_diag "manual pages: $pages"
[ $rc = 0 ] || ktap_diag "$out"
ktap_check "the manual pages build (aatts.4 aattsctl.8 aattsd.8 at least)" \
	"$rc" = 0 -a -n "$(grep -w aatts.4 <<<"$pages")" -a -n "$(grep -w aattsctl.8 <<<"$pages")" \
	-a -n "$(grep -w aattsd.8 <<<"$pages")"
ktap_finish
