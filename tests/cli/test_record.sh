#!/usr/bin/env bash
# record: a recording of a writer with a known script (samples/
# script_writer); --until (exit 0 when it held, 5 when not); --for;
# --max-size; a ring saved on SIGUSR1 and at the end; truncation,
# removal and recreation recorded as events while recording goes on;
# SIGINT ends with a complete file; errors in one line. (What the
# recording holds, byte for byte, is checked by unit.ops.test_record
# through the timeline.)
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

W="$SPY_SAMPLES/script_writer"
N=$(t_name rec)
t_cleanup "rm -f '/dev/shm$N'"

# The summary line's count of a word ("3 events" -> 3).
count_of() { printf '%s\n' "$T_ERR" | grep -oE "[0-9]+ $1" | tail -1 | cut -d' ' -f1; }

# rec_bg TAG ARGS...: record NAME in the background; back once it has
# said it started (its first sample is taken: a slow start, e.g. under
# valgrind, must not miss a scripted change). rec_wait: its status and
# stderr in T_RC and T_ERR.
rec_bg() {
  local tag=$1
  shift
  "$SHMSPY" record "$N" "$@" >"$T_TMP/$tag.out" 2>"$T_TMP/$tag.err" &
  RPID=$!
  RTAG=$tag
  t_wait_for "grep -q 'Ctrl-C stops' '$T_TMP/$tag.err'" 300 ||
    echo "record did not say it started"
}
rec_wait() {
  wait "$RPID"
  T_RC=$?
  T_ERR=$(cat "$T_TMP/$RTAG.err")
}

# --- a scripted writer, recorded while it runs --------------------------
# The segment first, then the recorder, then the writer (SIZE 0: it opens
# the existing segment), so every step happens while recording.
shm_make "$N" 4096
mkdir -p "$T_TMP/s1"
rec_bg a -o "$T_TMP/a.rec" --for 2.5s
"$W" "$N" 0 "$T_TMP/s1" \
  "at 300 write u32 7 at 0x40; at 500 fill 0x100..0x200 with 0xAB;
   at 700 truncate to 2048; at 900 truncate to 8192;
   at 1100 write u8 1 at 0x1ff0" &
WPID=$!
rec_wait
wait "$WPID"
t_expect_rc 0 "record --for ends with 0"
t_expect_match "$T_ERR" "^shmspy: recording $N \(4096 bytes\) at 100 Hz to .*a\.rec; Ctrl-C stops" \
  "one start line names the segment, its size, the rate and the file"
t_expect_match "$T_ERR" "recorded $N: [0-9]+ samples \([0-9]+ with changes, .* changed\), [0-9]+ missed, [0-9]+ events, .* in .*a\.rec, [0-9]+\.[0-9]{3}s; --for elapsed" \
  "one summary line: samples, changes, missed, events, file bytes, duration, why it ended"
t_expect_eq "$(printf '%s\n' "$T_ERR" | grep -c '')" "2" "two lines on stderr"
ev=$(count_of events)
if [ "${ev:-0}" -ge 2 ]; then t_ok "the truncation and the growth are events ($ev)"
else t_fail "the truncation and the growth are events" "$T_ERR"; fi
ch=$(printf '%s\n' "$T_ERR" | grep -oE '\(([0-9]+) with changes' | grep -oE '[0-9]+')
if [ "${ch:-0}" -ge 4 ]; then t_ok "the writes are deltas ($ch samples with changes)"
else t_fail "the writes are deltas" "$T_ERR"; fi
t_expect_eq "$(stat -c '%a' "$T_TMP/a.rec")" "600" "the recording is mode 0600"

# --- --until ---------------------------------------------------------------
rm -f "/dev/shm$N"
mkdir -p "$T_TMP/s2"
"$W" "$N" 4096 "$T_TMP/s2" "at 400 write u32 5 at 0x40; at 600 write u32 0 at 0x80" &
t_wait_for "test -e '/dev/shm$N'"
t_run "$SHMSPY" record "$N" -o "$T_TMP/u.rec" --until 'off=0x80 u32 == 0' --for 5s
t_expect_rc 0 "--until already true at the start triggers at once (exit 0)"
t_expect_match "$T_ERR" "triggered at 0\.000s: off=0x80 u32 == 0" \
  "the summary says when and what"
t_run "$SHMSPY" record "$N" -o "$T_TMP/u2.rec" --until 'off=0x40 u32 == 5' --for 5s
t_expect_rc 0 "--until off=0x40 u32 == 5 triggers on the write (exit 0)"
t_expect_match "$T_ERR" "; triggered at [0-9.]+s: off=0x40 u32 == 5$" \
  "triggered on the right condition"
