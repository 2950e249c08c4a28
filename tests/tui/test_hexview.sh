#!/usr/bin/env bash
# test_hexview.sh - the hex view shows the bytes, and goto, search (text
# and hex, n for the next match), freeze and the inspector work.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name hex)
shm_make "$NAME" 8192 || { t_fail "create $NAME"; t_done; exit; }
shm_poke "$NAME" 0 "53 50 59 21"                      # "SPY!"
shm_poke "$NAME" 256 "01 02 03 04 05 06 07 08"
shm_poke "$NAME" 4096 "68 65 6c 6c 6f 20 6e 65 65 64 6c 65"  # hello needle
shm_poke "$NAME" 6000 "6e 65 65 64 6c 65"                    # needle

tui_start 100 30 -- watch "$NAME" --hz 20

tui_expect '^00000000  53 50 59 21 00 00 00 00  00 00 00 00 00 00 00 00  \|SPY!\.{12}\|$' \
  "first row: offset, hex, ASCII"
tui_expect "^ shmspy watch $NAME" "title names the object"
tui_expect " $NAME  posix  8192 B  0600  ro  20 Hz" "status bar: name kind size mode ro hz"
tui_expect '^00000100  01 02 03 04 05 06 07 08' "row at 0x100"

# Goto, in the CLI's number syntax.
tui_keys g
tui_expect 'go to offset:' "g prompts for an offset"
tui_type 4K
tui_keys Enter
tui_expect '^00001000  68 65 6c 6c 6f 20 6e 65  65 64 6c 65 00 00 00 00  \|hello needle\.{4}\|$' \
  "g 4K shows the row at 0x1000"
tui_expect '@0x1000' "cursor at 0x1000"
tui_keys g
tui_type 0x99999
tui_keys Enter
tui_expect 'past the end' "goto past the end is refused with a message"
tui_keys g
tui_type zz
tui_keys Enter
tui_expect 'zz' "goto garbage is refused with a message"
tui_expect '@0x1000' "cursor did not move"

# Search text, then n for the next match, wrapping around.
tui_keys /
tui_type needle
tui_keys Enter
tui_expect '@0x1006' "text search finds the first match after the cursor"
tui_keys n
tui_expect '@0x1770' "n finds the next match"
tui_keys n
tui_expect '@0x1006' "n wraps around the end"
tui_expect 'wrapped' "wrap is reported"
# Hex search.
tui_keys /
tui_type "05 06 07"
tui_keys Enter
tui_expect '@0x104' "hex search finds 05 06 07 at 0x104"
tui_keys /
tui_type '"nothing like this'
tui_keys Enter
tui_expect 'not found' "a missing pattern says not found"

# Inspector on the known pattern 01..08 at 0x100.
tui_keys g
tui_type 256
tui_keys Enter
tui_keys i
tui_expect 'inspector @ 0x100' "i opens the inspector at the cursor"
tui_expect '^ u16 +513 +258$' "u16 little and big endian"
tui_expect '^ i32 +67305985 +16909060$' "i32 both byte orders"
tui_expect '^ u64 +578437695752307201 +72623859790382856$' "u64 both byte orders"
tui_expect '^ f32 +1\.53998961e-36 +2\.38793926e-38$' "f32 both byte orders"
tui_expect '^ str +"\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08"' "C string, escaped"
tui_keys g
tui_type 0
tui_keys Enter
tui_expect '^ str +"SPY!"' "string at 0"
tui_expect '^ i8 +83 +83$' "i8 of 'S'"
tui_keys i
tui_expect_not 'inspector @' "i closes the inspector"

# Freeze: a change from outside is not shown until Space again.
tui_keys Space
tui_expect '\[FROZEN\]' "Space freezes"
shm_poke "$NAME" 1 "aa"
sleep 1
tui_capture
t_expect_match "$(tui_line 0)" '^00000000  53 50 59 21' "frozen screen keeps the old bytes"
tui_keys Space
tui_expect '^00000000  53 aa 59 21' "Space resumes and shows the change"
tui_expect_not '\[FROZEN\]' "title no longer says frozen"

# Paging and Home/End.
tui_keys End
tui_expect '^00001ff0 ' "End shows the last row"
tui_expect '@0x1fff' "End moves to the last byte"
tui_keys Home
tui_expect '^00000000 ' "Home shows the first row"
tui_keys PageDown
tui_expect_not '^00000000 ' "PgDn scrolls"
tui_keys PageUp
tui_expect '^00000000 ' "PgUp scrolls back"

# Help lists the keys; any key closes it.
tui_keys '?'
tui_expect 'go to an offset' "? shows the keys"
tui_keys x
tui_expect_not 'go to an offset' "any key closes the help"

tui_keys q
tui_expect '^EXIT:0' "q quits with status 0"
t_done
