#!/usr/bin/env bash
# tests/win/test_unnamed.sh - sections without a name under Wine (issue
# 16): win_share_child --hold shares a pagefile-backed section with its
# child by handle inheritance and holds a file-backed one; shmspy.exe
# finds both in the system handle table, names them handle:PID:0xH, lists
# their holders (list --json and the text tables of unnamed sections),
# reads and writes them through a duplicate of the handle, says what backs
# them (origin), reads and writes a view through the process's memory
# (pid:PID@ADDR: ReadProcessMemory, WriteProcessMemory; a read-only view
# refuses), and refuses a handle that is missing or not a section with
# one line. Run by scripts/test-windows (WINEPREFIX,
# WINEDEBUG, BUILD_DIR set). Prints "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# has NAME TEXT PATTERN: an extended regexp matches a line of TEXT (CRs of
# Win32 text output dropped).
has() {
  set -- "$1" "$(tr -d '\r' <<<"$2")" "$3"
  if grep -qE -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "want /$3/ in:" "$2"; fi
}

# The sample reads a line from a FIFO to let go (see test_windows.sh for
# why not a pipe); closing our end is its end of file, and the child ends
# with its parent. At exit it gets 5 s after its input ends, then is
# killed (an unbounded wait hung a Windows stage once, in test_layout_file).
hpid=
trap 'exec 3>&-
for _ in $(seq 50); do [ -n "$hpid" ] && kill -0 "$hpid" 2>/dev/null || break; sleep 0.1; done
[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
rm -rf "$T"' EXIT
trap "" PIPE
mkfifo "$T/hold"
wine "$S/win_share_child.exe" --hold <"$T/hold" >"$T/hold.log" 2>&1 &
hpid=$!
exec 3>"$T/hold"
for _ in $(seq 300); do
  grep -q '^ready' "$T/hold.log" 2>/dev/null && break
  sleep 0.2
done
log=$(tr -d '\r' <"$T/hold.log" 2>/dev/null)
if ! grep -q '^ready' <<<"$log"; then
  last_cmd=''
  bad "win_share_child --hold got ready within 60 s" "its output:" "$log"
  echo "$pass passed, $fail failed"
  exit 1
fi
read -r _ ppid _ h < <(grep '^parent ' <<<"$log")
read -r _ cpid _ _ < <(grep '^child ' <<<"$log")
read -r _ _ _ fsec < <(grep '^file-section ' <<<"$log")
read -r _ _ _ fh fpath < <(grep '^file ' <<<"$log")
read -r _ _ view < <(grep '^view ' <<<"$log")
read -r _ _ view_ro < <(grep '^view-ro ' <<<"$log")
# The path as shmspy's text shows it: every backslash escaped.
fpath_shown=${fpath//\\/\\\\}
# has_line NAME TEXT LINE: TEXT has exactly LINE (CRs dropped).
has_line() {
  if tr -d '\r' <<<"$2" | grep -qxF -- "$3"; then ok "$1"
  else bad "$1" "want the line '$3' in:" "$(tr -d '\r' <<<"$2")"; fi
}
# no NAME TEXT PATTERN: no line of TEXT matches.
no() {
  if tr -d '\r' <<<"$2" | grep -qE -- "$3"; then bad "$1" "did not want /$3/ in:" "$(tr -d '\r' <<<"$2")"
  else ok "$1"; fi
}
# A row is named by its lowest-pid holder.
low=$ppid
[ "$cpid" -lt "$ppid" ] && low=$cpid
anon="handle:$low:$h"

run $W list --json
printf '%s' "$out" >"$T/list.json"
if command -v python3 >/dev/null; then
  got=$(python3 - "$T/list.json" "$anon" "handle:$ppid:$fsec" <<'EOF' 2>&1
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))["segments"]}
for name in sys.argv[2:]:
    r = rows.get(name)
    print(name, "missing" if r is None else
          "%s size %d nattch %d exact %s" % (r["kind"], r["size"], r["nattch"],
                                             r["nattch_exact"]))
EOF
  )
  has "list --json: the inherited section, anon, 4096 bytes, both holders" \
    "$got" "^$anon anon size 4096 nattch 2 exact True$"
  has "list --json: the file's section, kind file, its one holder" \
    "$got" "^handle:$ppid:$fsec file size 4096 nattch 1 exact True$"
