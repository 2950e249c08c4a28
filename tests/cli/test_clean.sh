#!/usr/bin/env bash
# clean: objects nothing maps or holds are listed with kind, size and age;
# nothing is removed without --yes; --yes removes the exactly unused ones
# through the inject journal, which `inject undo` restores (bytes and
# mode); PATTERN and --older-than filter; mapped objects and a held named
# semaphore are never candidates; System V segments are listed, removed
# (IPC_RMID, journalled under their key) and restored with their bytes,
# key and mode; a private one comes back as a new private segment.
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
# (ipcs -m -i exits 0 for an id that does not exist.)
svthere() { ipcs -m | awk -v id="$1" '$2 == id { f = 1 } END { print f ? "there" : "gone" }'; }
[ -n "$SHMID" ] && t_cleanup "ipcrm -m $SHMID"

# Is the count exact here? (No process that could not be inspected.)
t_run "$SHMSPY" clean "*$P-*" --json
t_expect_rc 0 "dry run exits 0"
t_expect_json "clean --json is one JSON document"
exact=$(json '[c["unused_exact"] for c in d["candidates"] if c["name"] == "'"$IDLE"'"]')
# In a PID namespace of its own, processes outside it are not seen: a
# POSIX object's count is never exact there unless --trust-namespace says
# only the namespace's processes use it (true here: the objects are this
# test's own).
TRUST=()
if [ -n "${SPY_CLEAN_NS:-}" ]; then
  t_expect_eq "$exact" "[False]" "in a PID namespace of its own the count is not exact"
  t_run "$SHMSPY" clean "*$P-*" --kind posix --yes
  t_expect_rc 1 "--yes there removes nothing and exits 1"
  t_expect_match "$T_OUT" "not removed: processes outside this PID namespace are not seen \(--trust-namespace" \
    "and says why, and what would allow it"
  t_expect_eq "$(shm_peek "$IDLE" 0 5)" "68 65 6c 6c 6f" "the object is kept"
  TRUST=(--trust-namespace)
  t_run "$SHMSPY" clean "*$P-*" --json --trust-namespace
  exact=$(json '[c["unused_exact"] for c in d["candidates"] if c["name"] == "'"$IDLE"'"]')
fi

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
  # The kernel counts a segment's attachments exactly: removed with
  # --yes, journalled under its key, restored by inject undo.
  "$SHMSPY" write "sysv:$SHMID" -s 10 --str "sysv bytes" >/dev/null 2>&1
  KEY=$(ipcs -m | awk -v id="$SHMID" '$2 == id { print $1 }')
  t_cleanup "ipcrm -M $KEY 2>/dev/null"
  t_run "$SHMSPY" clean "sysv:$SHMID" --kind sysv --yes --journal-dir "$T_TMP"
  t_expect_rc 0 "--yes removes an unused System V segment"
  t_expect_match "$T_OUT" "removed; undo: shmspy inject undo $T_TMP/shmspy-clean-" "and prints the undo command"
  t_expect_eq "$(svthere "$SHMID")" "gone" "the segment is gone"
  sj=$(printf '%s\n' "$T_OUT" | grep -oE "$T_TMP/shmspy-clean-[^ ]+journal")
  t_expect_eq "$(grep '^name ' "$sj")" "name $(printf 'key:0x%x' "$KEY")" "journalled under its key"
  t_run "$SHMSPY" inject undo "$sj"
  t_expect_rc 0 "inject undo restores the segment"
  NEWID=$(ipcs -m | awk -v k="$KEY" '$1 == k { print $2 }')
  t_expect_match "$T_OUT" "as a new segment, shmid $NEWID" "with a new shmid, said"
  t_expect_eq "$("$SHMSPY" read "sysv:$NEWID" -s 10 -n 10 --as str 2>/dev/null)" "sysv bytes" "with its bytes"
  t_expect_eq "$(ipcs -m -i "$NEWID" | grep -oE 'mode=[0-7]+') $(ipcs -m | awk -v k="$KEY" '$1 == k { print $5 }')" \
    "mode=0600 4096" "its mode and size, under the same key"
  # A segment with key IPC_PRIVATE comes back as a new private segment.
  PRIV=$(python3 -c 'import ctypes; print(ctypes.CDLL(None).shmget(0, 64, 0o1640))')
  if [ "$PRIV" -ge 0 ] 2>/dev/null; then
    t_cleanup "ipcrm -m $PRIV 2>/dev/null"
    "$SHMSPY" write "sysv:$PRIV" -s 0 --str "private" >/dev/null 2>&1
    t_run "$SHMSPY" clean "sysv:$PRIV" --yes --journal-dir "$T_TMP"
    t_expect_rc 0 "--yes removes an unused private segment"
    t_expect_eq "$(svthere "$PRIV")" "gone" "it is gone"
    pj=$(printf '%s\n' "$T_OUT" | grep -oE "$T_TMP/shmspy-clean-[^ ]+journal")
    t_run "$SHMSPY" inject undo "$pj"
    t_expect_rc 0 "inject undo restores it"
    NEWP=$(printf '%s\n' "$T_OUT" | grep -oE 'private segment, sysv:[0-9]+' | grep -oE '[0-9]+$')
    [ -n "$NEWP" ] && t_cleanup "ipcrm -m $NEWP 2>/dev/null"
    t_expect_match "$T_OUT" "recreated sysv:$PRIV \(64 bytes, mode 0640\) as a new private segment, sysv:[0-9]+ \(key IPC_PRIVATE" \
      "as a new private segment, whose new id it says"
    t_expect_eq "$("$SHMSPY" read "sysv:${NEWP:-0}" -s 0 -n 7 --as str 2>/dev/null)" "private" "with its bytes"
  else
    t_ok "# skip: no private System V segment could be made"
  fi
  # An attached segment is never a candidate.
  hold a sysv "$KEY"
  t_run "$SHMSPY" clean "sysv:$NEWID" --yes --journal-dir "$T_TMP"
  t_expect_match "$T_OUT" "nothing to clean" "an attached segment is not listed, nor removed"
  t_expect_eq "$(svthere "$NEWID")" "there" "it is still there"
else
  t_ok "# skip: ipcmk could not create a System V segment"
fi

J=$T_TMP/journals
mkdir -p "$J"
t_run "$SHMSPY" clean "*$P-*" --kind posix --yes --journal-dir "$J" "${TRUST[@]}"
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
  t_run "$SHMSPY" clean "*$P-*" --kind posix --yes --journal-dir "$J" --json "${TRUST[@]}"
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
