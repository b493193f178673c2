#!/bin/bash
# make check-deb, second part: a host with only Debian's packages and ours
# gets its aatts devices back after a reboot and after a kernel upgrade.
#
#   tests/pkg/reboot.sh            the driver, on the host (six boots)
#   tests/pkg/reboot.sh a NEWER    boot A, a plain guest job
#   tests/pkg/reboot.sh upgrade NEWER  boot U, a plain guest job
#   tests/pkg/reboot.sh check      boots B, C, D, E: run by the unit
#                                  aatts-test-check.service under systemd
#
# The guests share a persistent root (tests/vm/run --root-disk: the host's
# root read-only under an overlay whose upper directory is on an ext4 image)
# and two virtio disks, the slow tier (serial aatts-slow) and the fast one
# (aatts-fast).  The older kernel is scripts/old-kernel's (the newest ABI
# below scripts/kver's installed with headers; OLD below), the newer one
# scripts/kver's.
#
#   A  old kernel, plain job.  The newer kernel is hidden (as if not yet
#      installed) while dpkg -i installs the three packages: DKMS builds
#      aatts.ko for the old kernel only.  An aattstab names the two disks
#      by /dev/disk/by-id/, the units are enabled, aattsctl apply brings
#      the device up, ext4 on it, a file of random data with its checksum
#      kept, half of it promoted; fstab mounts the device (nofail); the
#      test target and its checking unit are installed.
#   B  old kernel, systemd: the device came up before local-fs-pre.target,
#      fstab mounted it, the checksum matches, aattsd answers, the status
#      shows both tiers.
#   C  the fast disk absent: the device is up in pass-through, the unit
#      succeeded with exit status 3, the status says the fast tier failed,
#      the checksum matches.
#   D  the slow disk absent: the unit failed and its log names the missing
#      path, no device, no mount, the boot completed and nothing else
#      failed.
#   U  old kernel, plain job: the kernel upgrade.  The newer kernel appears
#      and its postinst hook runs (/etc/kernel/postinst.d/dkms, as apt
#      does): DKMS builds aatts.ko for it.
#   E  newer kernel, systemd: the module loads from updates/dkms, the device
#      is back, the checksum matches.
#
# Each boot is one KTAP subtest of the driver's output.  AATTS_REBOOT_DIR
# (default build/vm/reboot) holds the images; AATTS_REBOOT_KEEP=1 keeps
# them (and copies after each boot, root-after-X.img and slow-after-X.img),
# and with AATTS_REBOOT_FROM=B (C, D, U, E) the driver starts from that
# boot on the images a previous run kept (development: boot A's and U's
# DKMS builds take ~20 minutes each under TCG); AATTS_REBOOT_TO=X stops
# after boot X.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh

# The older kernel, image and headers installed (make check-deb runs
# scripts/old-kernel --install first); empty: the boots are skipped.
OLD=$(scripts/old-kernel 2>/dev/null || true)
NAME=train
MNT=/mnt/$NAME
STATE=/var/lib/aatts-reboot-test	# on the persistent root
SLOW_ID=/dev/disk/by-id/virtio-aatts-slow
FAST_ID=/dev/disk/by-id/virtio-aatts-fast

# ---------------------------------------------------------------- guest
debs() {
	ls build/deb/aatts-dkms_*_all.deb build/deb/aatts-tools_*_amd64.deb \
		build/deb/python3-aatts_*_all.deb 2>/dev/null
}

# The /dev/disk/by-id/ links udev would make (the plain job has no udev).
by_id_links() {
	local s d
	mkdir -p /dev/disk/by-id
	for s in /sys/block/vd*/serial; do
		d=${s%/serial}
		ln -sfn "../../${d##*/}" "/dev/disk/by-id/virtio-$(cat "$s")"
	done
}

# aattsctl status NAME, field FIELD ("slow:", "state:", ...)
status_field() {
	/usr/sbin/aattsctl status "$NAME" 2>/dev/null | awk -v f="$1" '$1 == f { print $2; exit }'
}

devt() {
	lsblk -dno MAJ:MIN "$1" 2>/dev/null | tr -d ' '
}

