#!/usr/bin/env bash
# replay without the view: --info, --log and --dump. A writer makes a
# script of changes and takes its own snapshot after each while `record`
# records; the frame --dump prints between two changes equals the writer's
# snapshot of that moment, and --log holds the script's changes in order.
# Also: the view refuses without a terminal, damage is one line.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name replay)
shm_make "$N" 4096

# ---- a snapshot -------------------------------------------------------------
S=$T_TMP/s.shmspy-rec
"$SHMSPY" snapshot "$N" -o "$S" || exit 1
t_run "$SHMSPY" replay "$S" --info
t_expect_rc 0 "--info"
t_expect_match "$T_OUT" "^duration +0\.000s$" "a snapshot lasts 0 s"
t_expect_match "$T_OUT" "^samples +1$" "one sample"
t_expect_match "$T_OUT" "^complete +yes$" "closed cleanly"
t_run "$SHMSPY" replay "$S" --info --json
t_expect_json "--info --json is one JSON document"
t_expect_match "$T_OUT" '"keyframes": 1' "with the counts"
t_run "$SHMSPY" replay "$S" --log
t_expect_rc 0 "--log of a snapshot"
t_expect_eq "$T_OUT" "" "prints no change"
t_run "$SHMSPY" replay "$S"
t_expect_error 1 "needs a terminal" "the view without a terminal: one line, status 1 (as watch)"
t_run "$SHMSPY" replay "$S" --dump --at 1x
t_expect_error 2 "bad time '1x'" "a bad --at is a usage error"
t_run "$SHMSPY" replay "$S" --at 1s
t_expect_rc 2 "--at needs --dump"
t_run "$SHMSPY" replay "$T_TMP/none.shmspy-rec" --info
t_expect_error 1 "none\.shmspy-rec" "a missing file: one line"
head -c $(($(stat -c %s "$S") / 2)) "$S" >"$T_TMP/cut.shmspy-rec"
t_run "$SHMSPY" replay "$T_TMP/cut.shmspy-rec" --dump
t_expect_error 1 "byte [0-9]+" "a truncated file: one line naming the byte offset"

# ---- a recording of a scripted writer ---------------------------------------
if ! "$SHMSPY" record --help >/dev/null 2>&1; then
  echo "skip - this build has no record command: the recorded script is not checked"
  t_done
  exit $?
fi
R=$T_TMP/r.shmspy-rec
"$SHMSPY" record "$N" -o "$R" --hz 200 >"$T_TMP/rec.out" 2>"$T_TMP/rec.err" &
RPID=$!
# Started once its file holds a header (and then a little more): a change
# before its first sample would be part of that first frame, not a delta.
t_wait_for "[ -s '$R' ]" 100
sleep 0.5
for i in 1 2 3 4 5; do
  shm_poke "$N" $((i * 100)) "$(printf '%02x' $((i * 16 + i)))"
  [ "$i" = 3 ] && head -c 300 /dev/urandom | tr '\0' '\1' | dd of="/dev/shm/${N#/}" bs=300 seek=1000 oflag=seek_bytes conv=notrunc status=none
  sleep 0.3
  "$SHMSPY" snapshot "$N" -o "$T_TMP/snap$i.shmspy-rec" || echo "snapshot $i failed"
  sleep 0.3
done
kill -INT "$RPID"
wait "$RPID"
t_expect_eq "$?" 0 "record ends with 0 on SIGINT"

t_run "$SHMSPY" replay "$R" --log --json
t_expect_rc 0 "--log --json of the recording"
cp "$T_TMP/out" "$T_TMP/log.json"
python3 - "$T_TMP/log.json" >"$T_TMP/times" 2>"$T_TMP/py.err" <<'EOF2'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
changes = [l for l in lines if "off" in l]
# The 300 bytes at 1000 are one write, but a sample may still land inside
# it (a copy is not atomic against a read): its changes count as one.
merged = []
for c in changes:
    if merged and 1000 <= c["off"] < 1300 and 1000 <= merged[-1]["off"] < 1300:
        continue
    merged.append(c)
changes = merged
offs = [c["off"] for c in changes]
want = [100, 200, 300, 1000, 400, 500]
assert offs == want, "offsets %r, expected %r" % (offs, want)
for c, i in zip([changes[0], changes[1], changes[2], changes[4], changes[5]], [1, 2, 3, 4, 5]):
    assert c["old"] == "00" and c["new"] == "%02x" % (i * 17), c
ts = [c["t"] for c in changes]
assert ts == sorted(ts), ts
# A time between each step's change and the next: the frame the writer's
# snapshot of that step shows.
steps = [ts[0], ts[1], ts[2], ts[4], ts[5]]
for k in range(5):
    hi = steps[k + 1] if k + 1 < 5 else None
    print("%.6fs" % ((steps[k] + hi) / 2) if hi else "end")
EOF2
t_expect_eq "$(cat "$T_TMP/py.err")" "" \
  "--log --json: the script's changes in order, with old and new bytes"
i=1
bad=""
while read -r at; do
  "$SHMSPY" replay "$R" --dump --at "$at" | xxd -r >"$T_TMP/frame"
  "$SHMSPY" replay "$T_TMP/snap$i.shmspy-rec" --dump | xxd -r >"$T_TMP/want"
  cmp -s "$T_TMP/frame" "$T_TMP/want" || bad+=" step $i (--at $at)"
  i=$((i + 1))
done <"$T_TMP/times"
t_expect_eq "$i" 6 "five steps were checked"
t_expect_eq "$bad" "" "the frame at each step equals the writer's own snapshot"
t_run "$SHMSPY" diff "$R@end" "$T_TMP/snap5.shmspy-rec"
t_expect_rc 0 "diff FILE@end against the last snapshot: equal"
LC_ALL=C t_run "$SHMSPY" replay "$R" --log
t_expect_match "$T_OUT" '^[0-9]+\.[0-9]{3}s  0x64  1  00 -> 11$' "--log text lines as log prints them"
t_run "$SHMSPY" replay "$R" --info
t_expect_match "$T_OUT" "^deltas +[1-9]" "--info counts the deltas"

t_done
