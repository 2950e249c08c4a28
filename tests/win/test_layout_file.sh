#!/usr/bin/env bash
# tests/win/test_layout_file.sh - typed layouts on Windows (issue 17): the
# build has no libdw, so a layout file is the way in. win_writer holds a
# named section with sample_layout.h's struct (int32 100 at 0, "Hello from
# Process 1" at 8); a hand-written layout file describes it; shmspy.exe
# reads fields by path, dumps the struct, writes a field (checked first:
# a value out of range changes nothing), and refuses --header with one
# line saying to use --layout. Run by scripts/test-windows (WINEPREFIX,
# WINEDEBUG, BUILD_DIR set). Prints "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# has NAME TEXT PATTERN: an extended regexp matches a line of TEXT (CRs of
# Win32 text output dropped).
has() {
  set -- "$1" "$(tr -d '\r' <<<"$2")" "$3"
  if grep -qE -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "want /$3/ in:" "$2"; fi
}
# is NAME TEXT WANT: TEXT (CRs dropped) is exactly WANT.
is() {
  local got
  got=$(tr -d '\r' <<<"$2")
  if [ "$got" = "$3" ]; then ok "$1"; else bad "$1" "got [$got]" "want [$3]"; fi
}

# rc_is NAME WANT: the last run exited with WANT.
rc_is() { if [ "$rc" -eq "$2" ]; then ok "$1"; else bad "$1" "exit $rc, want $2"; fi; }

# At exit: end the writer's input, give it 5 s to go, then kill it (under
# Wine it once kept waiting after its input ended, and an unbounded wait
# hung the suite until its timeout).
wpid=
trap 'exec 3>&-
for _ in $(seq 50); do [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
rm -rf "$T"' EXIT
trap "" PIPE
NAME='Local\spy-win-layout'
mkfifo "$T/w"
wine "$S/win_writer.exe" "$NAME" <"$T/w" >"$T/w.log" 2>&1 &
wpid=$!
exec 3>"$T/w"
if ! wait_section "$NAME" "$T/w.log"; then
  echo "$pass passed, $fail failed"
  exit 1
fi

# The layout of sample_layout.h, written by hand (the man page, LAYOUT
# FILES): no debug information is needed.
cat >"$T/sample.layout" <<'EOF'
shmspy-layout 1
endian little
pointer-size 8
root "struct sample"
int int32_t 4
char char 1 signed

struct "struct sample" 264
  field value int32_t 0
  field text char[256] 8
end
EOF
LF=$(winepath -w "$T/sample.layout" 2>/dev/null)

run $W read "$NAME" --layout "$LF" --field value
is "read --layout F --field value" "$out" "100"
rc_is "read --field value: exit 0" 0
run $W read "$NAME" --layout "$LF" --field text
is "read --field text: a char array as a string" "$out" '"Hello from Process 1"'
run $W read "$NAME" --type 'struct sample' --layout "$LF" --field value --json
has "read --json: the value" "$out" '"value": 100'
has "read --json: not torn" "$out" '"torn": false'

run $W dump "$NAME" --layout "$LF"
has "dump --layout: the struct" "$out" '^0x0000  struct sample'
has "dump --layout: value" "$out" '^0x0000 +value +int32_t += 100$'
has "dump --layout: text" "$out" '^0x0008 +text +char\[256\] += "Hello from Process 1"$'
rc_is "dump --layout: exit 0" 0

run $W write "$NAME" --layout "$LF" --field value 4000000000
rc_is "write a value out of range: usage error" 2
run $W read "$NAME" --as i32
is "nothing was written" "$out" "100"
run $W write "$NAME" --layout "$LF" --field value -- -7
rc_is "write --field value -7" 0
run $W read "$NAME" --as i32
is "the field holds -7" "$out" "-7"

run $W read "$NAME" --layout "$LF" --field nope
has "a bad --field: one line naming the fields" "$err" 'no field nope in struct sample \(fields: value, text\)'
rc_is "a bad --field: exit 2" 2

run $W read "$NAME" --type 'struct sample' --header 'C:\x.h' --field value
has "--header on Windows: one line saying to use --layout" "$err" 'libdw.*--layout'
rc_is "--header on Windows: exit 1" 1

run $W layout --layout "$LF"
has "layout --layout F prints the layout file" "$out" '^shmspy-layout 1'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
