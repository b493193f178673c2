#!/bin/bash
# Every page under Documentation/ parses as reStructuredText without a
# warning (Debian's python3-docutils): the man pages and the rendered
# manuals are generated from them, and a malformed table or section
# silently loses text there.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

mapfile -t pages < <(find Documentation -name '*.rst' | sort)
ktap_plan ${#pages[@]}
for p in "${pages[@]}"; do
	out=$(/usr/bin/python3 - "$p" 2>&1 <<'PY'
import io, sys
import docutils.core
err = io.StringIO()
with open(sys.argv[1], encoding="utf-8") as f:
    docutils.core.publish_doctree(f.read(), source_path=sys.argv[1],
        settings_overrides={"warning_stream": err, "report_level": 2,
                            "halt_level": 5})
sys.stdout.write(err.getvalue())
PY
	)
	rc=$?
	[ -n "$out" ] && ktap_diag "$out"
	ktap_result "$p parses without warnings" "$([ $rc = 0 ] && [ -z "$out" ]; echo $?)"
done
ktap_finish
