#!/usr/bin/env bash
# test_browser.sh - the browser lists objects live (a created one appears,
# a removed one disappears, without a key), filters as you type, sorts,
# shows details with the mapping processes, and Enter opens the hex view.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

TAG="spytest-$$"
A=$(t_name a)
B=$(t_name b)
M=$(t_name m)
C=$(t_name c)
shm_make "$A" 4096 || { t_fail "create $A"; t_done; exit; }
shm_make "$B" 65536
# A live process mapping M: the details pane must show it.
# Its standard input is a FIFO we hold open: closing it ends the writer.
t_cleanup "rm -f '/dev/shm/${M#/}'"
mkfifo "$T_TMP/hold"
"$SPY_SAMPLES/shm_writer" "$M" --size 8192 <"$T_TMP/hold" >"$T_TMP/writer.out" 2>&1 &
WPID=$!
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
t_wait_for "grep -q ready '$T_TMP/writer.out' || [ -s '/dev/shm/${M#/}' ]" 100
t_wait_for "[ \"\$(shm_peek '$M' 0 1)\" = 64 ]" 100

tui_start 150 40 --
# Filter as you type first: /dev/shm may hold thousands of other objects
# that would push ours off the screen.
tui_keys /
tui_type "$TAG"
tui_expect "filter: $TAG" "the filter shows in the title"
tui_expect "3 of [0-9]+ objects" "three objects match"
tui_expect_not "^/shmspy-demo " "others are filtered out"
tui_keys Enter
tui_expect "^${A} +posix +4096 0600 " "the browser lists a created object"
tui_expect "^${B} +posix +65536 " "and another"

# Sort by size: B (65536), M (8192), A (4096).
tui_keys s
tui_expect "sort: size" "s sorts by size"
order=$(printf '%s\n' "$TUI_SCREEN" | grep -oE "^/$TAG-[abm] " | tr -d ' ' | tr '\n' ' ')
t_expect_eq "$order" "$B $M $A " "biggest first"
tui_keys S
tui_expect "sort: size \(reversed\)" "S reverses"
tui_wait "^${A} " >/dev/null
order=$(printf '%s\n' "$TUI_SCREEN" | grep -oE "^/$TAG-[abm] " | tr -d ' ' | tr '\n' ' ')
t_expect_eq "$order" "$A $M $B " "smallest first when reversed"

# Details of M, with the writer process and its address.
tui_keys Home Down
tui_expect "details: $M" "details pane follows the selection"
tui_expect "size 8192 " "details show the size"
tui_expect "pid $WPID +shm_writer +0x[0-9a-f]+-0x[0-9a-f]+ rw-?s" \
  "details list the mapping process with its address range"

# Enter opens the hex view; q comes back.
tui_keys Enter
tui_expect "^ shmspy watch $M" "Enter opens the hex view"
tui_expect '^00000000  64 00 00 00 00 00 00 00  48 65 6c 6c 6f 20 66 72 ' \
  "the hex view shows the object's bytes"
tui_keys q
tui_expect "3 of [0-9]+ objects" "q goes back to the browser"

# Live: removed and created objects come and go without a key.
rm -f "/dev/shm/${A#/}"
tui_expect_not "^${A} " "a removed object disappears by itself"
tui_expect "2 of [0-9]+ objects" "the count follows"
shm_make "$C" 1024
tui_expect "^${C} +posix +1024 " "a new object appears by itself"

# Escape clears the filter.
tui_keys Escape
tui_expect_not "filter:" "Escape clears the filter"
tui_keys '?'
tui_expect "filter by name" "? shows the browser's keys"
tui_keys x
tui_keys q
tui_expect '^EXIT:0$' "q quits the browser"
t_done
