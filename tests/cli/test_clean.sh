#!/usr/bin/env bash
# clean: objects nothing maps or holds are listed with kind, size and age;
# nothing is removed without --yes; --yes removes the exactly unused ones
# through the inject journal, which `inject undo` restores (bytes and
# mode); PATTERN and --older-than filter; mapped objects and a held named
# semaphore are never candidates; System V segments are listed.
#
# "Nothing maps it" is only exact when every process can be inspected.
# Where some cannot (a container's init, other users' processes without
# root), root runs this test in a PID namespace of its own (unshare
# --pid --fork --mount-proc) so that the count is exact; without that the
# removal checks are skipped and the refusal is checked instead.
if [ -z "${SPY_CLEAN_NS:-}" ] && [ "$(id -u)" -eq 0 ] &&
  unshare -pf --mount-proc true 2>/dev/null; then
  SPY_CLEAN_NS=$$ exec unshare -pf --mount-proc "$BASH" "$0" "$@"
fi
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
S=$SPY_SAMPLES

# hold VAR ARGS...: runs shm_holder ARGS until the test ends (its standard
# input is a FIFO held open here); sets VAR_pid and VAR_fd.
hold() {
  local v=$1 fd p
  shift
  mkfifo "$T_TMP/$v.fifo"
  "$S/shm_holder" "$@" <"$T_TMP/$v.fifo" >"$T_TMP/$v.out" 2>"$T_TMP/$v.err" &
  exec {fd}>"$T_TMP/$v.fifo"
  if ! t_wait_for "grep -q holding '$T_TMP/$v.out'" 50; then
    t_fail "shm_holder $*" "$(cat "$T_TMP/$v.err")"
    return 1
  fi
  read -r _ p _ <"$T_TMP/$v.out"
  printf -v "${v}_pid" %s "$p"
  printf -v "${v}_fd" %s "$fd"
}

# json EXPR: evaluates EXPR with d = the JSON document of the last t_run.
json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$T_TMP/out" "$1"
}

# Names carry the pid outside the namespace (inside, every test is pid 1).
P=spytest-clean-${SPY_CLEAN_NS:-$$}
IDLE=/$P-idle
MAPPED=/$P-mapped
SEM=/$P-sem
OLDSEM=/$P-oldsem
shm_make "$IDLE" 4096
shm_make "$MAPPED" 8192
shm_poke "$IDLE" 0 "68 65 6c 6c 6f"
chmod 0640 "/dev/shm/${IDLE#/}"
hold m posix "$MAPPED"
# Held open by a descriptor, not mapped: the usual shape of a leak's
# owner, still alive.
FDHELD=/$P-fdheld
shm_make "$FDHELD" 4096
sleep 300 <"/dev/shm/${FDHELD#/}" &
t_cleanup "rm -f '/dev/shm/sem.${SEM#/}' '/dev/shm/sem.${OLDSEM#/}'"
hold s sem "$SEM"
# A semaphore its process has let go of: a leak like any other.
hold o sem "$OLDSEM"
exec {o_fd}>&-
t_wait_for "! kill -0 $o_pid" 50
SHMID=$(ipcmk -M 4096 -p 0600 2>/dev/null | grep -oE '[0-9]+$')
[ -n "$SHMID" ] && t_cleanup "ipcrm -m $SHMID"

# Is the count exact here? (No process that could not be inspected.)
t_run "$SHMSPY" clean "*$P-*" --json
t_expect_rc 0 "dry run exits 0"
t_expect_json "clean --json is one JSON document"
exact=$(json '[c["unused_exact"] for c in d["candidates"] if c["name"] == "'"$IDLE"'"]')

t_run "$SHMSPY" clean "*$P-*"
t_expect_rc 0 "clean PATTERN (dry run) exits 0"
t_expect_match "$T_OUT" "^posix +4096 +[0-9]+s +$IDLE" "the unused object is listed with kind, size and age"
t_expect_nomatch "$T_OUT" "$MAPPED" "a mapped object is not listed"
t_expect_nomatch "$T_OUT" "$FDHELD" "an object a process holds open (unmapped) is not listed"
t_expect_nomatch "$T_OUT" "sem\\.${SEM#/}" "a named semaphore a process holds is not listed"
t_expect_match "$T_OUT" "^sem .*sem\\.${OLDSEM#/}" "a named semaphore nothing holds is listed as sem"
t_expect_match "$T_OUT" "nothing removed" "the dry run says nothing was removed"
t_expect_eq "$(shm_peek "$IDLE" 0 5)" "68 65 6c 6c 6f" "the dry run removed nothing"

