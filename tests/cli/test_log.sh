#!/usr/bin/env bash
# log: a writer with a known script of changes; `log --json` lines parse
# and hold exactly the script's changes, in order (the writer makes each
# change only after log has printed the one before, so no timing is
# assumed); text lines; per field with --layout; events (resize); | head
# exits quietly; SIGINT ends with 0; --for ends by itself; usage errors.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name log)
shm_make "$N" 256
LOGPID=""

# start_log OUT ARGS...: log in the background into OUT (stderr OUT.err).
start_log() {
  local out=$1
  shift
  "$SHMSPY" log "$N" "$@" >"$out" 2>"$out.err" &
  LOGPID=$!
  # Ready once its first sample is taken (its line on stderr): a change
  # made from then on is a line of the log.
  t_wait_for "grep -q 'samples a second' '$out.err'" 100 ||
    echo "log did not say it started"
}

# lines_at_least FILE COUNT: COUNT lines, not counting missed samples (a
# busy machine makes the sampler fall behind: a line says so).
lines_at_least() { [ "$(grep -vc 'missed' "$1" 2>/dev/null)" -ge "$2" ]; }

# step FILE COUNT HEXOFF HEX: makes one change, then waits for log's
# COUNT-th line.
step() {
  shm_poke "$N" "$3" "$4"
  t_wait_for "lines_at_least '$1' $2" 100 || echo "log printed no line $2"
}

# ---- the script, as JSON -----------------------------------------------
J=$T_TMP/log.json
start_log "$J" --json --hz 200
step "$J" 1 64 "01 00 00 00"   # 3 zero bytes stay: one byte changes
step "$J" 2 64 "02 00 00 00"
step "$J" 3 64 "03"
step "$J" 4 128 "68 65 6c 6c 6f"
step "$J" 5 255 "ff"
truncate -s 512 "/dev/shm/${N#/}"
t_wait_for "lines_at_least '$J' 7" 100
kill -INT "$LOGPID"
wait "$LOGPID"
t_expect_eq "$?" 0 "log ends with status 0 on SIGINT"
t_expect_match "$(cat "$J.err")" "^shmspy: log $N: 256 bytes, 200 samples a second \(Ctrl-C stops\)$" \
  "log says once on stderr that it started, nothing else"

python3 - "$J" >"$T_TMP/py.out" 2>&1 <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines = [l for l in lines if l.get("event") != "missed"]
want = [
    (64, 1, "00", "01"),
    (64, 1, "01", "02"),
    (64, 1, "02", "03"),
    (128, 5, "0000000000", "68656c6c6f"),
    (255, 1, "00", "ff"),
]
got = [(l["off"], l["len"], l["old"], l["new"]) for l in lines[:5]]
assert got == want, "changes %r, expected %r" % (got, want)
ts = [l["t"] for l in lines]
assert ts == sorted(ts) and all(isinstance(t, float) for t in ts), ts
assert lines[5] == {"t": lines[5]["t"], "event": "resized",
                    "old_size": 256, "new_size": 512}, lines[5]
assert lines[6]["off"] == 256 and lines[6]["len"] == 256, lines[6]
assert lines[6]["old"] is None and lines[6]["new"] == "00" * 256, lines[6]
assert len(lines) == 7, lines[7:]
print("ok")
EOF
t_expect_eq "$(cat "$T_TMP/py.out")" "ok" \
  "log --json: every line parses; the script's changes in order, exact bytes, then the resize"
truncate -s 256 "/dev/shm/${N#/}"

# ---- text ---------------------------------------------------------------
T=$T_TMP/log.txt
LC_ALL=C start_log "$T" --hz 200
step "$T" 1 64 "2a"
kill -INT "$LOGPID"
wait "$LOGPID"
t_expect_match "$(grep -v missed "$T")" '^[0-9]+\.[0-9]{3}s  0x40  1  03 -> 2a$' \
  "a text line: time, offset, length, old -> new (ASCII arrow outside UTF-8)"
LC_ALL=C.UTF-8 start_log "$T" --hz 200
step "$T" 1 64 "2b"
kill -INT "$LOGPID"
wait "$LOGPID"
t_expect_match "$(grep -v missed "$T")" '  2a → 2b$' "an arrow in a UTF-8 locale"

# ---- fields --------------------------------------------------------------
cat >"$T_TMP/s.layout" <<'EOF'
shmspy-layout 1
endian little
pointer-size 8
root "struct s"
uint uint32_t 4
char char 1 signed

struct "struct s" 48
  field seq uint32_t 0
  field name char[8] 4
  field ring uint32_t[8] 12
end
EOF
F=$T_TMP/log.fields
start_log "$F" --layout "$T_TMP/s.layout" --json --hz 200
step "$F" 1 20 "29"
step "$F" 2 0 "07"
step "$F" 3 4 "68 69"
kill -INT "$LOGPID"
wait "$LOGPID"
python3 - "$F" >"$T_TMP/py.out" 2>&1 <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines = [l for l in lines if l.get("event") != "missed"]
got = [(l["field"], l["off"], l["len"], l["old"], l["new"]) for l in lines]
want = [("ring[2]", 20, 4, 0, 41), ("seq", 0, 4, 0, 7),
        ("name", 4, 8, "", "hi")]
