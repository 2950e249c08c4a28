#!/usr/bin/env bash
# test_redraw.sh - a live view paints each frame over the last one (only
# rows that changed are put, the inspector pane is cleared and refilled):
# after many such frames, with highlights fading, runs of changed bytes,
# and inspector text growing and shrinking, the screen (text and
# attributes) is exactly what a full redraw (Ctrl-L) shows.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name redraw)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

tui_start 120 30 -- watch "$NAME" --hz 30
tui_expect '^00000018 ' "watch shows the object"
tui_keys i
tui_expect 'inspector @ 0x0' "the inspector pane opens"
# The inspector's string row grows, then shrinks (its old text must go).
shm_poke "$NAME" 0 "41 42 43 44 45 46 47 48 49 4a"
tui_expect 'str +"ABCDEFGHIJ"' "the inspector shows the long string"
shm_poke "$NAME" 2 "00"
tui_expect 'str +"AB"$' "and then the short one, nothing of the long one left"
# Changes all over the screen, some in runs, some single bytes.
for i in $(seq 1 12); do
  shm_poke "$NAME" $((i * 37)) "$(printf '%02x %02x %02x' $i $((i * 3)) $((i * 5)))"
  shm_poke "$NAME" $((i * 53 + 7)) "$(printf '%02x' $((i + 100)))"
  sleep 0.05
done
# Let every highlight fade (2 s, in 0.5 s steps), then compare.
sleep 3
tui_capture -e
before=$TUI_SCREEN
tui_keys C-l
sleep 0.5
tui_capture -e
t_expect_eq "$TUI_SCREEN" "$before" "after many painted-over frames the screen equals a full redraw"

# Mid-fade: a run of changed bytes is one highlighted run, gaps included,
# and the frame still equals a full redraw.
shm_poke "$NAME" $((0x30)) "11 22 33 44"
tui_wait '^00000030  11 22 33 44 ' >/dev/null
tui_capture -e
run=$(printf '%s\n' "$TUI_SCREEN" | grep -F '00000030' | head -n 1)
t_expect_match "$run" $'\e\\[[0-9;]*m11 22 33 44\e' "changed neighbours form one highlighted run"

tui_keys q
tui_expect '^EXIT:0' "q quits"
t_done
