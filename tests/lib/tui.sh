# shellcheck shell=bash
# tests/lib/tui.sh - tmux helpers for the TUI tests. Source it instead of
# common.sh: it sources common.sh (its neighbour) first. From a test:
#   . "$(dirname "${SPY_TESTLIB:?}")/tui.sh"
#
# Every test drives the real binary in a tmux server of its own (a private
# socket named after the test's pid), with a fixed terminal type and size,
# and polls the screen with a bounded timeout instead of sleeping. The
# server is killed on exit, whatever happens.

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 0; }

# One private server per tui_start (spytest-PID-N): a fresh server never
# races with the shutdown of the previous one.
TUI_N=0
TUI_SOCK="spytest-$$-0"
# The terminal type tmux itself emulates: the keys send-keys produces are
# the ones its terminfo entry describes.
TUI_TERM=${TUI_TERM:-tmux-256color}
infocmp "$TUI_TERM" >/dev/null 2>&1 || TUI_TERM=screen-256color
TUI_SCREEN=""
# Polling limit, in tenths of a second (the machine may be loaded).
TUI_WAIT=${TUI_WAIT:-150}

tui_tmux() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }

# tui_start COLS ROWS [VAR=VALUE...] -- ARGS...: runs "$SHMSPY ARGS..." in a
# new session, through a shell that afterwards prints "EXIT:<status>" and
# "MODES: icanon echo" (the terminal modes, "-echo" if off), then waits;
# so the screen after exit can be checked.
# NO_COLOR is unset unless given; TUI_STDIN=FILE redirects standard input.
tui_start() {
  local cols=$1 rows=$2 envs=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  cat >"$T_TMP/run.sh" <<'EOS'
if [ -n "${TUI_STDIN:-}" ]; then "$@" <"$TUI_STDIN"; else "$@"; fi
rc=$?
# Clear the line first: text left on it by the terminal must not run into
# the status.
printf '\r\033[K'
echo "EXIT:$rc"
echo "MODES: $(stty -a </dev/tty | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)$' | tr '\n' ' ')"
exec sleep 600
EOS
  tui_tmux kill-server >/dev/null 2>&1
  TUI_N=$((TUI_N + 1))
  TUI_SOCK="spytest-$$-$TUI_N"
  t_cleanup "tmux -L '$TUI_SOCK' kill-server; rm -f '${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TUI_SOCK'"
  tui_tmux new-session -d -s spy -x "$cols" -y "$rows" \
    env -u NO_COLOR TERM="$TUI_TERM" "${envs[@]}" sh "$T_TMP/run.sh" \
    "$SHMSPY" "$@"
}

# tui_capture [-e]: the screen now, into $TUI_SCREEN (-e: with attributes).
tui_capture() {
  TUI_SCREEN=$(tui_tmux capture-pane -p "$@" -t spy 2>/dev/null)
}

# tui_wait REGEX [TENTHS] [-e]: waits until the screen matches REGEX
# (grep -E). 0 if it did; $TUI_SCREEN holds the last screen either way.
tui_wait() {
  local re=$1 tries=${2:-$TUI_WAIT} opt=${3:-}
  while :; do
    tui_capture ${opt:+"$opt"}
    printf '%s\n' "$TUI_SCREEN" | grep -Eq -- "$re" && return 0
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# tui_wait_not REGEX [TENTHS]: waits until the screen no longer matches.
tui_wait_not() {
  local re=$1 tries=${2:-$TUI_WAIT} opt=${3:-}
  while :; do
    tui_capture ${opt:+"$opt"}
    printf '%s\n' "$TUI_SCREEN" | grep -Eq -- "$re" || return 0
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# tui_expect REGEX DESC [TENTHS]: a check that the screen comes to match.
tui_expect() {
  if tui_wait "$1" "${3:-$TUI_WAIT}"; then t_ok "$2"; else
    t_fail "$2" "screen never matched /$1/:" "$TUI_SCREEN"
  fi
}

# tui_expect_not REGEX DESC [TENTHS]: the screen comes to not match.
tui_expect_not() {
  if tui_wait_not "$1" "${3:-$TUI_WAIT}"; then t_ok "$2"; else
    t_fail "$2" "screen still matches /$1/:" "$TUI_SCREEN"
  fi
}

# tui_keys KEY...: tmux key names (Enter, Up, PageDown, C-l, ...).
tui_keys() { tui_tmux send-keys -t spy "$@"; }
# tui_type TEXT: literal text.
tui_type() { tui_tmux send-keys -t spy -l "$1"; }

# The pid of the program under test (the child of the pane's shell), or
# nothing once it has exited.
tui_pid() {
  local shell
  shell=$(tui_tmux display-message -p -t spy '#{pane_pid}' 2>/dev/null)
  [ -n "$shell" ] && ps -o pid= --ppid "$shell" 2>/dev/null |
    while read -r p; do
      [ "$(ps -o comm= -p "$p" 2>/dev/null)" = "sleep" ] || echo "$p"
    done | head -n 1
}

# tui_fmt FORMAT: a tmux format of the pane (#{alternate_on}, ...).
tui_fmt() { tui_tmux display-message -p -t spy "$1" 2>/dev/null; }

# tui_line OFFSET_HEX: the screen line of the row at that offset (8 digits).
tui_line() {
  printf '%s\n' "$TUI_SCREEN" | grep -E "^$(printf '%08x' "$1")  " | head -n 1
}
