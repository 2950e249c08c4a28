#!/usr/bin/env bash
# ctest-labels: tsan (scripts/test runs it under ThreadSanitizer too)
# test_dump_parallel.sh - `dump` of long stretches runs on several cores
# (src/ops/dump_pipeline.c): the output is byte-identical to xxd and
# hexdump -C whatever the number of threads ($SPY_DUMP_THREADS), the
# range, and where squeezed runs cross the 512 KiB chunk boundaries; a
# closed pipe and a full disk end it cleanly.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name par)
t_cleanup "rm -f /dev/shm$N"
# 3.3 MiB of lines drawn from a few patterns (zeros among them) and random
# lines, with long zero runs around the first chunk boundaries.
python3 - "$T_TMP/data" <<'PY'
import os, random, sys
r = random.Random(7)
pats = [bytes(16), os.urandom(16), os.urandom(16)]
out = bytearray()
while len(out) < 3 * 1024 * 1024 + 300 * 1024 + 5:
    k = r.randrange(16)
    out += pats[k % 3] if k < 12 else os.urandom(16)
K = 512 * 1024
for b in (K, 2 * K):
    out[b - 4096:b + 4096] = bytes(8192)
out[3 * K - 16:3 * K + 16] = pats[1] * 2
open(sys.argv[1], "wb").write(out[:3 * 1024 * 1024 + 300 * 1024 + 5])
PY
size=$(stat -c %s "$T_TMP/data")
"$SHMSPY" write "$N" --create "$size" --file "$T_TMP/data" >/dev/null

# ranges: "OFFSET LENGTH" (- : to the end)
ranges=("0 -" "7 -" "$((512 * 1024 - 5)) $((1536 * 1024))" "16 $((2 * 1024 * 1024 + 3))")
for threads in 1 2 3; do
  bad=""
  for r in "${ranges[@]}"; do
    set -- $r
    if [ "$2" = - ]; then xl=(); hl=(); sl=(); else xl=(-l "$2"); hl=(-n "$2"); sl=(-n "$2"); fi
    xxd -s "$1" "${xl[@]}" "$T_TMP/data" >"$T_TMP/want"
    SPY_DUMP_THREADS=$threads "$SHMSPY" dump "$N" -s "$1" "${sl[@]}" >"$T_TMP/got" || bad="$bad xxd:$r(rc)"
    cmp -s "$T_TMP/want" "$T_TMP/got" || bad="$bad xxd:$r"
    hexdump -C -s "$1" "${hl[@]}" "$T_TMP/data" >"$T_TMP/want"
    SPY_DUMP_THREADS=$threads "$SHMSPY" dump "$N" -s "$1" "${sl[@]}" --format canonical >"$T_TMP/got" || bad="$bad C:$r(rc)"
    cmp -s "$T_TMP/want" "$T_TMP/got" || bad="$bad C:$r"
  done
  t_expect_eq "$bad" "" "$threads thread(s): xxd and canonical layouts equal xxd and hexdump -C over ${#ranges[@]} ranges"
done

# A closed pipe: the dump stops without a word, the workers with it.
first=$(SPY_DUMP_THREADS=2 "$SHMSPY" dump "$N" 2>"$T_TMP/pipe.err" | head -c 68)
t_expect_eq "$first" "$(xxd "$T_TMP/data" | head -c 68)" "2 threads, dump | head: the first line"
t_expect_eq "$(cat "$T_TMP/pipe.err")" "" "and no error when the pipe closes"

# A full disk: one line saying so, exit 1.
if [ -w /dev/full ]; then
  T_OUT=""
  SPY_DUMP_THREADS=2 "$SHMSPY" dump "$N" >/dev/full 2>"$T_TMP/full.err"
  T_RC=$?
  T_ERR=$(cat "$T_TMP/full.err")
  t_expect_error 1 "No space left on device" "2 threads, dump >/dev/full: exit 1 and the reason"
fi

t_done
