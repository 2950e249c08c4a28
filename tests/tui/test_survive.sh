#!/usr/bin/env bash
# test_survive.sh - the hex view survives the object shrinking under it
# (banner, view clamped, no SIGBUS), its name being removed (banner,
# mapping still shown) and recreated (r reopens), and terminal resizes.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name surv)
FILE="/dev/shm/${NAME#/}"
shm_make "$NAME" 8192 || { t_fail "create $NAME"; t_done; exit; }
shm_poke "$NAME" 4096 "cc cc cc cc"
shm_poke "$NAME" 16 "11 22"

tui_start 100 24 -- watch "$NAME" --hz 20
tui_expect '^00000010  11 22 ' "watch shows the object"
tui_keys g
tui_type 0x1000
tui_keys Enter
tui_expect '^00001000  cc cc cc cc ' "looking at 0x1000"

# Shrink it under the view, below what is on screen.
truncate -s 100 "$FILE"
tui_expect 'shrank from 8192 to 100 bytes' "shrink banner names both sizes"
tui_expect '^00000060  00 00 00 00 +\|\.\.\.\.\|$' "the view is clamped to the new end"
tui_expect '  100 B  ' "status bar shows the new size"
tui_expect '@0x63' "cursor clamped to the last byte"
[ -n "$(tui_pid)" ] && t_ok "still running after the shrink" ||
  t_fail "still running after the shrink" "$TUI_SCREEN"
# And it keeps refreshing.
shm_poke "$NAME" 16 "33"
tui_expect '^00000010  33 22 ' "still live after the shrink"
# Growing back clears the banner.
truncate -s 8192 "$FILE"
tui_expect_not 'shrank from' "growing back removes the banner"
tui_expect '  8192 B  ' "status bar shows the size again"

# Remove the name: the mapping stays and is still shown.
rm -f "$FILE"
tui_expect "$NAME was removed \(unlinked\)" "unlink banner"
tui_expect '^00000010  33 22 ' "the mapping is still shown"
[ -n "$(tui_pid)" ] && t_ok "still running after the unlink" ||
  t_fail "still running after the unlink" "$TUI_SCREEN"
tui_keys r
tui_expect 'cannot reopen' "r says why it cannot reopen a removed name"
tui_expect "was removed" "banner stays"
# Recreate the name: a new object; r reopens it.
"$SPY_SAMPLES/trio_create" "$NAME" 256 >/dev/null
shm_poke "$NAME" 16 "77"
tui_expect "$NAME now names a new object" "recreated name is noticed"
tui_keys r
tui_expect_not "now names a new object|was removed" "r reopens: banners gone"
tui_expect '^00000010  77 00 ' "r shows the new object's bytes"
tui_expect '  256 B  ' "and its size"

# Resize: bytes per row follow the width.
tui_tmux resize-window -t spy -x 60 -y 20
tui_expect '^00000008  00 00 ' "narrow terminal: 8 bytes per row"
tui_tmux resize-window -t spy -x 130 -y 30
tui_expect '^00000018  00 00 ' "wide terminal: 24 bytes per row"
tui_tmux resize-window -t spy -x 20 -y 6
sleep 0.5
[ -n "$(tui_pid)" ] && t_ok "a tiny terminal does not kill it" ||
  t_fail "a tiny terminal does not kill it" "$TUI_SCREEN"
tui_tmux resize-window -t spy -x 100 -y 24
tui_expect '^00000010  77 00 ' "back to 16 bytes per row"

tui_keys q
tui_expect '^EXIT:0' "q quits with status 0"
t_done
