#!/usr/bin/env bash
# Errors in JSON: every command that takes --json (from the option tables)
# prints, for a usage error wherever --json stands and for a runtime error,
# one {"error": {...}} document on stdout, the one line on stderr, and the
# exit code it has without --json.
# shellcheck source=../lib/common.sh
. "${SPY_TESTLIB:?}"

# check_json_error DESC EXIT CODE: the last t_run exited EXIT with one
# "shmspy: " line on stderr and, on stdout, one JSON document whose error
# has code CODE, exit EXIT and the stderr line as its message.
check_json_error() {
  local line=${T_ERR#shmspy: }
  line=${line% (try \'shmspy * --help\')}
  t_expect_error "$2" "" "$1: exit $2, one line on stderr"
  if python3 - "$T_TMP/out" "$3" "$2" "$line" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
err = doc["error"]
assert list(doc) == ["error"], doc
assert err["code"] == int(sys.argv[2]), err
assert err["exit"] == int(sys.argv[3]), err
assert err["message"] == sys.argv[4], (err["message"], sys.argv[4])
assert isinstance(err["reason"], str) and err["reason"], err
PY
    t_ok "$1: stdout is the JSON error (code $3, exit $2, same message)"
  else
    t_fail "$1: stdout is the JSON error (code $3, exit $2)" "stdout: $T_OUT" \
      "stderr: $T_ERR"
  fi
}

cmds=$("$SHMSPY" --list-options | awk '$2 == "--json" { print $1 }')
t_expect_match "$cmds" "^list$" "the tables name the commands taking --json"

# Usage errors (code -4, exit 2), before and after --json, and one that the
# parser finds only after reading every option (a missing argument, or an
# unexpected one for commands that take none).
for c in $cmds --version; do
  t_run "$SHMSPY" "$c" --no-such-option --json
  check_json_error "$c: unknown option before --json" 2 -4
  t_run "$SHMSPY" "$c" --json --no-such-option
  check_json_error "$c: unknown option after --json" 2 -4
  t_run "$SHMSPY" "$c" --json=yes
  check_json_error "$c: --json=yes" 2 -4
  t_run "$SHMSPY" "$c" --no-such-option
  t_expect_eq "$T_OUT" "" "$c: without --json a usage error prints nothing on stdout"
  t_expect_rc 2 "$c: without --json the exit code is 2 as well"
done
t_run "$SHMSPY" stat --json
check_json_error "stat: missing NAME" 2 -4
t_run "$SHMSPY" probe --json
check_json_error "probe: missing ADDR" 2 -4
t_run "$SHMSPY" probe zzz --json
check_json_error "probe: a malformed ADDR" 2 -4
t_run "$SHMSPY" demo no-such-scenario --json
check_json_error "demo: an unknown scenario" 2 -4
t_run "$SHMSPY" list --json extra-word
check_json_error "list: an unexpected argument" 2 -4
# After "--", --json is a word, not the option.
t_run "$SHMSPY" stat -- --json
t_expect_eq "$T_OUT" "" "stat -- --json: no JSON on stdout"

# Runtime errors (exit 1). list, probe and demo fail only when the system
# does: a private mount namespace gives them a /dev/shm that is a file and
# a /proc without maps.
t_run "$SHMSPY" stat /spytest-no-such-object-$$ --json
check_json_error "stat: no such object" 1 -1
declare -A runtime=(
  [list]="list --json"
  [probe]="probe 0x1000 --json"
  [demo]="demo unlink-while-mapped --json"
  [clean]="clean --json"
  [read]="read /x --type t --layout /x.layout --json"
  [dump]="dump /x --type t --layout /x.layout --json"
  [layout]="layout --layout /dev/shm/x.layout --json"
  [blame]="blame /x 0 --json"
  [diff]="diff /x /y --json"
  [log]="log /x --json"
  [replay]="replay /dev/shm/x.shmspy-rec --info --json"
)
# The sanitizers and valgrind read their options, threads and maps
# through /proc, which these namespaces take away (LeakSanitizer dies at
# exit), and demo faults on purpose, which memcheck rightly reports: the
# plain build checks these cases; ASan and valgrind check everything else.
if [ "${SPY_SANITIZED:-0}" = 1 ] || [ "${SPY_UNDER_VALGRIND:-0}" = 1 ]; then
  echo "skip: runtime errors in a namespace without /proc (sanitized build or valgrind)"
elif unshare -rm true 2>/dev/null; then
  for c in $cmds; do
    [ "$c" = stat ] && continue
    if [ -z "${runtime[$c]:-}" ]; then
      t_fail "$c takes --json: add its runtime error to this test"
      continue
    fi
    # shellcheck disable=SC2086 # the words of the case
    t_run unshare -rm --propagation private sh -c \
      'mount -t tmpfs none /dev && : >/dev/shm && mount -t tmpfs none /proc &&
       exec "$@"' sh "$SHMSPY" ${runtime[$c]}
    check_json_error "$c: runtime error (${runtime[$c]})" 1 -6
  done
  # demo all keeps its array: a scenario that could not run is an item.
  t_run unshare -rm --propagation private sh -c \
    'mount -t tmpfs none /dev && : >/dev/shm && exec "$@"' sh "$SHMSPY" demo all --json
  t_expect_rc 1 "demo all --json: exit 1 when a scenario could not run"
  if python3 - "$T_TMP/out" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
bad = [x for x in doc if "error" in x]
assert bad and all(x["error"]["exit"] == 1 and x["scenario"] for x in bad)
assert any("as_expected" in x for x in doc)
PY
    t_ok "demo all --json: one array, failed scenarios as items with their error"
  else
    t_fail "demo all --json: one array with error items" "stdout: $T_OUT"
  fi
else
  echo "skip - no user namespaces here: runtime errors of ${cmds//$'\n'/ } not provoked"
fi
t_done
