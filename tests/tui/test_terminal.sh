#!/usr/bin/env bash
# test_terminal.sh - the terminal is restored on every way out: q, SIGTERM,
# SIGHUP-like requests, and a fatal signal; closed standard input neither
# spins nor stops the display; no terminal, a bad TERM and a missing object
# are one-line errors before the screen is touched.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name term)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

# restored DESC: the program has exited and the terminal is back to normal:
# main screen, cursor visible, canonical mode with echo.
restored() {
  if ! tui_wait '^MODES:'; then
    t_fail "$1: program exited" "$TUI_SCREEN"
    return
  fi
  t_expect_eq "$(tui_fmt '#{alternate_on}')" "0" "$1: back on the main screen"
  t_expect_eq "$(tui_fmt '#{cursor_flag}')" "1" "$1: cursor visible"
  local modes
  modes=$(printf '%s\n' "$TUI_SCREEN" | grep -E '^MODES:' | head -n 1)
  t_expect_match "$modes" '(^| )icanon( |$)' "$1: canonical input again"
  t_expect_match "$modes" '(^| )echo( |$)' "$1: echo again"
}

tui_start 80 24 -- watch "$NAME"
tui_expect '^00000000 ' "watch is up"
t_expect_eq "$(tui_fmt '#{alternate_on}')" "1" "the TUI uses the alternate screen"
tui_keys q
tui_expect '^EXIT:0$' "q: exit status 0"
restored "q"

tui_start 80 24 -- watch "$NAME"
tui_expect '^00000000 ' "watch is up again"
pid=$(tui_pid)
[ -n "$pid" ] && kill -TERM "$pid"
tui_expect '^EXIT:0$' "SIGTERM: orderly quit, status 0"
restored "SIGTERM"

tui_start 80 24 -- watch "$NAME"
tui_expect '^00000000 ' "watch is up for a fatal signal"
pid=$(tui_pid)
[ -n "$pid" ] && kill -SEGV "$pid"
tui_expect '^EXIT:[1-9]' "SIGSEGV: the process still dies of it"
restored "SIGSEGV"

# Browser too.
tui_start 100 24 -- 
tui_expect 'NAME +KIND' "the browser is up"
tui_keys q
tui_expect '^EXIT:0$' "browser q: status 0"
restored "browser q"

# Closed standard input: keeps drawing, does not spin, SIGTERM quits.
tui_start 80 24 TUI_STDIN=/dev/null -- watch "$NAME" --hz 20
tui_expect '^00000000 ' "stdin at end of file: the view is up"
tui_expect 'standard input is closed' "says its input is closed"
shm_poke "$NAME" 0 "5a"
tui_expect '^00000000  5a ' "and keeps refreshing"
pid=$(tui_pid)
if [ -n "$pid" ]; then
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  sleep 2
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  # Clock ticks (normally 100 a second): a busy loop would use ~200.
  [ $((t1 - t0)) -lt 60 ] && t_ok "no busy loop on closed input ($((t1 - t0)) ticks in 2 s)" ||
    t_fail "no busy loop on closed input" "$((t1 - t0)) ticks in 2 s"
  kill -TERM "$pid"
fi
tui_expect '^EXIT:0$' "closed stdin: SIGTERM quits"
restored "closed stdin"

# Errors before the screen: one line, status 1.
t_run "$SHMSPY" watch "$NAME"
t_expect_error 1 'terminal' "watch without a terminal is an error"
t_run "$SHMSPY"
t_expect_error 1 'terminal' "browser without a terminal is an error"
tui_start 80 24 -- watch "$(t_name missing)"
tui_expect '^EXIT:1$' "watch of a missing object: status 1"
tui_expect "^shmspy: .*$(t_name missing)" "one error line names the object"
t_expect_eq "$(tui_fmt '#{alternate_on}')" "0" "the screen was never taken"
tui_start 80 24 TERM=no-such-terminal-type -- watch "$NAME"
tui_expect '^EXIT:1$' "unknown TERM: status 1"
tui_expect '^shmspy: .*terminal' "unknown TERM: one error line"

# Permission: only meaningful when not root (root may open anything).
if [ "$(id -u)" -ne 0 ]; then
  LOCKED=$(t_name locked)
  shm_make "$LOCKED" 4096
  chmod 000 "/dev/shm/${LOCKED#/}"
  tui_start 80 24 -- watch "$LOCKED"
  tui_expect '^EXIT:1$' "no permission: status 1"
  tui_expect '^shmspy: .*(permission|denied)' "no permission: says so"
  chmod 400 "/dev/shm/${LOCKED#/}"
  tui_start 80 24 -- watch "$LOCKED" --write
  tui_expect 'read-only: ' "--write without write permission falls back to read-only, with a message"
  tui_expect '  ro  ' "status bar says ro"
  tui_keys q
  tui_expect '^EXIT:0$' "q quits"
else
  echo "skip - permission checks (running as root)"
fi
t_done
