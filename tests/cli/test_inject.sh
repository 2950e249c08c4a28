#!/usr/bin/env bash
# inject: every fault against an object another process holds mapped; the
# journal is written first; undo restores size, bytes and mode byte-exact
# and refuses when the object is no longer the journalled one.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name inject)
t_cleanup "rm -f /dev/shm$N"
J=$T_TMP/j

# A real second process maps the object for the whole test.
mkfifo "$T_TMP/hold"
"$SPY_SAMPLES/shm_writer" "$N" --size 8192 --text "held by a writer" \
  <"$T_TMP/hold" >"$T_TMP/w.out" 2>&1 &
W=$!
exec 7>"$T_TMP/hold"
t_wait_for "grep -q '$N' /proc/$W/maps"
# Recognisable bytes everywhere, so that every restored byte is checked.
"$SHMSPY" write "$N" -s 300 --file <(head -c 7000 /dev/urandom) >/dev/null

snap() { "$SHMSPY" dump "$N" --format raw | sha256sum | cut -d' ' -f1; }
size() { stat -c %s "/dev/shm$N"; }
mode() { stat -c %a "/dev/shm$N"; }
ORIG=$(snap)
INO=$(stat -c %i "/dev/shm$N")

# flip
t_run "$SHMSPY" inject flip "$N" -s 8 --bit 1 --journal "$J.flip"
t_expect_rc 0 "flip exits 0"
t_expect_match "$T_OUT" "^flip $N: byte 8 was 0x68, now 0x6a$" "flip reports old and new byte ('h' -> 'j')"
t_expect_eq "$("$SHMSPY" read "$N" -s 8 --as str)" 'jeld by a writer' "the object really changed"
t_expect_match "$(cat "$J.flip")" "^patch 8 1 68 6a$" "the journal holds offset, original and new byte"
t_expect_match "$(grep -E '^(dev|ino|size|mode) ' "$J.flip" | tr '\n' ' ')" "^dev [0-9]+ ino $INO size 8192 mode 0600 $" \
  "the journal holds identity, size and mode"
t_run "$SHMSPY" inject undo "$J.flip"
t_expect_rc 0 "undo flip exits 0"
t_expect_eq "$(snap)" "$ORIG" "undo flip restores every byte"
t_expect_nomatch "$T_OUT" "changed again" "and says nothing of bytes changed since"
t_run "$SHMSPY" inject undo "$J.flip"
t_expect_rc 0 "a second undo of the same journal exits 0"
t_expect_match "$T_OUT" "already holds the original bytes \(undone before\?\): nothing written" \
  "and says it was undone before (not that bytes changed again)"
"$SHMSPY" inject flip "$N" -s 8 --bit 1 --journal "$J.flip2" >/dev/null
shm_poke "$N" 8 5a # 'Z'
t_run "$SHMSPY" inject undo "$J.flip2"
t_expect_match "$T_OUT" "1 of those bytes had been changed again" \
  "a byte written over since the inject is counted"
t_expect_eq "$(snap)" "$ORIG" "and restored"

# set, three ways
t_run "$SHMSPY" inject set "$N" -s 100 --hex "de ad be ef" --journal "$J.set"
t_expect_rc 0 "set --hex exits 0"
t_expect_eq "$("$SHMSPY" read "$N" -s 100 --as hex:4)" "de ad be ef" "set wrote the bytes"
"$SHMSPY" inject undo "$J.set" >/dev/null
t_expect_eq "$(snap)" "$ORIG" "undo set restores every byte"
t_run "$SHMSPY" inject set "$N" -s 0 --as i32 -7 --journal "$J.set2"
t_expect_eq "$("$SHMSPY" read "$N" -s 0 --as i32)" "-7" "set --as i32 -7"
"$SHMSPY" inject undo "$J.set2" >/dev/null
t_expect_eq "$(snap)" "$ORIG" "undo set --as restores every byte"
t_run "$SHMSPY" inject set "$N" -s 40 --str "XY" --journal "$J.set3"
t_expect_eq "$("$SHMSPY" read "$N" -s 40 --as hex:2)" "58 59" "set --str writes the bytes, no NUL"
"$SHMSPY" inject undo "$J.set3" >/dev/null
t_expect_eq "$(snap)" "$ORIG" "undo set --str restores every byte"

