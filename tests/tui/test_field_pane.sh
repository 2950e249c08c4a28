#!/usr/bin/env bash
# test_field_pane.sh - the field pane of `watch --type`, against live
# writers: demo_writer's struct demo_layout (magic, a counter that
# changes and is highlighted), the cursor shared by fields and bytes, an
# array expanded and collapsed, a layout loaded with the T key, t cycling
# hex / both / fields; and, with typed_writer --tear, torn values marked
# and counted, an array of structs as a table, a pointer field probed.
#
# demo_layout comes from the hand-written layout file below, so the test
# runs without libdw too; the typed_writer cases read typed_writer's own
# DWARF (--from) and are skipped in a build without libdw.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)
LAYOUT=$T_TMP/demo.layout

# A hand-written layout of struct demo_layout (samples/demo_layout.h).
cat >"$LAYOUT" <<'EOF'
shmspy-layout 1
source "hand-written: samples/demo_layout.h"
endian little
pointer-size 8
root "struct demo_layout"
char char 1 signed
uint uint32_t 4
uint uint64_t 8
int int64_t 8
char uint8_t 1 unsigned

struct "struct demo_layout" 384
  field magic char[8] 0
  field version uint32_t 8
  field pid uint32_t 12
  field counter uint64_t 16
  field unix_time int64_t 24
  field mono_ns uint64_t 32
  field reserved uint8_t[24] 40
  field ring char[64] 64
  field slow uint8_t[256] 128
end
EOF
# typed_writer is built with -g: its own DWARF is a layout source where
# this build reads DWARF.
if "$SHMSPY" layout --from "$SPY_SAMPLES/typed_writer" \
  --type 'struct typed_shared' >/dev/null 2>&1; then
  DWARF=1
else
  DWARF=0
fi
# The layout file must be good before the screens are looked at.
t_run "$SHMSPY" layout --layout "$LAYOUT" -o "$T_TMP/again.layout"
t_expect_rc 0 "the hand-written layout of struct demo_layout parses"
[ "$T_RC" -eq 0 ] || { t_done; exit; }

# Mistakes are one line on a plain terminal, before any screen.
t_run "$SHMSPY" watch /spytest-nonesuch --field counter
t_expect_error 2 "--field needs a layout" "watch --field without a layout is a usage error"
t_run "$SHMSPY" watch /spytest-nonesuch --type 'struct x'
t_expect_error 2 "--type needs a layout" "watch --type without a source is a usage error"

D=$(t_name fpdemo)
t_cleanup "rm -f /dev/shm$D"
"$SPY_SAMPLES/demo_writer" "$D" --hz 20 --seconds 120 >/dev/null 2>&1 &
DW=$!
t_cleanup "kill $DW 2>/dev/null"
t_wait_for "test -s /dev/shm$D" || { t_fail "demo_writer starts"; t_done; exit; }

# The value column of the row NAME in the pane: what follows its type.
row_of() { printf '%s\n' "$TUI_SCREEN" | grep -E "[ +-] $1 " | head -n 1; }
status_line() { printf '%s\n' "$TUI_SCREEN" | grep -E ' @0x[0-9a-f]+' | tail -n 1; }

t_run "$SHMSPY" watch "$D" --layout "$LAYOUT" --field nope
t_expect_error 1 "nope: no field nope in struct demo_layout" \
  "a --field the layout lacks is named, with the fields there are"

# ---- the pane on a live struct -----------------------------------------
tui_start 160 40 -- watch "$D" --layout "$LAYOUT"
tui_expect 'fields: struct demo_layout' "watch --layout opens the field pane"
tui_expect '[+] magic .*"SPYDEMO"' "magic shows as a string"
tui_expect '  version .* 1 *$' "version is 1"
tui_wait '  counter .* [0-9]+'
c1=$(row_of counter | sed -E 's/.* ([0-9]+) *$/\1/')
t_wait_for "tui_capture; [ \"\$(row_of counter | sed -E 's/.* ([0-9]+) *\$/\\1/')\" != '$c1' ]" 50
c2=$(row_of counter | sed -E 's/.* ([0-9]+) *$/\1/')
t_expect_match "$c1 $c2" '^[0-9]+ [0-9]+$' "the counter shows as a number"
if [ "${c2:-0}" -gt "${c1:-0}" ]; then
  t_ok "the counter changes in the pane ($c1 -> $c2)"
