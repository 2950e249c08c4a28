#!/usr/bin/env bash
# test_probe_inject.sh - the probe screen (p) explains an address as
# `shmspy probe` does; inject (I) offers every fault the CLI has (flip,
# set, corrupt, truncate, chmod, unlink) after a y/N question, journals
# first through the same ops code, shows the journal and the undo command;
# a declined question changes nothing.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name pinj)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }
shm_poke "$NAME" 16 "41"
# Journals are written in the current directory.
cd "$T_TMP" || exit 1

tui_start 200 40 -- watch "$NAME" --hz 20
tui_expect '^00000000  ' "hex view is up"

# Probe from the hex view.
tui_keys p
tui_expect 'probe address' "p prompts for an address"
tui_type 0xcc8e9ff8cc
tui_keys Enter
tui_expect '^result: +SIGSEGV \(SEGV_(MAPERR|ACCERR)\) at 0xcc8e9ff8cc' \
  "probe screen names the signal, si_code and address"
tui_expect '^lesson: +A pointer value means something only inside the process' \
  "and teaches the lesson"
tui_expect 'exchange offsets' "the lesson is word-wrapped, complete"
tui_expect '^where: ' "and says where the address lies"
tui_keys Escape
tui_expect '^00000000  ' "Esc closes the probe screen"
tui_keys p
tui_type zz
tui_keys Enter
tui_expect 'probe: .*zz' "a bad address is refused with a message"

# A declined inject changes nothing and writes no journal.
tui_keys I
tui_expect 'inject into ' "I prompts for a fault"
tui_keys C-u
tui_type "flip 16 1"
tui_keys Enter
tui_expect 'flip bit 1 of byte 16 .*y/N' "inject asks y/N first"
tui_keys n
tui_expect 'inject cancelled: nothing changed' "n declines"
t_expect_eq "$(shm_peek "$NAME" 16 1)" "41" "declined: the byte is unchanged"
t_expect_eq "$(ls "$T_TMP" | grep -c '\.journal$')" "0" "declined: no journal"

# The prompt's suggestion is replaced by what is typed (no Ctrl-U).
tui_keys I
tui_expect 'inject into ' "I prompts again"
tui_type "flip 16 1"
tui_keys Enter
tui_expect 'flip bit 1 of byte 16 .*y/N' "typing replaced the suggested fault"
tui_keys n
tui_expect 'inject cancelled: nothing changed' "n declines"

# An accepted flip: the byte changes, the journal and undo are shown.
tui_keys I
tui_keys C-u
tui_type "flip 16 1"
tui_keys Enter
tui_expect 'y/N' "asked again"
tui_keys y
tui_expect 'byte 16 was 0x41, now 0x43; undo: shmspy inject undo [^ ]+\.journal' \
  "flip reports old and new byte, the journal and the undo command"
J=$(printf '%s\n' "$TUI_SCREEN" | sed -n 's/.*undo: shmspy inject undo \([^ ]*\).*/\1/p' | head -n 1)
t_expect_eq "$("$SHMSPY" read "$NAME" -s 16 --as u8)" "67" "shmspy read sees the flipped byte"
t_expect_match "$(cat "$T_TMP/$J" 2>/dev/null)" "^patch 16 1 41 43$" \
  "the journal holds offset, original and new byte"
t_run "$SHMSPY" inject undo "$T_TMP/$J"
t_expect_rc 0 "shmspy inject undo with the shown journal works"
t_expect_eq "$("$SHMSPY" read "$NAME" -s 16 --as u8)" "65" "undo restores the byte"

# set and corrupt, the CLI's other byte faults, through the same ops code.
tui_keys I
tui_keys C-u
tui_type "set 0x20 de ad be ef"
tui_keys Enter
tui_expect 'set 4 bytes at offset 32 of .*y/N' "set asks y/N"
tui_keys y
tui_expect '4 bytes at offset 32 overwritten; undo: shmspy inject undo [^ ]+\.journal' \
  "set reports what it overwrote and the undo command"
