#!/usr/bin/env bash
# Every class of bad input: one line on stderr, the documented exit code,
# and nothing changed.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name err)
t_cleanup "rm -f /dev/shm$N"

t_run "$SHMSPY" stat /spytest-surely-missing-$$
t_expect_error 1 "/spytest-surely-missing-$$: no such shared memory object" \
  "missing object"
t_run "$SHMSPY" dump sysv:2147483000
t_expect_error 1 "sysv:2147483000: .*(no such|invalid)" "missing System V id"
t_run "$SHMSPY" dump "file:$T_TMP/nope"
t_expect_error 1 "nope: .*(no such|not found)" "missing file"

"$SHMSPY" create "$N" 64 >/dev/null
"$SHMSPY" write "$N" --hex "01 02 03 04" >/dev/null
before=$(cksum </dev/shm$N)

t_run "$SHMSPY" dump "$N" -s 65
t_expect_error 1 "offset 65 is past the end \(64 bytes\)" "offset past the end"
t_run "$SHMSPY" dump "$N" -s 60 -n 8
t_expect_error 1 "past the end" "length past the end"
t_run "$SHMSPY" read "$N" -s 60 --as u64
t_expect_error 1 "past the end" "typed read past the end"
t_run "$SHMSPY" write "$N" -s 62 --as u32 7
t_expect_error 1 "past the end" "write past the end"
t_run "$SHMSPY" dump "$N" -s 12q
t_expect_error 2 "-s: .*12q" "malformed number"
t_run "$SHMSPY" dump "$N" -n 99999999999999999999999
t_expect_error 2 "-n" "number overflow"
t_run "$SHMSPY" dump "$N" -n 0xffffffffffffffffK
t_expect_error 2 "-n" "suffix overflow"
t_run "$SHMSPY" read "$N" --as i33
t_expect_error 2 "i33" "unknown type"
t_run "$SHMSPY" write "$N" --as u8 300
t_expect_error 2 "300.*range" "value out of range for its type"
t_run "$SHMSPY" write "$N" --hex "zz"
t_expect_error 2 "hex" "malformed hex bytes"
t_run "$SHMSPY" dump "$N" --format octal
t_expect_error 2 "octal" "unknown format"
t_run "$SHMSPY" dump "/a/b"
t_expect_error 2 "/a/b" "a slash inside a name"
t_run "$SHMSPY" dump "/$(head -c 300 /dev/zero | tr '\0' x)"
t_expect_error 2 "(long|255)" "an over-long name"
t_run "$SHMSPY" dump ""
t_expect_error 2 "" "an empty name"
t_run "$SHMSPY" create "$N" 128
t_expect_error 1 "exists" "create of an existing object without --force"
t_run "$SHMSPY" frobnicate
t_expect_error 2 "unknown command 'frobnicate'" "unknown command"
t_run "$SHMSPY" dump "$N" --bogus
t_expect_error 2 "unknown option '--bogus'" "unknown option"
t_run "$SHMSPY" dump
t_expect_error 2 "missing NAME" "missing NAME"
t_run "$SHMSPY" write "$N" --str a --hex 01
t_expect_error 2 "only one" "two sources"
t_run "$SHMSPY" write "$N" --file "$T_TMP/missing-file"
t_expect_error 1 "missing-file" "missing --file"
t_expect_eq "$(cksum </dev/shm$N)" "$before" \
  "none of the rejected commands changed the object"

# Read-only objects: the owner said read-only; --force overrides.
chmod 0400 /dev/shm$N
t_run "$SHMSPY" write "$N" --as u8 9
t_expect_error 1 "$N: .*read-only.*--force" "write to a read-only object"
t_expect_eq "$(cksum </dev/shm$N)" "$before" "the refused write changed nothing"
t_run "$SHMSPY" write "$N" --as u8 9 --force
t_expect_rc 0 "write --force to a read-only object"

# Permission denied, as an unprivileged user (needs root to switch users).
if t_can_switch_user; then
  chmod 0600 /dev/shm$N
  t_run t_as_user 65534 "$SHMSPY" dump "$N"
  t_expect_error 1 "$N: permission denied" "permission denied for another user"
  t_run t_as_user 65534 "$SHMSPY" stat "$N"
  t_expect_rc 0 "stat still works from the directory entry when open is denied"
  t_expect_match "$T_OUT" "mode: +0600" "and shows the mode"
else
  echo "skip - permission tests need root and setpriv"
fi

t_done
