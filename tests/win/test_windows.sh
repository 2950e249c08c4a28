#!/usr/bin/env bash
# tests/win/test_windows.sh - integration tests of shmspy.exe under Wine.
# Run by scripts/test-windows with WINEPREFIX, WINEDEBUG set and
# BUILD_DIR = the mingw build directory. Prints "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# has NAME TEXT PATTERN: an extended regexp matches a line of TEXT (CRs of
# Win32 text output dropped). TEXT is normally $out or $all of the last run.
has() {
  set -- "$1" "$(tr -d '\r' <<<"$2")" "$3"
  if grep -qE -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "want /$3/ in:" "$2"; fi
}

# Held programs read Enter from a FIFO: closing a pipe would not do, since
# every later wine process (and the wineserver) inherits its write end.
trap 'exec 3>&- 4>&- 5>&-; rm -rf "$T"' EXIT
mkfifo "$T/w1" "$T/w2"
trap "" PIPE

# A Win32 writer sample holds Local\spy-win-test (int 100, string).
wine "$S/win_writer.exe" 'Local\spy-win-test' <"$T/w1" >"$T/w1.log" 2>&1 &
exec 3>"$T/w1"
wait_section 'Local\spy-win-test' "$T/w1.log"

run $W list
out=$all
has "list shows Local\\name with its size, mode, owner and other handles" "$out" \
  '^Local\\spy-win-test +4096  [0-7]{4}  [^ ]+ +1$'
has "list: the columns of sections" "$out" '^NAME +SIZE  MODE  OWNER +HANDLES$'
if grep -qE 'POSIX shared memory|System V' <<<"$out"; then
  bad "list on Windows: no POSIX or System V headings" "$out"
else ok "list on Windows: no POSIX or System V headings"; fi
run $W list --json
out=$all
has "list --json" "$out" '"name": "Local\\\\spy-win-test"'
run $W stat 'Local\spy-win-test'
has "stat: MaximumSize (NtQuerySection)" "$out" '^section: +MaximumSize 4096 bytes'
has "stat: VirtualQuery region" "$out" '^view: +RegionSize 4096 bytes \(VirtualQuery\), MEM_COMMIT, PAGE_READONLY, MEM_MAPPED'
has "stat: handle count" "$out" '^handles: +[2-9]'
has "stat: the writer holds it, named with its handle" "$out" '^  [0-9]+ +win_writer\.exe +handle 0x[0-9a-f]+ +rw-s'
has "stat: mappers counted as handles" "$out" '^mappers: +1 process, 1 handle$'
run $W stat --json 'Local\spy-win-test'
has "stat --json: the holder's handle" "$out" '"comm": "win_writer\.exe"'
run $W read spy-win-test --as i32
out=$all
has "read: bare name means Local, the int 100" "$out" '^100$'
run $W read 'Local\spy-win-test' -s 8 --as str
out=$all
has "read: the string" "$out" '^Hello from Process 1$'
run $W dump 'Local\spy-win-test' -n 16
out=$all
has "dump: xxd layout" "$out" '^00000000: 6400 0000 0000 0000 4865 6c6c 6f20 6672  d.......Hello fr$'
run $W dump 'Local\spy-win-test' -s 8 -n 5 --format raw
[ "$out" = "Hello" ] && ok "dump --format raw is binary" || bad "dump raw" "$out"
must "write --as i32 4242" $W write 'Local\spy-win-test' --as i32 4242
run wine "$S/win_reader.exe" 'Local\spy-win-test'
out=$all
has "write from shmspy.exe is seen by the reader sample" "$out" '^value: 4242'
kill -0 $! 2>/dev/null ||
  { echo "note: win_writer ended early; its output:"; tr -d '\r' <"$T/w1.log"; }
echo >&3 # Enter for the writer: it releases the section
wait $!