# corrupt: reproducible with --seed
t_run "$SHMSPY" inject corrupt "$N" -k 50 --seed 7 --journal "$J.c1"
t_expect_rc 0 "corrupt exits 0"
t_expect_match "$T_OUT" "50 bytes changed \(seed 7\)" "corrupt reports count and seed"
C1=$(snap)
t_expect_eq "$(grep '^patch ' "$J.c1" | cut -d' ' -f2 | sort -u | wc -l)" "50" "50 distinct bytes journalled"
"$SHMSPY" inject undo "$J.c1" >/dev/null
t_expect_eq "$(snap)" "$ORIG" "undo corrupt restores every byte"
"$SHMSPY" inject corrupt "$N" -k 50 --seed 7 --journal "$J.c2" >/dev/null
t_expect_eq "$(snap)" "$C1" "the same seed gives the same corruption"
t_expect_eq "$(grep '^patch' "$J.c2")" "$(grep '^patch' "$J.c1")" "and the same journal entries"
"$SHMSPY" inject undo "$J.c2" >/dev/null
"$SHMSPY" inject corrupt "$N" -k 3 -s 4000 -n 10 --journal "$J.c3" >/dev/null
t_expect_eq "$(awk '/^patch/ { if ($2 < 4000 || $2 >= 4010) bad = 1 } END { print bad + 0 }' "$J.c3")" "0" \
  "-s/-n confine the corruption"
t_expect_match "$(cat "$J.c3")" "^seed [0-9]+$" "without --seed a seed is chosen and journalled"
"$SHMSPY" inject undo "$J.c3" >/dev/null
t_expect_eq "$(snap)" "$ORIG" "undo of the confined corruption"
"$SHMSPY" inject corrupt "$N" -k 10 -s 0 -n 10 --journal "$J.c4" >/dev/null
t_expect_eq "$(grep -c '^patch ' "$J.c4")" "10" "-k equal to the range changes every byte of it"
"$SHMSPY" inject undo "$J.c4" >/dev/null
t_expect_eq "$(snap)" "$ORIG" "and undo restores them"

# truncate while the writer holds the mapping, then grow back
t_run "$SHMSPY" inject truncate "$N" 1000 --journal "$J.t"
t_expect_rc 0 "truncate exits 0"
t_expect_eq "$(size)" "1000" "the object is 1000 bytes"
t_expect_match "$(cat /proc/$W/maps)" "$N" "the writer still maps it"
t_run "$SHMSPY" inject undo "$J.t"
t_expect_rc 0 "undo truncate exits 0"
t_expect_eq "$(size)" "8192" "undo truncate restores the size"
t_expect_eq "$(snap)" "$ORIG" "undo truncate restores the cut-off bytes"
"$SHMSPY" inject truncate "$N" 10000 --journal "$J.t2" >/dev/null
t_expect_eq "$(size)" "10000" "truncate can grow"
"$SHMSPY" inject undo "$J.t2" >/dev/null
t_expect_eq "$(size) $(snap)" "8192 $ORIG" "undo of growing"

# chmod
"$SHMSPY" inject chmod "$N" 0444 --journal "$J.m" >/dev/null
t_expect_eq "$(mode)" "444" "chmod changes the mode"
"$SHMSPY" inject undo "$J.m" >/dev/null
t_expect_eq "$(mode)" "600" "undo chmod restores it"

# identity: a flip journalled now, undone; the object is replaced below
"$SHMSPY" inject flip "$N" -s 20 --journal "$J.old" >/dev/null
"$SHMSPY" inject undo "$J.old" >/dev/null

