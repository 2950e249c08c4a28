#!/usr/bin/env bash
# test_observer.sh - reading a System V segment disturbs nothing another
# program can see: while a holder process keeps it attached, `watch`,
# `dump`, `read` and `stat` leave shm_nattch, shm_lpid, shm_atime and
# shm_dtime as they were (/proc/sysvipc/shm); a server that uses
# shm_nattch as its interlock (samples/sysv_interlock, as PostgreSQL does)
# restarts after a crash while `shmspy watch` shows its segment; `stat`
# says which way the bytes are read; a write says that it attaches; a user
# who may not read the holder's memory is told the segment is attached for
# each read instead.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

IL="$SPY_SAMPLES/sysv_interlock"
# A key of our own for this run.
KEY=$(printf '0x5e%06x' $(($$ & 0xffffff)))
t_cleanup "ipcrm -M $KEY"

# shm_state ID: "nattch N lpid P atime A dtime D" from /proc/sysvipc/shm.
shm_state() {
  awk -v id="$1" '$2 == id { print "nattch", $7, "lpid", $6, "atime", $12, "dtime", $13 }' \
    /proc/sysvipc/shm
}

# start_server OUT [ARGS...]: starts sysv_interlock with our key in the
# background (its pid in $SRV), waits for "ready"; its shmid in $ID.
start_server() {
  local out=$1
  shift
  "$IL" "$KEY" --hz 20 "$@" >"$out" 2>&1 &
  SRV=$!
  t_wait_for "grep -q '^ready' '$out'" 50 || return 1
  ID=$(awk '/^ready/ { print $3 }' "$out")
}

start_server "$T_TMP/s1.out" || {
  t_fail "sysv_interlock starts" "$(cat "$T_TMP/s1.out")"
  t_done
  exit
}
t_ok "sysv_interlock starts (shmid $ID)"

# A second copy is refused while the first has it attached: the interlock.
t_run "$IL" "$KEY"
t_expect_rc 1 "a second server is refused while the segment is attached"
t_expect_match "$T_ERR" "still in use" "the refusal says why"

# Attach times are in seconds: let one pass, so that an attach now would
# show.
sleep 1.1
BEFORE=$(shm_state "$ID")
t_expect_match "$BEFORE" "^nattch 1 lpid $SRV " "the holder alone has it attached"

t_run "$SHMSPY" dump "sysv:$ID" -n 32
t_expect_rc 0 "dump sysv:ID"
t_expect_match "$T_OUT" "interlock pid" "dump shows the holder's bytes"
t_run "$SHMSPY" dump "sysv:$ID"
t_expect_rc 0 "dump of the whole segment"
t_run "$SHMSPY" read "sysv:$ID" --as str
t_expect_eq "$T_OUT" "interlock pid $SRV" "read sysv:ID"
t_run "$SHMSPY" read "sysv:$ID" -s 256 --as u32
A=$T_OUT
sleep 0.3
t_run "$SHMSPY" read "sysv:$ID" -s 256 --as u32
[ "$A" != "$T_OUT" ] && t_ok "read sees the holder's counter move ($A, $T_OUT)" ||
  t_fail "read sees the holder's counter move" "$A then $T_OUT"
t_run "$SHMSPY" stat "sysv:$ID"
t_expect_match "$T_OUT" "^access: +read through the memory of PID $SRV \(sysv_interlock\) at 0x[0-9a-f]+, not attached$" \
  "stat says the bytes are read through the holder's memory"
t_run "$SHMSPY" stat --json "sysv:$ID"
t_expect_json "stat --json"
t_expect_match "$T_OUT" "\"via\": ?\"process\"" "stat --json: access.via is process"
t_expect_match "$T_OUT" "\"pid\": ?$SRV," "stat --json: access.pid is the holder"

tui_start 100 30 -- watch "sysv:$ID" --hz 30
tui_expect "^00000000  69 6e 74 65 72 6c 6f 63" "watch shows the segment"
tui_wait '^00000100  ' >/dev/null
R1=$(printf '%s\n' "$TUI_SCREEN" | grep '^00000100  ')
sleep 0.4
tui_capture
R2=$(printf '%s\n' "$TUI_SCREEN" | grep '^00000100  ')
[ -n "$R1" ] && [ "$R1" != "$R2" ] && t_ok "watch follows the holder's counter" ||
  t_fail "watch follows the holder's counter" "$R1" "$R2"
