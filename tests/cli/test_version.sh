#!/usr/bin/env bash
# `shmspy --version` says the version and the build's features, one fact a
# line; `--version --json` the same as one object; SPY_HEXFMT_IMPL shows.
# shellcheck source=../lib/common.sh
. "${SPY_TESTLIB:?}"

t_run "$SHMSPY" --version
t_expect_rc 0 "--version exits 0"
t_expect_match "$T_OUT" "^shmspy [0-9]+\.[0-9]+\.[0-9]+$" "the first line is the version"
for fact in "tui: (yes \(n?curses|yes \(PDCurses|no$)" "libdw: (yes|no)$" \
  "zstd: (yes|no)$" "simd: [a-z0-9]+ in use \((auto|SPY_HEXFMT_IMPL)\); available:( [a-z0-9]+)* scalar$" \
  "platform: [a-z]+ [a-z0-9_]+, backend (posix|win32) " "compiler: "; do
  t_expect_match "$T_OUT" "^$fact" "a line says ${fact%%:*}"
done
t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '')" 7 "one fact a line, seven lines"
# This build links ncurses on Linux, libdw when found (SPY_LIBDW), zstd
# when found (SPY_ZSTD): the build's cache says which.
want_zstd=no
if grep -q '^SPY_ZSTD:BOOL=ON' "$SPY_BUILD_DIR/CMakeCache.txt" &&
  grep -q '^LIBZSTD_FOUND:INTERNAL=1' "$SPY_BUILD_DIR/CMakeCache.txt"; then
  want_zstd=yes
fi
t_expect_match "$T_OUT" "^zstd: $want_zstd\$" "zstd: $want_zstd, as the build was configured"
t_expect_match "$T_OUT" "^tui: yes \(ncurses [0-9]" "the TUI is built, with ncurses"
t_expect_match "$T_OUT" "^platform: linux " "the platform is Linux"
TEXT=$T_OUT

t_run "$SHMSPY" --version --json
t_expect_rc 0 "--version --json exits 0"
t_expect_json "--version --json prints one JSON document"
if python3 - "$T_TMP/out" "$TEXT" <<'PY'; then
import json, sys
v = json.load(open(sys.argv[1]))
text = dict(l.split(": ", 1) for l in sys.argv[2].splitlines()[1:])
assert sys.argv[2].splitlines()[0] == "shmspy " + v["version"]
assert v["tui"] is True and text["tui"] == "yes (%s)" % v["curses"]
assert v["libdw"] is (text["libdw"] == "yes")
assert v["zstd"] is (text["zstd"] == "yes")
s = v["simd"]
assert s["in_use"] in s["available"] and s["available"][-1] == "scalar"
assert text["simd"] == "%s in use (%s); available: %s" % (
    s["in_use"], s["chosen_by"], " ".join(s["available"]))
assert v["platform"] == "linux" and v["backend"] == "posix" and v["arch"]
PY
  t_ok "--version --json says what the text says"
else
  t_fail "--version --json says what the text says" "json: $T_OUT" "text: $TEXT"
fi

# SPY_HEXFMT_IMPL forces the kernel; --version names it and who chose it.
t_run env SPY_HEXFMT_IMPL=scalar "$SHMSPY" --version
t_expect_match "$T_OUT" "^simd: scalar in use \(SPY_HEXFMT_IMPL\)" \
  "SPY_HEXFMT_IMPL=scalar: scalar in use, chosen by the environment"
t_run env SPY_HEXFMT_IMPL=no-such-kernel "$SHMSPY" --version
t_expect_match "$T_OUT" "^simd: [a-z0-9]+ in use \(auto\)" \
  "an unknown SPY_HEXFMT_IMPL falls back to auto, and says so"
t_run "$SHMSPY" --version --help
t_expect_match "$T_OUT" "^usage: shmspy --version \[--json\]" "--version --help"
t_done
