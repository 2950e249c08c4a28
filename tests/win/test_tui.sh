#!/usr/bin/env bash
# tests/win/test_tui.sh - the PDCurses TUI of shmspy.exe under Wine, driven
# in tmux: the browser lists a section a Win32 sample holds, Enter opens
# the hex view, a byte another process changes appears highlighted and
# fades, goto, search, the inspector, writer mode (w, y, hex digits: seen
# by `shmspy.exe read`), a console resize, q back to the browser and q
# out with the terminal restored. The subset of tests/tui/ that Wine's
# console can show; what it cannot is listed in docs/architecture.md
# (Windows: TUI).
#
# `wine shmspy.exe` runs straight in the pane: Wine gives a program started
# from a Unix terminal a console drawn on that terminal (conhost --unix),
# with colours as SGR sequences, so tmux sees the screen PDCurses draws.
# (wineconsole would open a window of its own, which needs a display.)
# That console takes the terminal's size once, at start: a resize of the
# pane never reaches the program, so con_resize.exe resizes the console
# from inside Windows, as dragging a console window would.
#
# Run by scripts/test-windows with WINEPREFIX, WINEDEBUG and BUILD_DIR set.
# Reuses the tmux helpers of the Linux TUI tests (tests/lib/tui.sh) with
# "wine" as the program and shmspy.exe as its first argument.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
B=$(cd "${BUILD_DIR:?}" && pwd)
if ! command -v tmux >/dev/null 2>&1; then
  # tests/lib/tui.sh would skip quietly; here a missing tmux is a failure.
  echo "FAIL - tmux is not installed (scripts/test-windows installs it)"
  exit 1
fi
if [ ! -x "$B/shmspy.exe" ] || [ ! -e "$B/tests/con_resize.exe" ]; then
  echo "FAIL - $B/shmspy.exe or tests/con_resize.exe is missing"
  exit 1
fi
export SHMSPY=wine SPY_SAMPLES="$B/samples" SPY_TESTLIB="$here/../lib/common.sh"
# shellcheck source=../lib/tui.sh
. "$here/../lib/tui.sh"
# Wine's console can take several seconds to take the first key or draw
# the first frame on a loaded machine.
TUI_WAIT=300
X="$B/shmspy.exe"
NAME="Local\\spytui-$$"
RE_NAME="Local\\\\spytui-$$"
WIN_ENV=(WINEPREFIX="$WINEPREFIX" WINEDEBUG="${WINEDEBUG:--all}")

# cli ARGS...: shmspy.exe ARGS under Wine, into T_OUT / T_ERR / T_RC, CRs
# dropped.
cli() {
  t_run timeout 120 wine "$X" "$@"
  T_OUT=$(tr -d '\r' <<<"$T_OUT")
  T_ERR=$(tr -d '\r' <<<"$T_ERR")
}

# attr_at ROW COL: the colours and attributes (SGR codes, sorted, comma-
# separated; empty when plain) of the character at column COL (0-based) of
# the screen line whose offset is ROW (8 hex digits), from `capture-pane -e`.
attr_at() {
  printf '%s\n' "$TUI_SCREEN" | python3 -c '
import re, sys
row, col = sys.argv[1], int(sys.argv[2])
for line in sys.stdin:
    state, text, at = {}, "", []
    for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b\n])", line):
        if m.group(2) is None:
            for p in (m.group(1) or "0").split(";"):
                n = int(p or 0)
                if n == 0: state = {}
                elif n == 39: state.pop("fg", None)
                elif n == 49: state.pop("bg", None)
                elif 30 <= n <= 37 or 90 <= n <= 97: state["fg"] = n
                elif 40 <= n <= 47 or 100 <= n <= 107: state["bg"] = n
                elif n in (22, 23, 24, 27): state.pop(n - 20, None)
                else: state[n] = n
        else:
            text += m.group(2)
            at.append(",".join(str(v) for v in sorted(state.values())))
    if text.startswith(row + "  "):
        print(at[col] if col < len(at) else "")
        break
' "$1" "$2"
}
# Column of the high hex digit of byte I of a 16-byte row.
hexcol() { echo $((8 + 2 + 3 * $1 + $1 / 8)); }

# need REGEX DESC: tui_expect for a step the rest relies on; when it fails
# the test stops there (each later check would wait its full time).
need() {
  tui_expect "$1" "$2" && return 0
  echo "stopping: the checks after this one need it"
  t_done
  exit 1
}

# A Win32 writer sample holds the section (int 100, "Hello from Process 1").
mkfifo "$T_TMP/hold"
wine "$SPY_SAMPLES/win_writer.exe" "$NAME" <"$T_TMP/hold" >"$T_TMP/writer.log" 2>&1 &
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
if ! t_wait_for "timeout 60 wine '$X' read '$NAME' --as i32 2>/dev/null | grep -q 100" 300; then
  t_fail "win_writer holds $NAME" "$(tr -d '\r' <"$T_TMP/writer.log")"
  t_done
  exit 1
