# tests/cli/lib.sh - helpers for the shell tests of the real binary.
#
# Source it; call `t_done` at the end. Background processes started with &
# are ended on exit; never register "kill PID" as a cleanup. Every check prints "ok" or "FAIL"
# with its description; t_done prints "N passed, N failed" and sets the exit
# status. Names are unique per process (the pid), and everything registered
# with t_cleanup runs on exit, even after a failure.

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
t_expect_match() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then t_ok "$3"; else
    t_fail "$3" "text [$1]" "does not match /$2/"
  fi
}

t_expect_nomatch() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then
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
