#!/usr/bin/env bash
# Issue 13, "it states what it does not know", on real processes: a mapper
# count that cannot be known reads as unknown; "removed" comes from the
# object, not from the " (deleted)" of /proc/PID/maps; System V status,
# creator and times agree with ipcs -m and lsipc -m; mapper rows carry the
# process title as ps shows it.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
S=$SPY_SAMPLES

# hold VAR ARGS...: runs shm_holder ARGS until the test ends (its standard
# input is a FIFO held open here); sets VAR_pid and VAR_id (its shmid).
hold() {
  local v=$1 fd p i
  shift
  mkfifo "$T_TMP/$v.fifo"
  "$S/shm_holder" "$@" <"$T_TMP/$v.fifo" >"$T_TMP/$v.out" 2>"$T_TMP/$v.err" &
  exec {fd}>"$T_TMP/$v.fifo"
  if ! t_wait_for "grep -q holding '$T_TMP/$v.out'" 50; then
    t_fail "shm_holder $*" "$(cat "$T_TMP/$v.err")"
    return 1
  fi
  read -r _ p i <"$T_TMP/$v.out"
  printf -v "${v}_pid" %s "$p"
  printf -v "${v}_id" %s "$i"
}

# json EXPR: evaluates EXPR with d = the JSON document of the last t_run.
json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$T_TMP/out" "$1"
}

# The mapper row of pid P in the last stat --json: FIELD of it.
mapper() {
  json "[m['$2'] for m in d['mappers'] if m['pid'] == $1]"
}

# ---- unknown counts ------------------------------------------------------

N=$(t_name held)
t_cleanup "rm -f /dev/shm$N"
"$SHMSPY" create "$N" 4096 --mode 0644 >/dev/null
hold H posix "$N" || exit 1

t_run "$SHMSPY" list --json
t_expect_eq "$(json "[(s['nattch_min'], s['nattch'] in (1, -1), s['nattch_exact'] == (s['nattch'] == 1)) for s in d['segments'] if s['name'] == '$N']")" \
  "[(1, True, True)]" "list --json: the holder is counted; nattch is exact or -1 with nattch_exact false"

if t_can_switch_user; then
  # A root process maps it; nobody cannot read root's /proc/PID/maps.
  t_run t_as_user 65534 "$SHMSPY" list --json
  t_expect_rc 0 "list --json as nobody"
  t_expect_eq "$(json "[(s['nattch'], s['nattch_exact'], s['nattch_min']) for s in d['segments'] if s['name'] == '$N']")" \
    "[(-1, False, 0)]" "as nobody, a root-held object's count is unknown (-1, nattch_exact false), never 0"
  t_run t_as_user 65534 "$SHMSPY" list --kind posix
  t_expect_match "$T_OUT" "^$N +posix +4096 +0644 +root +\? " \
    "as nobody, list shows the count as ?"
  t_run t_as_user 65534 "$SHMSPY" stat --json "$N"
  t_expect_eq "$(json "(d['nattch'], d['nattch_exact'], d['nattch_min'], d['hidden_processes'] > 0)")" \
    "(-1, False, 0, True)" "as nobody, stat --json says the count is unknown"
  t_run t_as_user 65534 "$SHMSPY" stat "$N"
  t_expect_match "$T_OUT" "^mappers: +\? \(none seen" "as nobody, stat says ? (none seen), not 0 processes"
  # A process of nobody's own is seen: at least 1.
  chown 65534:65534 "/dev/shm$N"
  mkfifo "$T_TMP/nb.fifo"
  t_as_user 65534 "$S/shm_holder" posix "$N" <"$T_TMP/nb.fifo" >"$T_TMP/nb.out" 2>&1 &
  exec {nbfd}>"$T_TMP/nb.fifo"
  t_wait_for "grep -q holding '$T_TMP/nb.out'" 50
  t_run t_as_user 65534 "$SHMSPY" list --kind posix
  t_expect_match "$T_OUT" "^$N +posix +4096 +0644 +nobody +1\+ " \
    "as nobody, one process of its own seen and root's hidden: 1+"
  exec {nbfd}>&-
fi

