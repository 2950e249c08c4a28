#!/usr/bin/env bash
# `shmspy blame` against real writers (samples/blame_writer, built -g -O0:
# it says which function and line write the counter) and real hardware
# watchpoints: blame names the pid, tid, function and line (the module
# without libdw); two processes mapping at different addresses are both
# found; a process that maps the object while blame runs is found, and a
# thread started later; --len widens the watch, --access rw catches a
# read; --count stops; --json lines parse; Ctrl-C prints the summary; bad
# offsets are usage errors; with kernel.perf_event_paranoid raised to 3 an
# unprivileged user gets one line naming it (the sysctl restored on exit).
# Where the kernel offers no hardware breakpoints the test says so and
# skips.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
BW=$SPY_SAMPLES/blame_writer

N=$(t_name blame)
t_cleanup "rm -f /dev/shm$N"
"$SHMSPY" create "$N" 4096 --mode 0644 >/dev/null || {
  t_fail "create $N"
  t_done
  exit
}

# start_writer TAG ARGS...: blame_writer on $N in the background, output in
# $T_TMP/TAG.out; waits for its "mapped" line (unless --delay-map) and sets
# WPID. Ended on exit by common.sh.
start_writer() {
  local tag=$1
  shift
  "$BW" "$N" "$@" >"$T_TMP/$tag.out" 2>&1 &
  WPID=$!
  case " $* " in
  *" --delay-map "*) t_wait_for "grep -q '^where' '$T_TMP/$tag.out'" 50 ;;
  *) t_wait_for "grep -q '^mapped' '$T_TMP/$tag.out'" 50 ;;
  esac
}
stop_writer() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

HAVE_DW=0
"$SHMSPY" --version | grep -q '^libdw: yes' && HAVE_DW=1

# ---- are there hardware breakpoints at all? ----------------------------
start_writer w0 --offset 16 --hz 50
t_run timeout 20 "$SHMSPY" blame "$N" 16 --count 3
if [ "$T_RC" -ne 0 ] && printf '%s' "$T_ERR" | grep -q "no hardware breakpoints"; then
  echo "skip: $T_ERR"
  stop_writer "$WPID"
  t_done
  exit
fi

