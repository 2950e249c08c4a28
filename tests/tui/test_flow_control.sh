#!/usr/bin/env bash
# test_flow_control.sh - Ctrl-S does not freeze the TUI: flow control
# (IXON, IXOFF) is off while it runs, so the hex view keeps showing a byte
# another process changes; on exit the terminal's settings are exactly as
# they were (stty -a before and after, in the pane).
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name flow)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

# The program runs through a wrapper that turns flow control on (as most
# terminals have it) and records the settings around it.
REAL=$SHMSPY
SHMSPY="$T_TMP/wrap.sh"
cat >"$SHMSPY" <<EOS
#!/bin/sh
stty ixon ixoff </dev/tty
stty -a </dev/tty >"$T_TMP/before"
"$REAL" "\$@"
rc=\$?
stty -a </dev/tty >"$T_TMP/after"
exit \$rc
EOS
chmod +x "$SHMSPY"

tui_start 100 30 -- watch "$NAME" --hz 20
tui_expect '^00000000  00 00 ' "watch is up"
tty=$(tui_fmt '#{pane_tty}')
t_expect_match "$(stty -a -F "$tty" 2>&1)" '(^|[ ;])-ixon( |;|$)' \
  "flow control is off while the TUI runs"
tui_keys C-s
for v in 11 22 33; do
  shm_poke "$NAME" 0 "$v"
  tui_expect "^00000000  $v 00 " "after Ctrl-S the view still shows the byte change to $v"
done
tui_keys q
tui_expect '^EXIT:0$' "q quits"
if [ -s "$T_TMP/before" ] && [ -s "$T_TMP/after" ]; then
  t_expect_match "$(cat "$T_TMP/before")" '(^|[ ;])ixon( |;|$)' \
    "flow control was on before"
  t_expect_eq "$(cat "$T_TMP/after")" "$(cat "$T_TMP/before")" \
    "the terminal's settings after q are those before"
else
  t_fail "the wrapper recorded the settings before and after"
fi
t_done
