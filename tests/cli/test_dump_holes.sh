#!/usr/bin/env bash
# dump of sparse objects: holes are skipped without being read (SEEK_DATA /
# SEEK_HOLE) and the output is still byte-identical to hexdump -C and xxd.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

MiB=$((1024 * 1024))
GiB=$((1024 * MiB))

# A 256 MiB sparse file and a sparse /dev/shm object (tmpfs has
# SEEK_DATA too) with the same bytes: data at the start, across a page
# boundary, in the middle (not line aligned), near and at the end.
F="$T_TMP/sparse"
N=$(t_name holes)
t_cleanup "rm -f /dev/shm$N"
truncate -s 256M "$F"
t_run "$SHMSPY" create "$N" 256M
t_expect_rc 0 "create a 256 MiB object (all hole)"
while read -r at text; do
  t_poke "$F" "$at" "$text"
  "$SHMSPY" write "$N" -s "$at" --hex "$(printf '%s' "$text" | od -An -tx1 | tr -s ' \n' '  ')" >/dev/null
done <<EOF2
0 first bytes
$((4096 - 5)) across a page boundary
$((100 * MiB + 3)) in the middle, not line aligned
$((256 * MiB - 40)) close to the end
$((256 * MiB - 1)) Z
EOF2
t_expect_eq "$(cmp "$F" /dev/shm$N && echo same)" "same" "the object holds the file's bytes"
blocks_before=$(stat -c %b /dev/shm$N)

hexdump -C "$F" >"$T_TMP/want.C"
for name in "file:$F" "$N"; do
  for impl in auto scalar; do
    SPY_HEXFMT_IMPL=$impl timeout 60 "$SHMSPY" dump "$name" --format canonical >"$T_TMP/got.C"
    t_expect_eq "$(cmp "$T_TMP/want.C" "$T_TMP/got.C" && echo same)" "same" \
      "canonical dump of $name (${impl}) equals hexdump -C on 256 MiB with holes"
  done
done

# Ranges that start and end inside holes and inside data, for both layouts.
mismatch=0
for range in "5 5000" "$((100 * MiB - 70000)) 140000" "$((100 * MiB + 10)) 7" \
  "$((256 * MiB - 4097)) 4097" "$((200 * MiB + 1)) 999999"; do
  set -- $range
  hexdump -C -s "$1" -n "$2" "$F" >"$T_TMP/want"
  xxd -s "$1" -l "$2" "$F" >"$T_TMP/want.xxd"
  for name in "file:$F" "$N"; do
    "$SHMSPY" dump "$name" -s "$1" -n "$2" --format canonical >"$T_TMP/got"
    cmp -s "$T_TMP/want" "$T_TMP/got" || { mismatch=1; echo "canonical differs: $name -s $1 -n $2"; }
    "$SHMSPY" dump "$name" -s "$1" -n "$2" >"$T_TMP/got"
    cmp -s "$T_TMP/want.xxd" "$T_TMP/got" || { mismatch=1; echo "xxd differs: $name -s $1 -n $2"; }
    "$SHMSPY" dump "$name" -s "$1" -n "$2" --format raw | cmp -s - <(tail -c +$(($1 + 1)) "$F" | head -c "$2") ||
      { mismatch=1; echo "raw differs: $name -s $1 -n $2"; }
  done
done
t_expect_eq "$mismatch" 0 "xxd, canonical and raw match at 5 ranges across holes"

# A whole xxd dump (no squeezing in that layout) through the holes.
xxd -s $((100 * MiB - 2 * MiB)) -l $((4 * MiB)) "$F" >"$T_TMP/want"
"$SHMSPY" dump "$N" -s $((100 * MiB - 2 * MiB)) -n $((4 * MiB)) >"$T_TMP/got"
t_expect_eq "$(cmp "$T_TMP/want" "$T_TMP/got" && echo same)" "same" \
  "xxd of 4 MiB mostly hole equals xxd"

# Holes were not read: reading a tmpfs hole through a mapping would have
# allocated its pages.
t_expect_eq "$(stat -c %b /dev/shm$N)" "$blocks_before" \
  "dumping did not allocate the object's holes"

# 64 GiB sparse: canonical output is a handful of lines, known exactly.
BIG="$T_TMP/big"
truncate -s 64G "$BIG"
t_poke "$BIG" $((32 * GiB + 5)) 'hello in the middle'
t_poke "$BIG" $((64 * GiB - 3)) 'end'
{
  echo '00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|'
  echo '*'
  echo '800000000  00 00 00 00 00 68 65 6c  6c 6f 20 69 6e 20 74 68  |.....hello in th|'
  echo '800000010  65 20 6d 69 64 64 6c 65  00 00 00 00 00 00 00 00  |e middle........|'
  echo '800000020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|'
  echo '*'
  echo 'ffffffff0  00 00 00 00 00 00 00 00  00 00 00 00 00 65 6e 64  |.............end|'
  echo '1000000000'
} >"$T_TMP/want"
timeout 20 "$SHMSPY" dump "file:$BIG" --format canonical >"$T_TMP/got"
t_expect_eq "$(cmp "$T_TMP/want" "$T_TMP/got" && echo same)" "same" \
  "a 64 GiB sparse file dumps canonical as hexdump -C would"
# The same lines, checked against hexdump -C itself around the data.
hexdump -C -s $((32 * GiB - 64)) -n 4096 "$BIG" >"$T_TMP/want"
"$SHMSPY" dump "file:$BIG" -s $((32 * GiB - 64)) -n 4096 --format canonical >"$T_TMP/got"
t_expect_eq "$(cmp "$T_TMP/want" "$T_TMP/got" && echo same)" "same" \
  "around the data past 4 GiB, canonical equals hexdump -C"
rm -f "$BIG"

t_done
