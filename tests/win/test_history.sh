#!/usr/bin/env bash
# tests/win/test_history.sh - a section's history on Windows (issue 19),
# without the TUI (tests/win/test_replay_tui.sh drives the replay view):
# win_writer holds a named section and shmspy.exe write changes it at
# known moments; snapshot twice around a change and diff them (exit 6,
# the changed range), diff NAME against a snapshot; record --for 2s while
# writes happen, then replay --info, --log --json (the writes, in order)
# and --dump --at T (the frame equals the snapshot taken at that moment);
# log --for 2s --json sees the writes; a cut or damaged recording is
# refused with one line naming the byte offset (exit 1); record --until
# triggers (exit 0) when its write lands, and ends with 5 when it does not.
# The Windows build has no zstd: the recordings are uncompressed.
#
# No timing is asserted: what happens while a recorder runs is checked as
# a chain (each change's old bytes are the previous change's new ones, the
# values rise as they were written), not as counts. Every background Wine
# process has a bounded exit (--for, timeout) and is killed after a
# bounded poll: an unbounded wait on Wine hung this suite before.
# Run by scripts/test-windows (WINEPREFIX, WINEDEBUG, BUILD_DIR set).
# Prints "N passed, N failed".
# shellcheck disable=SC2086 # $W is a command line: timeout, wine, the .exe
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# has NAME TEXT PATTERN: an extended regexp matches a line of TEXT (CRs of
# Win32 text output dropped).
has() {
  set -- "$1" "$(tr -d '\r' <<<"$2")" "$3"
  if grep -qE -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "want /$3/ in:" "$2"; fi
}
# rc_is NAME WANT: the last run exited with WANT.
rc_is() { if [ "$rc" -eq "$2" ]; then ok "$1"; else bad "$1" "exit $rc, want $2"; fi; }
# one_line NAME TEXT: TEXT (CRs dropped) is exactly one line.
one_line() {
  if [ "$(tr -d '\r' <<<"$2" | wc -l)" -eq 1 ]; then ok "$1"; else bad "$1" "not one line:" "$2"; fi
}

# Background Wine processes: bg_start runs CMD... with its output in
# $T/bg.out and $T/bg.err and its pid in $bgpid; bg_end SECS polls (at most
# SECS seconds) for its end and sets $bgrc (its exit status, or 124 when it
# had to be killed). `wait` is only called once the process is gone.
bgpid='' bgrc=0
bg_start() {
  "$@" >"$T/bg.out" 2>"$T/bg.err" &
  bgpid=$!
}
bg_end() {
  local _
  for _ in $(seq $(($1 * 10))); do
    kill -0 "$bgpid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$bgpid" 2>/dev/null; then
    kill -KILL "$bgpid" 2>/dev/null
    bgrc=124
  else
    wait "$bgpid"
    bgrc=$?
  fi
  bgpid=''
}
bg_alive() { [ -n "$bgpid" ] && kill -0 "$bgpid" 2>/dev/null; }

