#!/usr/bin/env bash
# test_writer.sh - writer mode: hex digits and text typed in the view
# change the object as another process sees it; a read-only session
# refuses edits with a message and changes nothing; w reopens read-write
# only after a yes; an object whose mode is read-only refuses edits even
# to root unless --force, by the same write policy as `shmspy write`.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name wr)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

# --- watch --write ---------------------------------------------------------
tui_start 100 24 -- watch "$NAME" --write
tui_expect '\[WRITER\]' "--write opens read-write"
tui_expect "  rw  10 Hz" "status bar says rw"
tui_keys g
tui_type 0x10
tui_keys Enter
tui_expect '@0x10' "cursor at 0x10"
tui_type "deadbe"
t_wait_for '[ "$(shm_peek "$NAME" 16 3)" = "de ad be" ]' 100
t_expect_eq "$(shm_peek "$NAME" 16 4)" "de ad be 00" "hex digits overwrite bytes, seen by another process"
tui_expect '^00000010  de ad be 00 ' "the view shows the edit"
tui_type "7"
t_wait_for '[ "$(shm_peek "$NAME" 19 1)" = "70" ]' 100
t_expect_eq "$(shm_peek "$NAME" 19 1)" "70" "the first nibble is written at once"
tui_type "f"
t_wait_for '[ "$(shm_peek "$NAME" 19 1)" = "7f" ]' 100
t_expect_eq "$(shm_peek "$NAME" 19 1)" "7f" "the second nibble completes the byte"
# Text in the ASCII column.
tui_keys Tab
tui_expect '\[TEXT\]' "Tab switches to text"
tui_type "Hi q!"
t_wait_for '[ "$(shm_peek "$NAME" 20 5)" = "48 69 20 71 21" ]' 100
t_expect_eq "$(shm_peek "$NAME" 20 5)" "48 69 20 71 21" "text overwrites bytes (q and space are text here)"
tui_keys Escape
tui_expect_not '\[TEXT\]' "Escape leaves text editing"
tui_expect '^00000010  de ad be 7f 48 69 20 71  21 00 ' "the view shows the text"
tui_keys q
tui_expect '^EXIT:0' "q quits"

# --- read-only ----------------------------------------------------------
before=$(shm_peek "$NAME" 0 64)
tui_start 100 24 -- watch "$NAME"
tui_expect '^00000010  de ad be 7f' "read-only view shows the bytes"
tui_expect "  ro  10 Hz" "status bar says ro"
tui_type "12"
tui_expect 'read-only: edits are refused' "a hex digit is refused with a message"
tui_keys Tab
tui_expect 'read-only: edits are refused' "Tab (text editing) is refused too"
sleep 0.5
t_expect_eq "$(shm_peek "$NAME" 0 64)" "$before" "the object is unchanged"

# w asks first; anything but y keeps it read-only.
tui_keys w
tui_expect 'read-write\? .*\[y/N\]' "w asks for confirmation"
tui_keys n
tui_expect 'still read-only' "n keeps it read-only"
tui_expect "  ro  10 Hz" "status bar still ro"
tui_keys w
tui_expect '\[y/N\]' "w asks again"
tui_keys y
tui_expect '\[WRITER\]' "y reopens read-write"
tui_keys Home
tui_type "99"
t_wait_for '[ "$(shm_peek "$NAME" 0 1)" = "99" ]' 100
t_expect_eq "$(shm_peek "$NAME" 0 1)" "99" "after w, edits reach the object"
tui_keys q
tui_expect '^EXIT:0' "q quits"
# --- a read-only mode: the write policy of ops/write.c ------------------
RO=$(t_name ro)
"$SHMSPY" create "$RO" 4096 --mode 0444 >/dev/null 2>&1 || t_fail "create $RO 0444"
before=$(shm_peek "$RO" 0 16)
tui_start 100 24 -- watch "$RO" --write
tui_expect "edits will be refused: .*is read-only \\(mode 0444\\); use --force" \
  "watch --write of a mode-0444 object says at once that edits are refused"
tui_type "ab"
tui_expect "not written: .*is read-only \\(mode 0444\\)" "an edit is refused with the policy's message"
sleep 0.5
t_expect_eq "$(shm_peek "$RO" 0 16)" "$before" "the mode-0444 object is unchanged"
tui_keys q
tui_expect '^EXIT:0' "q quits"
tui_start 100 24 -- watch "$RO" --write --force
tui_expect '\[WRITER\]' "--write --force opens read-write"
tui_type "ab"
t_wait_for '[ "$(shm_peek "$RO" 0 1)" = "ab" ]' 100
t_expect_eq "$(shm_peek "$RO" 0 1)" "ab" "--force is the one way past the read-only mode"
tui_keys q
tui_expect '^EXIT:0' "q quits"
"$SHMSPY" rm "$RO" >/dev/null 2>&1
t_done
