#!/usr/bin/env bash
# list: shared memory with no name of its own, found through the processes
# that map or hold it: the anonymous page fork_shared shares with its
# child (one object, two mappers), a memfd shared by two processes (by
# name, with its seals and holder), a POSIX object removed while mapped;
# --kind selects them; the /dev/shm capacity agrees with df.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
S=$SPY_SAMPLES

row_of() { # JSON file, python condition on s -> the row's fields asked for
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [s for s in doc["segments"] if eval(sys.argv[2])]
got = [eval(sys.argv[3]) for s in rows[:1]]
got = got[0] if got and isinstance(got[0], tuple) else tuple(got)
print(len(rows), *got)
PY
}

# 1. fork_shared --hold: one anon object, the parent and the child.
"$S/fork_shared" --hold >"$T_TMP/fs.out" 2>&1 &
FS=$!
t_cleanup "kill $FS"
t_wait_for "grep -q '^hold ' '$T_TMP/fs.out'" || t_fail "fork_shared --hold starts" "$(cat "$T_TMP/fs.out")"
read -r PARENT CHILD ADDR VOFF < <(sed -n 's/^hold parent=\([0-9]*\) child=\([0-9]*\) addr=\(0x[0-9a-f]*\) value_offset=\([0-9]*\)/\1 \2 \3 \4/p' "$T_TMP/fs.out")
LOW=$((PARENT < CHILD ? PARENT : CHILD))
"$SHMSPY" list --json --kind anon >"$T_TMP/anon.json"
t_expect_eq "$(row_of "$T_TMP/anon.json" "s['name'] == 'pid:$LOW@$ADDR'" "s['kind'], s['nattch_min'], s['removed']")" \
  "1 anon 2 False" "fork_shared's page is one anon row named by the lowest pid, with 2 mappers"
t_expect_eq "$(row_of "$T_TMP/anon.json" "s['kind'] != 'anon'" "0")" "0" "--kind anon lists only anon rows"
# A byte written through the name is seen by both processes, when this
# build can open pid: names (the access part of issue 16).
if "$SHMSPY" write "pid:$PARENT@$ADDR" -s "$VOFF" --as u8 77 >/dev/null 2>"$T_TMP/werr"; then
  kill -USR1 "$PARENT" "$CHILD"
  t_wait_for "[ \$(grep -c '^seen .* value=77' '$T_TMP/fs.out') -eq 2 ]"
  t_expect_eq "$(grep -c '^seen .* value=77' "$T_TMP/fs.out")" "2" "a byte written with shmspy is seen by parent and child"
else
  echo "skip - write pid:PID@ADDR: $(cat "$T_TMP/werr")"
fi
kill "$FS"; wait "$FS" 2>/dev/null

# 2. memfd_share --seal: a memfd by name with its seals and its holder.
M=spyls-$$
"$S/memfd_share" "$M" 8192 --seal >"$T_TMP/ms.out" 2>&1 &
MS=$!
t_cleanup "kill $MS"
t_wait_for "grep -q '^ready ' '$T_TMP/ms.out'" || t_fail "memfd_share starts" "$(cat "$T_TMP/ms.out")"
"$SHMSPY" list --json --kind memfd >"$T_TMP/memfd.json"
t_expect_eq "$(row_of "$T_TMP/memfd.json" "s['name'] == 'memfd:$M'" "s['kind'], s['size'], s['nattch_min'], s['holders_min'], ','.join(s['seals']), s['origin']")" \
  "1 memfd 8192 2 1 seal,shrink,grow $M" "memfd row: name, size, 2 mappers, 1 holder, seals, origin"
t_expect_eq "$(row_of "$T_TMP/memfd.json" "s['kind'] != 'memfd'" "0")" "0" "--kind memfd lists only memfds"
t_run "$SHMSPY" list
t_expect_match "$T_OUT" "^memfd \([0-9]+\)$" "text: a memfd section"
t_expect_match "$T_OUT" "^memfd:$M +8192 .* seal,shrink,grow +$M\$" "text: the memfd row with its seals"
t_expect_match "$T_OUT" "^Anonymous shared memory \([0-9]+\)$" "text: an anonymous section"
kill "$MS"; wait "$MS" 2>/dev/null

# 3. A POSIX object removed while a process maps it.
R=$(t_name removed)
t_cleanup "rm -f /dev/shm$R"
"$SHMSPY" create "$R" 4096 >/dev/null
mkfifo "$T_TMP/fifo"
"$S/shm_holder" posix "$R" <"$T_TMP/fifo" >"$T_TMP/h.out" 2>&1 &
HP=$!
exec 7>"$T_TMP/fifo"
t_wait_for "grep -q holding '$T_TMP/h.out'"
rm -f "/dev/shm$R"
"$SHMSPY" list --json --kind posix >"$T_TMP/rm.json"
t_expect_eq "$(row_of "$T_TMP/rm.json" "s.get('origin') == '$R'" "s['kind'], s['removed'], s['name'].startswith('pid:$HP@0x'), s['size']")" \
  "1 posix True True 4096" "a removed but mapped object is listed as removed, named pid:PID@ADDR"
t_run "$SHMSPY" list --kind posix
t_expect_match "$T_OUT" "^pid:$HP@0x[0-9a-f]+ +posix .*\(removed: was $R\)" "text: the removed object, marked"
exec 7>&-
wait "$HP" 2>/dev/null

# 4. Capacity: agrees with df (other tests fill /dev/shm meanwhile: the
# used figure within 64 MiB).
"$SHMSPY" list --json --kind sysv >"$T_TMP/cap.json"
read -r DSIZE DUSED < <(df -B1 --output=size,used /dev/shm | tail -1)
t_expect_eq "$(python3 - "$T_TMP/cap.json" "$DSIZE" "$DUSED" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["capacity"]
print(c["where"], c["total"] == int(sys.argv[2]),
      abs(c["used"] - int(sys.argv[3])) <= 64 << 20)
PY
)" "/dev/shm True True" "capacity agrees with df -B1 /dev/shm"
t_run "$SHMSPY" list --kind sysv
t_expect_match "$T_OUT" "^/dev/shm: .* used of .* \([0-9]+%\), .* free$" "text: the capacity line"

t_done
