#!/bin/bash
# The packages' contents without building them (make check-deb builds and
# installs them in the VM): `make install-tools install-dkms install-python`
# into a scratch DESTDIR installs what debian/rules packs; the DKMS source
# tree builds aatts.ko with dkms.conf's own MAKE line against the headers
# of the kernel the VM boots (a source file the tree lacks fails here);
# the installed Python package imports.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib/ktap.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
D=$TMP/root
ver=$(sed -n '1s/^aatts (\([^)-]*\).*/\1/p' debian/changelog)
kver=$(scripts/kver)

ktap_plan 5
out=$(make --no-print-directory B="$TMP/b" SAN=0 DESTDIR="$D" install-tools install-dkms \
	install-python 2>&1)
rc=$?
[ $rc = 0 ] || ktap_diag "$(tail -n 20 <<<"$out")"
ktap_check "make install-tools install-dkms install-python (DESTDIR)" "$rc" = 0

want="usr/sbin/aattsctl usr/sbin/aattsd usr/sbin/aatts-observe usr/bin/aatts-sim
usr/bin/aatts-trace usr/bin/aatts-tracegen lib/systemd/system/aatts-devices.service
lib/systemd/system/aattsd.service etc/aatts/aattstab
usr/share/bash-completion/completions/aattsctl usr/share/man/man8/aattsctl.8
usr/share/man/man8/aattsd.8 usr/share/man/man4/aatts.4 usr/share/man/man5/aattstab.5
usr/src/aatts-$ver/kmod/Kbuild usr/src/aatts-$ver/include/uapi/linux/aatts.h
usr/lib/python3/dist-packages/aatts/client.py"
missing=$(for f in $want; do [ -e "$D/$f" ] || echo "$f"; done | paste -sd ' ')
[ -n "$missing" ] && ktap_diag "missing: $missing"
ktap_check "the installed tree has the tools, units, manual pages, module source, Python package" \
	"$(wc -w <<<"$want")" -gt 10 -a -z "$missing"

# dkms.conf's MAKE line, as DKMS runs it in its copy of the source tree.
mk=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' debian/aatts-dkms.dkms)
ktap_diag "MAKE[0]: $mk (kernel $kver)"
kdir=/lib/modules/$kver/build
if [ ! -d "$kdir" ]; then
	ktap_skip "the DKMS tree builds aatts.ko" "no headers at $kdir"
	ktap_skip "its vermagic is $kver" "no headers"
else
	cp -r "$D/usr/src/aatts-$ver" "$TMP/dkms"
	out=$(cd "$TMP/dkms" && kernel_source_dir=$kdir eval "nice -n 5 $mk" 2>&1)
	rc=$?
	[ $rc = 0 ] || ktap_diag "$(tail -n 20 <<<"$out")"
	ktap_check "the DKMS tree builds aatts.ko with dkms.conf's MAKE" "$rc" = 0 -a -f "$TMP/dkms/kmod/aatts.ko"
	ktap_check "its vermagic is $kver" \
		"$(modinfo -F vermagic "$TMP/dkms/kmod/aatts.ko" 2>/dev/null | cut -d' ' -f1)" = "$kver"
fi
ktap_test "the installed Python package imports" env PYTHONPATH="$D/usr/lib/python3/dist-packages" \
	/usr/bin/python3 -c 'import aatts, sys; assert aatts.__file__.startswith(sys.argv[1]), aatts.__file__' "$D"
ktap_finish
