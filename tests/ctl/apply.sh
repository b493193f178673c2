#!/bin/bash
# aattsctl apply from an aattstab (Documentation/aattstab.rst): two devices
# come up (one named by UUID=), an unlisted device is left alone, applying
# again is a no-op, a changed line is reported and changes nothing,
# --dry-run and --remove-unlisted, a missing slow device is refused while
# another device comes up, and a missing fast device brings its device up
# in pass-through (the fast tier out of service, every byte from the slow
# device); --down removes the listed devices only.  brd tiers
# (tests/dm/suite).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/ktap.sh
. tests/lib/devices.sh
. tests/lib/ctl.sh

A=aatts_t_apa
B=aatts_t_apb
C=aatts_t_apc
E=aatts_t_ape
G=aatts_t_apg
P=aatts_t_app
NOFAST=$P-aatts-nofast
UUID=aatts-test-uuid-b
TAB=$(mktemp)
PAT=$(mktemp)
trap 'dm_remove $P $NOFAST $A $B $C $E $G; rm -f "$OUT" "$ERR" "$TAB" "$PAT" /dev/disk/by-uuid/$UUID' EXIT

jqo() { jq -r "$1" "$OUT"; }
# apply_tab ARGS...: aattsctl apply --file $TAB ARGS...
apply_tab() { run apply --file "$TAB" "$@"; }
# tables: every device-mapper device with its devt and table, sorted.
tables() {
	dmsetup info -c --noheadings -o name,major,minor --sort name
	dmsetup table | sort
}

ktap_plan 36
dm_remove $P $NOFAST $A $B $C $E $G
# The guest has no udev: the link it would make for a file system UUID.
mkdir -p /dev/disk/by-uuid
ln -sfn /dev/ram2 /dev/disk/by-uuid/$UUID

# --- an unlisted device, then two devices from the file ------------------
run create $C --slow /dev/ram4 --fast /dev/ram5
ktap_result "create $C, which the file does not list" $RC
cat >"$TAB" <<EOF
# name  slow               fast       block  policy  options
$A      /dev/ram0          /dev/ram1  64K    lru     mode=writearound

$B      UUID=$UUID  /dev/ram3  # defaults: 128K, default, writethrough
EOF
apply_tab
ktap_check "apply: exit 0" "$RC" = 0
ktap_check "apply: '$A: created', '$B: created'" \
	"$(tr '\n' '|' <"$OUT")" = "$A: created|$B: created|"
want="0 $RAM_SECTORS aatts $(dm_devno_of /dev/ram0) $(dm_devno_of /dev/ram1) 128 3 writearound policy lru"
got=$(dmsetup table $A)
[ "$got" = "$want" ] || ktap_diag "table '$got', want '$want'"
ktap_check "$A's table is its line" "$got" = "$want"
want="0 $RAM_SECTORS aatts $(dm_devno_of /dev/ram2) $(dm_devno_of /dev/ram3) 256"
got=$(dmsetup table $B)
[ "$got" = "$want" ] || ktap_diag "table '$got', want '$want'"
ktap_check "$B's table is its line (UUID= resolved to /dev/ram2)" "$got" = "$want"
ktap_check "/dev/mapper/$A and /dev/mapper/$B exist (no udev)" \
	-b /dev/mapper/$A -a -b /dev/mapper/$B