else
  has "list --json: the inherited section (no python3: name only)" "$out" \
    "\"name\": \"$anon\""
fi

# The text listing: a table for each backing, HOLDERS and ORIGIN.
run $W list
has "list: the unnamed pagefile-backed table" "$out" \
  '^Unnamed sections, backed by the paging file \([0-9]+\)$'
has "list: its columns" "$out" '^NAME +SIZE  MODE  OWNER +HOLDERS  ORIGIN$'
has "list: the inherited section, 4096 bytes, 2 holders, the paging file" \
  "$out" "^$anon +4096  [0-7]{4}  [^ ]+ +2  paging file\$"
has "list: the unnamed file-backed table" "$out" \
  '^Unnamed sections, backed by a file \([0-9]+\)$'
row=$(tr -d '\r' <<<"$out" | grep "^handle:$ppid:$fsec ")
if [[ "$row" == "handle:$ppid:$fsec "*" 4096  "*" 1  $fpath_shown" ]]; then
  ok "list: the file's section, 4096 bytes, 1 holder, its file"
else bad "list: the file's section row" "want 4096 bytes, 1 holder, $fpath_shown; got:" "$row"; fi
has "list: the named sections' table too" "$out" '^Named sections \([0-9]+\)$'
run $W list --kind anon
has "list --kind anon: the inherited section" "$out" "^$anon +4096 "
no "list --kind anon: no file-backed table" "$out" "^Unnamed sections, backed by a file|^handle:$ppid:$fsec "
no "list --kind anon: no named sections' table" "$out" '^Named sections'
run $W list --kind file
has "list --kind file: the file's section" "$out" "^handle:$ppid:$fsec +4096 "
no "list --kind file: no pagefile-backed section" "$out" "^$anon "

run $W stat "$anon"
has "stat: kind anon" "$out" '^kind: +anon$'
has_line "stat: origin, the paging file" "$out" "origin:    paging file"
no "stat: holders are the handles above, not listed twice" "$out" '^holders:'
has "stat: backed by the paging file" "$out" \
  '^section: +MaximumSize 4096 bytes \(NtQuerySection\), SEC_COMMIT, pagefile-backed$'
has "stat: the parent holds it" "$out" \
  "^  $ppid +win_share_child\\.exe +handle $h "
has "stat: the child holds it" "$out" \
  "^  $cpid +win_share_child\\.exe +handle $h "
has "stat: two holders" "$out" '^mappers: +2 processes'
has "stat: reached through a duplicate of the handle" "$out" \
  "through a duplicate of process $low's handle $h\$"
# The other holder's handle names the same section.
other=$cpid
[ "$low" = "$cpid" ] && other=$ppid
run $W stat "handle:$other:$h"
has "stat by the other holder's handle: the same two holders" "$out" \
  '^mappers: +2 processes'

run $W dump "$anon" -n 32
has "dump: the bytes the child wrote" "$out" \
  '^00000000: 4865 6c6c 6f20 6672 6f6d 2074 6865 2063  Hello from the c$'
run $W read "handle:$ppid:$h" --as str
has "read through the parent's handle: the child's string" "$out" \
  "^Hello from the child \\(inherited handle\\), pid $cpid\$"
# shellcheck disable=SC2086 # $W is "timeout 120 wine shmspy.exe"
must "write --str through the handle" $W write "$anon" --str "seen"
run $W read "handle:$other:$h" --as str
has "a write through one holder's handle is read through the other's" \
  "$out" '^seen$'

run $W stat "handle:$ppid:$fsec"
has "stat: the file's section is kind file" "$out" '^kind: +file$'
has "stat: file-backed" "$out" '^section: .*SEC_FILE.*file-backed$'
run $W read "handle:$ppid:$fsec" --as str
has "read: the file's bytes" "$out" '^Hello from the file$'
run $W stat "handle:$ppid:$fsec"
has_line "stat: origin, the file's path" "$out" "origin:    $fpath_shown"
run $W stat --json "handle:$ppid:$fsec"
printf '%s' "$out" >"$T/stat.json"
if command -v python3 >/dev/null; then
  got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("origin"))' "$T/stat.json" 2>&1)
  if [ "$got" = "$fpath" ]; then ok "stat --json: origin is the file ($fpath)"
  else bad "stat --json: origin is the file" "want $fpath, got $got"; fi
