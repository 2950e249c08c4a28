#!/usr/bin/env bash
# Faults while reading live memory, signals, and broken outputs: nothing
# dies of a signal, every error is one explained line.
source "$SPY_TESTLIB"
N=$(t_name faults)
t_cleanup "rm -f /dev/shm$N"
head -c $((32 * 1024 * 1024)) /dev/urandom >"$T_TMP/data"
"$SHMSPY" write "$N" --create 32M --file "$T_TMP/data"

# A writer truncates and regrows the object as fast as it can while we
# dump and read it: each run ends normally (0) or with an explained error (1).
( while :; do truncate -s 0 /dev/shm$N; truncate -s 32M /dev/shm$N; done ) &
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
kill $TR
wait $TR 2>/dev/null
truncate -s 32M /dev/shm$N # the loop may have stopped between its steps
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
for sig in INT TERM HUP; do
  H=$(t_name hold$sig)
  t_cleanup "rm -f /dev/shm$H"
  mkfifo "$T_TMP/f$sig"
  "$SHMSPY" write "$H" --create 4K --as u32 7 --hold <"$T_TMP/f$sig" 2>"$T_TMP/h.err" &
  HP=$!
  exec 7>"$T_TMP/f$sig"
  t_wait_for "grep -q holding '$T_TMP/h.err'"
  kill -$sig $HP
  wait $HP
  rc=$?
  exec 7>&-
  t_expect_eq "$rc $(test -e /dev/shm$H && echo present || echo gone)" "0 gone" \
    "SIG$sig to write --hold: exit 0 and the object is removed"
done

# Broken outputs.
set -o pipefail
"$SHMSPY" dump "$N" 2>"$T_TMP/e" | head -c 100 >/dev/null
t_expect_eq "$? $(cat "$T_TMP/e")" "0 " "dump | head: exit 0, no message (the reader has what it wanted)"
set +o pipefail
"$SHMSPY" dump "$N" -n 1M >/dev/full 2>"$T_TMP/e"
t_expect_eq "$? $(cat "$T_TMP/e")" "1 shmspy: stdout: No space left on device" \
  "stdout full: exit 1 with one line"
"$SHMSPY" list >&- 2>"$T_TMP/e"
t_expect_eq "$? $(cat "$T_TMP/e")" "1 shmspy: stdout: Bad file descriptor" \
  "stdout closed: exit 1 with one line"
t_done
