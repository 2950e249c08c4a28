#!/usr/bin/env bash
# stat: metadata, every mapping process with its address range, size notes.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name stat)
t_cleanup "rm -f /dev/shm$N"

# Two real processes map the object; each holds it until its stdin closes.
mkfifo "$T_TMP/f1" "$T_TMP/f2"
"$SPY_SAMPLES/shm_writer" "$N" <"$T_TMP/f1" >"$T_TMP/w.out" 2>&1 &
W=$!
exec 7>"$T_TMP/f1"
t_wait_for "grep -q '$N' /proc/$W/maps"
"$SHMSPY" write "$N" -s 100 --as u8 1 --hold <"$T_TMP/f2" 2>/dev/null &
H=$!
exec 8>"$T_TMP/f2"
t_wait_for "grep -q '$N' /proc/$H/maps"

t_run "$SHMSPY" stat "$N"
t_expect_rc 0 "stat of an object mapped by two processes"
t_expect_match "$T_OUT" "^size: +4096 bytes" "size from fstat"
t_expect_match "$T_OUT" "^mode: +0600 \(rw-------\)" "mode"
t_expect_match "$T_OUT" "mappers: +(at least )?2 processes" "two mapping processes"
wr=$(awk -v p="$W" '$1 == p { print $3 }' <<<"$T_OUT")
hr=$(awk -v p="$H" '$1 == p { print $3 }' <<<"$T_OUT")
want_w=$(awk '/\/dev\/shm'"${N//\//\\/}"'/ { split($1, r, "-"); print "0x" r[1] "-0x" r[2]; exit }' /proc/$W/maps)
t_expect_eq "$wr" "$want_w" "the writer's address range as in its /proc/PID/maps"
t_expect_match "$hr" "^0x[0-9a-f]+-0x[0-9a-f]+$" "the holder's address range"
t_expect_match "$(awk -v p="$W" '$1 == p { print $2, $4 }' <<<"$T_OUT")" "^shm_writer rw-s$" \
  "command name and permissions of the writer"

t_run "$SHMSPY" stat "$N" --json
t_expect_eq "$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["size"], d["mode"], len(d["mappers"]), d["nattch_min"], d["nattch"] in (2, -1), d["nattch_exact"] == (d["nattch"] == 2))')" \
  "4096 0600 2 2 True True" "stat --json: size, mode, mappers, nattch (exact, or -1 and not exact)"

# The writer closed its fd after mmap (the sample does): still found.
t_expect_eq "$(ls -l /proc/$W/fd 2>/dev/null | grep -c "$N")" "0" \
  "the writer holds no fd to the object"

# Shrink it under the mappers: the mappings are now longer than the object.
truncate -s 0 /dev/shm$N
t_run "$SHMSPY" stat "$N"
t_expect_match "$T_OUT" "0 bytes: it was never sized .* or was truncated to 0" "0-byte warning"
t_expect_match "$T_OUT" "Process $W \(shm_writer\) maps 4096 bytes .* SIGBUS" \
  "mapping longer than the object: SIGBUS warning names the process"

truncate -s 10000 /dev/shm$N
t_run "$SHMSPY" stat "$N"
t_expect_match "$T_OUT" "10000 bytes is not a multiple of the page size \(4096\): a mapping covers 12288 bytes" \
  "page rounding is explained"

# Unlinked while mapped: the mappers are still shown, marked as removed.
t_run "$SHMSPY" stat "file:/dev/shm$N"
t_expect_rc 0 "stat file:PATH works too"
t_expect_match "$T_OUT" "$W +shm_writer" "file: stat finds the same mappers"

exec 7>&- 8>&-
wait "$W" "$H" 2>/dev/null
t_done
