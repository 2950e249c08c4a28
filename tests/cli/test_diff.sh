#!/usr/bin/env bash
# diff: the changed ranges of two segments equal a byte comparison (cmp -l);
# the xxd rows patch one side into the other (xxd -r); snapshots, NAME
# against a snapshot, FILE@TIME; --json lines parse; --type per field;
# exit status 0 equal, 6 different; errors (missing file, bad @time,
# damaged file) in one line.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

A=$(t_name diffa)
B=$(t_name diffb)
t_cleanup "rm -f /dev/shm$A /dev/shm$B"

# Random A; B = A with scattered changes (single bytes, clusters, runs
# close enough to merge and far enough not to).
head -c 5000 /dev/urandom >"$T_TMP/a"
python3 - "$T_TMP/a" "$T_TMP/b" <<'EOF'
import os, sys
b = bytearray(open(sys.argv[1], "rb").read())
for off in (0, 17, 18, 19, 30, 100, 109, 200, 1000, 1001, 1010, 2047, 2048,
            4095, 4999):
    b[off] = (b[off] + 1) % 256
b[3000:3300] = os.urandom(300)
open(sys.argv[2], "wb").write(b)
EOF
"$SHMSPY" write "$A" --create 5000 --file "$T_TMP/a" >/dev/null || exit 1
"$SHMSPY" write "$B" --create 5000 --file "$T_TMP/b" >/dev/null || exit 1

# ---- ranges against cmp -l ----------------------------------------------
t_run "$SHMSPY" diff "$A" "$B" --json
t_expect_rc 6 "different segments: exit status 6"
cp "$T_TMP/out" "$T_TMP/ranges.json"
cmp -l "$T_TMP/a" "$T_TMP/b" >"$T_TMP/cmp" || true
python3 - "$T_TMP/ranges.json" "$T_TMP/cmp" "$T_TMP/a" "$T_TMP/b" >"$T_TMP/py.out" 2>&1 <<'EOF'
import json, sys
ranges = [json.loads(l) for l in open(sys.argv[1])]
a = open(sys.argv[3], "rb").read()
b = open(sys.argv[4], "rb").read()
want = {int(l.split()[0]) - 1 for l in open(sys.argv[2])}
got = set()
prev_end = None
for r in ranges:
    off, n = r["off"], r["len"]
    old, new = bytes.fromhex(r["old"]), bytes.fromhex(r["new"])
    assert old == a[off:off + n] and new == b[off:off + n], r
    assert a[off] != b[off] and a[off + n - 1] != b[off + n - 1], r
    if prev_end is not None:
        assert off - prev_end >= 8, "ranges closer than 8 bytes: %r" % r
    prev_end = off + n
    got |= {i for i in range(off, off + n) if a[i] != b[i]}
assert got == want, "differ: %r extra, %r missing" % (sorted(got - want)[:5], sorted(want - got)[:5])
print("ok %d ranges" % len(ranges))
EOF
t_expect_match "$(cat "$T_TMP/py.out")" "^ok [0-9]+ ranges$" \
  "--json ranges hold exactly the bytes cmp -l finds (old, new, merged under 8 equal bytes)"

t_run "$SHMSPY" diff "$A" "$B"
t_expect_rc 6 "text diff: exit status 6"
t_expect_match "$(head -2 "$T_TMP/out")" "^\+\+\+ $B$" "--- A and +++ B lines"
t_expect_match "$T_OUT" '^@@ 0x0\.\.0x1f \(5 bytes in 3 ranges\) @@$' \
  "a header per group of ranges whose rows touch"
t_expect_match "$T_OUT" '^@@ 0x64\.\.0x6e \(2 bytes in 2 ranges\) @@$' \
  "ranges 8 equal bytes apart stay two ranges"
cp "$T_TMP/out" "$T_TMP/diff.txt"
# The rows are xxd's: the '+' rows patch A into B, the '-' rows B into A.
cp "$T_TMP/a" "$T_TMP/a2"
grep '^+[0-9a-f]' "$T_TMP/diff.txt" | cut -c2- | xxd -r - "$T_TMP/a2"
t_expect_eq "$(cmp "$T_TMP/a2" "$T_TMP/b" && echo same)" "same" \
  "xxd -r of the + rows turns A into B"
cp "$T_TMP/b" "$T_TMP/b2"
grep '^-[0-9a-f]' "$T_TMP/diff.txt" | cut -c2- | xxd -r - "$T_TMP/b2"
t_expect_eq "$(cmp "$T_TMP/b2" "$T_TMP/a" && echo same)" "same" \
  "xxd -r of the - rows turns B into A"
t_expect_clean "diff of random bytes"

t_run "$SHMSPY" diff "$A" "$B" -C 2
t_expect_match "$T_OUT" '^ 00000020: ' "--context rows are prefixed with a space"

t_run "$SHMSPY" diff "$A" "$A"
t_expect_rc 0 "a segment equals itself: exit 0"
t_expect_eq "$T_OUT" "" "and nothing is printed"

# Sizes differ.
C=$(t_name diffc)
t_cleanup "rm -f /dev/shm$C"
head -c 4000 "$T_TMP/a" >"$T_TMP/c"
"$SHMSPY" write "$C" --create 4000 --file "$T_TMP/c" >/dev/null
t_run "$SHMSPY" diff "$A" "$C"
t_expect_rc 6 "a shorter segment differs"
t_expect_match "$T_OUT" '^size 5000 (->|→) 4000 bytes$' "the size line"
t_expect_match "$T_OUT" '^@@ 0xfa0\.\.0x1388 \(1000 bytes\) @@$' \
  "the cut-off bytes are one range"