# ---- one writer: pid, tid, function, line ---------------------------------
t_expect_rc 0 "blame --count 3 ends by itself"
where=$(sed -n 's/^where //p' "$T_TMP/w0.out")
fn=${where%% *}
fileline=${where#* }
line=${fileline##*:}
t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^+')" 3 "--count 3: three hits printed"
t_expect_match "$T_OUT" "^\+[0-9]+\.[0-9]{6} pid $WPID tid $WPID blame_writer off 0x10 value [0-9]+ " \
  "a hit names the writer's pid, tid and command"
if [ "$HAVE_DW" = 1 ]; then
  t_expect_match "$T_OUT" "at $fn\+0x[0-9a-f]+ .*blame_writer\.c:$line \(blame_writer\)$" \
    "a hit names the function and the source line ($fn, line $line)"
else
  t_expect_match "$T_OUT" "at blame_writer\+0x[0-9a-f]+" "without libdw: module and offset"
  echo "skip: no libdw: function and line not checked"
fi
t_expect_match "$T_OUT" "^summary: $N: 3 hits from 1 process, 0 lost, 0 refused$" "the summary counts them"
t_expect_match "$T_OUT" "^  pid $WPID blame_writer: 3 hits, first \+[0-9.]+, last \+[0-9.]+$" \
  "the summary has the writer"
t_expect_match "$T_OUT" "^ +3  $fn\+" "the summary has its code location and count"
t_expect_match "$T_ERR" "watching 0x10 \(4 bytes, writes\) in 1 process, 1 thread" \
  "stderr says what is armed"
t_expect_clean "blame"

# ---- --json -------------------------------------------------------------
t_run timeout 20 "$SHMSPY" blame "$N" 16 --count 3 --json
t_expect_rc 0 "blame --json"
if python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 4, lines
hits = [json.loads(l) for l in lines[:3]]
for h in hits:
    assert h["pid"] == int(sys.argv[2]) and h["tid"] == h["pid"], h
    assert h["offset"] == 16 and h["command"] == "blame_writer", h
    assert isinstance(h["value"], int) and h["ip"] > 0, h
    if sys.argv[3] == "1":
        assert h["function"] == sys.argv[4] and h["line"] == int(sys.argv[5]), h
s = json.loads(lines[3])["summary"]
assert s["hits"] == 3 and s["lost"] == 0, s
assert s["writers"][0]["pid"] == int(sys.argv[2]) and s["writers"][0]["count"] == 3, s
' "$T_TMP/out" "$WPID" "$HAVE_DW" "$fn" "$line"; then
  t_ok "--json: three hit lines and a summary line, each valid JSON"
else
  t_fail "--json lines" "$T_OUT"
fi
stop_writer "$WPID"

# ---- two processes, different addresses ---------------------------------
start_writer a --offset 16 --hz 50
PA=$WPID
start_writer b --offset 16 --hz 50 --maps 2
PB=$WPID
addr_a=$(sed -n 's/^mapped //p' "$T_TMP/a.out")
addr_b=$(sed -n 's/^mapped //p' "$T_TMP/b.out")
t_run timeout 20 "$SHMSPY" blame "$N" 16 --for 1
t_expect_rc 0 "blame --for 1 ends by itself"
t_expect_match "$T_OUT" "pid $PA tid $PA " "writer A (at $addr_a) is found"
t_expect_match "$T_OUT" "pid $PB tid $PB " "writer B (mapping twice, at $addr_b) is found"
t_expect_match "$T_OUT" "^summary: $N: [0-9]+ hits from 2 processes" "the summary has both"
t_expect_match "$T_ERR" "in 2 processes" "both armed at start"
stop_writer "$PA"
stop_writer "$PB"

# ---- a process that maps it while blame runs; a thread started later ----
"$SHMSPY" blame "$N" 16 --for 4 >"$T_TMP/late.out" 2>"$T_TMP/late.err" &
BP=$!
t_wait_for "grep -q watching '$T_TMP/late.err'" 100
start_writer late --offset 16 --hz 50 --delay-map 0.5
PL=$WPID
start_writer thr --offset 16 --hz 50 --threads 1 --thread-delay 1
PT=$WPID
wait "$BP"
rc=$?
t_expect_eq "$rc" 0 "blame --for 4 in the background ended"
out=$(cat "$T_TMP/late.out")
t_expect_match "$(cat "$T_TMP/late.err")" "in 0 processes, 0 threads; waiting for a process to map it" \
  "blame started with no writer"
t_expect_match "$out" "pid $PL tid $PL " "a process that mapped the object later is found"
TID=$(sed -n 's/^thread //p' "$T_TMP/thr.out")
if [ -n "$TID" ] && [ "$TID" != "$PT" ]; then
  t_expect_match "$out" "pid $PT tid $TID " "a thread started later (tid $TID) is found"
else
  t_fail "blame_writer --threads 1 started a thread" "$(cat "$T_TMP/thr.out")"
fi
stop_writer "$PL"
stop_writer "$PT"

# ---- --len and --access rw ---------------------------------------------
start_writer len --offset 20 --hz 50
t_run timeout 20 "$SHMSPY" blame "$N" 16 --for 1
t_expect_match "$T_OUT" "^summary: $N: 0 hits" "a 4-byte watch at 16 misses a write at 20"
t_run timeout 20 "$SHMSPY" blame "$N" 16 --len 8 --count 2
t_expect_rc 0 "--len 8 --count 2"
t_expect_match "$T_OUT" "^summary: $N: 2 hits from 1 process" "--len 8 at 16 catches the write at 20"
stop_writer "$WPID"

start_writer rd --offset 24 --hz 50 --read
rwhere=$(sed -n 's/^where //p' "$T_TMP/rd.out")
t_run timeout 20 "$SHMSPY" blame "$N" 24 --for 1
t_expect_match "$T_OUT" "^summary: $N: 0 hits" "a write watch misses reads"
t_run timeout 20 "$SHMSPY" blame "$N" 24 --access rw --count 2
t_expect_rc 0 "--access rw --count 2"
t_expect_match "$T_OUT" "^summary: $N: 2 hits from 1 process" "--access rw catches the reads"
if [ "$HAVE_DW" = 1 ]; then
  t_expect_match "$T_OUT" "at ${rwhere%% *}\+0x[0-9a-f]+ .*blame_writer\.c:${rwhere##*:} " \
    "a read names its function and line ($rwhere)"
fi
stop_writer "$WPID"

# ---- --type T --field F --------------------------------------------------
if [ "$HAVE_DW" = 1 ] && command -v cc >/dev/null; then
  printf 'struct bl { char pad[16]; unsigned counter; unsigned char big[16]; };\n' >"$T_TMP/bl.h"
  export XDG_CACHE_HOME=$T_TMP/cache
  start_writer typed --offset 16 --hz 50
  t_run timeout 30 "$SHMSPY" blame "$N" --type 'struct bl' --header "$T_TMP/bl.h" --field counter --count 2
  t_expect_rc 0 "--type --field counter --count 2"
  t_expect_match "$T_OUT" "^summary: $N: 2 hits from 1 process" "--field counter watches offset 16"
  t_expect_match "$T_ERR" "watching 0x10 \(4 bytes, writes\)" "the field's offset and size"
  t_run "$SHMSPY" blame "$N" --type 'struct bl' --header "$T_TMP/bl.h" --field big
  t_expect_error 2 "blame: field big is 16 bytes: a watch is 1, 2, 4 or 8" "a 16-byte field is a usage error"
  stop_writer "$WPID"
else
  echo "skip: no libdw or no cc: --type/--field not tested"
fi

# ---- Ctrl-C (SIGINT) and SIGTERM print the summary ------------------------
start_writer sig --offset 16 --hz 50
for sig in INT TERM; do
  "$SHMSPY" blame "$N" 16 >"$T_TMP/sig.out" 2>"$T_TMP/sig.err" &
  BP=$!
  t_wait_for "grep -q '^+' '$T_TMP/sig.out'" 50
  kill -"$sig" "$BP"
  wait "$BP"
  rc=$?
  t_expect_eq "$rc" 0 "SIG$sig: blame stops cleanly"
  t_expect_match "$(cat "$T_TMP/sig.out")" "^summary: $N: [1-9][0-9]* hits? from 1 process" \
    "SIG$sig: the summary is printed"
done
stop_writer "$WPID"

# ---- usage errors --------------------------------------------------------
t_run "$SHMSPY" blame "$N" 18
t_expect_error 2 "OFFSET 0x12 is not a multiple of --len 4" "a misaligned offset"
t_run "$SHMSPY" blame "$N" 0 8 16 24 32
t_expect_error 2 "at most 4 offsets" "five offsets"
t_run "$SHMSPY" blame "$N" 16 --len 3
t_expect_error 2 "1, 2, 4 or 8" "--len 3"
t_run "$SHMSPY" blame "$N"
t_expect_error 2 "missing OFFSET" "no offset"
t_run "$SHMSPY" blame "$N" 8192
t_expect_error 1 "past the end" "an offset past the end"

# ---- refusal: an unprivileged user with perf_event_paranoid 3 ------------
P=/proc/sys/kernel/perf_event_paranoid
if t_can_switch_user && [ -w "$P" ]; then
  OLD=$(cat "$P")
  t_cleanup "echo $OLD > $P"
  start_writer ref --offset 16 --hz 50
  if echo 3 >"$P" 2>/dev/null && [ "$(cat "$P")" = 3 ]; then
    t_run t_as_user 65534 "$SHMSPY" blame "$N" 16 --for 1
    # A kernel that enforces level 3 refuses every perf event of ours;
    # mainline treats 3 as 2, and root's writer is out of reach anyway.
    t_expect_error 1 "kernel.perf_event_paranoid is 3" \
      "paranoid 3, root's writer: one line naming the sysctl"
    t_expect_match "$T_ERR" "CAP_PERFMON" "... and the capability that would allow it"
  else
    echo "skip: kernel.perf_event_paranoid cannot be raised here"
  fi
  echo "$OLD" >"$P"
  t_expect_eq "$(cat "$P")" "$OLD" "perf_event_paranoid restored"
  stop_writer "$WPID"
else
  echo "skip: not root, or $P not writable: refusal not tested"
fi

t_done
