# shellcheck shell=bash
# tests/win/lib.sh - what the Windows test scripts share. Source it after
# `set -uo pipefail`; BUILD_DIR is the mingw build directory.
#
# Self-contained for now: the shared shell-test library of the CLI, TUI and
# reliability suites is not on this branch yet, and its t_run takes one
# binary path where these tests run `wine shmspy.exe`. run below keeps the
# same contract (stdout, stderr and exit status kept apart), so a move to it
# changes names only.
#
# B: the build directory; W: shmspy.exe under Wine (with a time limit);
# S: the Win32 samples; T: a private temporary directory, removed on exit
# (a script that sets its own EXIT trap removes it there). ok/bad count and
# print one check each; a failed check also shows the command last started
# with run, its exit status and its standard error. The script ends with its
# own "N passed, N failed" line from $pass and $fail.
# shellcheck disable=SC2034 # S, all: used by the scripts that source this
B=${BUILD_DIR:?}
W="timeout 120 wine $B/shmspy.exe"
S="$B/samples"
T=$(mktemp -d)
pass=0 fail=0
last_cmd='' out='' err='' all='' rc=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1))
  echo "FAIL $1"
  shift
  printf '     %s\n' "$@"
  if [ -n "$last_cmd" ]; then
    printf '     command: %s\n     exit status: %s\n     stderr:\n' \
      "$last_cmd" "$rc"
    # CRs of Win32 text output dropped; an empty stderr says so.
    if [ -n "$err" ]; then tr -d '\r' <<<"$err" | sed 's/^/       /'
    else echo "       (empty)"; fi
  fi
}

# run CMD...: runs CMD with stdout in $out, stderr in $err, both (stdout
# first) in $all and the exit status in $rc; remembers CMD for bad.
run() {
  last_cmd="$*"
  "$@" >"$T/run.out" 2>"$T/run.err"
  rc=$?
  out=$(cat "$T/run.out")
  err=$(cat "$T/run.err")
  all=$out${err:+$'\n'$err}
}

# must NAME CMD...: runs CMD (with run) as a step other checks rely on; a
# failure is a failed check named NAME, success is not counted.
must() {
  local what=$1
  shift
  run "$@"
  [ "$rc" -eq 0 ] || bad "$what" "the command failed"
}

# wait_section NAME LOG: waits (up to 30 s: a Wine process can be slow to
# start on a loaded machine) until shmspy.exe can read NAME, i.e. until
# the program started to create it has done so; says so if it never does,
# with the last read's error and LOG, that program's output.
wait_section() {
  local _
  for _ in $(seq 150); do
    run $W read "$1" --as i32
    [ "$rc" -eq 0 ] && return 0
    sleep 0.2
  done
  bad "$1 appeared within 30 s" "the program creating it did not get there;" \
    "its output ($2):" "$(tr -d '\r' <"$2" 2>/dev/null | head -20)"
  return 1
}