t_run "$SHMSPY" clean "$P-nomatch*"
t_expect_match "$T_OUT" "nothing to clean" "a PATTERN that matches nothing lists nothing"
t_run "$SHMSPY" clean "/$P-idl?"
t_expect_match "$T_OUT" "$IDLE" "a PATTERN with its leading / and ? matches"

t_run "$SHMSPY" clean "*$P-*" --older-than 1h
t_expect_nomatch "$T_OUT" "$IDLE" "--older-than 1h leaves out an object changed just now"
touch -d '2 hours ago' "/dev/shm/${IDLE#/}"
t_run "$SHMSPY" clean "*$P-*" --older-than 90m --json
t_expect_eq "$(json '[c["name"] for c in d["candidates"]]')" "['$IDLE']" \
  "--older-than 90m keeps the object 2 hours old, only it"
t_expect_eq "$(json 'd["candidates"][0]["age_seconds"] >= 7200')" "True" "its age is 2 hours"
t_run "$SHMSPY" clean --older-than 5x
t_expect_error 2 "not a duration" "--older-than 5x is a usage error"

if [ -n "$SHMID" ]; then
  t_run "$SHMSPY" clean "sysv:$SHMID" --kind sysv
  t_expect_match "$T_OUT" "^sysv +4096 .*sysv:$SHMID" "an unused System V segment is listed"
  t_run "$SHMSPY" clean "sysv:$SHMID" --kind posix
  t_expect_nomatch "$T_OUT" "sysv:$SHMID" "--kind posix leaves it out"
  t_run "$SHMSPY" clean "sysv:$SHMID" --kind sysv --yes
  t_expect_rc 1 "--yes that leaves something in place exits 1"
  t_expect_match "$T_OUT" "not removed: .*System V" "and says why"
  t_expect_eq "$(ipcs -m -i "$SHMID" >/dev/null 2>&1 && echo there)" "there" "the segment is still there"
else
  t_ok "# skip: ipcmk could not create a System V segment"
fi

J=$T_TMP/journals
mkdir -p "$J"
t_run "$SHMSPY" clean "*$P-*" --kind posix --yes --journal-dir "$J"
if [ "$exact" = "[True]" ]; then
  t_expect_rc 0 "--yes removing everything it found exits 0"
  t_expect_eq "$(test -e "/dev/shm/${IDLE#/}" && echo there || echo gone)" "gone" "--yes removed the unused object"
  t_expect_match "$T_OUT" "removed; undo: shmspy inject undo $J/shmspy-clean-[0-9]+-[0-9]+\\.journal" \
    "each removal prints the undo command"
  journal=$(printf '%s\n' "$T_OUT" | grep -A1 " $IDLE\$" | grep -oE "$J/[^ ]+journal")
  t_expect_eq "$(test -s "$journal" && echo yes)" "yes" "the journal is written"
  t_expect_eq "$(test -e "/dev/shm/${MAPPED#/}" && echo there)" "there" "the mapped object is kept"
  t_expect_eq "$(test -e "/dev/shm/${FDHELD#/}" && echo there)" "there" "the object held open is kept"
  t_expect_eq "$(test -e "/dev/shm/sem.${SEM#/}" && echo there)" "there" "the held semaphore is kept"
  t_expect_eq "$(test -e "/dev/shm/sem.${OLDSEM#/}" && echo there || echo gone)" "gone" \
    "the semaphore nothing holds is removed"
  t_run "$SHMSPY" inject undo "$journal"
  t_expect_rc 0 "inject undo restores the removed object"
  t_expect_eq "$(shm_peek "$IDLE" 0 5)" "68 65 6c 6c 6f" "with its bytes"
  t_expect_eq "$(stat -c %a "/dev/shm/${IDLE#/}")" "640" "and its mode"
  t_run "$SHMSPY" clean "*$P-*" --kind posix --yes --journal-dir "$J" --json
  t_expect_json "clean --yes --json is one JSON document"
  t_expect_eq "$(json '[(c["name"], c["removed"], c["journal"] is not None, c["reason_not_removed"]) for c in d["candidates"]]')" \
    "[('$IDLE', True, True, None)]" "JSON: name, removed, journal, no reason"
else
  t_expect_rc 1 "--yes where the count is not exact removes nothing and exits 1"
  t_expect_match "$T_OUT" "not removed: .*could not be inspected" "and says why"
  t_expect_eq "$(shm_peek "$IDLE" 0 5)" "68 65 6c 6c 6f" "the object is kept"
fi

t_run "$SHMSPY" clean --journal-dir "$J"
t_expect_error 2 "journal-dir" "--journal-dir without --yes is a usage error"
t_done
