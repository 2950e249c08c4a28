#!/usr/bin/env bash
# tests/win/test_hostile_names.sh - shmspy.exe under Wine against named
# sections with hostile names (samples/win/win_hostile.c): control
# characters, characters outside the BMP, unpaired surrogates, a slash, a
# backslash, U+0000, names past MAX_PATH and past what shmspy can open by
# name,
# and sections that come and go while `list` reads the directory.
# list, list --json, stat and dump must never print a raw control
# character, must report each entry and carry on, and never crash or
# hang. Run by scripts/test-windows with WINEPREFIX, WINEDEBUG set and
# BUILD_DIR = the mingw build directory. Prints "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# has NAME FILE PATTERN: an extended regexp matches a line of FILE. When
# FILE is $T/out, a failure also shows $T/err, the standard error of the
# command that wrote it (run_clean).
has() {
  local e=()
  [ "$2" = "$T/out" ] && e=("stderr:" "$(cut -c1-200 "$T/err" | head -10)")
  if LC_ALL=C grep -qaE -- "$3" "$2"; then ok "$1"; else
    bad "$1" "want /$3/ in:" "$(cut -c1-200 "$2" | head -20)" "${e[@]}"
  fi
}
# clean NAME FILE...: no byte 0x00-0x1f or 0x7f but the newlines ending
# lines (Win32 text output is binary here: no CR either).
clean() {
  local what=$1 f dirty=
  shift
  for f in "$@"; do
    if LC_ALL=C tr -d '\n' <"$f" | LC_ALL=C grep -qa '[[:cntrl:]]'; then
      dirty="$dirty $f"
    fi
  done
  if [ -z "$dirty" ]; then ok "$what: no raw control byte"; else
    # shellcheck disable=SC2086 # $dirty is a list of files
    bad "$what: no raw control byte" "in$dirty:" "$(cat -A $dirty | cut -c1-200 | head)"
  fi
}
# run_clean NAME EXPECTED_RC ARGS...: runs shmspy.exe with stdout in $T/out
# and stderr in $T/err, checks the exit status and that both are clean.
run_clean() {
  local what=$1 want=$2 rc
  shift 2
  $W "$@" >"$T/out" 2>"$T/err"
  rc=$?
  if [ "$rc" = "$want" ]; then ok "$what: exit $want"; else
    bad "$what: exit $want" "got $rc" "$(cut -c1-200 "$T/err" | head -5)"
  fi
  clean "$what" "$T/out" "$T/err"
}

# Held programs read Enter from a FIFO: closing a pipe would not do, since
# every later wine process (and the wineserver) inherits its write end.
trap 'exec 3>&- 4>&-; rm -rf "$T"' EXIT
mkfifo "$T/h1" "$T/h2"
trap "" PIPE

wine "$S/win_hostile.exe" <"$T/h1" >"$T/h1.out" 2>&1 &
H1=$!
exec 3>"$T/h1"
for _ in $(seq 100); do
  grep -q 'holding' "$T/h1.out" 2>/dev/null && break
  sleep 0.2
done
has "win_hostile holds its 13 sections" "$T/h1.out" '^win_hostile: holding 13 sections'
# ERROR_PATH_NOT_FOUND: a backslash after the prefix is a directory path.
has "a backslash in a name is a path: Windows refuses it" "$T/h1.out" \
  '^win_hostile: Local\\spy-hostile-dir\\sub: error 3'$'\r''?$'

A273=$(printf 'a%.0s' $(seq 274))
A1973=$(printf 'a%.0s' $(seq 1973))
A4073=$(printf 'a%.0s' $(seq 4073))
E6000=$(printf '\303\251%.0s' $(seq 6000))
NL=$'Local\\spy-hostile-nl\nx'
TAB=$'Local\\spy-hostile-tab\tx'
ESC=$'Local\\spy-hostile-esc\e[2J\e]0;pwned\a'
ASTRAL='Local\spy-hostile-astral-😀'
LONE=$'Local\\spy-hostile-lone-\xed\xa0\x80x'

