#!/usr/bin/env bash
# test_help_keys.sh - the help screen (?) of every view that has keys (the
# browser, the hex view, the probe) shows every row of that view's key
# table, then every row of the loop's, in table order and nothing else.
#
# The expected rows are read from the tables in src/tui/*.c (the rows the
# keys are dispatched through), the screen from the real binary: a row the
# help leaves out, a help line kept apart from the table, or a table this
# test no longer finds fails here. A static check makes sure no view
# handles a key outside its table (a `case 'x':` in a view's own switch
# would be a key the help cannot know about).
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

SRC="$(dirname "$0")/../../src/tui"
TITLE='shmspy keys (any key closes this)'
TITLE_RE='shmspy keys \(any key closes this\)'

# table_keys FILE TABLE [KIND]: the keys column of every row of
# `static const spy__key TABLE[] = {` in FILE, one per line. Every row
# (a line opening with "{" at the table's indent, up to the next) must
# start with its keys as a string, else the row count printed last does
# not match and the caller fails. A row marked for some kinds of view only
# (SPY__KC_ONLY(SPY__KV_LIVE) among its codes) is listed only when KIND
# (OTHER, LIVE, REPLAY) is one of them.
table_keys() {
  awk -v t="$2" -v kind="${3:-}" '
    function flush() {
      if (row == "") return
      rows++
      if (match(row, /^    \{"[^"\\]*",/)) {
        got++
        if (row !~ /SPY__KC_ONLY\(/ ||
            (kind != "" && index(row, "SPY__KC_ONLY(SPY__KV_" kind ")") > 0))
          print substr(row, 7, RLENGTH - 8)
      }
      row = ""
    }
    $0 ~ "^static const spy__key " t "\\[\\] = \\{$" { on = 1; next }
    on && /^};/ { flush(); on = 0; done = 1 }
    on && /^    \{/ { flush(); row = $0; next }
    on && row != "" && !/^ *\/?\*/ { row = row " " $0 }
    END { if (!done || rows == 0 || rows != got) print "UNPARSED " t " " rows + 0 " " got + 0 }
  ' "$SRC/$1"
}

# help_keys: the keys column of the help screen on $TUI_SCREEN, one per
# line: the 12 columns under the title's start, from the line after the
# title to the first line of the box with no text (or the note that the
# rest did not fit).
help_keys() {
  printf '%s\n' "$TUI_SCREEN" | awk -v title="$TITLE" '
    !c { if ((c = index($0, title)) > 0) first = 1; next }
    {
      row = substr($0, c, 60)
      if (row ~ /^ *$/) { if (first) { first = 0; next } exit }
      if (row ~ /^\(more: /) exit
      first = 0
      k = substr($0, c, 12); sub(/ +$/, "", k)
      if (k != "") print k
    }'
}

# check_view DESC FILE TABLE KIND: opens the help on the view now on
# screen and compares its keys column to TABLE's rows (those for KIND)
# followed by the loop's (those for KIND).
check_view() {
  local desc=$1 want got LOOP
  want=$(table_keys "$2" "$3" "$4")
  LOOP=$(table_keys tui.c loop_keys "$4")
  case "$want$LOOP" in
  *UNPARSED*)
    t_fail "$desc: the key tables parse" "$want" "$LOOP"
    return
    ;;
  esac
  want=$(printf '%s\n%s\n' "$want" "$LOOP")
  tui_keys '?'
  if ! tui_wait "$TITLE_RE"; then
    t_fail "$desc: ? opens the help" "$TUI_SCREEN"
    return
  fi
  sleep 0.2 # the whole box is drawn in one refresh; be sure it is in
  tui_capture
  got=$(help_keys)
  t_expect_eq "$got" "$want" "$desc: the help shows every key of its table, in order"
  tui_keys x
  tui_expect_not "$TITLE_RE" "$desc: any key closes the help"
}

# ---- no key is handled outside a table ----------------------------------
# Only keys.c (matching a row's codes), tui.c (the loop: resize, getch) and
# prompt.c (the line editor of prompts, not a view) look at key codes.
bad=$(cd "$SRC" && grep -nE \
  "switch *\((ch|c|key|k)\)|case KEY_|KEY_[A-Z0-9_]+ *[=!]=|[=!]= *KEY_|\bch *(==|!=|<=|>=|<|>) *('|[0-9]|KEY_)|\bgetch\b" \
  *.c | grep -v -e '^keys\.c:' -e '^tui\.c:' -e '^prompt\.c:')
t_expect_eq "$bad" "" "views test no key code outside their key tables"

NAME=$(t_name helpkeys)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

# Tall enough for every help on one column.
tui_start 120 50 -- watch "$NAME"
tui_expect '^00000000  ' "hex view is up"
check_view "hex view" hexkeys.c hex_keys LIVE

tui_keys p
tui_expect 'probe address' "p prompts for an address"
tui_type 0x10
tui_keys Enter
tui_expect 'shmspy probe 0x10' "the probe view is up"
check_view "probe view" probe.c probe_keys OTHER
tui_keys q
tui_expect '^00000000  ' "q closes the probe"
tui_keys q
tui_expect '^EXIT:0' "q quits"

tui_start 120 50 --
tui_expect 'objects' "browser is up"
check_view "browser" browser.c browser_keys OTHER
tui_keys q
tui_expect '^EXIT:0' "q quits"

# The replay of a recording: its own rows, none of the live view's (writer
# mode, the nibbles, back to the list), and these named outright.
REC=$T_TMP/help.shmspy-rec
if "$SHMSPY" snapshot "$NAME" -o "$REC" >/dev/null 2>"$T_TMP/snap.err"; then
  tui_start 120 50 -- replay "$REC"
  tui_expect 'REPLAY' "the replay view is up"
  check_view "replay view" hexkeys.c hex_keys REPLAY
  tui_keys '?'
  tui_expect 'replay: play / pause' "the replay help lists play / pause"
  sleep 0.2 # the whole box is drawn in one refresh; be sure it is in
  tui_capture
  if printf '%s\n' "$TUI_SCREEN" | grep -Eq 'writer mode|nibble|back to the list|back to the live'; then
    t_fail "the replay help lists no key of the live view" "$TUI_SCREEN"
  else
    t_ok "the replay help lists no key of the live view"
  fi
  tui_keys x q
  tui_expect '^EXIT:0' "q quits the replay"
else
  t_fail "snapshot $NAME for the replay's help" "$(cat "$T_TMP/snap.err")"
fi

# Too short for every key: the help says so instead of dropping rows
# silently, and what it shows is the start of the table.
tui_start 80 12 -- watch "$NAME"
tui_expect '^00000000  ' "hex view is up on a short terminal"
tui_keys '?'
tui_expect 'a taller terminal shows every key' "a short help says it is cut"
got=$(help_keys)
want=$(table_keys hexkeys.c hex_keys LIVE | head -n "$(printf '%s\n' "$got" | wc -l)")
t_expect_eq "$got" "$want" "and shows the first rows of the table"
tui_keys x Q
tui_expect '^EXIT:0' "Q quits"

t_done
