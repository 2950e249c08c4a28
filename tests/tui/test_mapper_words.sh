#!/usr/bin/env bash
# test_mapper_words.sh - one vocabulary for who maps an object: the
# browser's MAPPERS column and its details pane both count processes; the
# details add the mappings only where they differ ("1 process (2
# mappings)").
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

TAG="spytest-$$"
ONE="/$TAG-one"
TWO="/$TAG-two"
# A process mapping ONE once; its standard input is a FIFO we hold open.
t_cleanup "rm -f '/dev/shm/${ONE#/}'"
mkfifo "$T_TMP/hold"
"$SPY_SAMPLES/shm_writer" "$ONE" --size 8192 <"$T_TMP/hold" >"$T_TMP/writer.out" 2>&1 &
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
t_wait_for "[ \"\$(shm_peek '$ONE' 0 1)\" = 64 ]" 100

# A process mapping TWO twice (python's mmap), if python is there.
twice=0
if command -v python3 >/dev/null 2>&1; then
  shm_make "$TWO" 4096
  mkfifo "$T_TMP/hold2"
  python3 -c '
import mmap, sys
f = open(sys.argv[1], "r+b")
a = mmap.mmap(f.fileno(), 4096)
b = mmap.mmap(f.fileno(), 4096)
print("ready", flush=True)
sys.stdin.read()
' "/dev/shm/${TWO#/}" <"$T_TMP/hold2" >"$T_TMP/py.out" 2>&1 &
  exec 8>"$T_TMP/hold2"
  t_cleanup "exec 8>&-"
  t_wait_for "grep -q ready '$T_TMP/py.out'" 100 && twice=1
fi

tui_start 150 40 --
tui_keys /
tui_type "$TAG-"
tui_keys Enter
tui_expect "MAPPERS" "the column is headed MAPPERS"
tui_expect_not "MAPS( |$)" "not MAPS"
# (Some processes may be out of reach, even for root in a container: the
# count is then a lower bound, "1+" and "at least 1".)
tui_expect "^$ONE +posix .* 1\\+?\$" "the column counts one mapper"
tui_keys Home
tui_expect "details: $ONE" "details of the object mapped once"
HID='( \(some processes could not be inspected\))?'
tui_expect "mapped by (at least )?1 process$HID:" "details count the process too"
tui_expect_not "mapped by [0-9]+ mapping" "and never mappings alone"
if [ "$twice" = 1 ]; then
  tui_expect "^$TWO +posix .* 1\\+?\$" "one process mapping twice: one mapper"
  tui_keys Down
  tui_expect "details: $TWO" "details of the object mapped twice"
  tui_expect "mapped by (at least )?1 process \(2 mappings\)$HID:" \
    "details: one process, two mappings"
  tui_expect "pid [0-9]+ +python" "the process is listed"
else
  echo "SKIP: no python3 to map an object twice"
fi
tui_keys q
tui_expect '^EXIT:0$' "q quits"
t_done