sleep 0.5
t_expect_eq "$(shm_state "$ID")" "$BEFORE" \
  "nattch, lpid, atime and dtime unchanged by dump, read, stat and watch"

# The crash: the server dies with the watch still running. Its restart
# must not be refused on account of shmspy.
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
t_wait_for "shm_state $ID | grep -q '^nattch 0 '" 50 &&
  t_ok "after kill -9 nothing has it attached" ||
  t_fail "after kill -9 nothing has it attached" "$(shm_state "$ID")"
# While nothing maps it, the watch attaches at most for one read, then
# reuses those bytes: shm_nattch stays 0 at every look.
sleep 0.3
HELD=0
for _ in $(seq 40); do
  shm_state "$ID" | grep -q '^nattch 0 ' || HELD=$((HELD + 1))
  sleep 0.025
done
t_expect_eq "$HELD" 0 "the watch never holds the orphaned segment attached"
[ -n "$(tui_pid)" ] && t_ok "watch still running" || t_fail "watch still running" "$TUI_SCREEN"
start_server "$T_TMP/s2.out" &&
  t_ok "the server restarts while shmspy watches its old segment" ||
  t_fail "the server restarts while shmspy watches its old segment" \
    "$(cat "$T_TMP/s2.out")" "$(shm_state "$ID")"
tui_keys q
tui_expect '^EXIT:0' "watch quits"

# The same with the watch started on the new segment.
tui_start 100 30 -- watch "sysv:$ID" --hz 60
tui_expect "^00000000  69 6e 74 65 72 6c 6f 63" "watch shows the new segment"
sleep 0.3
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
t_wait_for "shm_state $ID | grep -q '^nattch 0 '" 50
start_server "$T_TMP/s3.out" &&
  t_ok "a second crash and restart under a 60 Hz watch" ||
  t_fail "a second crash and restart under a 60 Hz watch" "$(cat "$T_TMP/s3.out")"
tui_keys q
tui_expect '^EXIT:0' "watch quits"

# Nothing maps it: stat says reads attach, each for one read.
OLD=$ID
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
t_wait_for "shm_state $OLD | grep -q '^nattch 0 '" 50
t_run "$SHMSPY" stat "sysv:$OLD"
t_expect_match "$T_OUT" "^access: +attached for each read: nothing else maps it$" \
  "stat of a segment nothing maps"
t_run "$SHMSPY" read "sysv:$OLD" --as str
t_expect_match "$T_OUT" "^interlock pid " "read of a segment nothing maps"
t_expect_match "$(shm_state "$OLD")" "^nattch 0 " "not left attached"

# Writing attaches, and says so.
start_server "$T_TMP/s4.out" || t_fail "server starts again" "$(cat "$T_TMP/s4.out")"
t_run "$SHMSPY" write "sysv:$ID" -s 128 --str hello
t_expect_rc 0 "write sysv:ID"
t_expect_eq "$T_ERR" "shmspy: attached sysv:$ID for writing: shm_nattch and shm_lpid change while attached" \
  "write says it attaches"
t_run "$SHMSPY" read "sysv:$ID" -s 128 --as str
t_expect_eq "$T_OUT" "hello" "the write landed"
tui_start 120 30 -- watch --write "sysv:$ID"
tui_expect "attached sysv:$ID for writing" "watch --write says it attaches"
t_expect_match "$(shm_state "$ID")" "^nattch 2 " "watch --write holds an attachment"
tui_keys q
tui_expect '^EXIT:0' "watch --write quits"
t_expect_match "$(shm_state "$ID")" "^nattch 1 " "and drops it on exit"

# Another user may read the segment (mode 0644) but not the holder's
# memory: reads attach for each read, and stat says why.
if t_can_switch_user; then
  kill "$SRV"
  wait "$SRV" 2>/dev/null
  start_server "$T_TMP/s5.out" --mode 0644 || t_fail "server starts (0644)"
  t_run t_as_user 12345 "$SHMSPY" stat "sysv:$ID"
  t_expect_match "$T_OUT" "^access: +attached for each read: its 1 attachment belongs to processes that cannot be inspected$" \
    "stat as another user: attached for each read, and why"
  t_run t_as_user 12345 "$SHMSPY" read "sysv:$ID" --as str
  t_expect_eq "$T_OUT" "interlock pid $SRV" "read as another user"
  t_expect_match "$(shm_state "$ID")" "^nattch 1 " "not left attached"
  kill "$SRV"
  wait "$SRV" 2>/dev/null
else
  echo "skip - another user's reads (needs root and setpriv)"
fi

t_done
