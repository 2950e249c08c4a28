#!/usr/bin/env bash
# test_inspector_label.sh - the inspector's title shows the whole offset at
# every width: the byte-order headers never overwrite its last digits (the
# pane on the right at 160 columns, below the bytes at 100).
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name insp)
shm_make "$NAME" 2097152 || { t_fail "create $NAME"; t_done; exit; }

# check COLS OFFSET: the inspector's title at that width and offset.
check() {
  local cols=$1 off=$2
  tui_start "$cols" 40 -- watch "$NAME"
  tui_expect '^00000000 ' "$cols columns: watch is up"
  tui_keys g
  tui_type "$off"
  tui_keys Enter
  tui_keys i
  tui_expect "inspector @ $off( |$)" \
    "$cols columns: the title shows the whole offset $off"
  tui_expect_not "inspector @ ${off}[^ ]" \
    "$cols columns: nothing is drawn over its last digit"
  tui_expect "(little-endian|little|LE) +(big-endian|big|BE)( |$)" \
    "$cols columns: the byte orders are still named"
  tui_keys q
  tui_expect '^EXIT:0$' "$cols columns: q quits"
}

check 160 0x2f123
check 137 0x1f1234
check 100 0x1f1234
t_done
