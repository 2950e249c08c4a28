#!/usr/bin/env bash
# test_sem_state.sh - a POSIX named semaphore's value and waiters, shown
# by list and stat without any layout, agree with sem_getvalue (printed
# by samples/sem_state) and with the process really asleep in sem_wait.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
S=$SPY_SAMPLES

# hold VAR /NAME N: sem_state hold until the test ends (its standard input
# is a FIFO held open here); sets VAR_pid and VAR_value (sem_getvalue).
hold() {
  local v=$1 fd p val
  mkfifo "$T_TMP/$v.fifo"
  "$S/sem_state" hold "$2" "$3" <"$T_TMP/$v.fifo" >"$T_TMP/$v.out" 2>"$T_TMP/$v.err" &
  exec {fd}>"$T_TMP/$v.fifo"
  if ! t_wait_for "grep -q holding '$T_TMP/$v.out'" 50; then
    t_fail "sem_state hold $2 $3" "$(cat "$T_TMP/$v.err")"
    return 1
  fi
  read -r _ p val <"$T_TMP/$v.out"
  printf -v "${v}_pid" %s "$p"
  printf -v "${v}_value" %s "$val"
}

# json EXPR: evaluates EXPR with d = the JSON document of the last t_run.
json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$T_TMP/out" "$1"
}

# The list --json row of NAME: FIELD of it.
row() {
  json "[s['$2'] for s in d['segments'] if s['name'] == '$1']"
}

SEM=$(t_name sem)
SEM=${SEM#/}
t_cleanup "rm -f /dev/shm/sem.$SEM"

# ---- a value N, nobody waiting -------------------------------------------
hold A "/$SEM" 3 || exit 1
t_expect_eq "$A_value" 3 "sem_getvalue in the sample says 3"
t_run "$SHMSPY" list --kind posix
t_expect_match "$T_OUT" "^/sem\.$SEM +sem +32 .*\(value $A_value, 0 waiters\)$" \
  "list: the semaphore's value is sem_getvalue's, no waiter"
t_run "$SHMSPY" list --json
t_expect_json "list --json"
t_expect_eq "$(row "/sem.$SEM" sem_value)" "[$A_value]" "list --json: sem_value"
t_expect_eq "$(row "/sem.$SEM" sem_waiters)" "[0]" "list --json: sem_waiters"
t_expect_eq "$(row "/sem.$SEM" sem_waiting)" "[[]]" "list --json: nobody asleep on it"
t_run "$SHMSPY" stat "/sem.$SEM"
t_expect_match "$T_OUT" "^semaphore: value $A_value, 0 waiters$" "stat: value and waiters"
t_run "$SHMSPY" stat --json "/sem.$SEM"
t_expect_eq "$(json "(d['sem_value'], d['sem_waiters'])")" "($A_value, 0)" \
  "stat --json: sem_value and sem_waiters"
# A POSIX object that is not a semaphore has no such members.
shm_make "$(t_name plain)" 64
t_run "$SHMSPY" stat --json "$(t_name plain)"
t_expect_eq "$(json "'sem_value' in d")" "False" "stat --json of a plain object: no sem_value"

# ---- value 0 and a process asleep in sem_wait ----------------------------
SEM0=$(t_name sem0)
SEM0=${SEM0#/}
t_cleanup "rm -f /dev/shm/sem.$SEM0"
hold B "/$SEM0" 0 || exit 1
t_expect_eq "$B_value" 0 "sem_getvalue in the sample says 0"
"$S/sem_state" wait "/$SEM0" >"$T_TMP/w.out" 2>"$T_TMP/w.err" &
t_wait_for "grep -q waiting '$T_TMP/w.out'" 50
read -r _ W_pid <"$T_TMP/w.out"
# The waiter is asleep once glibc has counted it and the kernel shows it
# in futex(); until then list may be early.
t_wait_for "'$SHMSPY' list --kind posix | grep -q '^/sem\.$SEM0 .*(value 0, 1 waiter (pid $W_pid sem_state))'" 100
t_run "$SHMSPY" list --kind posix
t_expect_match "$T_OUT" "^/sem\.$SEM0 +sem .*\(value 0, 1 waiter \(pid $W_pid sem_state\)\)$" \
  "list: value 0, 1 waiter, named by pid and command"
t_run "$SHMSPY" list --json
t_expect_eq "$(row "/sem.$SEM0" sem_value)" "[0]" "list --json: sem_value 0"
t_expect_eq "$(row "/sem.$SEM0" sem_waiters)" "[1]" "list --json: sem_waiters 1"
t_expect_eq "$(json "[[(w['pid'], w['tid'], w['comm']) for w in s['sem_waiting']] for s in d['segments'] if s['name'] == '/sem.$SEM0']")" \
  "[[($W_pid, $W_pid, 'sem_state')]]" "list --json: the waiter's pid, tid and command"
t_run "$SHMSPY" stat "/sem.$SEM0"
t_expect_match "$T_OUT" "^semaphore: value 0, 1 waiter \(pid $W_pid sem_state\)$" "stat: the waiter"
t_run "$SHMSPY" stat --json "/sem.$SEM0"
t_expect_eq "$(json "(d['sem_value'], d['sem_waiters'], [w['pid'] for w in d['sem_waiting']])")" \
  "(0, 1, [$W_pid])" "stat --json: value 0, 1 waiter, its pid"

t_done