run list --json
ktap_check "list: three aatts devices, $C among them" \
	"$(jqo 'length'):$(jqo "map(select(.name == \"$C\")) | length")" = "3:1"

ktap_diag "at ${SECONDS}s"
# --- applying again is a no-op -------------------------------------------
before=$(tables)
apply_tab
ktap_check "apply again: exit 0, both unchanged" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "0:$A: unchanged|$B: unchanged|"
after=$(tables)
[ "$before" = "$after" ] || ktap_diag "before: $before" "after: $after"
ktap_check "apply again: every device, devt and table as before" "$before" = "$after"

ktap_diag "at ${SECONDS}s"
# --- a changed line is reported, nothing changed ---------------------------
sed -i "s|^$A .*|$A /dev/ram0 /dev/ram1 128K lru mode=writearound|" "$TAB"
apply_tab
ktap_check "changed block size: exit 1, '$A: differs', '$B: unchanged'" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "1:$A: differs|$B: unchanged|"
ktap_check "the message names line 2 and both block sizes" \
	"$(grep -c "$TAB:2: $A: differs, left alone: block size 64 KiB, aattstab 128 KiB" "$ERR")" = 1
ktap_check "the device was left alone" "$(tables)" = "$before"
apply_tab --allow-different
ktap_check "--allow-different: reported, exit 0" \
	"$RC:$(grep -c "$A: differs" "$ERR")" = "0:1"
sed -i "s|^$A .*|$A /dev/ram0 /dev/ram6 64K isa mode=writearound|" "$TAB"
apply_tab
ktap_check "other fast tier and policy: exit 1, both named" \
	"$RC:$(grep -c "fast tier $(dm_devno_of /dev/ram1), aattstab /dev/ram6 ($(dm_devno_of /dev/ram6)); policy lru, aattstab isa" "$ERR")" = "1:1"
ktap_check "the device was left alone" "$(tables)" = "$before"

ktap_diag "at ${SECONDS}s"
# --- a bad line: nothing applied ---------------------------------------------
sed -i "s|^$A .*|$A /dev/ram0 /dev/ram1 64K lru mode=writearound|" "$TAB"
echo "$E /dev/ram6 /dev/ram7 64K nosuch" >>"$TAB"
dm_remove $B
apply_tab
ktap_check "a bad line 5: exit 1, line-numbered error, nothing applied" \
	"$RC:$(grep -c "$TAB: line 5: unknown policy" "$ERR"):$(wc -c <"$OUT")" = "1:1:0"
ktap_check "$B (removed) was not created again" "$(dmsetup info $B 2>/dev/null | grep -c Name)" = 0
sed -i '$d' "$TAB"

ktap_diag "at ${SECONDS}s"
# --- --dry-run, --remove-unlisted ------------------------------------------
apply_tab --dry-run --remove-unlisted
ktap_check "--dry-run: would create $B, would remove $C, exit 0" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "0:$A: unchanged|$B: would be created|$C: would be removed (not in $TAB)|"
ktap_check "--dry-run changed nothing" \
	"$(dmsetup info $B 2>/dev/null | grep -c Name):$(dmsetup info $C 2>/dev/null | grep -c Name)" = "0:1"
apply_tab --remove-unlisted
ktap_check "--remove-unlisted: $B created, $C removed, exit 0" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "0:$A: unchanged|$B: created|$C: removed (not in $TAB)|"
ktap_check "$C is gone" "$(dmsetup info $C 2>/dev/null | grep -c Name)" = 0

ktap_diag "at ${SECONDS}s"
# --- a missing slow device: that device only is not created -------------
cat >>"$TAB" <<EOF
$E /dev/disk/by-id/aatts-test-missing /dev/ram5 64K
$G /dev/ram4 /dev/ram6 64K
EOF
apply_tab
ktap_check "missing slow device: exit 1, $E not created, $G created" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "1:$A: unchanged|$B: unchanged|$E: not created|$G: created|"
ktap_check "the error names line 5 and the path" \
	"$(grep -c "$TAB:5: $E: slow device /dev/disk/by-id/aatts-test-missing: No such file or directory: not created" "$ERR")" = 1
ktap_check "$E does not exist, $G does" \
	"$(dmsetup info $E 2>/dev/null | grep -c Name):$(dmsetup table $G | awk '{ print $3 }')" = "0:aatts"

ktap_diag "at ${SECONDS}s"
# --- a missing fast device: pass-through ------------------------------------
sed -i "/^$E /d" "$TAB"
echo "$P /dev/ram7 /dev/disk/by-id/aatts-test-missing-fast 64K lru" >>"$TAB"
apply_tab
ktap_check "missing fast device: exit 3, '$P: created (pass-through)'" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "3:$A: unchanged|$B: unchanged|$G: unchanged|$P: created (pass-through)|"
ktap_check "the message names line 6, the path, pass-through" \
	"$(grep -c "$TAB:6: $P: fast device /dev/disk/by-id/aatts-test-missing-fast: No such file or directory: coming up in pass-through" "$ERR")" = 1
run status $P --json
ktap_check "$P: state failed, its fast tier the error device $NOFAST" \
	"$(jqo '.state + " " + .fast')" = "failed $(dm_devno $NOFAST)"
ktap_check "$NOFAST is an error target" "$(dmsetup table $NOFAST | awk '{ print $3 }')" = error
ktap_diag "at ${SECONDS}s"
# Every byte goes to and comes from the slow device.
head -c 4M /dev/urandom >"$PAT"
dd if="$PAT" of=/dev/mapper/$P bs=1M oflag=direct status=none
dd if=/dev/mapper/$P of=/dev/null bs=64K count=64 iflag=direct status=none
dd if=/dev/mapper/$P of=/dev/null bs=64K count=64 iflag=direct status=none
ktap_check "written through $P: on /dev/ram7 and read back the same" \
	"$(head -c 4M /dev/ram7 | cmp - "$PAT" && head -c 4M /dev/mapper/$P | cmp - "$PAT" && echo same)" = same
run stats $P --json
ktap_check "$P: no read hits, nothing resident" \
	"$(jqo '[.stats.read_hits, .stats.fast_blocks_used] | map(tostring) | join(" ")')" = "0 0"
ktap_diag "at ${SECONDS}s"
apply_tab
ktap_check "apply again: exit 3, '$P: unchanged (pass-through)'" \
	"$RC:$(tail -n 1 "$OUT")" = "3:$P: unchanged (pass-through)"
# dmsetup remove leaves the error device behind: apply reuses its name.
dmsetup remove $P
apply_tab
ktap_check "$P removed with dmsetup: apply brings it up again in pass-through" \
	"$RC:$(tail -n 1 "$OUT"):$(dmsetup table $NOFAST | awk '{ print $3 }')" = \
	"3:$P: created (pass-through):error"
run remove $P
ktap_check "remove $P removes $NOFAST too" \
	"$RC:$(dmsetup info $P $NOFAST 2>/dev/null | grep -c Name)" = "0:0"

# --- --down: the listed devices go, last line first; unlisted ones stay ----
run create $C --slow /dev/ram5 --fast /dev/ram1
ktap_result "create $C again, unlisted" $RC
apply_tab --down
ktap_check "--down: exit 0, $P not present, $G, $B, $A removed in that order" \
	"$RC:$(tr '\n' '|' <"$OUT")" = "0:$P: not present|$G: removed|$B: removed|$A: removed|"
ktap_check "--down: only the unlisted $C is left" \
	"$(dmsetup ls | awk '{ print $1 }' | grep -c "^aatts_t_ap"):$(dmsetup table $C | awk '{ print $3 }')" = "1:aatts"
ktap_finish