guest_a() {
	local newer=$1 out rc start
	ktap_plan 15
	ktap_check "three packages built (make deb)" "$(debs | wc -l)" = 3
	ktap_check "booted on the older kernel $OLD, newer $newer installed on the host" \
		"$(uname -r)/$([ -e "/boot/vmlinuz-$newer" ] && echo yes)" = "$OLD/yes"
	# The newer kernel is not installed yet: /boot without it (DKMS builds
	# for the running kernel and the newest one of /boot/config-*).
	mkdir -p /tmp/boot
	cp -a /boot/config-"$OLD" /boot/System.map-"$OLD" /tmp/boot/
	mount --bind /tmp/boot /boot
	start=$(date +%s)
	out=$(DEBIAN_FRONTEND=noninteractive dpkg -i $(debs) 2>&1)
	rc=$?
	umount /boot
	ktap_diag "$(tail -n 12 <<<"$out")"
	ktap_diag "dpkg -i took $(($(date +%s) - start)) s (DKMS built for $OLD under emulation)"
	ktap_check "dpkg -i of the three packages" "$rc" = 0
	ktap_diag "$(dkms status 2>&1)"
	# (dkms status -k prints the module's "added" line for any kernel.)
	ktap_check "DKMS built aatts for $OLD, not yet for $newer" \
		"$(dkms status -m aatts -k "$OLD" | grep -c ': installed')/$(dkms status -m aatts -k "$newer" | grep -c ': installed')/$(ls /lib/modules/"$newer"/updates/dkms/aatts.ko 2>/dev/null | wc -l)" = 1/0/0
	ktap_check "aatts.ko in /lib/modules/$OLD/updates/dkms" \
		"$(modinfo -k "$OLD" -n aatts 2>/dev/null)" = "/lib/modules/$OLD/updates/dkms/aatts.ko"

	by_id_links
	mkdir -p /etc/aatts "$STATE" "$MNT"
	cat >/etc/aatts/aattstab <<-TAB
	# tests/pkg/reboot.sh: the slow and fast virtio disks by serial
	$NAME  $SLOW_ID  $FAST_ID  64K  lru
	TAB
	out=$(systemctl enable aatts-devices.service aattsd.service 2>&1)
	ktap_check "units enabled (aatts-devices in sysinit.target, aattsd in multi-user.target)" \
		"$(systemctl is-enabled aatts-devices.service aattsd.service | tr '\n' ' ')" = "enabled enabled "
	ktap_test "modprobe aatts" modprobe aatts
	out=$(/usr/sbin/aattsctl apply 2>&1)
	rc=$?
	ktap_diag "$out"
	ktap_check "aattsctl apply (the aattstab) brings up $NAME" \
		"$rc/$(dmsetup ls --target aatts | awk '{ print $1 }')" = "0/$NAME"
	ktap_diag "$(/usr/sbin/aattsctl status "$NAME" 2>&1 | head -n 8)"
	ktap_check "its tiers are the two disks" \
		"$(status_field slow:) $(status_field fast:)" = "$(devt $SLOW_ID) $(devt $FAST_ID)"

	ktap_test "mkfs.ext4 on /dev/mapper/$NAME" mkfs.ext4 -q -F -L aatts-train "/dev/mapper/$NAME"
	ktap_test "mount it" mount "/dev/mapper/$NAME" "$MNT"
	head -c 48M /dev/urandom >"$MNT/data.bin"
	sync
	(cd "$MNT" && sha256sum data.bin) >"$STATE/data.sha256"
	ktap_diag "$(cat "$STATE/data.sha256")"
	# Its blocks promoted to the fast tier (the policy's choice: some).
	out=$(/usr/sbin/aattsctl prefetch "$NAME" --force "$MNT/data.bin" 2>&1)
	ktap_diag "prefetch: $out"
	out=$(/usr/sbin/aattsctl residency "$NAME" --json "$MNT/data.bin" 2>&1)
	ktap_diag "residency: $(tr -d ' \n' <<<"$out")"
	ktap_check "blocks of the file are on the fast tier" \
		"$(jq '.[0].resident_blocks' <<<"$out" 2>/dev/null)" -gt 0

	# fstab: the device's file system, not needed to boot (nofail).  The
	# device's timeout runs from the mount job's start, early in the boot,
	# while aatts-devices waits for udev-settle: under TCG that takes
	# about 100 s (60 s timed out now and then).
	cat >/etc/fstab <<-TAB
	# tests/pkg/reboot.sh (the root is the test VM's overlay)
	/dev/mapper/$NAME  $MNT  ext4  defaults,nofail,x-systemd.device-timeout=240s  0  2
	TAB
	install_test_units
	ktap_check "the test target and checking unit installed" \
		"$(systemctl is-enabled aatts-test-check.service 2>&1)" = static
	ktap_test "umount" umount "$MNT"
	out=$(/usr/sbin/aattsctl apply --down 2>&1)
	rc=$?
	ktap_diag "$out"
	ktap_check "aattsctl apply --down (as at shutdown)" \
		"$rc/$(dmsetup ls --target aatts | grep -c "^$NAME")" = 0/0
	ktap_finish
}