run $W read 'Local\spy-win-test' --as i32
out=$all
has "gone with its last handle: the clear error" "$out" 'no such section: nothing has created it'
has "the error names the section with one backslash" "$out" '^shmspy: Local\\spy-win-test: no such section'
[ $rc -eq 1 ] && ok "missing name exits 1" || bad "missing name exit" "$rc"
run wine "$S/win_reader.exe" 'Local\spy-win-test'
out=$all
has "reader before writer: ERROR_FILE_NOT_FOUND explained" "$out" 'start the writer first'

# shmspy creates and holds a section itself; a 10,000-byte section.
$W write 'Local\spy-win-10k' --create 10000 --str "Hello from Process 1" \
  --hold <"$T/w2" >"$T/w2.log" 2>&1 &
exec 4>"$T/w2"
wait_section 'Local\spy-win-10k' "$T/w2.log"
run wine "$S/win_str_pair.exe" read 'Local\spy-win-10k'
out=$all
has "write --create --hold: a Win32 program reads it" "$out" '^Hello from Process 1$'
run $W stat 'Local\spy-win-10k'
has "stat of 10,000 bytes: the page-rounded region" "$out" 'RegionSize 12288 bytes'
has "created by shmspy: mode 0600 by default, from its DACL" "$out" '^mode: +0600 \(rw-------\)$'
has "created by shmspy: owned by this user" "$out" '^owner: +[^- ]'
has "stat: the holding shmspy.exe is a mapper" "$out" '^  [0-9]+ +shmspy\.exe +handle 0x[0-9a-f]+ +rw-s'
run $W list
out=$all
has "list: the new section with mode 0600" "$out" '^Local\\spy-win-10k +[0-9]+  0600  [^- ]+ +[0-9]+$'
run $W rm 'Local\spy-win-10k'
out=$all
has "rm: sections have no unlink" "$out" 'disappears with its last handle'
echo >&4
wait $!

run wine "$S/win_share_child.exe"
out=$all
has "handle inheritance" "$out" '^inherited handle: Hello from the child'
has "DuplicateHandle" "$out" '^DuplicateHandle: Hello from the child'

# --mode becomes the DACL, and Windows enforces it: 0400 is read-only even
# for its owner (only the creating handle keeps write access).
mkfifo "$T/w3"
$W write 'Local\spy-win-ro' --create 4K --mode 0400 --str "read me" \
  --hold <"$T/w3" >"$T/w3.log" 2>&1 &
exec 5>"$T/w3"
wait_section 'Local\spy-win-ro' "$T/w3.log"
run $W stat 'Local\spy-win-ro'
has "--mode 0400: stat reads it back from the DACL" "$out" '^mode: +0400 \(r--------\)$'
run $W write 'Local\spy-win-ro' --str x --force
out=$all
has "--mode 0400: a write is refused by Windows" "$out" 'permission denied'
[ $rc -eq 1 ] && ok "--mode 0400: write exits 1" || bad "--mode 0400 write exit" "$rc"
run $W read 'Local\spy-win-ro' --as str
out=$all
has "--mode 0400: reading still works, bytes unchanged" "$out" '^read me$'
echo >&5
wait $!

