#!/usr/bin/env bash
# ctest-labels: tsan (scripts/test runs it under ThreadSanitizer too)
# Faults while reading live memory, signals, and broken outputs: nothing
# dies of a signal, every error is one explained line.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
N=$(t_name faults)
t_cleanup "rm -f /dev/shm$N"
head -c $((32 * 1024 * 1024)) /dev/urandom >"$T_TMP/data"
"$SHMSPY" write "$N" --create 32M --file "$T_TMP/data"

# A writer truncates and regrows the object as fast as it can while we
# dump and read it: each run ends normally (0) or with an explained error (1).
# The loop stops itself (a killed loop could leave one truncate running
# that shrinks the object after we restored it).
( while [ ! -e "$T_TMP/stop" ]; do
  truncate -s 0 "/dev/shm$N"
  truncate -s 32M "/dev/shm$N"
done ) &
TR=$!
bad=0
for i in $(seq 10); do
  "$SHMSPY" dump "$N" >/dev/null 2>"$T_TMP/e"
  rc=$?
  if [ $rc -ge 2 ] || { [ $rc -eq 1 ] && ! grep -q "shrank while in use" "$T_TMP/e"; }; then
    bad=1
    echo "dump run $i: rc=$rc $(cat "$T_TMP/e")"
  fi
  "$SHMSPY" read "$N" -s 30M --as u64 >/dev/null 2>"$T_TMP/e"
  rc=$?
  if [ $rc -ge 2 ]; then bad=1; echo "read run $i: rc=$rc $(cat "$T_TMP/e")"; fi
done
touch "$T_TMP/stop"
wait $TR
t_expect_eq "$bad" "0" "dump and read under truncation: exit 0 or an explained error, never a signal"

# A writer at full speed (the demo writer at 1000 Hz) while we dump.
D=$(t_name demo)
t_cleanup "rm -f /dev/shm$D"
"$SPY_SAMPLES/demo_writer" "$D" --hz 1000 --seconds 30 >/dev/null 2>&1 &
DW=$!
t_wait_for "test -s /dev/shm$D"
bad=0
for _ in $(seq 50); do "$SHMSPY" dump "$D" --format canonical >/dev/null || bad=1; done
kill -INT $DW
wait $DW
t_expect_eq "$bad" "0" "50 dumps of a segment written at 1000 Hz all succeed"

# Signals to a holder: the object it created is removed, exit 0.
# Each holder writes its own stderr file: the shell of a background job
# opens `2>FILE` only after `<FIFO` (which waits for our exec 7>), so
# with one shared file a wait for "holding" could see the previous
# holder's line and signal the next job before its exec (exit 143).
for sig in INT TERM HUP; do
  H=$(t_name hold$sig)
  t_cleanup "rm -f /dev/shm$H"
  mkfifo "$T_TMP/f$sig"
  "$SHMSPY" write "$H" --create 4K --as u32 7 --hold <"$T_TMP/f$sig" 2>"$T_TMP/h$sig.err" &
  HP=$!
  exec 7>"$T_TMP/f$sig"
  t_wait_for "grep -q holding '$T_TMP/h$sig.err'"
  kill -$sig $HP
  wait $HP
  rc=$?
  exec 7>&-
  t_expect_eq "$rc $(test -e "/dev/shm$H" && echo present || echo gone)" "0 gone" \
    "SIG$sig to write --hold: exit 0 and the object is removed"
done

# Truncated while dump is in the middle: the reader of a FIFO takes the
# first bytes, the object shrinks to one page, the reader drains the rest.
# dump stops with the explanation, exit 1, whatever the format.
# Random bytes, so that hexdump -C has no repeated lines to squeeze.
for fmt in xxd canonical raw; do
  "$SHMSPY" write "$N" --file "$T_TMP/data"
  mkfifo "$T_TMP/mid$fmt"
  "$SHMSPY" dump "$N" --format $fmt >"$T_TMP/mid$fmt" 2>"$T_TMP/e" &
  DP=$!
  exec 8<"$T_TMP/mid$fmt"
  head -c 1000 <&8 >/dev/null
  truncate -s 4096 "/dev/shm$N"
  cat <&8 >/dev/null
  wait $DP
  rc=$?
  exec 8<&-
  off=$(grep -oE 'offset [0-9]+' "$T_TMP/e" | grep -oE '[0-9]+')
  t_expect_eq "$rc $(cat "$T_TMP/e")" \
    "1 shmspy: $N: the object shrank while in use (now 4096 bytes: offset $off is past its end, where a mapping raises SIGBUS)" \
    "dump --format $fmt truncated midway: exit 1, the size and the offset explained"
  truncate -s 32M "/dev/shm$N"