# unlink while mapped, then recreate
t_run "$SHMSPY" inject unlink "$N" --journal "$J.u"
t_expect_rc 0 "unlink exits 0"
t_expect_eq "$(test -e "/dev/shm$N" && echo yes || echo no)" "no" "the name is gone"
t_expect_match "$(cat /proc/$W/maps)" "$N \(deleted\)" "the writer still maps the memory"
t_run "$SHMSPY" inject undo "$J.u"
t_expect_rc 0 "undo unlink exits 0"
t_expect_match "$T_OUT" "recreated $N \(8192 bytes, mode 0600\)" "undo says it recreated the object"
t_expect_match "$T_OUT" "journals of injects made before the unlink name the old object \(inode $INO\)" \
  "and warns that earlier journals will refuse the new object"
t_expect_eq "$(size) $(mode) $(snap)" "8192 600 $ORIG" "recreated with size, mode and every byte"
t_run "$SHMSPY" inject undo "$J.u"
t_expect_error 1 "$N: the name exists again" "a second undo of the unlink refuses"

t_run "$SHMSPY" inject undo "$J.old"
t_expect_error 1 "not the object this journal was written for .*inode $INO" \
  "undo refuses when the identity differs"
t_expect_eq "$(snap)" "$ORIG" "and changes nothing"

# the journal comes first and is never overwritten
t_run "$SHMSPY" inject flip "$N" -s 0 --journal "$J.flip"
t_expect_error 1 "exists" "an existing journal is not overwritten"
t_expect_eq "$(snap)" "$ORIG" "and nothing changed"
t_run "$SHMSPY" inject flip "$N" -s 0 --journal "$T_TMP/no/such/dir/j"
t_expect_error 1 "j: No such file" "no journal, no fault"
t_expect_eq "$(snap)" "$ORIG" "and nothing changed"
(cd "$T_TMP" && "$SHMSPY" inject chmod "$N" 0640 >"$T_TMP/def.out")
t_expect_match "$(cat "$T_TMP/def.out")" "^journal: shmspy-inject-[0-9]+-1\.journal" "the default journal is in the current directory"
"$SHMSPY" inject undo "$T_TMP"/shmspy-inject-*.journal >/dev/null
t_expect_eq "$(mode)" "600" "and undoes"

# damaged journals
cp "$J.flip" "$J.bad"
sed -i 's/^patch 8 1 68 6a$/patch 8 1 00 6a/' "$J.bad"
t_run "$SHMSPY" inject undo "$J.bad"
t_expect_error 1 "checksum mismatch" "an edited journal is refused"
head -c 60 "$J.flip" >"$J.cut"
t_run "$SHMSPY" inject undo "$J.cut"
t_expect_error 1 "incomplete" "a truncated journal is refused"
printf 'hello\n' >"$J.txt"
t_run "$SHMSPY" inject undo "$J.txt"
t_expect_error 1 "not a shmspy inject journal" "a random file is refused"
t_expect_eq "$(snap)" "$ORIG" "none of them changed anything"

