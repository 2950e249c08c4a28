#!/usr/bin/env bash
# test_home_end_keys.sh - Home and End work whatever the terminal sends for
# them: under tmux with TERM=xterm-256color they arrive as \e[1~ and \e[4~,
# which that terminfo entry does not list, and must not be read as Escape
# (which would clear the browser's filter). The other common forms (\e[7~
# \e[8~ \eOH \eOF \e[H \e[F) too. A lone Escape still acts at once.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

infocmp xterm-256color >/dev/null 2>&1 || { echo "SKIP: no xterm-256color terminfo"; exit 0; }
TAG="spytest-$$"
for n in 1 2 3 4 5; do
  shm_make "/$TAG-h$n" 4096 || { t_fail "create /$TAG-h$n"; t_done; exit; }
done

# try_seq HOME END DESC: the two byte sequences, sent raw, select the first and
# the last object and leave the filter alone.
try_seq() {
  tui_keys -l -- "$2"
  tui_expect "details: /$TAG-h5\$" "$3: End selects the last object"
  tui_keys -l -- "$1"
  tui_expect "details: /$TAG-h1\$" "$3: Home selects the first object"
  tui_expect "filter: $TAG-h" "$3: the filter stays"
}

tui_start 120 40 TERM=xterm-256color --
tui_keys /
tui_type "$TAG-h"
tui_keys Enter
tui_expect "5 of [0-9]+ objects" "the five objects are listed"
tui_keys Down Down
tui_expect "details: /$TAG-h3\$" "the third is selected"
# What tmux sends for its Home and End keys to a pane.
tui_keys End
tui_expect "details: /$TAG-h5\$" "tmux's End selects the last object"
tui_keys Home
tui_expect "details: /$TAG-h1\$" "tmux's Home selects the first object"
tui_expect "filter: $TAG-h" "the filter stays"
try_seq $'\e[1~' $'\e[4~' "\\e[1~ \\e[4~"
try_seq $'\e[7~' $'\e[8~' "\\e[7~ \\e[8~"
try_seq $'\eOH' $'\eOF' "\\eOH \\eOF"
try_seq $'\e[H' $'\e[F' "\\e[H \\e[F"
# A lone Escape: at once, not after a second.
tui_keys Escape
tui_expect_not "filter:" "a lone Escape still clears the filter" 5
tui_keys Enter
tui_expect "^ shmspy watch /$TAG-h1" "Enter opens the hex view"
tui_keys End
tui_expect '@0xfff' "hex view: End moves to the last byte"
tui_keys Home
tui_expect '@0x0$' "hex view: Home moves to the first"
tui_keys q
tui_expect "objects" "q goes back"
tui_keys q
tui_expect '^EXIT:0$' "q quits"
t_done
