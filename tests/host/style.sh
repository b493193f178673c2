#!/bin/bash
# The kernel code is checkpatch-clean (--strict), and builds without a
# single warning with W=1 and sparse (C=2) against the installed headers.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

kver=${KVER:-$(scripts/kver)}
kdir=${KDIR:-/lib/modules/$kver/build}
checkpatch=build/linux-src/scripts/checkpatch.pl

ktap_plan 3
ktap_test "checkpatch --strict kmod/ include/" \
	perl "$checkpatch" --no-tree --strict --quiet --show-types -f \
	$(find kmod include -name '*.[ch]' ! -name '*.mod.c' | sort)

# Build a private copy so the warnings of every file show, whatever is
# already built in kmod/.
work=build/style
rm -rf "$work"
mkdir -p "$work"
cp -r kmod include "$work/"
rm -f "$work"/kmod/*.o "$work"/kmod/*.ko "$work"/kmod/.*.cmd

warnings() {
	local out
	out=$(make -C "$kdir" M="$top/$work/kmod" "$@" modules 2>&1)
	local rc=$?
	grep -E 'warning:|error:' <<<"$out"
	[ $rc = 0 ] && ! grep -qE 'warning:|error:' <<<"$out"
}
ktap_test "W=1 build without warnings ($kver)" warnings W=1
if command -v sparse >/dev/null; then
	ktap_test "sparse (C=2) without warnings" warnings C=2
else
	ktap_skip "sparse (C=2) without warnings" "sparse not installed"
fi
ktap_finish
