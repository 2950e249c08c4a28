#!/usr/bin/env bash
# test_blame_pane.sh - W in the hex view arms blame (ops/blame.h: hardware
# watchpoints in every mapper) on the byte under the cursor, and in the
# field pane on the field under the field cursor (a legal length of
# 1/2/4/8); the writers pane names the writer's pid, command, hits and the
# function and line it writes from, live; W again or Esc disarms. A real
# writer (samples/blame_writer, built with -g) and real traps.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

WRITER="$SPY_SAMPLES/blame_writer"
[ -x "$WRITER" ] || { echo "SKIP: $WRITER is not built"; exit 0; }
NAME=$(t_name blamepane)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

"$WRITER" "$NAME" --offset 16 --hz 20 >"$T_TMP/writer.out" 2>&1 &
WPID=$!
t_cleanup "kill $WPID 2>/dev/null; wait $WPID 2>/dev/null"
t_wait_for "grep -q '^mapped' '$T_TMP/writer.out'" || {
  t_fail "blame_writer maps $NAME" "$(cat "$T_TMP/writer.out")"
  t_done
  exit
}
LINE=$(grep -oE '^where bump_counter [^ ]+:[0-9]+' "$T_TMP/writer.out" | grep -oE '[0-9]+$')

tui_start 140 40 -- watch "$NAME"
tui_expect '^00000000 ' "watch is up"

# Hardware breakpoints may be missing (some VMs): the refusal is one line.
tui_keys g
tui_type 0x10
tui_keys Enter
tui_keys W
if tui_wait 'blame 0x10, 1 byte \(writes\)' 50; then
  t_ok "W arms blame on the byte under the cursor (0x10, 1 byte)"
  tui_expect "^ *$WPID +blame_writer +[0-9]+ +\+[0-9]+\.[0-9]{3}s +bump_counter\+0x[0-9a-f]+ [^ ]*blame_writer\.c:$LINE " \
    "the pane names the writer's pid, command, hits and bump_counter at line $LINE"
  tui_expect "blame 0x10, 1 byte \(writes\): [0-9]+ hits, 1 process armed" \
    "the title counts hits and armed processes"
  h1=$(printf '%s\n' "$TUI_SCREEN" | grep -E "^ *$WPID +blame_writer" | awk '{print $3}')
  sleep 1
  tui_capture
  h2=$(printf '%s\n' "$TUI_SCREEN" | grep -E "^ *$WPID +blame_writer" | awk '{print $3}')
  if [ -n "$h1" ] && [ -n "$h2" ] && [ "$h2" -gt "$h1" ]; then
    t_ok "live: the hit count grows ($h1 -> $h2)"
  else
    t_fail "live: the hit count grows ('$h1' -> '$h2')" "$TUI_SCREEN"
  fi
  # The newest writer's row is lit as a change while its hits come, and
  # fades like bytes once they stop (the writer stopped for 3 s).
  lit=$'\033\\[(1|7|4[0-7])m'
  tui_capture -e
  if printf '%s\n' "$TUI_SCREEN" | grep -E "$WPID +blame_writer" | grep -Eq "$lit"; then
    t_ok "the newest writer's row is highlighted"
  else
    t_fail "the newest writer's row is highlighted" "$TUI_SCREEN"
  fi
  kill -STOP "$WPID"
  sleep 3
  tui_capture -e
  if printf '%s\n' "$TUI_SCREEN" | grep -E "$WPID +blame_writer" | grep -Eq "$lit"; then
    t_fail "with no hit for 3 s its highlight has faded" "$TUI_SCREEN"
  else
    t_ok "with no hit for 3 s its highlight has faded"
  fi
  kill -CONT "$WPID"
  tui_keys W
  tui_expect 'blame disarmed: [0-9]+ hits? on 0x10, 1 byte' "W again disarms, and says how many hits"
  tui_expect_not 'blame 0x10' "the pane is gone"

  # Esc disarms too; a byte nobody writes shows no writer.
  tui_keys g
  tui_type 0x100
  tui_keys Enter
  tui_keys W
  tui_expect 'blame 0x100, 1 byte \(writes\): 0 hits' "armed on a byte nobody writes"
  tui_expect '\(no write seen yet\)' "no writer is shown"
  tui_keys Escape
  tui_expect 'blame disarmed: 0 hits on 0x100' "Esc disarms"
  tui_expect_not 'blame 0x100, 1 byte' "and the pane is gone"
  tui_keys q
  tui_expect '^EXIT:0$' "q quits"

  # In the field pane: the field's offset and a legal length (a uint32_t
  # counter at 16: 4 bytes).
  cat >"$T_TMP/c.h" <<'EOS'
#include <stdint.h>
struct blame_seg { uint64_t a, b; uint32_t counter; uint32_t pad; };
EOS
  tui_start 140 40 -- watch "$NAME" --type "struct blame_seg" --header "$T_TMP/c.h" --field counter
  if tui_wait 'counter' 100; then
    tui_keys W
    tui_expect 'blame 0x10, 4 bytes \(writes\)' "W on the field counter arms on its 4 bytes at 0x10"
    tui_expect "^ *$WPID +blame_writer +[0-9]+ .*bump_counter" "and names the writer"
    tui_keys W
    tui_expect 'blame disarmed' "W disarms in the field pane too"
    # A field whose size or offset allows no longer watch: the longest
    # legal length that fits and that its offset is aligned to.
    cat >"$T_TMP/d.h" <<'EOS'
struct odd_seg { unsigned char pad[2]; char name[14]; unsigned counter; };
EOS
    tui_keys q
    tui_expect '^EXIT:0$' "q quits"
    tui_start 140 40 -- watch "$NAME" --type "struct odd_seg" --header "$T_TMP/d.h" --field name
    tui_expect 'name' "the odd layout is loaded"
    tui_keys W
    tui_expect "blame 0x2, 2 bytes \\(of the field's 14\\) \\(writes\\)" \
      "W on a 14-byte field at offset 2 watches 2 bytes at 0x2, and says so"
    tui_keys Escape
    tui_expect 'blame disarmed: [0-9]+ hits? on 0x2' "Esc disarms"
  else
    echo "skip - the typed layout did not load here: $(printf '%s\n' "$TUI_SCREEN" | tail -n 1)"
  fi
  tui_keys q
  tui_expect '^EXIT:0$' "q quits"
else
  if printf '%s\n' "$TUI_SCREEN" | grep -Eq 'blame.*(hardware breakpoint|perf_event_paranoid|CAP_PERFMON)'; then
    echo "skip - blame refused here: $(printf '%s\n' "$TUI_SCREEN" | grep -E 'blame' | head -n 1)"
    tui_keys q
    tui_expect '^EXIT:0$' "a refusal is a message, not a crash: q quits"
  else
    t_fail "W arms blame on the byte under the cursor" "$TUI_SCREEN"
  fi
fi
t_done