# ---- list: every entry a row, escaped, with its size ---------------------
run_clean "list" 0 list
cp "$T/out" "$T/list"
has "list: newline escaped" "$T/list" '^Local\\spy-hostile-nl\\nx +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: tab escaped" "$T/list" '^Local\\spy-hostile-tab\\tx +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: clear-screen, set-title and BEL escaped" "$T/list" \
  '^Local\\spy-hostile-esc\\x1b\[2J\\x1b\]0;pwned\\x07 +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: U+1F600 (a surrogate pair) as UTF-8" "$T/list" \
  '^Local\\spy-hostile-astral-'$'\xf0\x9f\x98\x80'' +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: unpaired high surrogate as visible WTF-8 bytes, still opened" \
  "$T/list" '^Local\\spy-hostile-lone-\\xed\\xa0\\x80x +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: unpaired low surrogate, told apart from the high one" "$T/list" \
  '^Local\\spy-hostile-lowfirst-\\xed\\xb0\\x80x +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: a slash is part of the name" "$T/list" '^Local\\spy-hostile-a/b +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: U+0000 inside a name as visible bytes (C0 80), still opened" \
  "$T/list" '^Local\\spy-hostile-nul\\xc0\\x80x +8192  [0-7]{4}  [^ ]+ +[0-9?]+$'
has "list: 300 characters (past MAX_PATH)" "$T/list" \
  "^Local\\\\spy-hostile-long300-$A273 +8192  [0-7]{4}  [^ ]+ +[0-9?]+$"
has "list: 2000 characters" "$T/list" "^Local\\\\spy-hostile-long2000-$A1973 +8192  [0-7]{4}  [^ ]+ +[0-9?]+$"
has "list: 4095 bytes, the longest usable name, in full" "$T/list" \
  "^Local\\\\spy-hostile-cut-$A4073 +8192  [0-7]{4}  [^ ]+ +[0-9?]+$"
has "list: one byte more: cut short, sized, and said so" "$T/list" \
  '^Local\\spy-hostile-cut-a+\.\.\. +8192  [0-7]{4}  [^ ]+ +[0-9?]+  \(name of 4090 UTF-16 units cut short here; too long to open by name'
has "list: 6000 x U+00E9 (12,000 bytes): cut at a character, sized, said so" \
  "$T/list" $'^Local\\\\spy-hostile-long6000-(\xc3\xa9)+\\.\\.\\. +8192  [0-7]{4}  [^ ]+ +[0-9?]+  \\(name of 6021 UTF-16 units cut short'
n=$(LC_ALL=C grep -ac '^Local\\spy-hostile-' "$T/list")
[ "$n" = 13 ] && ok "list: 13 rows, one per section" || bad "list rows" "got $n"

# ---- list --json: valid JSON holding every name --------------------------
run_clean "list --json" 0 list --json
if command -v python3 >/dev/null; then
  out=$(python3 - "$T/out" <<'EOF' 2>&1
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")  # strict: the JSON is valid UTF-8
segs = [s for s in json.loads(raw)["segments"]
        if s["name"].startswith("Local\\spy-hostile-")]
names = {s["name"]: s for s in segs}
want = ["Local\\spy-hostile-nl\nx", "Local\\spy-hostile-tab\tx",
        "Local\\spy-hostile-esc\x1b[2J\x1b]0;pwned\x07",
        "Local\\spy-hostile-astral-\U0001F600", "Local\\spy-hostile-a/b",
        "Local\\spy-hostile-cut-" + "a" * 4073]
for w in want:
    assert w in names and names[w]["size"] == 8192, repr(w[:40])
lone = [n for n in names if n.startswith("Local\\spy-hostile-lone-")]
assert len(lone) == 1 and "\ufffd" in lone[0] and lone[0].endswith("x"), lone
cut = [s for s in segs if "cut short" in s.get("problem", "")]
assert len(cut) == 2 and all(s["size"] == 8192 for s in cut), cut
nul = [n for n in names if n.startswith("Local\\spy-hostile-nul")]
assert len(nul) == 1 and "\x00" not in nul[0] and nul[0].endswith("x"), nul
assert len(segs) == 13, len(segs)
print("fine")
EOF
)
  [ "$out" = fine ] && ok "list --json: valid UTF-8 JSON, every name, sizes, problems" ||
    bad "list --json content" "$out"
