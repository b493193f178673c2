#!/bin/bash
# The target's files call only the files below them: aatts.h lists them
# lowest first ("The files, lowest first"), and what a lower file must tell
# an upper one goes through aatts_events.c's notifier chain.  Checked on
# the objects: a file's undefined symbols that another file defines are
# its calls (and data references) into that file.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

# The order, from the comment in kmod/aatts.h.
mapfile -t order < <(sed -n '/The files, lowest first/,/\*\//s/^ \*   \(aatts_[a-z]*\)\.c .*/\1/p' kmod/aatts.h)
ktap_plan $((${#order[@]} + 1))
ktap_check "kmod/aatts.h lists the files in order (${#order[@]})" "${#order[@]}" -ge 8
# Every aatts_*.c of the module is listed.
for f in kmod/aatts_*.c; do
	b=$(basename "$f" .c)
	[[ " ${order[*]} " == *" $b "* ]] || { ktap_diag "$b is not in aatts.h's list"; exit 1; }
done

declare -A rank
for i in "${!order[@]}"; do
	rank[${order[$i]}]=$i
done
# defined[symbol] = the file that defines it.
declare -A defined
for b in "${order[@]}"; do
	o=kmod/$b.o
	[ -r "$o" ] || { ktap_diag "$o is not built (run make)"; exit 1; }
	while read -r sym; do
		defined[$sym]=$b
	done < <(nm --defined-only "$o" | awk '$2 ~ /^[TDBR]$/ { print $3 }')
done
for b in "${order[@]}"; do
	bad=()
	while read -r sym; do
		d=${defined[$sym]:-}
		[ -n "$d" ] && [ "${rank[$d]}" -gt "${rank[$b]}" ] && bad+=("$sym ($d)")
	done < <(nm --undefined-only kmod/$b.o | awk '{ print $2 }')
	[ ${#bad[@]} = 0 ] || ktap_diag "$b calls upward: ${bad[*]}"
	ktap_check "$b.c calls no file above it" ${#bad[@]} -eq 0
done
ktap_finish
