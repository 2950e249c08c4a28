#!/usr/bin/env bash
# tests/win/test_zip.sh - the Windows zip as a user gets it: the one
# shmspy-VERSION-win64.zip that `cpack -G ZIP` made in BUILD_DIR
# (cmake/winzip.cmake; scripts/test-windows makes it first) is unpacked into
# a scratch directory and checked: its files, shmspy.exe importing only
# DLLs Windows has (libgcc, winpthread and PDCurses linked statically) and
# stripped, the man page as text and HTML, CRLF text files, the copyright of
# the Debian package; then the unpacked shmspy.exe runs under Wine, away from
# the build directory: --version, list with a section win_writer.exe holds,
# and watch of it in tmux (not with SPY_SKIP_WINDOWS_TUI=1: no TUI then).
#
# Run by scripts/test-windows with WINEPREFIX, WINEDEBUG and BUILD_DIR set.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
B=$(cd "${BUILD_DIR:?}" && pwd)
if ! command -v tmux >/dev/null 2>&1; then
  echo "FAIL - tmux is not installed (scripts/test-windows installs it)"
  exit 1
fi
export SHMSPY=wine SPY_SAMPLES="$B/samples" SPY_TESTLIB="$here/../lib/common.sh"
# shellcheck source=../lib/tui.sh
. "$here/../lib/tui.sh"
TUI_WAIT=300
tui=yes
[ "${SPY_SKIP_WINDOWS_TUI:-0}" = 1 ] && tui=no

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$B/CMakeCache.txt")
pkg=shmspy-$version-win64
zips=$(find "$B" -maxdepth 1 -name 'shmspy-*.zip' -printf '%f\n')
if [ "$zips" != "$pkg.zip" ] || [ -z "$version" ]; then
  t_fail "one zip, $pkg.zip, in $B" "found: ${zips:-none}"
  t_done
  exit 1
fi
t_ok "cpack made $pkg.zip"

# ---- what is in it -----------------------------------------------------------
mkdir "$T_TMP/unzip"
(cd "$T_TMP/unzip" && cmake -E tar xf "$B/$pkg.zip")
D=$T_TMP/unzip/$pkg
want="$pkg/README-windows.txt $pkg/copyright.txt $pkg/shmspy.exe $pkg/shmspy.html $pkg/shmspy.txt"
got=$(cd "$T_TMP/unzip" && find . -mindepth 1 ! -type d -printf '%P\n' | sort | xargs)
t_expect_eq "$got" "$want" "the zip holds one folder, $pkg, with the exe and its docs"

# DLLs every Windows has (objdump prints them as the exe names them).
dlls=$(x86_64-w64-mingw32-objdump -p "$D/shmspy.exe" | sed -n 's/^\s*DLL Name: //p' | sort -f | xargs)
others=$(tr ' ' '\n' <<<"$dlls" |
  grep -viE '^(kernel32|user32|advapi32|shell32|gdi32|ntdll|psapi|msvcrt|ucrtbase|ws2_32|api-ms-win-.*)\.dll$')
t_expect_eq "$others" "" "shmspy.exe imports only system DLLs ($dlls)"
debug=$(x86_64-w64-mingw32-objdump -h "$D/shmspy.exe" | grep -c '\.debug_')
t_expect_eq "$debug" 0 "shmspy.exe is stripped"

for f in README-windows.txt copyright.txt shmspy.txt; do
  if [ -s "$D/$f" ] && ! grep -qv $'\r$' "$D/$f"; then
    t_ok "$f: every line ends with CRLF"
  else
    t_fail "$f: every line ends with CRLF" "$(grep -cv $'\r$' "$D/$f") lines do not"
  fi
done
txt=$(tr -d '\r' <"$D/shmspy.txt")
t_expect_match "$txt" '^SHMSPY\(1\) ' "shmspy.txt is the man page"
t_expect_match "$txt" 'Local\\Name, Global\\Name' "shmspy.txt: the Windows names"
if LC_ALL=C grep -q $'[\x01-\x08\x1b\x80-\xff]' "$D/shmspy.txt"; then
  t_fail "shmspy.txt is plain ASCII (no escapes, overstrikes)"
else t_ok "shmspy.txt is plain ASCII (no escapes, overstrikes)"; fi
html=$(cat "$D/shmspy.html")
t_expect_match "$html" '<title>SHMSPY</title>' "shmspy.html is the man page"
t_expect_match "$html" '<a href="#COMMANDS">COMMANDS</a>' "shmspy.html: its table of contents"
t_expect_nomatch "$html" 'CreationDate' "shmspy.html: no creation date (same file each build)"
readme=$(tr -d '\r' <"$D/README-windows.txt")
t_expect_match "$readme" "^Version $version, " "README-windows.txt: the version"
t_expect_match "$readme" '^  Local\\Name ' "README-windows.txt: the names"
t_expect_eq "$(tr -d '\r' <"$D/copyright.txt")" "$(cat "$here/../../cmake/debian/copyright")" \
  "copyright.txt is the Debian package's copyright"

# ---- run from the unpacked folder ------------------------------------------
X=$D/shmspy.exe
cli() {
  t_run timeout 120 wine "$X" "$@"
  T_OUT=$(tr -d '\r' <<<"$T_OUT")
  T_ERR=$(tr -d '\r' <<<"$T_ERR")
}
cli --version
t_expect_rc 0 "shmspy.exe --version runs from the unpacked zip"
t_expect_match "$T_OUT" "^shmspy $version\$" "--version: the version"
if [ "$tui" = yes ]; then
  t_expect_match "$T_OUT" '^tui: yes \(PDCurses' "--version: the TUI is in (PDCurses)"
else
  t_expect_match "$T_OUT" '^tui: no' "--version: no TUI (SPY_SKIP_WINDOWS_TUI=1)"
fi

NAME="Local\\spyzip-$$"
RE_NAME="Local\\\\spyzip-$$"
mkfifo "$T_TMP/hold"
wine "$SPY_SAMPLES/win_writer.exe" "$NAME" <"$T_TMP/hold" >"$T_TMP/writer.log" 2>&1 &
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
if ! t_wait_for "timeout 60 wine '$X' read '$NAME' --as i32 2>/dev/null | grep -q 100" 300; then
  t_fail "win_writer holds $NAME" "$(tr -d '\r' <"$T_TMP/writer.log")"
  t_done
  exit 1
fi
cli list
t_expect_match "$T_OUT" "^$RE_NAME +4096  [0-7]{4}  [^ ]+ +1\$" \
  "list shows the section win_writer.exe holds"

if [ "$tui" = yes ]; then
  tui_start 100 30 WINEPREFIX="$WINEPREFIX" WINEDEBUG="${WINEDEBUG:--all}" \
    -- "$X" watch "$NAME"
  tui_expect '^00000000  64 00 00 00 00 00 00 00  48 65 6c 6c 6f ' \
    "watch shows the section's bytes"
  tui_keys q
  tui_expect '^EXIT:0$' "q quits watch with status 0"
fi

t_done