else
  has "stat --json: origin is the file (no python3: the key only)" "$out" \
    '"origin": "C:'
fi

# pid:PID@ADDR: the parent's view of the section, through its memory.
mid=$(printf '0x%x' $((view + 16)))
run $W read "pid:$ppid@$mid" --as str
has "pid:PID@ADDR inside the view reads from the view's start" "$out" '^seen$'
run $W stat "pid:$ppid@$view"
has "stat pid:: kind anon" "$out" '^kind: +anon$'
has "stat pid:: read through the process's memory" "$out" \
  "^access: +read through process $ppid's memory \\(ReadProcessMemory\\)"
has "stat pid:: the process and its view" "$out" \
  "^  $ppid +win_share_child\\.exe +$view-0x[0-9a-f]+ +rw-s"
# Writes through the process's memory (WriteProcessMemory): seen
# through a holder's handle and, when it lets go, by the sample itself.
# A read-only view refuses (Wine: ERROR_ACCESS_DENIED; Windows may say
# ERROR_NOACCESS, the other wording).
# shellcheck disable=SC2086 # $W is "timeout 120 wine shmspy.exe"
must "write --str through pid:PID@ADDR" $W write "pid:$ppid@$mid" --str "via pid"
run $W read "handle:$other:$h" --as str
has "a write through pid: (at the view's start) is read through the other holder's handle" \
  "$out" '^via pid$'
run $W stat "pid:$ppid@$view_ro"
has "stat pid: of the read-only view: mode 0444" "$out" '^mode: +0444 '
has "stat pid: of the read-only view: r--s" "$out" \
  "^  $ppid +win_share_child\\.exe +$view_ro-0x[0-9a-f]+ +r--s"
run $W write "pid:$ppid@$view_ro" --str "no"
has "pid: of a read-only view without --force: refused by its mode" "$all" \
  "^shmspy: pid:$ppid@$view_ro: is read-only \\(mode 0444\\)"
run $W write "pid:$ppid@$view_ro" --force --str "no"
has "pid: of a read-only view: the one-line refusal" "$all" \
  "^shmspy: pid:$ppid@$view_ro: process $ppid: (address )?$view_ro is (no longer mapped or )?not writable there"
if [ "$rc" -ne 0 ]; then ok "a read-only view: exit $rc"
else bad "a write to a read-only view exits non-zero"; fi
run $W write "pid:$ppid@$view" --offset 4095 --str "xy"
has "pid: write past the view: the range refusal" "$all" \
  "^shmspy: pid:$ppid@$view: offset 4095 \\+ 3 bytes is past the end \\(4096 bytes\\)\$"
run $W dump "pid:$ppid@0x8"
has "pid: at an address nothing maps: the one-line error" "$all" \
  "^shmspy: pid:$ppid@0x8: no view of a section holds 0x8 in process $ppid \\(nothing is mapped there\\)\$"

run $W dump "handle:$ppid:$fh"
has "a File handle: the one-line error" "$all" \
  "^shmspy: handle:$ppid:$fh: is a File handle, not a section\$"
if [ "$rc" -ne 0 ]; then ok "a File handle: exit $rc"
else bad "a File handle exits non-zero"; fi
run $W dump "handle:$ppid:0x7ffc"
has "a handle the process lacks: the one-line error" "$all" \
  "^shmspy: handle:$ppid:0x7ffc: process $ppid has no handle 0x7ffc"
run $W stat "handle:2147483647:$h"
has "no such process: the one-line error" "$all" \
  "^shmspy: handle:2147483647:$h: no process 2147483647"
run $W dump "memfd:x"
has "memfd: on Windows: the one-line refusal" "$all" \
  '^shmspy: memfd:x: memfd: exists only on Linux$'

echo >&3 # let go: the sample and its child end
exec 3>&-
for _ in $(seq 100); do kill -0 "$hpid" 2>/dev/null || break; sleep 0.1; done
has "the sample sees the write through pid: in its own view" \
  "$(tr -d '\r' <"$T/hold.log")" '^at-exit via pid$'

for _ in $(seq 50); do
  run $W stat "$anon"
  [ "$rc" -ne 0 ] && break
  sleep 0.2
done
has "gone with its holders: no such process" "$all" \
  "^shmspy: $anon: no process $low"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
