#!/usr/bin/env bash
# test_scrub.sh - the live view keeps its last minute (the scrub-back):
# after another process changes a byte, < looks back into the history
# (the status line says HISTORY -N.Ns), the old value shows again, > goes
# forward to the change, edits are refused while looking back, and Esc
# returns to the live view, which follows new changes again. The bar and
# the status line say the same HISTORY -x; J further back than is kept
# says so; a move that worked clears "live again". A segment
# over the history's limit says in the status line that it has none.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name scrub)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }
shm_poke "$NAME" $((0x10)) "11"

tui_start 100 30 -- watch "$NAME" --hz 20
tui_expect '^00000010  11 ' "watch shows the first value"
tui_expect 'history 60s' "the status line says the history is kept"

t_run "$SHMSPY" write "$NAME" -s 0x10 --hex 22
t_expect_rc 0 "shmspy write changes the byte"
tui_expect '^00000010  22 ' "the live view shows the new value"

# < looks back: to the change if the history holds it already, else to
# its start; a second < finds no earlier change than that and goes to the
# start. Either way the old value shows.
tui_keys '<'
tui_expect 'HISTORY -[0-9]+\.[0-9]{3}s' "< looks back: the status line says HISTORY"
tui_expect '\[HISTORY\]' "the title says HISTORY"
tui_keys '<'
tui_expect '^00000010  11 ' "looking back shows the old value"
tui_expect '\[\|-' "the timeline bar is at the start of the history"

# The present keeps moving while the view stays at its moment.
t_run "$SHMSPY" write "$NAME" -s 0x20 --hex 44
tui_wait '^00000020  44 ' 10 && t_fail "the history does not follow the live object" "$TUI_SCREEN"
tui_expect '^00000020  00 ' "looking back, a new change does not show"

tui_keys '>'
tui_expect '^00000010  22 ' "> goes forward to the change"

tui_keys 5
tui_expect 'the history is read-only' "an edit is refused while looking back"

tui_keys Escape
tui_expect_not 'HISTORY' "Esc returns to the live view"
tui_expect '^00000020  44 ' "the live view shows what changed meanwhile"
t_run "$SHMSPY" write "$NAME" -s 0x10 --hex 33
tui_expect '^00000010  33 ' "and follows new changes"

# , from the live view looks back a step; J jumps back by a duration.
# A move that worked takes "live again" off the message line.
tui_expect 'live again' "Esc says the view is live again"
tui_keys ','
tui_expect 'HISTORY -' ", looks back a step"
tui_expect_not 'live again' "looking back again, 'live again' is gone"
# The bar and the status line say the same HISTORY -x (one value, drawn in
# the same frame): steps forward and back, then compare them in one screen
# (a capture between two frames may differ: a few tries).
tui_keys '<' ',' '.' '.' '.'
same=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  tui_capture
  vals=$(printf '%s\n' "$TUI_SCREEN" | grep -oE 'HISTORY -[0-9]+\.[0-9]+s')
  if [ "$(printf '%s\n' "$vals" | wc -l)" -eq 2 ] &&
    [ "$(printf '%s\n' "$vals" | sort -u | wc -l)" -eq 1 ]; then
    same=1
    break
  fi
  sleep 0.1
done
if [ "$same" = 1 ]; then t_ok "the bar and the status line say the same HISTORY -x"
else t_fail "the bar and the status line say the same HISTORY -x" "$vals" "$TUI_SCREEN"; fi
tui_keys Escape
tui_expect_not 'HISTORY' "Esc again: live"
tui_keys J
tui_expect 'look back' "J asks how far back"
tui_type 1h
tui_keys Enter
tui_expect '^00000010  11 ' "J 1h: the oldest moment held, with the old value"
tui_expect 'only [0-9]+\.[0-9]{3}s kept: at the start' "J 1h says how much is kept"
tui_keys Escape
tui_expect_not 'HISTORY' "Esc: live"

tui_keys q
tui_expect '^EXIT:0' "q quits"
tui_expect 'MODES: icanon echo' "the terminal is restored"

# Over the limit: no history, and the status line says why.
BIG=$(t_name scrubbig)
shm_make "$BIG" $((65 * 1024 * 1024)) || { t_fail "create $BIG"; t_done; exit; }
tui_start 140 30 -- watch "$BIG"
tui_expect 'no history: over 64 MiB' "a segment over 64 MiB has no history, said"
tui_keys '<'
tui_expect 'no history' "< says why it cannot look back"
tui_keys q
tui_expect '^EXIT:0' "q quits"

t_done
