#!/usr/bin/env bash
# test_resize_scroll.sh - after the window shrinks (scrolling the list or
# the bytes to keep the selection in view) and grows back, nothing is left
# scrolled out of sight needlessly: the first rows show again.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

TAG="spytest-$$"
for n in 01 02 03 04 05 06 07 08 09 10 11 12; do
  shm_make "/$TAG-r$n" 4096 || { t_fail "create /$TAG-r$n"; t_done; exit; }
done

# The browser.
tui_start 120 40 --
tui_keys /
tui_type "$TAG-r"
tui_keys Enter
tui_expect "12 of [0-9]+ objects" "the twelve objects are listed"
tui_keys End
tui_expect "details: /$TAG-r12\$" "the last one is selected"
tui_expect "^/$TAG-r01 " "all show at 40 rows"
tui_tmux resize-window -t spy -x 120 -y 8
tui_expect "^/$TAG-r12 " "8 rows: the selection stays in view"
tui_expect_not "^/$TAG-r01 " "8 rows: the first rows scroll out"
tui_tmux resize-window -t spy -x 120 -y 40
tui_expect "^/$TAG-r01 " "40 rows again: the first row shows again"
tui_expect "^/$TAG-r12 " "40 rows again: and the selected one"
# Selecting the first and the last again does not scroll needlessly either.
tui_keys Home
tui_expect "details: /$TAG-r01\$" "Home selects the first"
tui_expect "^/$TAG-r12 " "the last still shows"
tui_keys q
tui_expect '^EXIT:0$' "q quits the browser"

# The hex view: 256 bytes are 16 rows at 100 columns.
NAME=$(t_name hex)
shm_make "$NAME" 256 || { t_fail "create $NAME"; t_done; exit; }
tui_start 100 30 -- watch "$NAME"
tui_expect '^00000000 ' "hex view: the first row shows"
tui_keys End
tui_expect '@0xff' "hex view: End moves to the last byte"
tui_tmux resize-window -t spy -x 100 -y 8
tui_expect '^000000f0 ' "hex view, 8 rows: the cursor's row stays in view"
tui_expect_not '^00000000 ' "hex view, 8 rows: the first row scrolls out"
tui_tmux resize-window -t spy -x 100 -y 30
tui_expect '^00000000 ' "hex view, 30 rows again: the first row shows again"
tui_expect '^000000f0 ' "hex view, 30 rows again: and the cursor's row"
tui_keys q
tui_expect '^EXIT:0$' "q quits the hex view"
t_done
