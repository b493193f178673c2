#!/bin/bash
# make check-deb, the guest part (tests/vm/run --no-module): the packages
# of build/deb/ installed with dpkg -i on the guest (the host's root under
# a tmpfs overlay: nothing reaches the host).  DKMS builds aatts.ko against
# the guest kernel's headers and installs it; modprobe loads it; the group
# aatts exists; the installed units pass systemd-analyze verify; the
# packaged aattsd answers on its socket; python3 imports aatts; aattsctl
# apply brings up the devices of an aattstab, re-applying changes nothing,
# a changed line is reported.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh

KVER=$(uname -r)
TMP=$(mktemp -d)
AATTSD_PID=
cleanup() {
	[ -n "$AATTSD_PID" ] && kill -9 "$AATTSD_PID" 2>/dev/null
	dm_remove pkg_a pkg_b 2>/dev/null
	rmmod brd 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_plan 15
debs=(build/deb/aatts-dkms_*_all.deb build/deb/aatts-tools_*_amd64.deb build/deb/python3-aatts_*_all.deb)
ktap_check "three packages built (make deb)" "$(ls "${debs[@]}" 2>/dev/null | wc -l)" = 3

# dkms needs a writable /var/lib/dkms and the headers of the running kernel.
start=$(date +%s)
out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" 2>&1)
rc=$?
ktap_diag "$(tail -n 15 <<<"$out")"
ktap_diag "dpkg -i took $(($(date +%s) - start)) s (DKMS built the module under emulation)"
ktap_check "dpkg -i of the three packages" "$rc" = 0

ktap_diag "$(dkms status 2>&1)"
ktap_check "DKMS built and installed aatts for $KVER" \
	"$(dkms status -m aatts -k "$KVER" 2>/dev/null | grep -c ': installed')" = 1
path=$(modinfo -k "$KVER" -n aatts 2>/dev/null)
ktap_diag "modinfo -n aatts: $path"
ktap_check "modprobe finds the DKMS module (updates/dkms)" \
	"$(grep -c '/updates/dkms/aatts.ko' <<<"$path")" = 1
ktap_test "modprobe aatts" modprobe aatts
ktap_check "the target is registered" "$(dmsetup targets | grep -c '^aatts ')" = 1
ktap_check "the group aatts exists (sysusers)" "$(getent group aatts | cut -d: -f1)" = aatts
ktap_check "the kernel hook rebuilds on kernel upgrades (/etc/kernel/postinst.d/dkms)" \
	"$([ -x /etc/kernel/postinst.d/dkms ] && echo yes)" = yes

out=$(systemd-analyze verify --man=no /lib/systemd/system/aatts-devices.service \
	/lib/systemd/system/aattsd.service 2>&1)
rc=$?
[ -n "$out" ] && ktap_diag "$out"
ktap_check "systemd-analyze verify of the installed units" "$rc" = 0 -a -z "$out"

/usr/sbin/aattsd --foreground --socket "$TMP/sock" >"$TMP/log" 2>&1 &
AATTSD_PID=$!
until_true 60 '[ -S "$TMP/sock" ]'
hello=$(printf '{"v":1,"op":"hello"}\n' | timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.makefile().readline().strip())' "$TMP/sock")
ktap_diag "hello: $hello"
ktap_check "the packaged aattsd answers hello" "$(grep -c '"ok": *true' <<<"$hello")" = 1
kill -TERM "$AATTSD_PID"
wait "$AATTSD_PID"
AATTSD_PID=

# aattstab: two devices over RAM disks (the unit's ExecStart and ExecStop).
modprobe brd rd_nr=4 rd_size=16384
cat >"$TMP/tab" <<TAB
pkg_a /dev/ram0 /dev/ram1 64K lru
pkg_b /dev/ram2 /dev/ram3 -   default   # the default block size
TAB
out=$(/usr/sbin/aattsctl apply --file "$TMP/tab" 2>&1)
rc=$?
ktap_diag "$out"
ktap_check "aattsctl apply brings up both devices of an aattstab" \
	"$rc/$(dmsetup ls --target aatts | grep -c '^pkg_[ab]')" = 0/2
out=$(/usr/sbin/aattsctl apply --file "$TMP/tab" 2>&1)
rc=$?
ktap_check "re-applying: exit 0, both unchanged" "$rc/$(grep -c unchanged <<<"$out")" = 0/2
out=$(/usr/sbin/aattsctl apply --down --file "$TMP/tab" 2>&1)
rc=$?
ktap_check "apply --down removes them" "$rc/$(dmsetup ls --target aatts | grep -c '^pkg_[ab]')" = 0/0
rmmod brd

ktap_test "python3 imports the packaged aatts" \
	/usr/bin/python3 -c 'import aatts, sys; assert aatts.__file__.startswith("/usr/lib/python3/dist-packages/"), aatts.__file__'
ktap_check "manual pages installed" \
	"$(ls /usr/share/man/man8/aattsctl.8.gz /usr/share/man/man8/aattsd.8.gz /usr/share/man/man4/aatts.4.gz 2>/dev/null | wc -l)" = 3
ktap_finish