done

# A signal at any moment of write --create --hold, even before the hold
# has begun: either shmspy had not yet armed (died of the signal, nothing
# created) or it had (exit 0, the object removed). Never an object left
# behind by a killed holder.
mkfifo "$T_TMP/never"
exec 7<>"$T_TMP/never" # an input that stays open and silent
bad=0
for i in $(seq 30); do
  H=$(t_name "early$i")
  t_cleanup "rm -f /dev/shm$H"
  "$SHMSPY" write "$H" --create 1M --fill 0x55 --hold <"$T_TMP/never" 2>/dev/null >/dev/null &
  HP=$!
  # Once shmspy runs (not the shell's copy before exec), after 0 to 9 ms.
  t_wait_for "[ \"\$(cat /proc/$HP/comm 2>/dev/null)\" = shmspy ]" 50
  sleep "0.00$((i % 10))"
  kill -TERM $HP 2>/dev/null
  wait $HP
  rc=$?
  if [ -e "/dev/shm$H" ] || { [ $rc -ne 0 ] && [ $rc -ne 143 ]; }; then
    bad=1
    echo "run $i: rc=$rc, $(test -e "/dev/shm$H" && echo 'object left behind')"
  fi
done
exec 7>&-
t_expect_eq "$bad" "0" "SIGTERM at any moment of write --create --hold leaves no object"

# A holder whose standard input is closed waits for a signal alone.
H=$(t_name holdclosed)
t_cleanup "rm -f /dev/shm$H"
"$SHMSPY" write "$H" --create 4K --as u8 1 --hold <&- 2>"$T_TMP/hclosed.err" &
HP=$!
t_wait_for "grep -q holding '$T_TMP/hclosed.err'"
t_expect_eq "$(test -e "/dev/shm$H" && echo held)" "held" "with stdin closed, --hold keeps holding"
kill -TERM $HP
wait $HP
t_expect_eq "$? $(test -e "/dev/shm$H" && echo present || echo gone)" "0 gone" \
  "and SIGTERM releases it, object removed"

# Broken outputs.
set -o pipefail
for fmt in canonical raw; do
  "$SHMSPY" dump "$N" --format $fmt 2>"$T_TMP/e" | head -c 10 >/dev/null
  t_expect_eq "$? $(cat "$T_TMP/e")" "0 " "dump --format $fmt | head: exit 0, no message"
done
"$SHMSPY" dump "$N" 2>"$T_TMP/e" | head -c 100 >/dev/null
t_expect_eq "$? $(cat "$T_TMP/e")" "0 " "dump | head: exit 0, no message (the reader has what it wanted)"
set +o pipefail
"$SHMSPY" dump "$N" -n 1M >/dev/full 2>"$T_TMP/e"
t_expect_eq "$? $(cat "$T_TMP/e")" "1 shmspy: stdout: No space left on device" \
  "stdout full: exit 1 with one line"
"$SHMSPY" list >&- 2>"$T_TMP/e"
t_expect_eq "$? $(cat "$T_TMP/e")" "1 shmspy: stdout: Bad file descriptor" \
  "stdout closed: exit 1 with one line"
"$SHMSPY" list --json >/dev/full 2>"$T_TMP/e"
t_expect_eq "$? $(cat "$T_TMP/e")" "1 shmspy: stdout: No space left on device" \
  "list --json >/dev/full: exit 1 with one line"
for cmd in "stat --json" "stat" "read --as u32" "dump --format raw"; do
  # shellcheck disable=SC2086 # the options after the name
  "$SHMSPY" "${cmd%% *}" "$N" ${cmd#"${cmd%% *}"} >/dev/full 2>"$T_TMP/e"
  t_expect_eq "$? $(cat "$T_TMP/e")" "1 shmspy: stdout: No space left on device" \
    "$cmd >/dev/full: exit 1 with one line"
done
t_done