# The boots under test: systemd.unit=aatts-test.target.  The target pulls
# in what a host's boot would (sysinit.target with the enabled
# aatts-devices.service, local-fs.target with fstab's mount, aattsd) but
# not multi-user.target and the host's unrelated services; timers that
# could start apt or man-db are masked.
install_test_units() {
	local top u mnt
	top=$(pwd)
	mnt=$(systemd-escape -p --suffix=mount "$MNT")
	cat >/etc/systemd/system/aatts-test.target <<-UNIT
	[Unit]
	Description=AAT-TS reboot test (tests/pkg/reboot.sh)
	Requires=basic.target
	Wants=local-fs.target aatts-devices.service aattsd.service aatts-test-check.service
	After=basic.target local-fs.target
	AllowIsolate=yes
	UNIT
	cat >/etc/systemd/system/aatts-test-check.service <<-UNIT
	[Unit]
	Description=AAT-TS reboot test: the checks
	# With nofail local-fs.target does not wait for the mount: this does.
	After=local-fs.target aatts-devices.service aattsd.service basic.target $mnt
	SuccessAction=poweroff
	FailureAction=poweroff
	[Service]
	Type=oneshot
	ExecStart=/bin/bash $top/tests/pkg/reboot.sh check
	StandardOutput=file:/dev/ttyS1
	StandardError=inherit
	TimeoutStartSec=900
	UNIT
	for u in /etc/systemd/system/timers.target.wants/*.timer; do
		[ -e "$u" ] && systemctl mask "${u##*/}" >/dev/null 2>&1
	done
	systemctl mask systemd-timesyncd.service >/dev/null 2>&1
}

guest_upgrade() {
	local newer=$1 out rc start
	ktap_plan 4
	ktap_check "booted on $OLD, no aatts built for $newer yet" \
		"$(uname -r)/$(dkms status -m aatts -k "$newer" | grep -c ': installed')" = "$OLD/0"
	# linux-image-$newer's postinst runs the hooks of /etc/kernel/postinst.d.
	start=$(date +%s)
	out=$(/etc/kernel/postinst.d/dkms "$newer" "/boot/vmlinuz-$newer" 2>&1)
	rc=$?
	ktap_diag "$(tail -n 12 <<<"$out")"
	ktap_diag "the dkms hook took $(($(date +%s) - start)) s"
	ktap_check "/etc/kernel/postinst.d/dkms $newer" "$rc" = 0
	ktap_diag "$(dkms status 2>&1)"
	ktap_check "DKMS built and installed aatts for $newer" \
		"$(dkms status -m aatts -k "$newer" | grep -c ': installed')" = 1
	ktap_check "modprobe of $newer finds it in updates/dkms" \
		"$(modinfo -k "$newer" -n aatts 2>/dev/null)" = "/lib/modules/$newer/updates/dkms/aatts.ko"
	ktap_finish
}

# unit property
prop() {
	systemctl show -P "$2" "$1" 2>/dev/null
}

# On a failed check: what udev and systemd know of the device.
dump_dev() {
	local d
	d=$(readlink -f "/dev/mapper/$NAME")
	ktap_diag "$(ls -l /dev/mapper/ 2>&1)"
	ktap_diag "$(udevadm info --query=property "$d" 2>&1 | grep -E '^(DM_|SYSTEMD|DEVLINKS|TAGS|ACTION|ID_FS)')"
	ktap_diag "$(systemctl status --no-pager -n 20 "$(systemd-escape -p --suffix=device "/dev/mapper/$NAME")" 2>&1)"
}