J=$(printf '%s\n' "$TUI_SCREEN" | sed -n 's/.*undo: shmspy inject undo \([^ ]*\).*/\1/p' | head -n 1)
t_expect_eq "$("$SHMSPY" read "$NAME" -s 32 --as hex:4)" "de ad be ef" "shmspy read sees the set bytes"
t_expect_match "$(cat "$T_TMP/$J" 2>/dev/null)" "^patch 32 4 00000000 deadbeef$" "the journal holds the set"
t_run "$SHMSPY" inject undo "$T_TMP/$J"
t_expect_eq "$("$SHMSPY" read "$NAME" -s 32 --as hex:4)" "00 00 00 00" "undo restores the set bytes"
before=$(shm_peek "$NAME" 0 4096)
tui_keys I
tui_keys C-u
tui_type "corrupt 5 42"
tui_keys Enter
tui_expect 'corrupt 5 random bytes \(seed 42\) of .*y/N' "corrupt asks y/N"
tui_keys y
tui_expect '5 bytes changed \(seed 42\); undo: shmspy inject undo [^ ]+\.journal' \
  "corrupt reports the count and seed"
J=$(printf '%s\n' "$TUI_SCREEN" | sed -n 's/.*undo: shmspy inject undo \([^ ]*\).*/\1/p' | head -n 1)
t_expect_eq "$(grep -c '^patch ' "$T_TMP/$J")" "5" "five bytes journalled"
# The same seed through the CLI picks the same offsets and masks.
"$SHMSPY" inject undo "$T_TMP/$J" >/dev/null
"$SHMSPY" inject corrupt "$NAME" -k 5 --seed 42 --journal "$T_TMP/cli.journal" >/dev/null
t_expect_eq "$(grep '^patch ' "$T_TMP/cli.journal")" "$(grep '^patch ' "$T_TMP/$J")" \
  "the TUI's corrupt and the CLI's are one implementation: same seed, same journal"
"$SHMSPY" inject undo "$T_TMP/cli.journal" >/dev/null
t_expect_eq "$(shm_peek "$NAME" 0 4096)" "$before" "undo restores every corrupted byte"
tui_keys I
tui_keys C-u
tui_type "flip 16 9"
tui_keys Enter
tui_expect 'bit 9 is not in 0..7' "the TUI gets the ops check's message"

# From the browser: chmod the selected object, declined then accepted.
tui_start 200 40 -- 
tui_expect 'objects' "browser is up"
tui_keys /
tui_type "${NAME#/}"
tui_keys Enter
tui_expect "^${NAME} " "filter selects the object"
tui_keys I
tui_type "chmod 0640"
tui_keys Enter
tui_expect 'chmod 0640 of .*y/N' "chmod asks y/N"
tui_keys Escape
tui_expect 'inject cancelled' "Esc declines"
t_expect_eq "$(stat -c %a "/dev/shm${NAME}")" "600" "declined: mode unchanged"
tui_keys I
tui_type "chmod 0640"
tui_keys Enter
tui_keys y
tui_expect 'mode 0600 -> 0640; undo: shmspy inject undo [^ ]+\.journal' "chmod applied and journalled"
t_expect_eq "$(stat -c %a "/dev/shm${NAME}")" "640" "mode changed"
J=$(printf '%s\n' "$TUI_SCREEN" | sed -n 's/.*undo: shmspy inject undo \([^ ]*\).*/\1/p' | head -n 1)
t_run "$SHMSPY" inject undo "$T_TMP/$J"
t_expect_eq "$(stat -c %a "/dev/shm${NAME}")" "600" "undo restores the mode"
tui_keys '?'
tui_expect 'inject a fault' "help lists I"
tui_expect 'probe an address' "help lists p"
tui_keys q
tui_keys q
tui_expect 'EXIT:0' "quits cleanly"

t_done