else
  echo "skip list --json content: no python3"
fi

# ---- stat and dump of each name reachable from a command line ------------
for pair in "newline:$NL" "tab:$TAB" "escape sequences:$ESC" "U+1F600:$ASTRAL" \
  "slash:Local\\spy-hostile-a/b" "300 characters:Local\\spy-hostile-long300-$A273" \
  "2000 characters:Local\\spy-hostile-long2000-$A1973" \
  "4095 bytes:Local\\spy-hostile-cut-$A4073"; do
  what=${pair%%:*} name=${pair#*:}
  run_clean "stat ($what)" 0 stat "$name"
  has "stat ($what): the section's size" "$T/out" '^size: +8192 bytes'
  run_clean "dump ($what)" 0 dump "$name" -n 16
  has "dump ($what): its bytes" "$T/out" '^00000000: 0000 0000 0000 0000 0000 0000 0000 0000  \.{16}$'
done
run_clean "stat --json (escape sequences)" 0 stat "$ESC" --json
has "stat --json: the name in \\u escapes" "$T/out" \
  '"name": "Local\\\\spy-hostile-esc\\u001b\[2J\\u001b\]0;pwned\\u0007"'
run_clean "stat (newline) names it escaped" 0 stat "$NL"
has "stat: name line escaped" "$T/out" '^name: +Local\\spy-hostile-nl\\nx$'
# Code page 1252 has no U+1F600: main() gets '??'; the name is taken
# from the wide command line instead.
run_clean "read (U+1F600) despite the ANSI code page" 0 read "$ASTRAL" --as u32
has "read (U+1F600): the value" "$T/out" '^0$'

# U+0101 has no place in code page 1252: main() gets its "best fit", 'a',
# which would name (and open) Local\spy-hostile-a/b instead.
run_clean "stat (U+0101, a look-alike of an existing name)" 1 stat 'Local\spy-hostile-ā/b'
has "stat (U+0101): no such section, not the look-alike's stat" "$T/err" \
  $'^shmspy: Local\\\\spy-hostile-\xc4\x81/b: no such section'
[ ! -s "$T/out" ] && ok "stat (U+0101): nothing on stdout" || bad "look-alike stdout" "$(head -3 "$T/out")"

# ---- names that cannot be opened: one clear line each -------------------
run_clean "stat: one byte past the longest name" 1 stat "Local\\spy-hostile-cut-${A4073}a"
has "stat: too long, refused (not the 4095-byte section's stat)" "$T/err" \
  '^shmspy: Local\\spy-hostile-cut-a+\.\.\.: section name too long \(at most 4095 bytes with its prefix\)$'
[ ! -s "$T/out" ] && ok "stat: too long: nothing on stdout" || bad "too long stdout" "$(head -c 200 "$T/out")"
run_clean "stat: 6000 x U+00E9" 2 stat "Local\\spy-hostile-long6000-$E6000"
has "stat: 6000 x U+00E9: name too long" "$T/err" 'name too long'
run_clean "stat: a backslash after the prefix" 2 stat 'Local\spy-hostile-dir\sub'
has "stat: backslash refused before any system call" "$T/err" \
  "may not contain '[\\\\]{2}' after its Local"
run_clean "dump: a backslash after the prefix" 2 dump 'Local\spy-hostile-dir\sub'
# The name cut at its U+0000 is another name: not this section.
run_clean "stat: the NUL name cut at the NUL" 1 stat 'Local\spy-hostile-nul'
has "stat: the NUL name cut at the NUL: no such section" "$T/err" 'no such section'
# A Unix shell cannot hand Wine an unpaired surrogate: the bytes arrive as
# U+FFFD, another name. It must fail cleanly, not open something else.
run_clean "stat: WTF-8 bytes on the command line" 1 stat "$LONE"
has "stat: WTF-8 bytes: no such section" "$T/err" 'no such section'
for bad_name in $'Local\\spy-gone\e]0;pwned\a' $'spy-gone\n\t\x7f' $'Global\\spy-gone\e[2J'; do
  run_clean "stat: missing, hostile name" 1 stat "$bad_name"
  has "stat: missing, hostile name: explained" "$T/err" '^shmspy: .*no such section'
  run_clean "dump: missing, hostile name" 1 dump "$bad_name"
done

# ---- sections coming and going while list reads and opens them ----------
wine "$S/win_hostile.exe" --churn <"$T/h2" >"$T/h2.out" 2>&1 &
H2=$!
exec 4>"$T/h2"
for _ in $(seq 100); do
  grep -q 'churning' "$T/h2.out" 2>/dev/null && break
  sleep 0.2
done
has "win_hostile --churn runs" "$T/h2.out" '^win_hostile: churning'
bad_runs='' seen=0
for i in $(seq 10); do
  $W list >"$T/out" 2>"$T/err"
  rc=$?
  seen=$((seen + $(LC_ALL=C grep -ac '^Local\\spy-hostile-churn-' "$T/out")))
  n=$(LC_ALL=C grep -ac '^Local\\spy-hostile-[^c]' "$T/out")
  cn=$(LC_ALL=C grep -ac '^Local\\spy-hostile-cut' "$T/out")
  dup=$(LC_ALL=C sort "$T/out" | LC_ALL=C uniq -d | LC_ALL=C grep -ac '^Local')
  odd=$(LC_ALL=C grep -a '^Local\\spy-hostile-churn-' "$T/out" |
    LC_ALL=C grep -cavE '^Local\\spy-hostile-churn-[0-9]+ +4096  [0-7]{4}  [^ ]+ +[0-9?]+$')
  if [ $rc -ne 0 ] || [ "$n" != 11 ] || [ "$cn" != 2 ] || [ "$dup" != 0 ] ||
    [ "$odd" != 0 ] || [ -s "$T/err" ]; then
    bad_runs="$bad_runs run $i: rc=$rc rows=$n+$cn dup=$dup odd=$odd $(head -c 200 "$T/err")"
  fi
done
[ -z "$bad_runs" ] && ok "list x10 while 200 sections churn: exit 0, all 13 rows, no repeats" ||
  bad "list under churn" "$bad_runs"
clean "list under churn" "$T/out" "$T/err"
[ "$seen" -gt 0 ] && ok "the listings saw churning sections ($seen rows in 10)" ||
  bad "churn seen" "no listing saw a churning section: the test proves nothing"
bad_runs=
for i in $(seq 5); do
  $W list --json >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -ne 0 ] || ! python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$T/out" 2>/dev/null; then
    bad_runs="$bad_runs run $i: rc=$rc $(head -c 200 "$T/err")"
  fi
