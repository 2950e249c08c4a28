#!/usr/bin/env bash
# test_filter_selection.sh - when the filter hides the selected object, the
# selection goes to the nearest object still shown: the next one after it
# in the list's order, else the one before it; never the last match.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

TAG="spytest-$$"
# In name order: 1-k 2-d 3-d 4-d 5-k 6-d 7-k; "-k" keeps 1, 5 and 7.
for n in 1-k 2-d 3-d 4-d 5-k 6-d 7-k; do
  shm_make "/$TAG-$n" 4096 || { t_fail "create /$TAG-$n"; t_done; exit; }
done

# filter TEXT: replaces the filter with TEXT (which may start with "-").
filter() {
  tui_keys /
  tui_keys C-u
  tui_keys -l -- "$1"
  tui_keys Enter
}

# select_then_filter NAME: filters to our seven objects, selects NAME
# (by moving down from the first), then narrows the filter to "-k".
select_then_filter() {
  local down=$(( ${1:0:1} - 1 ))
  filter "$TAG-"
  tui_expect "7 of [0-9]+ objects" "$1: the seven objects are listed"
  tui_keys Home
  while [ "$down" -gt 0 ]; do tui_keys Down; down=$((down - 1)); done
  tui_expect "details: /$TAG-$1\$" "$1 is selected"
  filter "-k"
  tui_expect "[0-9]+ of [0-9]+ objects +sort: name( \(reversed\))? +filter: -k" \
    "$1: filtered by -k"
}

tui_start 150 40 --
tui_expect "objects" "the browser is up"

select_then_filter 4-d
tui_expect "details: /$TAG-5-k\$" \
  "4-d filtered out: the next one after it (5-k) is selected, not the last"
select_then_filter 6-d
tui_expect "details: /$TAG-7-k\$" "6-d filtered out: the next one (7-k)"
select_then_filter 2-d
tui_expect "details: /$TAG-5-k\$" "2-d filtered out: the next one (5-k)"

# Reversed: the next one in the list's order is the one above by name.
tui_keys S
tui_expect "\(reversed\)" "S reverses the order"
filter "$TAG-"
tui_expect "7 of [0-9]+ objects" "reversed: the seven objects are listed"
tui_keys End Up # 1-k is last, 2-d above it
tui_expect "details: /$TAG-2-d\$" "reversed: 2-d is selected"
filter "-k"
tui_expect "details: /$TAG-1-k\$" "reversed: the next one in that order (1-k)"

# Nothing after it: the one before.
tui_keys S
tui_expect_not "\(reversed\)" "S restores the order"
filter "$TAG-"
tui_keys End # 7-k
tui_expect "details: /$TAG-7-k\$" "7-k is selected"
filter "-d"
tui_expect "details: /$TAG-6-d\$" "7-k filtered out, none after: the one before (6-d)"

tui_keys Escape
tui_expect_not "filter:" "Escape clears the filter"
tui_expect "details: /$TAG-6-d\$" "the selection stays"
tui_keys q
tui_expect '^EXIT:0$' "q quits"
t_done