# validation happens before anything is touched
t_run "$SHMSPY" inject flip "$N" -s 8192 --journal "$J.v1"
t_expect_error 1 "past the end \(8192 bytes\)" "an offset past the end is refused"
t_expect_eq "$(test -e "$J.v1" && echo yes || echo no)" "no" "without writing a journal"
t_run "$SHMSPY" inject set "$N" -s 8190 --hex "01 02 03" --journal "$J.v2"
t_expect_error 1 "past the end" "a set running past the end is refused"
t_run "$SHMSPY" inject corrupt "$N" -k 20 -s 0 -n 10 --journal "$J.v3"
t_expect_error 1 "cannot change 20 distinct bytes among 10" "corrupt -k above the range"
t_run "$SHMSPY" inject flip "$N" -s 0 --bit 8
t_expect_error 2 "bit 8 is not in 0..7" "--bit 8 is a usage error"
t_run "$SHMSPY" inject flip "$N"
t_expect_error 2 "missing -s" "flip without -s"
t_run "$SHMSPY" inject set "$N" -s 0
t_expect_error 2 "exactly one of" "set without bytes"
t_run "$SHMSPY" inject truncate "$N" -k 3
t_expect_error 2 "-k does not apply to truncate" "options are checked per fault"
t_run "$SHMSPY" inject explode "$N"
t_expect_error 2 "unknown fault 'explode'" "an unknown fault"
t_run "$SHMSPY" inject chmod "$N" 9999
t_expect_error 2 "MODE" "a bad mode"
t_run "$SHMSPY" inject undo
t_expect_error 2 "missing the journal" "undo without a journal"
t_run "$SHMSPY" inject flip 'Local\spytest' -s 0 --journal "$J.v4"
t_expect_error 1 "inject works on POSIX shared memory objects, file: paths, System V" \
  "a Windows name is refused on Linux, saying what works"
t_run "$SHMSPY" inject flip "$(t_name missing)" -s 0 --journal "$J.v5"
t_expect_error 1 "no such shared memory object" "a missing object"
t_expect_eq "$(ls "$T_TMP" | grep -c '^j\.v')" "0" "no rejected command wrote a journal"
t_expect_eq "$(snap)" "$ORIG" "no rejected command changed anything"

# file: objects work the same way
F=$T_TMP/file.bin
printf 'file contents!' >"$F"
t_run "$SHMSPY" inject truncate "file:$F" 4 --journal "$J.f"
t_expect_eq "$(cat "$F")" "file" "truncate of a file: object"
"$SHMSPY" inject undo "$J.f" >/dev/null
t_expect_eq "$(cat "$F")" "file contents!" "undo restores the file"

t_expect_match "$(cat /proc/$W/maps)" "$N" "the writer held its mapping throughout"