else
  t_fail "the counter changes in the pane" "$c1 -> $c2" "$TUI_SCREEN"
fi

# Highlighted: the counter's value is drawn with attributes, the
# version's (never changing) is not.
tui_capture -e
cnt=$(printf '%s\n' "$TUI_SCREEN" | grep -E 'counter' | head -n 1)
ver=$(printf '%s\n' "$TUI_SCREEN" | grep -E ' version ' | head -n 1)
# A highlight is a background colour (or reverse video) on the value.
HL=$'\e\\[(4[0-7]|7)m'
t_expect_match "$(printf '%s' "$cnt" | sed -E 's/.*uint64_t//')" "$HL" \
  "the changing counter is highlighted"
t_expect_nomatch "$(printf '%s' "$ver" | sed -E 's/.*uint32_t//')" "$HL" \
  "the unchanging version is not"

# ---- cursor sync ---------------------------------------------------------
tui_expect '@0x0( |$)' "the cursor starts on the first field, at 0x0"
tui_keys Down Down Down
tui_expect '@0x10( |$)' "three fields down is counter: the hex cursor moves to 0x10"
tui_keys o g
tui_type 0x22
tui_keys Enter
tui_expect '@0x22( |$)' "o gives the keys to the hex; g 0x22 moves there"
tui_keys o Down
tui_expect '@0x28( |$)' "back in the fields, Down goes from unix_time (holding 0x22) to mono_ns"

# ---- an array ------------------------------------------------------------
tui_keys End
tui_expect '\+ slow ' "End goes to the last field, slow, collapsed"
tui_keys Enter
tui_expect '  \[0\] .*uint8_t' "Enter expands the array: its elements are rows"
tui_expect '@0x80( |$)' "the hex cursor is at the array's first byte"
tui_keys Enter
tui_expect '@0x80( |$)' "Enter again goes into it: the first element"
tui_keys Down Down
tui_expect '@0x82( |$)' "moving in the elements moves the hex cursor byte by byte"
tui_keys Left Left
tui_expect_not '  \[0\] .*uint8_t' "Left goes to the array, Left again collapses it"

# ---- t: fields only, hex only --------------------------------------------
tui_keys t
tui_expect_not '^00000000  ' "t: fields only (no hex)"
tui_expect 'fields: struct demo_layout' "the pane stays"
tui_keys t
tui_expect '^00000000  ' "t: hex only"
tui_expect_not 'fields: struct' "the pane is gone"
tui_keys t
tui_expect 'fields: struct demo_layout' "t: both again"
tui_keys q
tui_expect '^EXIT:0' "q quits"

# ---- T loads a layout in the view ---------------------------------------
tui_start 160 40 -- watch "$D"
tui_expect '^00000000  ' "a plain watch"
tui_keys t
tui_expect 'no layout: T loads one' "t without a layout says how to load one"
tui_keys T
tui_expect '^layout:' "T asks for a layout"
# (a leading blank: tmux would take a first word "--..." as its own flag)
tui_type " --layout '$LAYOUT' --field counter"
tui_keys Enter
tui_expect 'fields: struct demo_layout' "the layout loads into the pane"
tui_expect '@0x10( |$)' "--field counter puts the cursor there"
tui_keys T
# The last words are offered again, selected: typing replaces them.
tui_type " --layout '$T_TMP/nonesuch'"
tui_keys Enter
tui_expect 'layout: .*nonesuch' "a missing file is one line naming it"
tui_expect 'fields: struct demo_layout' "and the loaded layout stays"
if [ "$DWARF" = 1 ]; then
  # Quoted words, as on the command line: the type's name has a blank.
  tui_keys T
  tui_type " --type 'struct demo_layout' --header \"$ROOT/samples/demo_layout.h\" --field ring"
  tui_keys Enter
  tui_expect 'layout struct demo_layout loaded' "T resolves --type 'struct demo_layout' --header H"
  tui_expect '@0x40( |$)' "and --field ring puts the cursor on ring"
