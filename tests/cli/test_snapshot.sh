#!/usr/bin/env bash
# snapshot: a recording of one keyframe holding exactly the segment's bytes
# (replay --dump | xxd -r gives them back; diff against the segment is
# empty); created 0600, refused over an existing file without --force,
# which replaces a symbolic link itself, never its target; errors in one
# line.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name snap)
t_cleanup "rm -f /dev/shm$N"
head -c 70000 /dev/urandom >"$T_TMP/data"
"$SHMSPY" write "$N" --create 70000 --file "$T_TMP/data" >/dev/null || exit 1

F=$T_TMP/s.shmspy-rec
t_run "$SHMSPY" snapshot "$N" -o "$F"
t_expect_rc 0 "snapshot NAME -o FILE"
t_expect_eq "$T_OUT$T_ERR" "" "and prints nothing"
t_expect_eq "$(stat -c %a "$F")" 600 "the file is created 0600"
"$SHMSPY" replay "$F" --dump | xxd -r >"$T_TMP/back"
t_expect_eq "$(cmp "$T_TMP/back" "$T_TMP/data" && echo same)" "same" \
  "replay --dump | xxd -r gives back the segment's bytes"
t_run "$SHMSPY" diff "$F" "$N"
t_expect_rc 0 "diff FILE NAME: equal"
t_run "$SHMSPY" replay "$F" --info
t_expect_match "$T_OUT" "^name +$N$" "--info names the segment"
t_expect_match "$T_OUT" "^keyframes +1$" "one keyframe"
t_expect_match "$T_OUT" "^deltas +0$" "no delta"
t_expect_match "$T_OUT" "^size +70000 bytes" "its size"

t_run "$SHMSPY" snapshot "$N" -o "$F"
t_expect_error 1 "exists" "an existing file is refused without --force"
shm_poke "$N" 5 "00 11 22"
t_run "$SHMSPY" snapshot "$N" -o "$F" --force
t_expect_rc 0 "--force replaces it"
t_run "$SHMSPY" diff "$F" "$N"
t_expect_rc 0 "with the bytes of now"

# Never through a symbolic link: --force replaces the link, not its target.
printf 'precious\n' >"$T_TMP/target"
ln -s "$T_TMP/target" "$T_TMP/link.shmspy-rec"
t_run "$SHMSPY" snapshot "$N" -o "$T_TMP/link.shmspy-rec"
t_expect_rc 1 "a symbolic link as FILE is refused"
"$SHMSPY" snapshot "$N" -o "$T_TMP/link.shmspy-rec" --force 2>/dev/null
t_expect_eq "$(cat "$T_TMP/target")" "precious" "its target is never written"

# An empty segment makes a valid snapshot too.
E=$(t_name snapempty)
"$SHMSPY" create "$E" 0 >/dev/null
t_cleanup "rm -f /dev/shm$E"
t_run "$SHMSPY" snapshot "$E" -o "$T_TMP/empty.shmspy-rec"
t_expect_rc 0 "a snapshot of an empty segment"
t_run "$SHMSPY" diff "$T_TMP/empty.shmspy-rec" "$E"
t_expect_rc 0 "equals the empty segment"

t_run "$SHMSPY" snapshot "$(t_name nosuch)" -o "$T_TMP/x.shmspy-rec"
t_expect_error 1 "nosuch" "a missing NAME: one line, status 1"
t_expect_eq "$(ls "$T_TMP/x.shmspy-rec" 2>/dev/null)" "" "and no file is left"
t_run "$SHMSPY" snapshot "$N"
t_expect_rc 2 "-o is required"
t_run "$SHMSPY" snapshot "$N" -o "$T_TMP/no/such/dir.rec"
t_expect_error 1 "dir\.rec" "an impossible path: one line naming it"

t_done
