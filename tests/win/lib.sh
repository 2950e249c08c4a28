# tests/win/lib.sh - what the Windows test scripts share. Source it after
# `set -uo pipefail`; BUILD_DIR is the mingw build directory.
#
# B: the build directory; W: shmspy.exe under Wine (with a time limit);
# S: the Win32 samples. ok/bad count and print one check each; the script
# ends with its own "N passed, N failed" line from $pass and $fail.
B=${BUILD_DIR:?}
W="timeout 120 wine $B/shmspy.exe"
S="$B/samples"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }

# wait_section NAME: waits (up to 30 s: a Wine process can be slow to
# start on a loaded machine) until shmspy.exe can read NAME, i.e. until
# the program started to create it has done so; says so if it never does.
wait_section() {
  local _
  for _ in $(seq 150); do
    $W read "$1" --as i32 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  bad "$1 appeared within 30 s" "the program creating it did not get there"
  return 1
}