check_common_up() {
	local stage=$1 a b
	ktap_check "the kernel's aatts.ko is the DKMS one (updates/dkms)" \
		"$(modinfo -n aatts 2>/dev/null)" = "/lib/modules/$(uname -r)/updates/dkms/aatts.ko"
	ktap_check "/sys/module/aatts is loaded" "$([ -d /sys/module/aatts ] && echo yes)" = yes
	# Ordering: the unit had finished when local-fs-pre.target was reached.
	a=$(prop aatts-devices.service ExecMainExitTimestampMonotonic)
	b=$(prop local-fs-pre.target ActiveEnterTimestampMonotonic)
	ktap_diag "aatts-devices exited at ${a} us, local-fs-pre.target reached at ${b} us"
	ktap_check "aatts-devices.service finished before local-fs-pre.target" \
		"${a:-0}" -gt 0 -a "${b:-0}" -gt 0 -a "${a:-0}" -le "${b:-0}"
	a=$(findmnt -n -o SOURCE "$MNT")
	ktap_diag "$MNT: $a ($(prop "$(systemd-escape -p --suffix=mount "$MNT")" ActiveState))"
	KTAP_FAIL_HOOK=dump_dev ktap_check "fstab mounted /dev/mapper/$NAME on $MNT" \
		"$(prop "$(systemd-escape -p --suffix=mount "$MNT")" ActiveState)/$(readlink -f "$a")" = \
		"active/$(readlink -f "/dev/mapper/$NAME")"
	a=$(cd "$MNT" 2>/dev/null && sha256sum data.bin)
	ktap_check "the file's checksum matches the one written in boot A" \
		"$a" = "$(cat "$STATE/data.sha256")"
	a=$(printf '{"v":1,"op":"hello"}\n' | timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect("/run/aatts/aattsd.sock")
s.sendall(sys.stdin.buffer.read()); print(s.makefile().readline().strip())' 2>&1)
	ktap_diag "aattsd: $(prop aattsd.service ActiveState), hello: $a"
	ktap_check "aattsd.service is active and answers hello" \
		"$(prop aattsd.service ActiveState)/$(grep -c '"ok": *true' <<<"$a")" = active/1
}

check_status() {
	ktap_diag "$(/usr/sbin/aattsctl status "$NAME" 2>&1 | head -n 8)"
	ktap_diag "aatts-devices: $(journalctl -b -o cat -u aatts-devices.service 2>&1 | tail -n 5)"
}

guest_check() {
	local stage want out rc
	exec 2>&1
	# As tests/vm/job.in: no \r added to the lines (AATTS-VM-EXIT).
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	stage=$(sed -n 's/.*aatts_reboot=\([A-Z]\).*/\1/p' /proc/cmdline)
	want=$(sed -n 's/.*aatts_reboot_kver=\([^ ]*\).*/\1/p' /proc/cmdline)
	echo "# aatts-vm: boot $stage under systemd $(systemctl --version | head -n 1 | cut -d' ' -f2), kernel $(uname -r)"
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	case "$stage" in
	B|E)
		ktap_plan 9
		ktap_check "booted the kernel of boot $stage ($want)" "$(uname -r)" = "$want"
		ktap_check "aatts-devices.service succeeded (exit 0)" \
			"$(prop aatts-devices.service Result)/$(prop aatts-devices.service ExecMainStatus)" = success/0
		check_common_up "$stage"
		check_status
		ktap_check "status: both tiers (the two disks), state running" \
			"$(status_field slow:) $(status_field fast:) $(status_field state:)" = \
			"$(devt $SLOW_ID) $(devt $FAST_ID) running"
		;;
	C)
		ktap_plan 10
		ktap_check "the fast disk is absent" "$([ -e "$FAST_ID" ] || echo absent)/$([ -b "$SLOW_ID" ] && echo slow)" = absent/slow
		ktap_check "aatts-devices.service succeeded with exit status 3 (pass-through)" \
			"$(prop aatts-devices.service Result)/$(prop aatts-devices.service ActiveState)/$(prop aatts-devices.service ExecMainStatus)" = success/active/3
		check_common_up "$stage"
		check_status
		ktap_check "status: the slow disk, the stand-in fast tier, state failed" \
			"$(status_field slow:)/$(status_field state:)/$(dmsetup ls | grep -c "^$NAME-aatts-nofast")" = "$(devt $SLOW_ID)/failed/1"
		out=$(journalctl -b -o cat -u aatts-devices.service 2>&1)
		ktap_check "the unit's log says pass-through" "$(grep -ci 'pass-through' <<<"$out")" -ge 1
		;;
	D)
		ktap_plan 8
		ktap_check "the slow disk is absent" "$([ -e "$SLOW_ID" ] || echo absent)/$([ -b "$FAST_ID" ] && echo fast)" = absent/fast
		ktap_check "aatts-devices.service failed (exit 1)" \
			"$(prop aatts-devices.service Result)/$(prop aatts-devices.service ExecMainStatus)" = exit-code/1
		out=$(journalctl -b -o cat -u aatts-devices.service 2>&1)
		ktap_diag "$out"
		ktap_check "the unit's log names the missing slow device" \
			"$(grep -c -F "$SLOW_ID" <<<"$out")" -ge 1
		ktap_check "no aatts device" "$(dmsetup ls --target aatts | grep -c "^$NAME")" = 0
		ktap_check "$MNT is not mounted" "$(findmnt -n "$MNT" | grep -c .)" = 0
		ktap_check "local-fs.target reached all the same (nofail)" \
			"$(prop local-fs.target ActiveState)" = active
		out=$(systemctl list-units --failed --plain --no-legend 2>&1 | awk '{ print $1 }' | tr '\n' ' ')
		ktap_diag "failed units: $out"
		ktap_check "the only failed unit is aatts-devices.service" "$out" = "aatts-devices.service "
		ktap_check "aattsd.service is active all the same" "$(prop aattsd.service ActiveState)" = active
		;;
	*)
		echo "Bail out! no aatts_reboot=B|C|D|E on the kernel command line"
		KTAP_FAIL=1
		;;
	esac
	( ktap_finish )
	rc=$?
	sync
	echo "AATTS-VM-EXIT $rc"
	# The unit's SuccessAction powers off too; this is in case it did not.
	systemctl poweroff --no-block
	exit 0
}