# probe: the vectored exception handler turns the fault into exit 3.
run $W probe 0x10
out=$all
has "probe: access violation caught" "$out" 'EXCEPTION_ACCESS_VIOLATION \(read access\) at 0x10'
[ $rc -eq 3 ] && ok "probe exits 3" || bad "probe exit" "$rc"
run $W probe 0x10 --write
out=$all
[ $rc -eq 3 ] && ok "probe --write exits 3" || bad "probe --write exit" "$rc" "$out"
# probe explains from VirtualQuery, in Win32 words (--json: unwrapped).
run $W probe --json 0x10
out=$all
has "probe: the null page, in Windows terms" "$out" 'lowest 64 KiB of every Windows'
run $W probe --json 0x100000000000
out=$all
has "probe: free address space (MEM_FREE)" "$out" 'lies in free address space \(VirtualQuery: MEM_FREE\)'
has "probe: the nearest region below it, found" "$out" 'The nearest region below is 0x[0-9a-f]+-0x[0-9a-f]+'
has "probe: no POSIX words on Windows" "$out" 'Windows counterpart of SIGSEGV'
run $W probe --json 0xffff800000000000
out=$all
has "probe: above the user address space" "$out" 'belongs to the kernel'
# The PE header of shmspy.exe (Wine loads it at its preferred base).
run $W probe --write 0x140000000
[ $rc -eq 3 ] && ok "probe --write of a read-only page exits 3" || bad "probe --write image exit" "$rc"
run $W probe --write --json 0x140000000
out=$all
has "probe --write of the image header: read-only image" "$out" 'PAGE_READONLY, not writable: code or constant data of a loaded module'
has "probe --json: VirtualQuery's words" "$out" '"type": "MEM_IMAGE"'

# demo: the scenarios that apply to sections run for real.
run $W demo
out=$all
n=$(tr -d '\r' <<<"$out" | grep -c '')
[ "$n" -eq 7 ] && ok "demo lists the 7 scenarios of Windows" || bad "demo list" "$out"
demo_json() { # demo_json NAME PATTERN: as_expected, signal, code, errno
  local got
  run $W demo "$1" --json
  got=$(tr -d '\r' <<<"$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["as_expected"], d.get("signal", "-"), d.get("code", "-"), d.get("errno", "-"))' 2>&1)
  has "demo $1 observed: $2" "$got" "^True $2"
}
demo_json fixed-pointer '(EXCEPTION_ACCESS_VIOLATION read access|- -) -$'
demo_json null-deref 'EXCEPTION_ACCESS_VIOLATION read access -$'
demo_json use-after-munmap 'EXCEPTION_ACCESS_VIOLATION read access -$'
demo_json write-to-readonly 'EXCEPTION_ACCESS_VIOLATION write access -$'
demo_json copy-on-write '- - -$'
demo_json different-addresses '- - -$'
demo_json misaligned-offset '- - ERROR_MAPPED_ALIGNMENT$'
run $W demo copy-on-write
out=$all
has "copy-on-write: the other process never sees the FILE_MAP_COPY write" "$out" 'after writing through FILE_MAP_COPY, another process reads ""'
out=$($W demo different-addresses 2>&1 | tr -d '\r' | tr -s '\n ' '  ')
a=$(grep -oE 'at 0x[0-9a-f]+' <<<"$out" | sort -u | wc -l)
[ "$a" -eq 2 ] && ok "different-addresses: two real, different addresses" || bad "different-addresses" "$out"
run $W demo all
out=$all
n=$(tr -d '\r' <<<"$out" | grep -c '^result: *as the lesson says')
[ $rc -eq 0 ] && [ "$n" -eq 7 ] && ok "demo all: 7 as the lesson says, exit 0" || bad "demo all" "rc $rc, $n" "$out"
run $W demo truncate-under-reader
out=$all
has "a POSIX-only scenario says so" "$out" '^shmspy: demo truncate-under-reader: not available on this system'
[ $rc -eq 1 ] && ok "and exits 1" || bad "POSIX-only scenario exit" "$rc"
run $W list
out=$all
if grep -q 'shmspy-lab-' <<<"$out"; then bad "demos leave no section behind" "$out"; else ok "demos leave no section behind"; fi

# The TUI itself is tests/win/test_tui.sh; without it
# (SPY_SKIP_WINDOWS_TUI=1, no PDCurses) watch says what it needs.
run $W watch 'Local\x'
out=$all
if [ "${SPY_SKIP_WINDOWS_TUI:-0}" = 1 ]; then
  has "no PDCurses: watch says so" "$out" 'TUI needs PDCurses'
else
  has "watch of a missing section: one-line error" "$out" '^shmspy: Local\\x: no such section'
fi

echo "windows integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