fi

# ---- the browser -----------------------------------------------------------
tui_start 100 30 "${WIN_ENV[@]}" -- "$X"
need 'NAME +KIND' "the browser is up in Wine's console"
t_expect_eq "$(tui_fmt '#{cursor_flag}')" "0" "the cursor is hidden while the TUI runs"
tui_keys /
tui_type "spytui-$$"
tui_expect "filter: spytui-$$" "/ filters as you type"
tui_keys Enter
tui_expect "^$RE_NAME +section +4096 " "the browser lists the section win_writer.exe holds"
tui_expect "1 of [0-9]+ objects" "one section matches the filter"
tui_expect "details: $RE_NAME" "the details pane shows the selected section"
tui_expect "win_writer\\.exe" "the details name the holding process"

# ---- the hex view ------------------------------------------------------------
tui_keys Enter
tui_expect "^ shmspy watch $RE_NAME" "Enter opens the hex view"
need '^00000000  64 00 00 00 00 00 00 00  48 65 6c 6c 6f 20 66 72  \|d\.{7}Hello fr\|$' \
  "the hex view shows the section's bytes"
tui_expect " $RE_NAME  section  4096 B  [0-7]{4}  ro  " "status bar: name, kind, size, mode, ro"

# A byte changed by another process appears, highlighted, and fades.
cli write "$NAME" -s 0x25 --hex ab
if tui_wait '^00000020  00 00 00 00 00 ab '; then
  t_ok "a byte written by another process appears"
  tui_capture -e
  lit=$(attr_at 00000020 "$(hexcol 5)")
  t_expect_match "$lit" '(^|,)(4[0-7]|10[0-7])(,|$)' \
    "the changed byte is highlighted with a background colour ($lit)"
  t_expect_eq "$(attr_at 00000020 "$(hexcol 4)")" "" "its unchanged neighbour is plain"
else
  t_fail "a byte written by another process appears" "$TUI_SCREEN"
fi
tui_expect "last change 0x25" "the status bar names the offset of the change"
fade=x
for _ in $(seq 100); do
  tui_capture -e
  fade=$(attr_at 00000020 "$(hexcol 5)")
  [ -z "$fade" ] && break
  sleep 0.1
done
t_expect_eq "$fade" "" "the highlight fades away"

# Goto, in the CLI's number syntax.
tui_keys g
tui_expect 'go to offset:' "g prompts for an offset"
tui_type 0x20
tui_keys Enter
tui_expect '@0x20$' "g 0x20 moves the cursor"
tui_keys g
tui_type 0x99999
tui_keys Enter
tui_expect 'past the end' "goto past the end is refused with a message"

# Search: text, wrapping around; then hex.
tui_keys /
tui_type Process
tui_keys Enter
tui_expect '@0x13$' "text search finds 'Process' at 0x13"
tui_expect 'wrapped' "the search says it wrapped around the end"
tui_keys /
tui_type "20 31"
tui_keys Enter
tui_expect '@0x1a$' "hex search finds 20 31 at 0x1a"
tui_keys /
tui_type '"nothing like this'
tui_keys Enter
tui_expect 'not found' "a missing pattern says not found"

# The inspector at offset 0: the int 100 in both byte orders.
tui_keys g
tui_type 0
tui_keys Enter
tui_keys i
tui_expect 'inspector @ 0x0 ' "i opens the inspector at the cursor"
tui_expect '^ i32 +100 +1677721600$' "i32 in both byte orders"
tui_expect '^ str +"d"' "the C string at the cursor"
tui_keys i
tui_expect_not 'inspector @' "i closes the inspector"

# Moving: Wine's console sends these keys as keypad codes (spy_curses.h).
# Home and End are typed as xterm sends them (ESC [ H, ESC [ F): tmux sends
# the vt220 forms (ESC [ 1 ~, ESC [ 4 ~), which Wine 8's console ignores.
tui_type $'\e[F'
tui_expect '@0xfff$' "End moves to the last byte"
tui_expect '^00000ff0 ' "End shows the last row"
tui_type $'\e[H'
tui_expect '@0x0$' "Home moves to the first byte"
tui_keys Down Right
tui_expect '@0x11$' "Down and Right move the cursor"
tui_keys PageDown
tui_expect_not '^00000000 ' "PgDn scrolls"
tui_keys PageUp
tui_expect '^00000000 ' "PgUp scrolls back"
tui_keys '?'
tui_expect 'go to an offset' "? shows the keys"
tui_keys x
tui_expect_not 'go to an offset' "any key closes the help"