# System V: bytes, mode and removal, journalled under the key (the name
# it is found by again) with the shmid as identity.
SK=$(ipcmk -M 4096 -p 0640 2>/dev/null | grep -oE '[0-9]+$')
if [ -n "$SK" ]; then
  KEY=$(printf 'key:0x%x' "$(ipcs -m | awk -v id="$SK" '$2 == id { print $1 }')")
  t_cleanup "ipcrm -M ${KEY#key:} 2>/dev/null; ipcrm -m $SK 2>/dev/null"
  svmode() { ipcs -m -i "$1" | grep -oE 'mode=[0-7]+'; }
  # (ipcs -m -i exits 0 for an id that does not exist.)
  svthere() { ipcs -m | awk -v id="$1" '$2 == id { f = 1 } END { print f ? "there" : "gone" }'; }
  "$SHMSPY" write "sysv:$SK" -s 0 --str "segment bytes" >/dev/null 2>&1
  t_run "$SHMSPY" inject flip "sysv:$SK" -s 0 --bit 1 --journal "$J.sv.flip"
  t_expect_rc 0 "flip of a System V segment exits 0"
  t_expect_match "$T_OUT" "^flip $KEY: byte 0 was 0x73, now 0x71$" "it is journalled under its key"
  t_expect_match "$(grep -E '^(name|dev|ino|size|mode) ' "$J.sv.flip" | tr '\n' ' ')" \
    "^name $KEY dev 0 ino $SK size 4096 mode 0640 $" "the journal: key, shmid as identity, size, mode"
  t_expect_eq "$("$SHMSPY" read "sysv:$SK" -s 0 -n 13 --as str 2>/dev/null)" "qegment bytes" "the segment changed"
  t_run "$SHMSPY" inject undo "$J.sv.flip"
  t_expect_rc 0 "undo of the System V flip"
  t_expect_eq "$("$SHMSPY" read "sysv:$SK" -s 0 -n 13 --as str 2>/dev/null)" "segment bytes" "restores the byte"
  t_run "$SHMSPY" inject truncate "sysv:$SK" 100 --journal "$J.sv.t"
  t_expect_error 1 "sysv:$SK: a System V segment's size is fixed" "truncate of a System V segment is refused"
  t_expect_eq "$(test -e "$J.sv.t" && echo yes || echo no)" "no" "before any journal is written"
  "$SHMSPY" inject chmod "sysv:$SK" 0600 --journal "$J.sv.m" >/dev/null
  t_expect_eq "$(svmode "$SK")" "mode=0600" "chmod of a System V segment (IPC_SET)"
  "$SHMSPY" inject undo "$J.sv.m" >/dev/null
  t_expect_eq "$(svmode "$SK")" "mode=0640" "and its undo"
  t_run "$SHMSPY" inject chmod "sysv:$SK" 04640 --journal "$J.sv.m2"
  t_expect_error 1 "9 permission bits" "a mode a segment cannot hold is refused"
  t_expect_eq "$(test -e "$J.sv.m2" && echo yes || echo no)" "no" "before any journal"
  t_run "$SHMSPY" inject unlink "sysv:$SK" --journal "$J.sv.u"
  t_expect_rc 0 "unlink of a System V segment exits 0"
  t_expect_match "$T_OUT" "segment removed \(IPC_RMID\)" "and says IPC_RMID"
  t_expect_eq "$(svthere "$SK")" "gone" "the segment is gone"
  t_run "$SHMSPY" inject undo "$J.sv.u"
  t_expect_rc 0 "undo of the System V unlink"
  NEWID=$(ipcs -m | awk -v k="$(printf '0x%08x' "${KEY#key:}")" '$1 == k { print $2 }')
  t_expect_match "$T_OUT" "recreated $KEY \(4096 bytes, mode 0640\) as a new segment, shmid $NEWID;" \
    "recreated by its key, with the new shmid said"
  t_expect_match "$T_OUT" "refuse the new one" "and warns that earlier journals refuse it"
  t_expect_eq "$("$SHMSPY" read "$KEY" -s 0 -n 13 --as str 2>/dev/null) $(svmode "$NEWID")" \
    "segment bytes mode=0640" "with its bytes and mode"
  t_run "$SHMSPY" inject undo "$J.sv.u"
  t_expect_error 1 "$KEY: the name exists again" "a second undo refuses"
  t_run "$SHMSPY" inject undo "$J.sv.flip"
  t_expect_error 1 "not the object this journal was written for" "an earlier journal refuses the new segment"
else
  t_ok "# skip: ipcmk could not create a System V segment"
fi

# A change refused by the kernel after the journal was written changed
# nothing: the journal is removed, and the error says so.
if t_can_switch_user; then
  JD=$(mktemp -d /tmp/spytest-inject-nobody.XXXXXX)
  chmod 1777 "$JD"
  t_cleanup "rm -rf '$JD'"
  R=$(t_name rootowned)
  shm_make "$R" 64
  chmod 0644 "/dev/shm$R"
  t_cleanup "rm -f /dev/shm$R"
  t_run t_as_user 65534 "$SHMSPY" inject chmod "$R" 0666 --journal "$JD/j.m"
  t_expect_error 1 "nothing was changed; the journal was removed" "chmod refused by the kernel says nothing changed"
  t_expect_eq "$(ls -A "$JD")" "" "and leaves no journal"
  t_run t_as_user 65534 "$SHMSPY" inject unlink "$R" --journal "$JD/j.u"
  t_expect_error 1 "nothing was changed; the journal was removed" "so does unlink refused by the kernel"
  t_expect_eq "$(ls -A "$JD") $(stat -c %a "/dev/shm$R")" " 644" "no journal; the object is untouched"
else
  t_ok "# skip: permission refusals need root and setpriv"
fi
t_done