# ---- removed: from the object ---------------------------------------------

hold V sysv private || exit 1
t_cleanup "ipcrm -m $V_id"
t_expect_match "$(grep SYSV /proc/"$V_pid"/maps)" " \(deleted\)$" \
  "the kernel prints (deleted) for a live System V mapping"
t_run "$SHMSPY" stat --json "sysv:$V_id"
t_expect_eq "$(json "d['removed']") $(mapper "$V_pid" deleted)" "False [False]" \
  "a live System V segment is not removed"
t_run "$SHMSPY" stat "sysv:$V_id"
t_expect_nomatch "$T_OUT" "name removed" "stat: no (name removed) for a live System V segment"

hold R -r sysv private || exit 1
t_run "$SHMSPY" stat --json "sysv:$R_id"
t_expect_eq "$(json "d['removed']") $(mapper "$R_pid" deleted)" "True [True]" \
  "a System V segment marked for removal (IPC_RMID while attached) is removed"

SEM=/spytest-$$-sem
t_cleanup "rm -f /dev/shm/sem.spytest-$$-sem"
hold M sem "$SEM" || exit 1
t_expect_match "$(grep '/dev/shm/sem\.' /proc/"$M_pid"/maps)" " \(deleted\)$" \
  "the kernel prints (deleted) for a live sem_open semaphore (renamed into place)"
t_run "$SHMSPY" stat --json "/sem.spytest-$$-sem"
t_expect_eq "$(json "d['removed']") $(mapper "$M_pid" deleted)" "False [False]" \
  "a live named semaphore is not removed"

G=$(t_name gone)
"$SHMSPY" create "$G" 4096 >/dev/null
hold U posix "$G" || exit 1
rm -f "/dev/shm$G"
if [ "$(id -u)" -eq 0 ]; then
  # Only /proc/PID/map_files reaches it now (CAP_SYS_ADMIN).
  range=$(awk -v n="/dev/shm$G (deleted)" 'index($0, n) { print $1; exit }' /proc/"$U_pid"/maps)
  t_run "$SHMSPY" stat --json "file:/proc/$U_pid/map_files/$range"
  t_expect_eq "$(json "d['removed']") $(mapper "$U_pid" deleted)" "True [True]" \
    "a really unlinked object is removed"
  t_run "$SHMSPY" stat "file:/proc/$U_pid/map_files/$range"
  t_expect_match "$T_OUT" "^  $U_pid .*\(name removed\)$" "stat marks its mapping (name removed)"
fi

mkfifo "$T_TMP/memfd.fifo"
python3 -c 'import os, mmap, sys
fd = os.memfd_create("spytest"); os.ftruncate(fd, 4096); m = mmap.mmap(fd, 4096)
print(os.getpid(), fd, flush=True); sys.stdin.read()' <"$T_TMP/memfd.fifo" >"$T_TMP/memfd.out" &
exec {mfd}>"$T_TMP/memfd.fifo"
t_wait_for "test -s '$T_TMP/memfd.out'" 50
read -r MP MFD <"$T_TMP/memfd.out"
t_run "$SHMSPY" stat --json "file:/proc/$MP/fd/$MFD"
t_expect_eq "$(json "d['removed']") $(mapper "$MP" deleted)" "False [False]" \
  "a memfd never had a name: not removed"
exec {mfd}>&-

# ---- System V status against ipcs -m and lsipc -m ---------------------------

hold D -d -r sysv private || exit 1
locked=0
if [ "$(id -u)" -eq 0 ]; then # SHM_LOCK needs CAP_IPC_LOCK
  hold L -l sysv private || exit 1
  t_cleanup "ipcrm -m $L_id"
  locked=1
  hold B -l -r sysv private || exit 1
fi
ids="$V_id $R_id $D_id"
[ "$locked" = 1 ] && ids="$ids $L_id $B_id"