wait
t_run "$SHMSPY" record "$N" -o "$T_TMP/u3.rec" --until 'off=0x40 i32 < -1' --for 300ms
t_expect_rc 5 "--until that never holds: exit 5 when --for ends"
t_expect_match "$T_ERR" "--for elapsed \(--until did not hold\)" "the summary says it did not hold"
"$SHMSPY" record "$N" -o "$T_TMP/u4.rec" --until 'off=64 len=8 changes' \
  --for 20s 2>"$T_TMP/u4.err" &
rp=$!
t_wait_for "grep -q 'Ctrl-C stops' '$T_TMP/u4.err'"
shm_poke "$N" 80 "ff"  # outside the range: no trigger
sleep 0.1
shm_poke "$N" 70 "09"
wait $rp
T_RC=$?
T_ERR=$(cat "$T_TMP/u4.err")
t_expect_rc 0 "--until 'off=64 len=8 changes' triggers on a change in range"

# --- removal and recreation while recording ------------------------------
rm -f "/dev/shm$N"
shm_make "$N" 4096
mkdir -p "$T_TMP/s3"
rec_bg r -o "$T_TMP/r.rec" --for 5s --until 'off=0 u32 == 9'
"$W" "$N" 0 "$T_TMP/s3" \
  "at 300 remove; at 900 create 2048; at 1300 write u32 9 at 0" &
WPID=$!
rec_wait
wait "$WPID"
t_expect_rc 0 "recording goes on after the name is removed and comes back: the new object's write triggers"
ev=$(count_of events)
if [ "${ev:-0}" -ge 2 ]; then t_ok "removed and recreated are events ($ev)"
else t_fail "removed and recreated are events" "$T_ERR"; fi

# --- --max-size -----------------------------------------------------------
rm -f "/dev/shm$N"
mkdir -p "$T_TMP/s4"
script=""
for i in $(seq 1 40); do script+="at $((i * 30)) fill 0..4096 with $i;"; done
"$W" "$N" 4096 "$T_TMP/s4" "$script" &
t_wait_for "test -e '/dev/shm$N'"
t_run "$SHMSPY" record "$N" -o "$T_TMP/m.rec" --max-size 20K --no-compress --for 5s
wait
t_expect_rc 0 "--max-size ends the recording (exit 0)"
t_expect_match "$T_ERR" "stopped before --max-size" "the summary says why it ended"
sz=$(stat -c %s "$T_TMP/m.rec")
if [ "$sz" -le 20480 ]; then t_ok "the file stayed within --max-size ($sz bytes)"
else t_fail "the file stayed within --max-size" "$sz bytes"; fi

# --- a ring: saved on SIGUSR1 and at the end; SIGINT ends cleanly -----------
rm -f "/dev/shm$N"
shm_make "$N" 4096
"$SHMSPY" record "$N" -o "$T_TMP/ring.rec" --ring 300ms 2>"$T_TMP/ring.err" &
rp=$!
t_wait_for "grep -q 'kill -USR1' '$T_TMP/ring.err'"
shm_poke "$N" 16 "01 02"
sleep 0.2
kill -USR1 $rp
t_wait_for "grep -q 'saved the ring' '$T_TMP/ring.err'"
if [ -s "$T_TMP/ring.rec" ]; then t_ok "SIGUSR1 saves the ring to the file"
else t_fail "SIGUSR1 saves the ring to the file" "$(cat "$T_TMP/ring.err")"; fi
kill -INT $rp
wait $rp
T_RC=$?
T_ERR=$(cat "$T_TMP/ring.err")
t_expect_rc 0 "SIGINT ends a ring with 0"
t_expect_match "$T_ERR" "stopped by SIGINT" "the summary says SIGINT"
t_expect_match "$T_ERR" "keeping the last 0\.300s in memory \(at most 256\.0 MiB\)" \
  "the start line says the window and the default memory cap"

# --max-size with --ring caps the ring's memory: a segment rewritten
# all over keeps less than the window, and the summary says so.
( while :; do
    dd if=/dev/urandom of="/dev/shm$N" bs=4096 count=1 conv=notrunc \
      status=none 2>/dev/null || exit
    sleep 0.01
  done ) &
