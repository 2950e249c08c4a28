#!/usr/bin/env bash
# The README's pictures: every view scripts/screenshots captures is a
# committed PNG under docs/screenshots/, small, and shown in the README;
# no picture is left that the script no longer makes. (The script itself
# is too heavy for CI: it needs chromium.)
# shellcheck source=../lib/common.sh
. "${SPY_TESTLIB:?}"
ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)
DIR=$ROOT/docs/screenshots

shots=$(sed -n 's/^shot \([a-z_-]*\)$/\1/p' "$ROOT/scripts/screenshots" | sort)
t_expect_match "$shots" "^browser$" "the script captures the browser"
for v in details hexview help probe; do
  t_expect_match "$shots" "^$v$" "and $v"
done
for v in $shots; do
  f=$DIR/$v.png
  if [ "$(head -c 8 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    t_ok "docs/screenshots/$v.png is a PNG"
  else
    t_fail "docs/screenshots/$v.png is a PNG" "missing or not a PNG: run scripts/screenshots"
  fi
  size=$(stat -c %s "$f" 2>/dev/null || echo 0)
  if [ "$size" -le 80000 ]; then t_ok "$v.png is small ($size bytes)"; else
    t_fail "$v.png is small" "$size bytes: more than 80000"; fi
  t_expect_match "$(cat "$ROOT/README.md")" "\]\(docs/screenshots/$v\.png\)" \
    "the README shows $v.png"
done
for f in "$DIR"/*.png; do
  v=$(basename "$f" .png)
  t_expect_match "$shots" "^$v$" "docs/screenshots/$v.png is made by the script"
done
t_done
