#!/usr/bin/env bash
# Every subcommand has --help, a man page section and bash completion.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)

cmds=$("$SHMSPY" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }')
t_expect_match "$cmds" "^list$" "shmspy --help lists the commands"
for c in $cmds; do
  t_run "$SHMSPY" "$c" --help
  t_expect_rc 0 "shmspy $c --help exits 0"
  t_expect_match "$T_OUT" "^usage: shmspy $c" "shmspy $c --help prints its usage"
  t_expect_match "$(cat "$ROOT/docs/shmspy.1")" "^\.B(R)? shmspy $c|^\.B $c$" \
    "the man page documents $c"
  t_expect_match "$(cat "$ROOT/completions/shmspy.bash")" "\b$c\b" \
    "bash completion knows $c"
done
t_run "$SHMSPY" --version
t_expect_match "$T_OUT" "^shmspy [0-9]+\.[0-9]+\.[0-9]+$" "--version"
if command -v man >/dev/null; then
  t_run man --warnings -l "$ROOT/docs/shmspy.1"
  t_expect_eq "$T_ERR" "" "the man page renders without warnings"
fi
t_done