churn=$!
t_run "$SHMSPY" record "$N" -o "$T_TMP/cap.rec" --ring 60s --max-size 24K --for 1s
kill "$churn"
wait "$churn" 2>/dev/null
t_expect_rc 0 "--ring with --max-size records"
t_expect_match "$T_ERR" "\(the last [0-9]+\.[0-9]{3}s kept: 24\\.0 KiB of memory shortened --ring\)" \
  "the summary says the memory cap shortened the window"
t_run "$SHMSPY" replay "$T_TMP/cap.rec" --info
t_expect_match "$T_OUT" "^ring +yes" "... and the file saved is a ring's"

# SIGINT while writing as it goes: exit 0 and a file.
"$SHMSPY" record "$N" -o "$T_TMP/int.rec" 2>"$T_TMP/int.err" &
rp=$!
t_wait_for "grep -q 'Ctrl-C stops' '$T_TMP/int.err'"
shm_poke "$N" 32 "aa"
sleep 0.2
kill -INT $rp
wait $rp
T_RC=$?
T_ERR=$(cat "$T_TMP/int.err")
t_expect_rc 0 "SIGINT ends a recording with 0"
t_expect_match "$T_ERR" "stopped by SIGINT" "the summary says SIGINT"

# --- --until field=PATH with a typed layout ---------------------------------
ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)
if "$SHMSPY" layout --header "$ROOT/samples/typed_layout.h" \
  --type "struct typed_shared" -o "$T_TMP/t.layout" 2>/dev/null; then
  "$SHMSPY" record "$N" -o "$T_TMP/f.rec" --layout "$T_TMP/t.layout" \
    --until 'field=delta < -3' --for 20s 2>"$T_TMP/f.err" &
  rp=$!
  t_wait_for "grep -q 'Ctrl-C stops' '$T_TMP/f.err'"
  "$SHMSPY" write "$N" --layout "$T_TMP/t.layout" --field delta -- -2
  sleep 0.1
  "$SHMSPY" write "$N" --layout "$T_TMP/t.layout" --field delta -- -5
  wait $rp
  T_RC=$?
  T_ERR=$(cat "$T_TMP/f.err")
  t_expect_rc 0 "--until 'field=delta < -3' (int16_t from the layout) triggers on -5, not -2"
  t_expect_match "$T_ERR" "triggered at .*: field=delta < -3" "the summary names the field condition"
  t_run "$SHMSPY" record "$N" -o "$T_TMP/f2.rec" --layout "$T_TMP/t.layout" --until 'field=msg == 1'
  t_expect_error 2 "field=msg == 1'.*not a number: only 'changes'" "a comparison on a char array is a usage error"
  t_run "$SHMSPY" record "$N" -o "$T_TMP/f2.rec" --layout "$T_TMP/t.layout" --until 'field=nope changes'
  t_expect_error 2 "no field nope" "an unknown field is a usage error"
else
  echo "skip - no typed layouts from headers here (cc or libdw missing)"
fi

# --- --blame: hits recorded with the writer and the bytes -----------------
BN=$(t_name rblame)
t_cleanup "rm -f /dev/shm$BN"
if "$SHMSPY" create "$BN" 4096 >/dev/null; then
  "$SPY_SAMPLES/blame_writer" "$BN" --offset 64 --hz 50 >"$T_TMP/bw.out" 2>&1 &
  BWPID=$!
  t_cleanup "kill $BWPID 2>/dev/null"
  t_wait_for "grep -q '^mapped' '$T_TMP/bw.out'" 50
  t_run "$SHMSPY" record "$BN" -o "$T_TMP/blame.rec" --for 1s --blame 64
  if [ "$T_RC" -ne 0 ] && printf '%s' "$T_ERR" | grep -qi "breakpoint\|perf_event"; then
    echo "skip - no hardware watchpoints here: $T_ERR"
  else
    t_expect_rc 0 "record --blame 64 records"
    t_expect_match "$T_ERR" "[1-9][0-9]* blame hits" "the summary counts the hits"
    t_run "$SHMSPY" replay "$T_TMP/blame.rec" --log --json
    t_expect_rc 0 "replay --log --json of a recording with hits"
    if python3 - "$T_TMP/out" "$BWPID" <<'PY'; then
import json, sys
hits = [h for h in map(json.loads, open(sys.argv[1])) if h.get("event") == "hit"]
assert len(hits) >= 10, len(hits)
for h in hits:
    assert h["pid"] == int(sys.argv[2]) and h["off"] == 64 and h["len"] == 4, h
    assert h["comm"] == "blame_writer" and len(h["value"]) == 8, h
