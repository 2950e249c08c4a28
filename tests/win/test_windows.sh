#!/usr/bin/env bash
# tests/win/test_windows.sh - integration tests of shmspy.exe under Wine.
# Run by scripts/test-windows with WINEPREFIX, WINEDEBUG set and
# BUILD_DIR = the mingw build directory. Prints "N passed, N failed".
set -uo pipefail
B=${BUILD_DIR:?}
W="wine $B/shmspy.exe"
S="$B/samples"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }
has() { # has NAME TEXT PATTERN (CRs of Win32 text output dropped)
  set -- "$1" "$(tr -d '\r' <<<"$2")" "$3"
  if grep -qE -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "want /$3/ in:" "$2"; fi
}

# Held programs read Enter from a FIFO: closing a pipe would not do, since
# every later wine process (and the wineserver) inherits its write end.
T=$(mktemp -d)
trap 'exec 3>&- 4>&-; rm -rf "$T"' EXIT
mkfifo "$T/w1" "$T/w2"
trap "" PIPE

# A Win32 writer sample holds Local\spy-win-test (int 100, string).
wine "$S/win_writer.exe" 'Local\spy-win-test' <"$T/w1" >/dev/null 2>&1 &
exec 3>"$T/w1"
for _ in $(seq 50); do
  $W read 'Local\spy-win-test' --as i32 >/dev/null 2>&1 && break
  sleep 0.2
done

out=$($W list 2>&1)
has "list shows Local\\name with its size" "$out" '^Local\\spy-win-test +4096$'
out=$($W list --json 2>&1)
has "list --json" "$out" '"name": "Local\\\\spy-win-test"'
out=$($W stat 'Local\spy-win-test' 2>/dev/null)
has "stat: MaximumSize (NtQuerySection)" "$out" '^section: +MaximumSize 4096 bytes'
has "stat: VirtualQuery region" "$out" '^view: +RegionSize 4096 bytes \(VirtualQuery\), MEM_COMMIT, PAGE_READONLY, MEM_MAPPED'
has "stat: handle count" "$out" '^handles: +[2-9]'
out=$($W read spy-win-test --as i32 2>&1)
has "read: bare name means Local, the int 100" "$out" '^100$'
out=$($W read 'Local\spy-win-test' -s 8 --as str 2>&1)
has "read: the string" "$out" '^Hello from Process 1$'
out=$($W dump 'Local\spy-win-test' -n 16 2>&1)
has "dump: xxd layout" "$out" '^00000000: 6400 0000 0000 0000 4865 6c6c 6f20 6672  d.......Hello fr$'
raw=$($W dump 'Local\spy-win-test' -s 8 -n 5 --format raw 2>&1)
[ "$raw" = "Hello" ] && ok "dump --format raw is binary" || bad "dump raw" "$raw"
$W write 'Local\spy-win-test' --as i32 4242 >/dev/null 2>&1
out=$(wine "$S/win_reader.exe" 'Local\spy-win-test' 2>&1)
has "write from shmspy.exe is seen by the reader sample" "$out" '^value: 4242'
kill -0 $! 2>/dev/null || echo "note: win_writer ended early"
echo >&3 # Enter for the writer: it releases the section
wait $!

out=$($W read 'Local\spy-win-test' --as i32 2>&1); rc=$?
has "gone with its last handle: the clear error" "$out" 'no such section: nothing has created it'
[ $rc -eq 1 ] && ok "missing name exits 1" || bad "missing name exit" "$rc"
out=$(wine "$S/win_reader.exe" 'Local\spy-win-test' 2>&1)
has "reader before writer: ERROR_FILE_NOT_FOUND explained" "$out" 'start the writer first'

# shmspy creates and holds a section itself; a 10,000-byte section.
$W write 'Local\spy-win-10k' --create 10000 --str "Hello from Process 1" \
  --hold <"$T/w2" >/dev/null 2>&1 &
exec 4>"$T/w2"
for _ in $(seq 50); do
  $W read 'Local\spy-win-10k' --as i32 >/dev/null 2>&1 && break
  sleep 0.2
done
out=$(wine "$S/win_str_pair.exe" read 'Local\spy-win-10k' 2>&1)
has "write --create --hold: a Win32 program reads it" "$out" '^Hello from Process 1$'
out=$($W stat 'Local\spy-win-10k' 2>/dev/null)
has "stat of 10,000 bytes: the page-rounded region" "$out" 'RegionSize 12288 bytes'
out=$($W rm 'Local\spy-win-10k' 2>&1); rc=$?
has "rm: sections have no unlink" "$out" 'disappears with its last handle'
echo >&4
wait $!

out=$(wine "$S/win_share_child.exe" 2>&1)
has "handle inheritance" "$out" '^inherited handle: Hello from the child'
has "DuplicateHandle" "$out" '^DuplicateHandle: Hello from the child'

# probe: the vectored exception handler turns the fault into exit 3.
out=$($W probe 0x10 2>&1); rc=$?
has "probe: access violation caught" "$out" 'EXCEPTION_ACCESS_VIOLATION \(read access\) at 0x10'
[ $rc -eq 3 ] && ok "probe exits 3" || bad "probe exit" "$rc"
out=$($W probe 0x10 --write 2>&1); rc=$?
[ $rc -eq 3 ] && ok "probe --write exits 3" || bad "probe --write exit" "$rc" "$out"
out=$($W watch 'Local\x' 2>&1); rc=$?
has "no PDCurses: watch says so" "$out" 'TUI needs PDCurses'

echo "windows integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
