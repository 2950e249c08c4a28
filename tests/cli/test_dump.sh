#!/usr/bin/env bash
# ctest-labels: tsan (scripts/test runs it under ThreadSanitizer too)
# dump: byte-identical to xxd and hexdump -C for the same bytes, any -s/-n.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name dump)
t_cleanup "rm -f /dev/shm$N"

# Random data with squeeze-worthy runs: zeros, repeated lines, odd tail.
{
  head -c 1000 /dev/urandom
  head -c 300 /dev/zero
  for _ in 1 2 3 4 5; do printf 'ABCDEFGHIJKLMNOP'; done
  head -c 777 /dev/urandom
} >"$T_TMP/data"
SIZE=$(stat -c %s "$T_TMP/data")
t_run "$SHMSPY" write "$N" --create "$SIZE" --file "$T_TMP/data"
t_expect_rc 0 "write --create --file"
t_expect_eq "$(cmp "$T_TMP/data" /dev/shm$N && echo same)" "same" \
  "the object holds the file's bytes"

mismatch=0
for range in "0 $SIZE" "0 1" "1 15" "3 16" "7 33" "15 1000" "999 400" \
  "1000 300" "1290 90" "17 0" "$((SIZE - 1)) 1" "$SIZE 0"; do
  set -- $range
  xxd -s "$1" -l "$2" "$T_TMP/data" >"$T_TMP/want.xxd"
  "$SHMSPY" dump "$N" -s "$1" -n "$2" >"$T_TMP/got.xxd"
  cmp -s "$T_TMP/want.xxd" "$T_TMP/got.xxd" || { mismatch=1; echo "xxd differs at -s $1 -n $2"; }
  hexdump -C -s "$1" -n "$2" "$T_TMP/data" >"$T_TMP/want.C"
  "$SHMSPY" dump "$N" -s "$1" -n "$2" --format canonical >"$T_TMP/got.C"
  cmp -s "$T_TMP/want.C" "$T_TMP/got.C" || { mismatch=1; echo "canonical differs at -s $1 -n $2"; }
  head -c $(($1 + $2)) "$T_TMP/data" | tail -c "$2" >"$T_TMP/want.raw"
  "$SHMSPY" dump "$N" -s "$1" -n "$2" --format raw >"$T_TMP/got.raw"
  cmp -s "$T_TMP/want.raw" "$T_TMP/got.raw" || { mismatch=1; echo "raw differs at -s $1 -n $2"; }
done
t_expect_eq "$mismatch" 0 "xxd, canonical and raw match the reference tools at 12 ranges"

# -s at the very end, without -n: hexdump -C still prints the offset.
hexdump -C -s "$SIZE" "$T_TMP/data" >"$T_TMP/want.C"
"$SHMSPY" dump "$N" -s "$SIZE" --format canonical >"$T_TMP/got.C"
t_expect_eq "$(cmp "$T_TMP/want.C" "$T_TMP/got.C" && echo same)" "same" \
  "canonical -s SIZE (nothing left) equals hexdump -C: the end offset alone"

xxd "$T_TMP/data" >"$T_TMP/want"
"$SHMSPY" dump "$N" >"$T_TMP/got"
t_expect_eq "$(cmp "$T_TMP/want" "$T_TMP/got" && echo same)" "same" \
  "dump without -s/-n equals plain xxd"

# Numbers with suffixes and hex offsets.
xxd -s 1024 -l 256 "$T_TMP/data" >"$T_TMP/want"
"$SHMSPY" dump "$N" -s 1K -n 0x100 >"$T_TMP/got"
t_expect_eq "$(cmp "$T_TMP/want" "$T_TMP/got" && echo same)" "same" \
  "-s 1K -n 0x100 equals xxd -s 1024 -l 256"

# file: names, and a 64 GiB sparse file: only the asked range is read.
truncate -s 64G "$T_TMP/sparse"
printf 'end of a very large file' | dd of="$T_TMP/sparse" bs=1 \
  seek=$((64 * 1024 * 1024 * 1024 - 256)) conv=notrunc status=none
xxd -s $((64 * 1024 * 1024 * 1024 - 256)) -l 256 "$T_TMP/sparse" >"$T_TMP/want"
timeout 20 "$SHMSPY" dump "file:$T_TMP/sparse" -s $((64 * 1024 * 1024 * 1024 - 256)) -n 256 >"$T_TMP/got"
t_expect_eq "$(cmp "$T_TMP/want" "$T_TMP/got" && echo same)" "same" \
  "the last 256 bytes of a 64 GiB sparse file match xxd (offset > 4 GiB)"
rm -f "$T_TMP/sparse"

# An empty object dumps nothing, like xxd.
"$SHMSPY" create "$(t_name empty)" 0 >/dev/null
t_cleanup "rm -f /dev/shm$(t_name empty)"
t_run "$SHMSPY" dump "$(t_name empty)"
t_expect_rc 0 "dump of a 0-byte object succeeds"
t_expect_eq "$T_OUT" "" "and prints nothing"

# dump | head: a closed pipe ends the dump without an error message.
head -c $((4 * 1024 * 1024)) /dev/urandom >"$T_TMP/big"
"$SHMSPY" write "$(t_name big)" --create 4M --file "$T_TMP/big" >/dev/null
t_cleanup "rm -f /dev/shm$(t_name big)"
first=$("$SHMSPY" dump "$(t_name big)" 2>"$T_TMP/pipe.err" | head -n 1)
t_expect_eq "$first" "$(xxd "$T_TMP/big" | head -n 1)" "dump | head -n 1 shows the first line"
t_expect_eq "$(cat "$T_TMP/pipe.err")" "" "and prints no error when the pipe closes"

t_done
