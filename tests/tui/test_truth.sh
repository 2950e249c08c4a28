#!/usr/bin/env bash
# test_truth.sh - the browser says what it does not know (issue 13): as a
# user who cannot inspect the process mapping an object, its MAPS column
# and details pane show "?", never 0; the details pane shows a mapping
# process's title beside its command name, escaped.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

t_can_switch_user || { echo "SKIP: needs root and setpriv"; exit 0; }
TAG="spytest-$$"
N=$(t_name held)
"$SHMSPY" create "$N" 4096 --mode 0644 >/dev/null
t_cleanup "rm -f '/dev/shm$N'"
# A root process maps N, with a PostgreSQL-style title holding an ESC.
mkfifo "$T_TMP/hold"
"$SPY_SAMPLES/shm_holder" -t $'postgres: checkpointer \e[7m' posix "$N" \
  <"$T_TMP/hold" >"$T_TMP/holder.out" 2>&1 &
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
t_wait_for "grep -q holding '$T_TMP/holder.out'" 100
read -r _ HPID _ <"$T_TMP/holder.out"

# As nobody: the count is unknown.
printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "%s" "$@"\n' \
  "$SHMSPY" >"$T_TMP/as_nobody"
chmod 755 "$T_TMP/as_nobody"
REAL=$SHMSPY
SHMSPY="$T_TMP/as_nobody"
tui_start 150 30 --
tui_keys /
tui_type "$TAG"
tui_keys Enter
tui_expect "^$N +posix +4096 0644 root .* \?$" "as nobody, the MAPS column shows ?"
tui_keys Home
tui_expect "mapped by \? \(none seen" "as nobody, the details pane says ? (none seen)"
tui_keys q
SHMSPY=$REAL

# As root: the mapper is seen, with its title escaped.
tui_start 150 30 --
tui_keys /
tui_type "$TAG"
tui_keys Enter
tui_keys Home
tui_expect "pid $HPID +shm_holder .* postgres: checkpointer \\\\x1b\[7m" \
  "the details pane shows the title beside the command, escaped"
tui_expect_not "name removed" "a live object's mapping is not (name removed)"
tui_keys q
t_done