# Writer mode: read-only until w and y; hex digits reach the section.
tui_type 12
tui_expect 'read-only: edits are refused' "a read-only view refuses a hex digit"
tui_keys w
tui_expect 'read-write\? .*\[y/N\]' "w asks for confirmation"
tui_keys y
tui_expect '\[WRITER\]' "y reopens the section read-write"
tui_expect "  rw  " "status bar says rw"
tui_keys g
tui_type 0x40
tui_keys Enter
tui_expect '@0x40$' "cursor at 0x40"
tui_type c0fe
tui_expect '^00000040  c0 fe 00 ' "the view shows the edit"
t_wait_for "timeout 60 wine '$X' read '$NAME' -s 0x40 --as u16 --be 2>/dev/null | grep -q 49406" 100
cli read "$NAME" -s 0x40 --as u16 --be
t_expect_eq "$T_OUT" "49406" "another process reads the bytes typed (c0 fe)"

# Resize: bytes per row follow the console's width.
t_run timeout 60 wine "$B/tests/con_resize.exe" shmspy.exe 60 20
t_expect_rc 0 "con_resize.exe resizes the console to 60x20"
tui_expect '^00000008  48 65 6c 6c ' "narrow console: 8 bytes per row"
# The pane keeps what lay outside the smaller console: the status bar must
# now be the 19th line, above the message line.
# (The rows and the status bar may land in different frames under Wine:
# look again for a few seconds.)
for _ in $(seq 50); do
  tui_capture
  printf '%s\n' "$TUI_SCREEN" | sed -n 19p | grep -Eq -- "^ $RE_NAME  section  4096 B " && break
  sleep 0.1
done
t_expect_match "$(printf '%s\n' "$TUI_SCREEN" | sed -n 19p)" "^ $RE_NAME  section  4096 B " \
  "20 rows: the status bar moves up to row 19"
t_run timeout 60 wine "$B/tests/con_resize.exe" shmspy.exe 100 30
t_expect_rc 0 "con_resize.exe resizes the console back to 100x30"
tui_expect '^00000010  6f 6d 20 50 ' "wide console again: 16 bytes per row"
tui_capture
t_expect_match "$(printf '%s\n' "$TUI_SCREEN" | sed -n 29p)" "^ $RE_NAME  section  4096 B " \
  "30 rows: the status bar is on row 29 again"
# PDCurses discards typed keys when it adopts a new size (PDC_flushinp in
# resize_term), and a console resize comes as a burst of events (buffer,
# then window): a key typed in that moment would be lost, on Windows too.
sleep 1

# q goes back to the browser, q again quits; the terminal is restored.
tui_keys q
tui_expect "^$RE_NAME +section +4096 " "q goes back to the browser"
tui_keys q
tui_expect '^EXIT:0$' "q quits the browser with status 0"
if tui_wait '^MODES:'; then
  modes=$(printf '%s\n' "$TUI_SCREEN" | grep -E '^MODES:' | head -n 1)
  t_expect_match "$modes" '(^| )icanon( |$)' "after q: canonical input again"
  t_expect_match "$modes" '(^| )echo( |$)' "after q: echo again"
else
  t_fail "after q: the shell runs again" "$TUI_SCREEN"
fi
t_expect_eq "$(tui_fmt '#{cursor_flag}')" "1" "after q: cursor visible"

# Ctrl-C: Wine's console leaves the terminal's ISIG on, so Ctrl-C typed in
# the pane is a SIGINT to the whole foreground group (the pane's shell
# too); Wine turns it into CTRL_C_EVENT for the program. That path is
# tested with a SIGINT to the program alone.
tui_start 100 30 "${WIN_ENV[@]}" -- "$X" watch "$NAME"
tui_expect '^00000040  c0 fe ' "watch NAME opens the hex view directly"
pid=$(tui_pid)
[ -n "$pid" ] && kill -INT "$pid"
tui_expect '^EXIT:0$' "SIGINT (Ctrl-C): an orderly quit, status 0"

# Standard output not a console (a file): a one-line error.
cli watch "$NAME"
t_expect_error 1 'the TUI needs a terminal' "watch with output to a file: one-line error, status 1"

# Redirected standard input: a one-line error, not PDCurses' exit. (Wine
# counts /dev/null as a character device, so the input is a plain file.)
: >"$T_TMP/empty"
tui_start 100 30 "${WIN_ENV[@]}" TUI_STDIN="$T_TMP/empty" -- "$X" watch "$NAME"
tui_expect '^EXIT:1$' "redirected standard input: status 1"
tui_expect '^shmspy: .*standard input is redirected' "redirected standard input: says so"

t_done