assert got == want, "fields %r, expected %r" % (got, want)
print("ok")
EOF
t_expect_eq "$(cat "$T_TMP/py.out")" "ok" \
  "log --layout --json: one line per field whose bytes changed, values typed"
F2=$T_TMP/log.field2
LC_ALL=C start_log "$F2" --layout "$T_TMP/s.layout" --field ring --hz 200
shm_poke "$N" 0 "08"    # seq: outside --field ring, not printed
step "$F2" 1 24 "05"    # ring[3]
kill -INT "$LOGPID"
wait "$LOGPID"
t_expect_match "$(grep -v missed "$F2")" '^[0-9.]+s  ring\[3\]  0 -> 5$' \
  "--field limits the log to a subtree (a change of seq is not printed)"
t_expect_eq "$(grep -vc missed "$F2")" 1 "and only the subtree's change is a line"

# ---- removal and re-creation ------------------------------------------------
RR=$T_TMP/log.removed
start_log "$RR" --json --hz 100
rm -f "/dev/shm/${N#/}"
t_wait_for "grep -q '\"removed\"' '$RR'" 100
"$SPY_SAMPLES/trio_create" "$N" 512 >/dev/null
t_wait_for "grep -q '\"recreated\"' '$RR'" 100
kill -INT "$LOGPID"
wait "$LOGPID"
# The new object is zeros: what differed from the old one (the bytes of
# the cases above, and its grown end) follows the event as ranges.
t_expect_match "$(grep -v missed "$RR" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
print(" ".join(l.get("event", "bytes") for l in lines[:3]),
      all(l.get("new", "0").strip("0") == "" for l in lines[2:]),
      lines[-1]["off"] + lines[-1]["len"])')" \
  "^removed recreated bytes True 512$" \
  "removal and re-creation are events; the new object's bytes follow"
truncate -s 256 "/dev/shm/${N#/}"

# ---- ends ----------------------------------------------------------------
t_run "$SHMSPY" log "$N" --for 200ms --hz 50
t_expect_rc 0 "--for ends the log by itself with status 0"

# log | head -1: once head has gone, the next line ends log quietly.
(
  "$SHMSPY" log "$N" --hz 200 2>"$T_TMP/head.err" | head -1 >"$T_TMP/head.out"
  echo "${PIPESTATUS[0]}" >"$T_TMP/head.rc"
) &
t_wait_for "grep -q 'samples a second' '$T_TMP/head.err'" 100
for i in $(seq 1 100); do
  [ -s "$T_TMP/head.rc" ] && break
  shm_poke "$N" 100 "$(printf '%02x' "$i")"
  sleep 0.1
done
t_wait_for "[ -s '$T_TMP/head.rc' ]" 50
t_expect_eq "$(cat "$T_TMP/head.rc")" 0 "log | head -1: log exits 0 once head has gone"
t_expect_nomatch "$(cat "$T_TMP/head.err")" "error|Broken|EPIPE|stdout" "and says nothing about the closed pipe"
t_expect_eq "$(grep -c '' "$T_TMP/head.out")" 1 "head got one line"

# ---- a long range: JSON cut at 64 KiB a side, said ---------------------
BIG=$(t_name logbig)
t_cleanup "rm -f '/dev/shm$BIG'"
if shm_make "$BIG" 256K; then
  JB=$T_TMP/big.json
  "$SHMSPY" log "$BIG" --json --hz 100 >"$JB" 2>"$JB.err" &
  BPID=$!
  t_wait_for "grep -q 'samples a second' '$JB.err'" 100
  "$SHMSPY" write "$BIG" --fill 0x5a -n 200K >/dev/null
  t_wait_for "[ -s '$JB' ]" 100
  kill -INT "$BPID"
  wait "$BPID"
  if python3 - "$JB" <<'EOF' >"$T_TMP/big.py" 2>&1; then
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if '"off"' in l]
total = sum(l["len"] for l in lines)
assert total == 200 * 1024, total
for l in lines:
    cut = l["len"] > 65536
    assert l.get("truncated", False) is cut, l.keys()
    assert len(l["new"]) == 2 * min(l["len"], 65536), (l["len"], len(l["new"]))
    assert l["new"] == "5a" * min(l["len"], 65536)
assert any(l.get("truncated") for l in lines)
EOF
    t_ok "log --json: a range over 64 KiB shows its first 64 KiB, marked truncated"
  else
    t_fail "log --json: a range over 64 KiB shows its first 64 KiB, marked truncated" "$(cat "$T_TMP/big.py")"
  fi
else
  t_fail "create $BIG"
fi

# ---- errors --------------------------------------------------------------
t_run "$SHMSPY" log "/spytest-$$-missing"
t_expect_error 1 "spytest-$$-missing" "a missing NAME: one line, status 1"
t_run "$SHMSPY" log "$N" --for 1x
t_expect_error 2 "--for: bad duration" "a bad --for is a usage error"
t_run "$SHMSPY" log "$N" --field seq
t_expect_error 2 "needs a layout" "--field without a layout is a usage error"
t_run "$SHMSPY" log "$N" --layout "$T_TMP/s.layout" --field nope
t_expect_error 2 "no field nope" "--field naming nothing is a usage error"
t_run "$SHMSPY" log "$N" --hz 0
t_expect_rc 2 "--hz 0 is a usage error"

t_done