fi
tui_keys q
tui_expect '^EXIT:0' "q quits"

# ---- a struct larger than the object ------------------------------------
SMALL=$(t_name fpsmall)
shm_make "$SMALL" 20 || t_fail "create $SMALL"
tui_start 160 40 -- watch "$SMALL" --layout "$LAYOUT"
tui_expect 'struct demo_layout \(384 bytes\) at 0x0 does not fit in .* \(20 bytes\)' \
  "a struct past the object's end is said at once"
tui_expect '  counter .* \?$' "a field that crosses the end shows ?"
tui_keys q
tui_expect '^EXIT:0' "q quits"

# ---- torn values, a table, a pointer (typed_writer, DWARF) ---------------
if [ ! -x "$SPY_SAMPLES/typed_writer" ]; then
  echo "SKIP: torn/table/pointer cases: no samples/typed_writer"
elif [ "$DWARF" = 0 ]; then
  echo "SKIP: torn/table/pointer cases: this build reads no DWARF"
else
  TW=$(t_name fptyped)
  t_cleanup "rm -f /dev/shm$TW"
  "$SPY_SAMPLES/typed_writer" "$TW" --tear --seconds 120 >"$T_TMP/tw.out" 2>&1 &
  TWP=$!
  t_cleanup "kill $TWP 2>/dev/null"
  t_wait_for "grep -q ready '$T_TMP/tw.out'" || t_fail "typed_writer starts"
  tui_start 180 50 -- watch "$TW" --from "$SPY_SAMPLES/typed_writer" \
    --type 'struct typed_shared' --hz 30
  tui_expect 'fields: struct typed_shared' "typed_shared in the pane"
  tui_expect ' msg .*TORN|  wide .*TORN' "a field torn by the writer is marked TORN" 300
  tui_expect 'torn [1-9][0-9]*' "the status bar counts torn values"
  tui_expect '  state .*TYPED_BUSY' "an enum shows by name"
  tui_expect '  self .*0x[0-9a-f]+ \(address in the writer\)' "a pointer is an address in the writer"
  tui_expect '[+] lock .*pthread_mutex_t +unlocked' "a mutex shows its decoded state"
  tui_expect '[+] sem .*sem_t +value 3' "a semaphore shows its value"
  # The ring: an array of structs, a table once expanded.
  # The ring: an array of structs, a table once expanded (the 14th field).
  tui_keys Home
  for _ in $(seq 1 13); do tui_keys Down; done
  tui_expect '\+ ring ' "down to ring"
  tui_keys Enter
  tui_expect '- ring .*seq +state +when +label' "an expanded array of structs names its columns"
  tui_expect '\[3\] +3 +TYPED_IDLE|\[3\] +[0-9]+ +TYPED_' "and shows one row per element"
  # self is two rows further: counter, self.
  tui_keys Left
  tui_expect_not '- ring' "Left collapses the table"
  tui_keys Down Down
  tui_keys P
  tui_expect "address in the writer's process" "P on a pointer probes it and says whose address it is"
  tui_keys q
  tui_expect 'fields: struct typed_shared' "q closes the probe"
  tui_keys Down
  tui_expect ' lock: mutex: unlocked.*waiting' \
    "on the mutex, a line under the fields says its state and who waits"
  tui_keys q
  tui_expect '^EXIT:0' "q quits"
fi

kill "$DW" 2>/dev/null
t_done
