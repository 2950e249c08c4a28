# shellcheck shell=bash
# tests/lib/common.sh - helpers for the shell tests of the real binary:
# the CLI, TUI and reliability suites (CTest passes its path as
# $SPY_TESTLIB; the TUI's tmux helpers are tests/lib/tui.sh, which sources
# this file).
#
# Source it; call `t_done` at the end. Every check prints "ok" or "FAIL"
# with its description; t_done prints "N passed, N failed" and sets the exit
# status. Names are unique per process (the pid), and everything registered
# with t_cleanup runs on exit, even after a failure. Background processes
# started with & are ended on exit; never register "kill PID" as a cleanup.
#
# Needs SHMSPY (the binary, one path) and SPY_SAMPLES (the samples
# directory) in the environment.

set -u
SHMSPY=${SHMSPY:?SHMSPY must point at the shmspy binary}
SPY_SAMPLES=${SPY_SAMPLES:?SPY_SAMPLES must point at the samples directory}
T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spytest.XXXXXX")
T_CLEAN=()
T_OUT=""
T_ERR=""
T_RC=0

t_cleanup() { T_CLEAN+=("$*"); }

T_MAIN=$BASHPID

t_on_exit() {
  local i p
  # A background job signalled before its exec still runs this trap as a
  # copy of the test shell: only the test shell itself cleans up.
  [ "$BASHPID" = "$T_MAIN" ] || return 0
  # Background helpers still running are ended first. Only live jobs of
  # this shell are signalled: a pid that already exited may belong to
  # another process by now (tests run in parallel).
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  for ((i = ${#T_CLEAN[@]} - 1; i >= 0; i--)); do
    eval "${T_CLEAN[$i]}" >/dev/null 2>&1 || true
  done
  rm -rf "$T_TMP"
}
trap t_on_exit EXIT

# A unique POSIX object name for this test process: /spytest-PID-WORD.
t_name() { printf '/spytest-%d-%s' "$$" "$1"; }

# Runs a command, capturing stdout in $T_OUT, stderr in $T_ERR and the exit
# status in $T_RC. Standard input is /dev/null unless redirected.
t_run() {
  "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
  T_RC=$?
  T_OUT=$(cat "$T_TMP/out")
  T_ERR=$(cat "$T_TMP/err")
}

t_ok() { T_PASS=$((T_PASS + 1)); echo "ok   - $1"; }
t_fail() {
  T_FAIL=$((T_FAIL + 1))
  echo "FAIL - $1"
  shift
  local line
  for line in "$@"; do echo "       $line"; done
}

# t_expect_rc CODE DESC: the last t_run exited with CODE.
t_expect_rc() {
  if [ "$T_RC" -eq "$1" ]; then t_ok "$2"; else
    t_fail "$2" "exit status $T_RC, expected $1" "stdout: $T_OUT" "stderr: $T_ERR"
  fi
}

# t_expect_eq ACTUAL EXPECTED DESC
t_expect_eq() {
  if [ "$1" == "$2" ]; then t_ok "$3"; else
    t_fail "$3" "got:      [$1]" "expected: [$2]"
  fi
}

# t_expect_match TEXT REGEX DESC (extended regex, grep -E)
# (grep reads all its input, not -q: with pipefail, grep -q leaving early
# makes printf die of SIGPIPE on a text over a pipe's 64 KiB, a false fail.)
t_expect_match() {
  if printf '%s\n' "$1" | grep -E -- "$2" >/dev/null; then t_ok "$3"; else
    t_fail "$3" "text [$1]" "does not match /$2/"
  fi
}

t_expect_nomatch() {
  if printf '%s\n' "$1" | grep -E -- "$2" >/dev/null; then
    t_fail "$3" "text [$1]" "matches /$2/ but should not"
  else t_ok "$3"; fi
}

# t_expect_error CODE REGEX DESC: exit CODE, one line on stderr starting
# with "shmspy: " and matching REGEX.
t_expect_error() {
  local lines
  lines=$(printf '%s' "$T_ERR" | grep -c '')
  if [ "$T_RC" -eq "$1" ] && [ "$lines" -eq 1 ] &&
    printf '%s\n' "$T_ERR" | grep -Eq -- "^shmspy: .*$2"; then
    t_ok "$3"
  else
    t_fail "$3" "exit $T_RC (expected $1), stderr ($lines lines): $T_ERR" \
      "expected one line matching /^shmspy: .*$2/"
  fi
}

# Waits (up to $2 tenths of a second, default 100) for a command to succeed.
t_wait_for() {
  local cmd=$1 tries=${2:-100}
  while [ "$tries" -gt 0 ]; do
    eval "$cmd" >/dev/null 2>&1 && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

t_done() {
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" -eq 0 ]
}

# ---- objects and files -----------------------------------------------

# shm_make NAME SIZE: creates a zero-filled POSIX object of SIZE bytes,
# removed on exit.
shm_make() {
  "$SPY_SAMPLES/trio_create" "$1" "$2" >/dev/null || return 1
  t_cleanup "rm -f '/dev/shm/${1#/}'"
}

# shm_poke NAME OFFSET HEXBYTES: writes bytes ("de ad") into POSIX object
# NAME from another process (dd on /dev/shm), as a foreign writer would.
shm_poke() {
  local name=$1 off=$2 hex=$3 esc="" b
  for b in $hex; do esc+="\\x$b"; done
  # shellcheck disable=SC2059 # the format is the bytes, as \xNN escapes
  printf "$esc" | dd of="/dev/shm/${name#/}" bs=1 seek="$off" conv=notrunc \
    status=none
}

# shm_peek NAME OFFSET LEN: the bytes as "de ad be ef".
shm_peek() {
  od -An -tx1 -v -j "$2" -N "$3" "/dev/shm/${1#/}" | tr -s ' \n' ' ' |
    sed 's/^ //; s/ $//'
}

# t_poke FILE OFFSET TEXT: puts TEXT at OFFSET of FILE without truncating
# it (a file shorter than OFFSET grows a hole).
t_poke() {
  printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# t_has_ctrl FILE: FILE holds a raw control character (a byte 0x00-0x1f
# other than newline, or 0x7f).
t_has_ctrl() { LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f]' "$1"; }

# ---- other users -------------------------------------------------------

# t_can_switch_user: we may run commands as another user (root and
# setpriv); tests of permissions are skipped otherwise.
t_can_switch_user() { [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; }

# t_as_user UID COMMAND...: runs COMMAND as user and group UID, without
# supplementary groups (see t_can_switch_user).
t_as_user() {
  local uid=$1
  shift
  setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# ---- more checks ---------------------------------------------------------

# t_expect_json DESC: the last t_run printed one valid JSON document.
t_expect_json() {
  if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/out" 2>/dev/null; then
    t_ok "$1"
  else
    t_fail "$1" "stdout: $T_OUT"
  fi
}

# t_expect_clean DESC: the last t_run printed no raw control character on
# stdout or stderr (t_has_ctrl).
t_expect_clean() {
  if t_has_ctrl "$T_TMP/out" || t_has_ctrl "$T_TMP/err"; then
    t_fail "$1: no raw control character" "stdout: $(od -c "$T_TMP/out" | head -5)" \
      "stderr: $(od -c "$T_TMP/err" | head -5)"
  else
    t_ok "$1: no raw control character"
  fi
}
