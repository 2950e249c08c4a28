#!/usr/bin/env bash
# tests/win/test_replay_tui.sh - `shmspy.exe replay FILE` (issue 19) in
# Wine's console, driven in tmux as tests/win/test_tui.sh drives the live
# view: win_writer holds a section, `record --until` records three writes
# made by shmspy.exe write (0x30 = 11, then 22, then 0x40 = 33, which ends
# the recording); the view opens paused on the first frame, > steps to the
# next change and the screen shows the new byte, q quits with status 0.
# Then the live view's history: < looks back to the old byte, > forward,
# Esc back to live.
# Every background Wine process has a bounded exit and is killed after a
# bounded poll; every screen wait is bounded. No timing is asserted.
#
# Run by scripts/test-windows with WINEPREFIX, WINEDEBUG and BUILD_DIR set;
# with SPY_SKIP_WINDOWS_TUI=1 (a build without the TUI) it skips.
set -uo pipefail
if [ "${SPY_SKIP_WINDOWS_TUI:-0}" = 1 ]; then
  echo "skip - SPY_SKIP_WINDOWS_TUI=1: no TUI in this build"
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
B=$(cd "${BUILD_DIR:?}" && pwd)
if ! command -v tmux >/dev/null 2>&1; then
  echo "FAIL - tmux is not installed (scripts/test-windows installs it)"
  exit 1
fi
if [ ! -x "$B/shmspy.exe" ]; then
  echo "FAIL - $B/shmspy.exe is missing"
  exit 1
fi
export SHMSPY=wine SPY_SAMPLES="$B/samples" SPY_TESTLIB="$here/../lib/common.sh"
# shellcheck source=../lib/tui.sh
. "$here/../lib/tui.sh"
# Wine's console can take several seconds to draw the first frame on a
# loaded machine.
TUI_WAIT=300
X="$B/shmspy.exe"
NAME="Local\\spyrtui-$$"
WIN_ENV=(WINEPREFIX="$WINEPREFIX" WINEDEBUG="${WINEDEBUG:--all}")

# cli ARGS...: shmspy.exe ARGS under Wine, into T_OUT / T_ERR / T_RC, CRs
# dropped.
cli() {
  t_run timeout 120 wine "$X" "$@"
  T_OUT=$(tr -d '\r' <<<"$T_OUT")
  T_ERR=$(tr -d '\r' <<<"$T_ERR")
}
# need REGEX DESC: tui_expect for a step the rest relies on.
need() {
  tui_expect "$1" "$2" && return 0
  echo "stopping: the checks after this one need it"
  t_done
  exit 1
}
# stop PID SECS: polls (at most SECS s) for PID's end; then `wait` for its
# status in $stop_rc, or kill it (stop_rc 124). Never an unbounded wait.
stop() {
  local _
  for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null
    stop_rc=124
  else
    wait "$1"
    stop_rc=$?
  fi
}

# A Win32 writer sample holds the section; its input ends at exit, and
# t_on_exit kills it if it is still there.
mkfifo "$T_TMP/hold"
wine "$SPY_SAMPLES/win_writer.exe" "$NAME" <"$T_TMP/hold" >"$T_TMP/writer.log" 2>&1 &
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
if ! t_wait_for "timeout 60 wine '$X' read '$NAME' --as i32 2>/dev/null | grep -q 100" 300; then
  t_fail "win_writer holds $NAME" "$(tr -d '\r' <"$T_TMP/writer.log")"
  t_done
  exit 1
fi

# The recording: the recorder starts (its file holds a header), three
# writes 300 ms apart (thirty sampling periods), the last one ends it.
REC=$T_TMP/rec.shmspy-rec
RECW=$(winepath -w "$REC" 2>/dev/null)
timeout 60 wine "$X" record "$NAME" -o "$RECW" --until 'off=0x40 u8 == 0x33' \
  --for 30s >"$T_TMP/record.out" 2>"$T_TMP/record.err" &
rpid=$!
t_wait_for "[ -s '$REC' ] || ! kill -0 $rpid" 300
cli write "$NAME" -s 0x30 --hex 11
sleep 0.3
cli write "$NAME" -s 0x30 --hex 22
sleep 0.3
cli write "$NAME" -s 0x40 --hex 33
stop "$rpid" 60
t_expect_eq "$stop_rc" 0 "record --until ends when the last write lands (exit 0)"
cli replay "$RECW" --log --json
printf '%s\n' "$T_OUT" >"$T_TMP/log.json"
t_expect_eq "$(python3 -c '
import json, sys
print(" ".join("%x=%s" % (c["off"], c["new"]) for c in map(json.loads, open(sys.argv[1]))
               if "new" in c))' "$T_TMP/log.json" 2>&1)" "30=11 30=22 40=33" \
  "the recording holds the three writes, in order"

# ---- the replay view -----------------------------------------------------
tui_start 100 30 "${WIN_ENV[@]}" -- "$X" replay "$RECW"
need '^00000030  00 ' "the replay view opens on the first frame"
tui_expect 'REPLAY' "the timeline bar says REPLAY"
tui_expect '\|\| paused' "the replay starts paused"
tui_expect '^00000040  00 ' "0x40 holds its first value"
# The title names the file and the section, each escaped once: the
# section's Local\ prefix is shown as it is written.
tui_expect "^ shmspy replay .*rec\\.shmspy-rec \\(Local\\\\spyrtui-$$\\) " \
  "the title names the recording and the section (escaped once)"
tui_keys '>'
tui_expect '^00000030  11 ' "> steps to the first change: the new byte shows"
tui_keys '>'
tui_expect '^00000030  22 ' "> again: the second change"
tui_expect '^00000040  00 ' "0x40 has not changed yet"
tui_keys '>'
tui_expect '^00000040  33 ' "> again: the change at 0x40"
tui_keys q
tui_expect '^EXIT:0$' "q quits with status 0"

# ---- the live view's history (scrub-back) -------------------------------
# The section now holds 22 at 0x30; another write makes it 55; < looks
# back (HISTORY), the old 22 shows again, > goes forward to the change,
# Esc returns to the live view, q quits.
tui_start 100 30 "${WIN_ENV[@]}" -- "$X" watch "$NAME" --hz 20
need '^00000030  22 ' "watch shows the section as it is"
tui_expect 'history 60s' "the status line says the history is kept"
cli write "$NAME" -s 0x30 --hex 55
need '^00000030  55 ' "the live view shows the new value"
tui_keys '<'
tui_expect 'HISTORY -[0-9]+\.[0-9]+s' "< looks back: the status line says HISTORY"
tui_keys '<'
tui_expect '^00000030  22 ' "looking back shows the old value"
tui_keys '>'
tui_expect '^00000030  55 ' "> goes forward to the change"
tui_keys Escape
tui_expect_not 'HISTORY' "Esc returns to the live view"
tui_keys q
tui_expect '^EXIT:0$' "q quits the live view with status 0"

# Not a recording: one line and status 1, before the screen.
printf 'not a recording\n' >"$T_TMP/bogus"
tui_start 100 30 "${WIN_ENV[@]}" -- "$X" replay "$(winepath -w "$T_TMP/bogus" 2>/dev/null)"
tui_expect '^EXIT:1$' "a file that is not a recording: status 1"
tui_expect 'bogus' "the error names the file"

t_done