# ---------------------------------------------------------------- host
boot() {
	local stage=$1 kver=$2 mode=$3 out rc start
	shift 3
	# A job boot builds with DKMS (~20 min); a systemd boot takes minutes.
	local -a args=(--no-module --timeout $([ "$mode" = job ] && echo 3600 || echo 900)
		--root-disk "$dir/root.img")
	case "$stage" in
	C) args+=(--disk "$dir/slow.img:aatts-slow") ;;
	D) args+=(--disk "$dir/fast.img:aatts-fast") ;;
	*) args+=(--disk "$dir/slow.img:aatts-slow" --disk "$dir/fast.img:aatts-fast") ;;
	esac
	[ "$mode" = systemd ] && args+=(--systemd aatts-test.target)
	start=$(date +%s)
	out=$(KVER=$kver AATTS_VM_APPEND="aatts_reboot=$stage aatts_reboot_kver=$kver" \
		tests/vm/run "${args[@]}" tests/pkg/reboot.sh "$@" 2>&1)
	rc=$?
	sed 's/^/    /' <<<"$out"
	echo "# boot $stage ($kver, $mode): $(($(date +%s) - start)) s, tests/vm/run exit $rc"
	ktap_result "boot $stage ($kver, $mode)" "$rc"
	return "$rc"
}

host_main() {
	local newer from=${AATTS_REBOOT_FROM:-A} to=${AATTS_REBOOT_TO:-} s skip=1 why prev= order=(A B C D U E)
	newer=$(scripts/kver) || exit 1
	dir=${AATTS_REBOOT_DIR:-build/vm/reboot}
	ktap_plan 6
	if [ -z "$OLD" ] || [ ! -d "/lib/modules/$OLD/build" ] || [ ! -r "/boot/vmlinuz-$OLD" ]; then
		for s in "${order[@]}"; do
			ktap_skip "boot $s" "no older kernel with headers installed (scripts/old-kernel --install)"
		done
		ktap_finish
	fi
	if [ "$from" = A ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		truncate -s 256M "$dir/slow.img"
		truncate -s 64M "$dir/fast.img"
	fi
	[ -f "$dir/root.img" ] || [ "$from" = A ] ||
		{ echo "Bail out! no kept images in $dir for AATTS_REBOOT_FROM=$from"; exit 1; }
	for s in "${order[@]}"; do
		[ "$s" = "$from" ] && skip=0
		why="AATTS_REBOOT_FROM=$from"
		[ $skip = 2 ] && why="boot $prev failed"
		[ $skip = 3 ] && why="AATTS_REBOOT_TO=$to"
		if [ $skip != 0 ]; then
			ktap_skip "boot $s" "$why"
			continue
		fi
		case $s in
		A) boot A "$OLD" job a "$newer" ;;
		U) boot U "$OLD" job upgrade "$newer" ;;
		E) boot E "$newer" systemd boot-E ;;
		*) boot "$s" "$OLD" systemd "boot-$s" ;;
		esac
		# Nothing after a failed A or U can pass.
		if [ $? != 0 ] && [ "$s" = A -o "$s" = U ]; then
			skip=2 prev=$s
		elif [ "$s" = "$to" ]; then
			skip=3
		fi
		if [ "${AATTS_REBOOT_KEEP:-0}" = 1 ]; then
			# Development: each boot's images kept (the root disk and
			# the slow tier change), to start again from any boot.
			cp --sparse=always "$dir/root.img" "$dir/root-after-$s.img"
			cp --sparse=always "$dir/slow.img" "$dir/slow-after-$s.img"
		fi
	done
	[ "${AATTS_REBOOT_KEEP:-0}" = 1 ] || rm -rf "$dir"
	ktap_finish
}

case "${1:-}" in
a) guest_a "$2" ;;
upgrade) guest_upgrade "$2" ;;
check) guest_check ;;
"") host_main ;;
*) echo "usage: $0 [a NEWER | upgrade NEWER | check]" >&2; exit 2 ;;
esac