# A hit's value is the bytes there when the hit was taken (right after
# the write, or later when the recorder was busy): the writer counts up,
# so they never go down, and they move.
vals = [int.from_bytes(bytes.fromhex(h["value"]), "little") for h in hits]
assert all(b >= a for a, b in zip(vals, vals[1:])) and vals[-1] > vals[0], vals
PY
      t_ok "each hit names the writer, the offset and the value there"
    else
      t_fail "each hit names the writer, the offset and the value there" "$(head -c 2000 "$T_TMP/out")"
    fi
  fi
  kill "$BWPID" 2>/dev/null
  wait "$BWPID" 2>/dev/null
else
  t_fail "create $BN"
fi

# --- errors: one line and the exit code ----------------------------------
t_run "$SHMSPY" record "$N" -o "$T_TMP/int.rec" --for 100ms
t_expect_error 1 "exists.*--force" "an existing -o without --force is refused"
t_run "$SHMSPY" record "$N" -o "$T_TMP/int.rec" --for 100ms --force
t_expect_rc 0 "--force replaces it"
t_run "$SHMSPY" record "$(t_name none)" -o "$T_TMP/none.rec"
t_expect_error 1 "no such shared memory object" "a missing segment"
if [ -e "$T_TMP/none.rec" ]; then t_fail "no file is left for a missing segment"
else t_ok "no file is left for a missing segment"; fi
# A ring writes FILE only when it saves: what it could never write is
# refused at the start, in one line, and nothing is left behind.
t_run "$SHMSPY" record "$N" -o "$T_TMP/int.rec" --ring 1s --for 100ms
t_expect_error 1 "int\.rec: exists \(use --force to replace it\)" \
  "--ring: an existing -o without --force is refused at the start"
t_expect_nomatch "$T_ERR" "recording" "... before recording"
t_run "$SHMSPY" record "$N" -o "$T_TMP/nodir/r.rec" --ring 1s --for 100ms
t_expect_error 1 "nodir/r\.rec: no such file or directory" \
  "--ring: a missing directory is refused at the start"
t_run "$SHMSPY" record "$N" -o "$T_TMP/nodir/r.rec" --ring 1s --for 100ms --force
t_expect_error 1 "nodir/r\.rec: no such file or directory" \
  "--ring --force: a missing directory is refused, naming FILE"
mkdir "$T_TMP/ro"
chmod 0500 "$T_TMP/ro"
if t_can_switch_user; then
  chmod 0711 "$T_TMP" # (searchable: only ro/ is not writable)
  t_run t_as_user 65534 "$SHMSPY" record "$N" -o "$T_TMP/ro/r.rec" --ring 1s --for 100ms
  t_expect_error 1 "ro/r\.rec: permission denied" \
    "--ring: a directory not writable is refused at the start"
elif [ "$(id -u)" -ne 0 ]; then
  t_run "$SHMSPY" record "$N" -o "$T_TMP/ro/r.rec" --ring 1s --for 100ms
  t_expect_error 1 "ro/r\.rec: permission denied" \
    "--ring: a directory not writable is refused at the start"
else
  echo "skip - --ring into a directory not writable: root writes anywhere"
fi
t_expect_eq "$(ls -A "$T_TMP/ro")" "" "... and nothing is left in it"
chmod 0700 "$T_TMP/ro"
t_run "$SHMSPY" record "$N" -o "$T_TMP/ring-ok.rec" --ring 1s --for 200ms
t_expect_rc 0 "--ring into a writable place still records"
t_expect_eq "$(ls "$T_TMP" | grep -c 'ring-ok\.rec\.tmp')" "0" \
  "... and leaves no temporary beside it"
t_run "$SHMSPY" record "$N" -o "$T_TMP/x.rec" --until 'off=0x40 u32 => 0'
t_expect_error 2 "--until 'off=0x40 u32 => 0': unknown operator '=>' \(use ==, !=, <, >, changes\)" \
  "a bad --until is a usage error naming the condition and the reason"
t_run "$SHMSPY" record "$N" -o "$T_TMP/x.rec" --hz 0
t_expect_error 2 "--hz" "--hz 0 is a usage error"
t_run "$SHMSPY" record "$N" -o "$T_TMP/x.rec" --for 1x
t_expect_error 2 "--for: bad duration '1x'" "a bad --for is a usage error"
t_run "$SHMSPY" record "$N"
t_expect_error 2 "-o|--output" "-o is required"
t_run "$SHMSPY" record "$N" -o "$T_TMP/x.rec" --until 'field=a.b == 1'
t_expect_error 2 "needs a layout" "--until field= without --type is a usage error"

t_done