done
[ -z "$bad_runs" ] && ok "list --json x5 under churn: valid JSON" || bad "list --json under churn" "$bad_runs"
bad_runs=
for i in $(seq 10); do
  $W stat "Local\\spy-hostile-churn-$((i * 17))" >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -eq 0 ]; then grep -q '^size: *4096 bytes' "$T/out" || bad_runs="$bad_runs $i:size"
  elif [ $rc -eq 1 ]; then grep -q 'no such section' "$T/err" || bad_runs="$bad_runs $i:$(head -c 200 "$T/err")"
  else bad_runs="$bad_runs $i:rc=$rc $(head -c 200 "$T/err")"; fi
done
[ -z "$bad_runs" ] && ok "stat of a churning section: its size, or 'no such section'" ||
  bad "stat under churn" "$bad_runs"
echo >&4
wait $H2
has "churn stopped" "$T/h2.out" '^win_hostile: released'

echo >&3 # Enter for the holder: every section goes with its handles
wait $H1
has "win_hostile released its sections" "$T/h1.out" '^win_hostile: released'
$W list >"$T/out" 2>"$T/err"
n=$(LC_ALL=C grep -ac 'spy-hostile' "$T/out")
[ "$n" = 0 ] && ok "nothing left behind" ||
  bad "left behind" "$n rows" "stderr: $(head -c 200 "$T/err")"

echo "windows hostile names: $pass passed, $fail failed"
[ $fail -eq 0 ]