t_run "$SHMSPY" diff "$A" "$C" --json
t_expect_eq "$(head -1 "$T_TMP/out")" '{"old_size":5000,"new_size":4000}' \
  "--json says the sizes first"
t_expect_match "$(tail -1 "$T_TMP/out")" '"off":4000,"len":1000,"old":"[0-9a-f]{2000}","new":null' \
  "and the missing side is null"

# ---- snapshots and recordings --------------------------------------------
S1=$T_TMP/one.shmspy-rec
t_run "$SHMSPY" snapshot "$A" -o "$S1"
t_expect_rc 0 "snapshot of A"
t_run "$SHMSPY" diff "$S1" "$A"
t_expect_rc 0 "a snapshot equals its segment"
t_run "$SHMSPY" diff "$S1" "$B" --json
t_expect_eq "$T_OUT" "$(cat "$T_TMP/ranges.json")" \
  "snapshot of A against B: the same ranges as A against B"
S2=$T_TMP/two.shmspy-rec
"$SHMSPY" snapshot "$B" -o "$S2" --no-compress || exit 1
t_run "$SHMSPY" diff "$S1" "$S2" --json
t_expect_eq "$T_OUT" "$(cat "$T_TMP/ranges.json")" \
  "two snapshots (one compressed, one not): the ranges cmp -l found"
for at in start end 0 1.5s 250ms; do
  t_run "$SHMSPY" diff "$S1@$at" "$A"
  t_expect_rc 0 "FILE@$at of a snapshot is its one frame"
done
t_run "$SHMSPY" diff "$S1@end" "$B"
t_expect_match "$(head -1 "$T_TMP/out")" "^--- .*one\.shmspy-rec@0\.000s$" \
  "a recording's label says the time read"
cd "$T_TMP" || exit 1
t_run "$SHMSPY" diff one.shmspy-rec "$A"
t_expect_rc 0 "a relative FILE with a '.' is a file"
cd - >/dev/null || exit 1

# ---- per field -------------------------------------------------------------
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
P=$(t_name diffp)
Q=$(t_name diffq)
t_cleanup "rm -f /dev/shm$P /dev/shm$Q"
shm_make "$P" 64
shm_make "$Q" 64
shm_poke "$Q" 20 "29"
shm_poke "$Q" 4 "68 69"
shm_poke "$Q" 60 "ff"
LC_ALL=C t_run "$SHMSPY" diff "$P" "$Q" --layout "$T_TMP/s.layout"
t_expect_rc 6 "--layout: different"
t_expect_match "$T_OUT" '^name  "" -> "hi"$' "a string field, values as read --type prints them"
t_expect_match "$T_OUT" '^ring\[2\]  0 -> 41$' "an array element"
t_expect_match "$T_OUT" '^@@ 0x3c\.\.0x3d \(1 byte\) @@$' "bytes outside the struct stay ranges"
t_expect_nomatch "$T_OUT" '^seq' "an unchanged field is not printed"
t_run "$SHMSPY" diff "$P" "$Q" --layout "$T_TMP/s.layout" --field ring --json
python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0] == {"field": "ring[2]", "off": 20, "len": 4, "old": 0, "new": 41}, lines
assert [l.get("off") for l in lines[1:]] == [4, 60], lines
print("ok")' "$T_TMP/out" >"$T_TMP/py.out" 2>&1
t_expect_eq "$(cat "$T_TMP/py.out")" "ok" \
  "--field --json: the field as {field, off, len, old, new}, the rest as ranges"

# ---- errors ----------------------------------------------------------------
t_run "$SHMSPY" diff "$T_TMP/missing.shmspy-rec" "$A"
t_expect_error 1 "missing\.shmspy-rec" "a missing file: one line naming it, status 1"
t_run "$SHMSPY" diff "$S1@1x" "$A"
t_expect_error 2 "bad time '1x'" "a bad @TIME: a usage error"
t_run "$SHMSPY" diff "$(t_name nosuch)" "$A"
t_expect_error 1 "nosuch" "a missing NAME: one line, status 1"
t_run "$SHMSPY" diff "$A"
t_expect_rc 2 "one operand is a usage error"
# A damaged recording: every byte of a copy changed in turn would be the
# fuzzer's job; here a cut file and a flipped byte.
SZ=$(stat -c %s "$S1")
head -c $((SZ / 2)) "$S1" >"$T_TMP/cut.shmspy-rec"
t_run "$SHMSPY" diff "$T_TMP/cut.shmspy-rec" "$A"
t_expect_error 1 "byte [0-9]+" "a truncated recording: one line naming the byte offset"
cp "$S1" "$T_TMP/flip.shmspy-rec"
printf '\xff' | dd of="$T_TMP/flip.shmspy-rec" bs=1 seek=$((SZ / 2)) conv=notrunc status=none
t_run "$SHMSPY" diff "$T_TMP/flip.shmspy-rec@end" "$A"
if [ "$T_RC" -eq 0 ]; then
  t_fail "a damaged recording is refused" "diff said equal: the damage was not seen"
else
  t_expect_error 1 "byte [0-9]+" "a damaged recording: one line naming the byte offset"
fi
printf 'not a recording\n' >"$T_TMP/text.txt"
t_run "$SHMSPY" diff "$T_TMP/text.txt" "$A"
t_expect_error 1 "text\.txt" "a file that is not a recording: one line naming it"

t_done
