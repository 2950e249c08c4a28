#!/usr/bin/env bash
# test_replay.sh - `shmspy replay FILE` in tmux, over a recording of a
# writer with a known script (samples/script_writer): the first frame shows
# the bytes at the start; > steps to the next change and the screen shows
# the new byte; ] finds the next change of the byte under the cursor; J
# jumps to a time typed at the prompt; Space plays and pauses (the moment
# moves forward); the edit keys are not bound; q quits and restores the
# terminal. A second recording, with a removal, a recreation and a resize:
# the bar says what became of the segment at the moment shown, and a
# moment shows the same highlights however the view came to it. A file
# that is not a recording is one line and exit status 1, before the
# screen is touched. No timing is asserted: the script's steps are far
# apart and every wait is a bounded poll of the screen.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

[ -x "$SPY_SAMPLES/script_writer" ] || { echo "SKIP: samples/script_writer is not built"; exit 0; }
# Until `record` and `replay` are both in the build (each helper of issue
# 19 adds one), there is nothing to drive.
for c in record replay; do
  "$SHMSPY" --help 2>&1 | grep -q "^  $c " || { echo "SKIP: no shmspy $c in this build"; exit 0; }
done

NAME=$(t_name replay)
REC=$T_TMP/rec.shmspy-rec
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

# The recording: the recorder runs first, then the script (steps 300 ms
# apart: each state lasts thirty sampling periods), then SIGINT ends it.
"$SHMSPY" record "$NAME" -o "$REC" --hz 100 2>"$T_TMP/record.err" &
RECPID=$!
t_wait_for "test -s '$REC'" 100 || t_fail "the recorder starts" "$(cat "$T_TMP/record.err")"
mkdir -p "$T_TMP/steps"
"$SPY_SAMPLES/script_writer" "$NAME" 0 "$T_TMP/steps" \
  "at 300 write u8 0x11 at 0x10; at 600 write u8 0x22 at 0x10;
   at 900 write u8 0x33 at 0x20; at 1200 write u8 0x44 at 0x10;
   at 1500 wait" >/dev/null ||
  t_fail "the script runs"
kill -INT "$RECPID"
wait "$RECPID"
t_expect_eq "$?" 0 "the recorder ends cleanly on SIGINT"

tui_start 100 30 -- replay "$REC"
tui_expect '^00000010  00 ' "the first frame shows the start bytes"
tui_expect 'REPLAY' "the timeline bar says REPLAY"
tui_expect '\|\| paused' "the replay starts paused"
tui_expect "$(basename "$NAME")" "the bar or the title names the segment"

# > : the next change anywhere.
tui_keys '>'
tui_expect '^00000010  11 ' "> steps to the first change: the new byte shows"
tui_keys '>'
tui_expect '^00000010  22 ' "> again: the second change"
tui_expect '^00000020  00 ' "0x20 has not changed yet"

# ] : the next change of the byte under the cursor (0x20), skipping none.
tui_keys g
tui_type 0x20
tui_keys Enter
tui_expect '@0x20' "the cursor is on 0x20"
tui_keys ']'
tui_expect '^00000020  33 ' "] finds the next change of the cursor's byte"
tui_expect '^00000010  22 ' "... at its moment (0x10 still holds the old value)"
tui_keys '['
tui_expect '^00000020  00 ' "[ goes back before it"

# J : a time at the prompt.
tui_keys J
tui_expect 'jump to' "J asks for a time"
tui_type end
tui_keys Enter
tui_expect '^00000010  44 ' "J end: the last frame"
tui_expect '^00000020  33 ' "J end: with every change"
tui_keys J
tui_type 0s
tui_keys Enter
tui_expect '^00000010  00 ' "J 0s: the start again"
tui_keys J
tui_type 1x
tui_keys Enter
tui_expect "bad duration" "a bad time is one line"

# Space plays; the moment moves forward; Space pauses.
tui_keys '+'
tui_expect 'speed x2' "+ speeds up"
tui_keys Space
tui_expect '> playing' "Space plays"
tui_expect '^00000010  (11|22|44) ' "playing reaches the changes"
tui_keys Space
tui_expect '\|\| paused' "Space pauses"
tui_expect_not 'REPLAY  \|\| paused x2  0\.000s' "the moment moved forward"

# Read-only: the edit keys are the live view's only (a digit edits
# nothing here).
tui_keys 5
tui_expect '^00000010  (11|22|44) ' "a digit changes no byte"

# The help names the replay's keys, not the live view's.
tui_keys '?'
tui_expect 'replay: play / pause' "the help lists the replay keys"
tui_expect_not 'freeze / resume' "and not the live view's freeze"
tui_keys x

tui_keys q
tui_expect '^EXIT:0' "q quits"
tui_expect 'MODES: icanon echo' "the terminal is restored"

# With a layout: the field pane over the recording; ] with the fields
# focused finds the next change of the field under the field cursor.
cat >"$T_TMP/rp.layout" <<'LAYOUT'
shmspy-layout 1
source "test_replay"
endian little
pointer-size 8
root "struct rp"
uint u8 1

struct "struct rp" 48
  field head u8[16] 0
  field a u8 16
  field pad u8[15] 17
  field b u8 32