# At exit: a background shmspy.exe still running is killed; the writer's
# input ends, it gets 5 s to go, then it is killed.
wpid=
trap '[ -n "$bgpid" ] && kill -KILL "$bgpid" 2>/dev/null
exec 3>&-
for _ in $(seq 50); do [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
rm -rf "$T"' EXIT
trap "" PIPE
NAME="Local\\spy-win-hist-$$"
mkfifo "$T/w"
wine "$S/win_writer.exe" "$NAME" <"$T/w" >"$T/w.log" 2>&1 &
wpid=$!
exec 3>"$T/w"
if ! wait_section "$NAME" "$T/w.log"; then
  echo "$pass passed, $fail failed"
  exit 1
fi
# Windows paths of the files (as test_layout_file.sh does).
wp() { winepath -w "$T/$1" 2>/dev/null; }
# dump_of FILE [--at T]: the frame replay --dump prints, CRs dropped.
dump_of() { $W replay "$(wp "$1")" --dump "${@:2}" 2>&1 | tr -d '\r'; }

# ---- snapshot, a change, snapshot; diff -------------------------------------
must "snapshot s0" $W snapshot "$NAME" -o "$(wp s0.rec)"
must "write 3 bytes at 0x40" $W write "$NAME" -s 0x40 --hex c0ffee
must "snapshot s1" $W snapshot "$NAME" -o "$(wp s1.rec)"
run $W replay "$(wp s1.rec)" --info
rc_is "replay --info of a snapshot: exit 0" 0
has "a snapshot is one sample" "$out" '^samples +1$'
has "the Windows build writes uncompressed recordings" "$out" '^compressed +no$'
run $W snapshot "$NAME" -o "$(wp s1.rec)"
rc_is "snapshot over an existing file without --force: exit 1" 1
has "... one line naming the file" "$err" 's1\.rec'

run $W diff "$(wp s0.rec)" "$(wp s1.rec)"
rc_is "diff of two snapshots around a change: exit 6" 6
has "diff: the changed range" "$out" '^@@ 0x40\.\.0x43 \(3 bytes\) @@$'
has "diff: the old row (xxd layout)" "$out" '^-00000040: 0000 0000 '
has "diff: the new row (xxd layout)" "$out" '^\+00000040: c0ff ee00 '
run $W diff "$(wp s0.rec)" "$(wp s1.rec)" --json
rc_is "diff --json: exit 6" 6
printf '%s\n' "$out" >"$T/diff.json"
if py=$(python3 - "$T/diff.json" 2>&1 <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert r == [{"off": 64, "len": 3, "old": "000000", "new": "c0ffee"}], r
EOF
); then ok "diff --json: one object, the range with its old and new bytes"
else bad "diff --json: one object, the range with its old and new bytes" "$py" "$out"; fi
run $W diff "$NAME" "$(wp s1.rec)"
rc_is "diff NAME against the snapshot of now: equal, exit 0" 0
run $W diff "$NAME" "$(wp s0.rec)"
rc_is "diff NAME against the older snapshot: exit 6" 6
has "diff NAME snapshot: the changed range" "$out" '^@@ 0x40\.\.0x43 \(3 bytes\) @@$'

# ---- record --for 2s while writes happen --------------------------------
# The recorder is started; once its file holds a header, values 1, 2, ...
# go to 0x50, each followed by a snapshot (snap_V: the section after the
# write of V), until the recorder ends (at most 40 steps).
bg_start timeout 60 wine "$B/shmspy.exe" record "$NAME" -o "$(wp r.rec)" --for 2s
for _ in $(seq 300); do [ -s "$T/r.rec" ] || ! bg_alive && break; sleep 0.1; done
v=0
while bg_alive && [ "$v" -lt 40 ]; do
  v=$((v + 1))
  run $W write "$NAME" -s 0x50 --hex "$(printf '%02x' "$v")"
  run $W snapshot "$NAME" -o "$(wp "snap_$v.rec")"
done
bg_end 60
rc=$bgrc
rc_is "record --for 2s ends by itself: exit 0" 0
has "record: the summary says --for elapsed" "$(cat "$T/bg.err")" 'recorded .*--for elapsed'

run $W replay "$(wp r.rec)" --info
rc_is "replay --info: exit 0" 0
has "--info: closed cleanly" "$out" '^complete +yes$'
has "--info: 100 Hz" "$out" '^period +0\.010s \(100 Hz\)$'
has "--info: uncompressed" "$out" '^compressed +no$'
has "--info: the section's name" "$out" "^name +Local.spy-win-hist-$$\$"
run $W replay "$(wp r.rec)" --log --json
rc_is "replay --log --json: exit 0" 0
printf '%s\n' "$out" >"$T/log.json"
# The changes: all at 0x50, a chain (old = the previous new), values
# rising, each one written; prints a time inside each state (between its
# change and the next, or "end") and the value it holds.
if py=$(python3 - "$T/log.json" "$v" 2>&1 >"$T/times" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ch = [l for l in lines if "new" in l]
assert ch, "no change recorded: %r" % lines
prev = None
for c in ch:
    assert c["off"] == 0x50 and c["len"] == 1, c
    new = int(c["new"], 16)
    assert 1 <= new <= int(sys.argv[2]), c
    if prev is not None:
        assert c["old"] == prev["new"] and new > int(prev["new"], 16), (prev, c)
        assert c["t"] >= prev["t"], (prev, c)
    prev = c
for i, c in enumerate(ch):
    at = "%.6fs" % ((c["t"] + ch[i + 1]["t"]) / 2) if i + 1 < len(ch) else "end"
    print(at, int(c["new"], 16))
EOF
); then ok "--log --json: the writes at 0x50, in order, a chain of old and new"
else bad "--log --json: the writes at 0x50, in order, a chain of old and new" "$py" "$out"; fi
steps=0 differ=''
while read -r at val; do
  steps=$((steps + 1))
  [ "$(dump_of r.rec --at "$at")" = "$(dump_of "snap_$val.rec")" ] ||
    differ+=" --at $at (value $val)"
done <"$T/times"
if [ "$steps" -gt 0 ] && [ -z "$differ" ]; then
  ok "replay --dump --at T equals the snapshot taken then ($steps moments)"
else
  bad "replay --dump --at T equals the snapshot taken then" "steps $steps, differ:$differ"
fi
# (Not against NAME: the last write may land after the recorder ended.)
last=$(tail -n 1 "$T/times" | cut -d' ' -f2)
run $W diff "$(wp r.rec)@end" "$(wp "snap_${last:-0}.rec")"
rc_is "diff FILE@end against the snapshot after the last recorded write: equal" 0

# ---- log --for 2s --json ------------------------------------------------------
bg_start timeout 60 wine "$B/shmspy.exe" log "$NAME" --for 2s --json
v=0
while bg_alive && [ "$v" -lt 40 ]; do
  v=$((v + 1))
  run $W write "$NAME" -s 0x58 --hex "$(printf '%02x' "$v")"
  sleep 0.1
done
bg_end 60
rc=$bgrc
rc_is "log --for 2s: exit 0" 0
if py=$(python3 - "$T/bg.out" "$v" 2>&1 <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ch = [l for l in lines if "new" in l]
assert ch, "no change logged: %r" % lines
prev = None
for c in ch:
    assert c["off"] == 0x58 and c["len"] == 1, c
    assert 1 <= int(c["new"], 16) <= int(sys.argv[2]), c
    if prev is not None:
        assert c["old"] == prev["new"] and int(c["new"], 16) > int(prev["new"], 16), (prev, c)
    prev = c
EOF
); then ok "log --json: lines parse; the writes at 0x58, in order, a chain"
else bad "log --json: lines parse; the writes at 0x58, in order, a chain" "$py" "$(cat "$T/bg.out")"; fi

# ---- a damaged recording ---------------------------------------------------
SZ=$(stat -c %s "$T/r.rec")
head -c $((SZ / 2)) "$T/r.rec" >"$T/cut.rec"
run $W replay "$(wp cut.rec)" --log
rc_is "a truncated recording: exit 1" 1
has "... refused naming the byte offset" "$err" 'cut\.rec.*byte [0-9]+'
one_line "... in one line" "$err"
cp "$T/r.rec" "$T/flip.rec"
byte=$(od -An -tu1 -j $((SZ / 2)) -N1 "$T/flip.rec" | tr -d ' ')
printf '%b' "\\$(printf '%03o' $((byte ^ 0xff)))" |
  dd of="$T/flip.rec" bs=1 seek=$((SZ / 2)) conv=notrunc status=none
run $W replay "$(wp flip.rec)" --log
rc_is "a recording with a byte flipped: exit 1" 1
has "... refused naming the byte offset" "$err" 'flip\.rec.*byte [0-9]+'
one_line "... in one line" "$err"

# ---- record --until -------------------------------------------------------
bg_start timeout 60 wine "$B/shmspy.exe" record "$NAME" -o "$(wp u.rec)" \
  --until 'off=0x60 u8 == 7' --for 30s
for _ in $(seq 300); do [ -s "$T/u.rec" ] || ! bg_alive && break; sleep 0.1; done
run $W write "$NAME" -s 0x60 --hex 06
run $W write "$NAME" -s 0x60 --hex 07
bg_end 60
rc=$bgrc
rc_is "record --until 'off=0x60 u8 == 7' triggers on the write: exit 0" 0
run $W replay "$(wp u.rec)" --log --json
has "the recording holds the write that triggered it" "$out" '"off":96,"len":1,"old":"0[06]","new":"07"'
run $W record "$NAME" -o "$(wp u2.rec)" --until 'off=0x60 u8 == 9' --for 300ms
rc_is "record --until that never holds: exit 5 when --for ends" 5

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