# ipcs -m: key shmid owner perms bytes nattch [dest] [locked].
ipcs_status() {
  ipcs -m | awk -v id="$1" '$2 == id { s = ""; for (i = 7; i <= NF; i++) s = s (s == "" ? "" : ",") $i; print $1, s }'
}
ours_status() {
  "$SHMSPY" list --kind sysv | awk -v id="$1" '$2 == id { print $1, $9 }'
}
for id in $ids; do
  t_expect_eq "$(ours_status "$id")" "$(ipcs_status "$id")" \
    "list --kind sysv: key and STATUS of $id as ipcs -m"
done
t_expect_eq "$(ipcs_status "$R_id")" "0x00000000 dest" "ipcs -m: IPC_RMID while attached is key 0, dest"
[ "$locked" = 1 ] && t_expect_eq "$(ours_status "$B_id")" "0x00000000 dest,locked" \
  "both: dest,locked"

if command -v lsipc >/dev/null; then
  "$SHMSPY" list --json >"$T_TMP/out"
  for id in $ids; do
    t_expect_eq "$(json "[s['status'] for s in d['segments'] if s.get('shmid') == $id]")" \
      "['$(lsipc -m --noheadings --raw -o ID,STATUS | awk -v id="$id" '$1 == id { print $2 }')']" \
      "list --json status of $id as lsipc -m"
  done
fi

# ipcs -m -i ID: uid, gid, cuid, cgid and the three times.
epoch() { if [ "$1" = "Not set" ]; then echo 0; else date -d "$1" +%s; fi; }
ipcs_detail() {
  local out t
  out=$(ipcs -m -i "$1")
  printf '%s' "$out" | tr '\t' '\n' | grep -E '^(uid|gid|cuid|cgid)=' | tr '\n' ' '
  for t in att_time det_time change_time; do
    epoch "$(printf '%s\n' "$out" | sed -n "s/^$t=//p" | sed 's/ *$//')" | tr '\n' ' '
  done
}
for id in $ids; do
  t_run "$SHMSPY" stat --json "sysv:$id"
  t_expect_eq "$(json "'uid=%d gid=%d cuid=%d cgid=%d %d %d %d ' % (d['uid'], d['gid'], d['cuid'], d['cgid'], d['atime'], d['dtime'], d['ctime'])")" \
    "$(ipcs_detail "$id")" "stat --json of $id: owner, creator and times as ipcs -m -i"
done
t_expect_match "$(ipcs -m -i "$D_id" | sed -n 's/^det_time=//p')" "[0-9]" \
  "the -d holder has a detach time (the comparison covers one)"
t_run "$SHMSPY" stat "sysv:$D_id"
t_expect_match "$T_OUT" "^status: +dest \(marked for removal" "stat: status dest"
t_expect_match "$T_OUT" "^detached: +[0-9]{4}-" "stat: the detach time"
t_expect_match "$T_OUT" "^creator: +pid $D_pid, uid $(id -u) \($(id -un)\), gid $(id -g) \($(id -gn)\)" \
  "stat: creator pid, uid and gid"
if [ "$locked" = 1 ]; then
  t_run "$SHMSPY" stat "sysv:$L_id"
  t_expect_match "$T_OUT" "^status: +locked \(locked in memory" "stat: status locked"
fi

# ---- process titles -------------------------------------------------------

TITLE=$'postgres: checkpointer \e[31mred'
hold T -t "$TITLE" sysv private || exit 1
t_cleanup "ipcrm -m $T_id"
t_run "$SHMSPY" stat --json "sysv:$T_id"
t_expect_eq "$(mapper "$T_pid" title)" "$(python3 -c 'import sys; print([sys.argv[1]])' "$TITLE")" \
  "stat --json: a setproctitle-style title, whole"
t_expect_eq "$(mapper "$T_pid" comm)" "['shm_holder']" "beside the command name"
t_run "$SHMSPY" stat "sysv:$T_id"
t_expect_match "$T_OUT" "^  $T_pid +shm_holder .* postgres: checkpointer \\\\x1b\[31mred$" \
  "stat: the title beside the command, escaped"
t_expect_clean "stat with a hostile title"
t_run "$SHMSPY" stat --json "sysv:$V_id"
t_expect_eq "$(mapper "$V_pid" title)" "['$(ps -o args= -p "$V_pid")']" \
  "stat --json: arguments joined by spaces, as ps -o args"

t_done
