#!/usr/bin/env bash
# The TUI under everything at once: `watch` of a segment written at 1000 Hz
# while the terminal is resized continuously (down to 1x1) and the object is
# truncated and regrown; then the browser under the same resizes while
# objects come and go. It must keep answering keys, quit with 0 and restore
# the terminal.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

D=$(t_name stress)
t_cleanup "rm -f /dev/shm$D"
"$SPY_SAMPLES/demo_writer" "$D" --hz 1000 --seconds 120 >/dev/null 2>&1 &
t_wait_for "test -s /dev/shm$D"

# resize_storm N: N resizes through sizes from 1x1 to 200x60.
resize_storm() {
  local i c r n=$1 sizes=("1 1" "2 2" "200 60" "10 3" "80 24" "5 40" "150 5" "33 17")
  for ((i = 0; i < n; i++)); do
    read -r c r <<<"${sizes[$((i % ${#sizes[@]}))]}"
    tui_tmux resize-window -t spy -x "$c" -y "$r" 2>/dev/null
  done
}

tui_start 100 30 -- watch "$D" --hz 50
tui_expect "shmspy watch $D" "watch starts on a segment written at 1000 Hz"
(
  for _ in $(seq 20); do
    truncate -s 100 "/dev/shm$D"
    truncate -s 4096 "/dev/shm$D"
  done
) &
TRUNC=$!
resize_storm 200
wait $TRUNC
tui_tmux resize-window -t spy -x 100 -y 30
tui_expect "shmspy watch $D" "after 200 resizes and 20 truncations, watch still draws"
tui_keys q
tui_expect '^EXIT:0$' "and quits with 0"
tui_expect 'MODES: icanon echo' "with the terminal restored"

tui_start 120 30 --
tui_expect "objects" "the browser starts"
(
  for i in $(seq 50); do
    : >"/dev/shm/spytest-$$-churn-$i"
    rm -f "/dev/shm/spytest-$$-churn-$((i - 1))"
  done
  rm -f "/dev/shm/spytest-$$-churn-50"
) &
CH=$!
resize_storm 200
wait $CH
tui_tmux resize-window -t spy -x 120 -y 30
tui_keys /
tui_type "$D"
tui_keys Enter
tui_expect "^$D +posix" "after 200 resizes while objects come and go, the browser still answers"
tui_keys q
tui_wait '^EXIT:' 30 >/dev/null || tui_keys q
tui_expect '^EXIT:0$' "and quits with 0"
tui_expect 'MODES: icanon echo' "with the terminal restored"
t_done