end
LAYOUT
tui_start 140 30 -- replay "$REC" --layout "$T_TMP/rp.layout" --field b
tui_expect 'struct rp' "the field pane shows the layout"
tui_expect '^00000010  00 ' "at the start"
tui_keys ']'
tui_expect '^00000020  33 ' "] in the fields: the next change of the field b"
tui_expect ' b +u8 +51' "the field pane shows b's new value"
tui_keys q
tui_expect '^EXIT:0' "q quits"

# A second recording: a change soon after the start, another, then the
# segment is removed, recreated and resized. The replay says what became
# of the segment at the moment shown (the bar, and the message line when
# the moment comes to it).
REC2=$T_TMP/ev.shmspy-rec
NAME2=$(t_name replayev)
shm_make "$NAME2" 4096 || { t_fail "create $NAME2"; t_done; exit; }
"$SHMSPY" record "$NAME2" -o "$REC2" --hz 100 2>"$T_TMP/record2.err" &
RECPID=$!
t_wait_for "test -s '$REC2'" 100 || t_fail "the recorder starts" "$(cat "$T_TMP/record2.err")"
mkdir -p "$T_TMP/steps2"
"$SPY_SAMPLES/script_writer" "$NAME2" 0 "$T_TMP/steps2" \
  "at 50 write u8 0x11 at 0x18; at 700 write u8 0x22 at 0x18;
   at 1000 remove; at 1600 create 4096; at 1900 write u8 0x55 at 0x18;
   at 2200 truncate to 8192; at 2500 wait" >/dev/null ||
  t_fail "the script runs"
kill -INT "$RECPID"
wait "$RECPID"
t_expect_eq "$?" 0 "the recorder ends cleanly on SIGINT"

tui_start 100 30 -- replay "$REC2"
tui_expect '^00000010  (00 ){8} 00 ' "the start of the second recording"
tui_expect_not 'removed at|recreated at|resized' "at the start, no event is told"

# The highlights of a moment do not depend on how the view came to it:
# forward from the start, or back to it (the fades before a moment near
# the start are the start itself). ] and [ (the byte at 0x18) stop only
# where it changes: an event of a loaded machine (samples missed) is no
# stop for them.
tui_keys g
tui_type 0x18
tui_keys Enter
tui_expect '@0x18' "the cursor is on 0x18"
tui_keys '{' ']'
tui_expect '^00000010  (00 ){8} 11 ' "] from the start: the first change"
tui_expect 'last change 0x18' "the status line names the byte that changed"
# The row's highlights, with the cursor away from it (Home: 0x0).
tui_keys Home
tui_expect '@0x0( |$)' "Home: the cursor leaves the row"
tui_capture -e
row1=$(printf '%s\n' "$TUI_SCREEN" | grep -m1 '00000010')
tui_keys g
tui_type 0x18
tui_keys Enter
tui_expect '@0x18' "the cursor is on 0x18 again"
tui_keys ']'
tui_expect '^00000010  (00 ){8} 22 ' "] again: the second change"
tui_keys '['
tui_expect '^00000010  (00 ){8} 11 ' "[ back to the first change"
tui_expect 'last change 0x18' "back at it, the status line still names the change"
tui_keys Home
tui_expect '@0x0( |$)' "Home: the cursor leaves the row"
tui_capture -e
row2=$(printf '%s\n' "$TUI_SCREEN" | grep -m1 '00000010')
t_expect_eq "$row2" "$row1" "back at it, the same bytes are highlighted"

# > stops at every event (samples missed on a loaded machine too): press
# it until the moment comes to the one looked for.
next_until() {
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    tui_keys '>'
    if tui_wait "$1" 20; then t_ok "$2"; return; fi
  done
  t_fail "$2" "screen never matched /$1/:" "$TUI_SCREEN"
}
next_until 'removed at [0-9]+\.[0-9]{3}s' "> to the removal: the bar says when the segment was removed"
tui_keys '.'
tui_expect 'removed at [0-9]+\.[0-9]{3}s' "a step later it is still removed"
next_until 'recreated at [0-9]+\.[0-9]{3}s \(4096 bytes\)' "> to the new object: recreated, with its size"
tui_expect_not 'removed at' "and no longer removed"
next_until 'resized 4096 -> 8192 bytes at [0-9]+\.[0-9]{3}s' "> to the resize: the sizes and the time"
tui_keys '{'
tui_expect_not 'removed at|recreated at|resized' "back at the start, no event is told"

# A jump past the end says where it went; a good key clears an old error.
tui_keys J
tui_type bogus
tui_keys Enter
tui_expect "bad duration 'bogus'" "a bad time is said"
tui_keys J
tui_type 1h
tui_keys Enter
tui_expect 'only [0-9]+\.[0-9]{3}s recorded: at the end' "J past the end says so"
tui_expect_not "bad duration" "the old error is gone"
tui_keys J
tui_type bogus
tui_keys Enter
tui_expect "bad duration 'bogus'" "a bad time again"
tui_keys '{'
tui_expect_not "bad duration" "a move that worked takes the old error away"
tui_keys q
tui_expect '^EXIT:0' "q quits"

# Not a recording: one line, exit 1, before the screen.
printf 'not a recording\n' >"$T_TMP/bogus"
tui_start 100 30 -- replay "$T_TMP/bogus"
tui_expect '^EXIT:1' "a file that is not a recording: exit status 1"
tui_expect 'bogus' "the error names the file"
tui_start 100 30 -- replay "$T_TMP/missing"
tui_expect '^EXIT:1' "a missing file: exit status 1"

t_done
