#!/usr/bin/env bash
# list: the same POSIX objects as ls -l /dev/shm, the same System V
# segments as ipcs -m, valid JSON, --kind.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

A=$(t_name lista)
B=$(t_name listb)
t_cleanup "rm -f /dev/shm$A /dev/shm$B /dev/shm/sem.spytest-$$"
"$SHMSPY" create "$A" 12345 >/dev/null
"$SHMSPY" create "$B" 0 --mode 0640 >/dev/null
# A named semaphore as sem_open makes it: /dev/shm/sem.NAME.
head -c 32 /dev/zero >/dev/shm/sem.spytest-$$

KEY=$(printf '0x6%07x' $(($$ & 0xffffff)))
"$SHMSPY" create "key:$KEY" 8192 >/dev/null
ID=$(ipcs -m | awk -v k="$KEY" 'tolower($1) == tolower(k) { print $2 }')
t_cleanup "ipcrm -m $ID"

t_run "$SHMSPY" list --json
t_expect_rc 0 "list --json"
printf '%s' "$T_OUT" >"$T_TMP/list.json"
t_expect_eq "$(python3 -c 'import json,sys; json.load(open(sys.argv[1])); print("valid")' "$T_TMP/list.json")" \
  "valid" "list --json is valid JSON"

# Other tests may create or remove objects at the same moment, so each
# comparison takes both snapshots again (up to 5 times) until they agree.
# Names are compared as Python reprs: names may hold newlines, and invalid
# UTF-8 (which shmspy's JSON carries as U+FFFD, as Python's "replace" does).
posix_ours() {
  "$SHMSPY" list --json >"$T_TMP/list.json" || return 1
  python3 - "$T_TMP/list.json" <<'PY' | sort
import json, sys
for s in json.load(open(sys.argv[1], encoding="utf-8"))["segments"]:
    if s["kind"] in ("posix", "sem", "other") and not s["removed"]:
        print(repr(s["name"][1:]), s["size"])
PY
}
posix_theirs() {
  python3 - <<'PY' | sort
import os, stat
for n in os.listdir(b"/dev/shm"):
    try:
        st = os.lstat(b"/dev/shm/" + n)
    except FileNotFoundError:
        continue
    size = st.st_size if stat.S_ISREG(st.st_mode) else 0
    print(repr(n.decode("utf-8", "replace")), size)
PY
}
sysv_ours() {
  "$SHMSPY" list --json >"$T_TMP/list.json" || return 1
  python3 - "$T_TMP/list.json" <<'PY' | sort
import json, sys
for s in json.load(open(sys.argv[1]))["segments"]:
    if s["kind"] == "sysv":
        print(s["key"], s["shmid"], s["mode"][1:], s["size"], s["nattch"])
PY
}
sysv_theirs() {
  ipcs -m | awk '$1 ~ /^0x/ { printf "%s %s %03d %s %s\n", $1, $2, $4, $5, $6 }' | sort
}
# Objects that other tests create or remove meanwhile may appear in one
# snapshot and not the other: every entry present in /dev/shm both before
# and after our list must be in it, and every entry it shows must be in
# /dev/shm before or after. An object created and removed within the
# window can still trip it, so up to 5 rounds are taken.
same_snapshot() {
  local i
  for i in 1 2 3 4 5; do one_snapshot "$1" "$2" && return 0
    sleep 0.3
  done
  one_snapshot "$1" "$2"
}
one_snapshot() {
  "$2" >"$T_TMP/before"
  "$1" >"$T_TMP/ours"
  "$2" >"$T_TMP/after"
  python3 - "$T_TMP/before" "$T_TMP/ours" "$T_TMP/after" <<'PY'
import sys
b, o, a = (set(open(f, encoding="utf-8", errors="replace").read().splitlines())
           for f in sys.argv[1:4])
missing = (b & a) - o
extra = o - (b | a)
for m in sorted(missing)[:5]: print("missing from list:", m)
for x in sorted(extra)[:5]: print("listed but not in /dev/shm:", x)
sys.exit(1 if missing or extra else 0)
PY
}
if out=$(same_snapshot posix_ours posix_theirs); then
  t_ok "POSIX objects and sizes equal those in /dev/shm"
else
  t_fail "POSIX objects and sizes equal those in /dev/shm" "$out"
fi
if out=$(same_snapshot sysv_ours sysv_theirs); then
  t_ok "System V segments equal ipcs -m (key, id, perms, bytes, nattch)"
else
  t_fail "System V segments equal ipcs -m" "$out"
fi
t_expect_match "$(grep -c . "$T_TMP/ours")" "^[1-9]" "the comparison saw at least our segment"
"$SHMSPY" list --json >"$T_TMP/list.json"

row=$(python3 - "$T_TMP/list.json" "$B" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["segments"]:
    if s["name"] == sys.argv[2]:
        print(s["kind"], s["size"], s["mode"], s["owner"])
PY
)
t_expect_eq "$row" "posix 0 0640 $(id -un)" "a 0-byte object with mode 0640 and its owner"
row=$(python3 - "$T_TMP/list.json" "/sem.spytest-$$" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["segments"]:
    if s["name"] == sys.argv[2]:
        print(s["kind"])
PY
)
t_expect_eq "$row" "sem" "sem.* entries are listed as kind sem"

t_run "$SHMSPY" list
t_expect_rc 0 "list (text)"
t_expect_match "$T_OUT" "^$A +posix +12345 +0600 " "text row of a POSIX object"
t_expect_match "$T_OUT" "^$(printf '0x%08x' $KEY) +$ID " "text row of the System V segment"

t_run "$SHMSPY" list --kind sysv
t_expect_nomatch "$T_OUT" "$A" "--kind sysv leaves out POSIX objects"
t_expect_match "$T_OUT" "$ID" "--kind sysv shows the segment"
t_run "$SHMSPY" list --kind posix
t_expect_nomatch "$T_OUT" "System V" "--kind posix leaves out System V"
t_run "$SHMSPY" list --kind bogus
t_expect_error 2 "bogus" "--kind with an unknown kind"

# Mapper counts: a process holding the object counts as one mapper.
mkfifo "$T_TMP/fifo"
"$SHMSPY" write "$A" --as u8 1 --hold <"$T_TMP/fifo" 2>/dev/null &
HPID=$!
exec 7>"$T_TMP/fifo"
t_wait_for "grep -q '$A' /proc/$HPID/maps"
t_run "$SHMSPY" list --json
n=$(printf '%s' "$T_OUT" | python3 -c "import json,sys; s=[s for s in json.load(sys.stdin)['segments'] if s['name']=='$A'][0]; print(s['nattch_min'], s['nattch'] in (1, -1), s['nattch_exact'] == (s['nattch'] == 1))")
t_expect_eq "$n" "1 True True" "a held object shows 1 mapper (exact, or -1 with nattch_exact false)"
exec 7>&-
wait "$HPID"

# Columns line up whatever the names hold: an escape sequence (shown
# escaped), a multi-byte UTF-8 character, plain ASCII.
P=$(t_name al)
for n in "$P-plain" "$P-"$'\e'"[31mred" "$P-é"; do
  "$SHMSPY" create "$n" 1K >/dev/null
  t_cleanup "rm -f '/dev/shm$n'"
done
t_expect_match "$(printf '%s\n' "$("$SHMSPY" list --kind posix | grep -a -- "$P-")" |
  python3 -c 'import sys
rows = sys.stdin.read().splitlines()
print(len(rows), len({r.index(" posix ") for r in rows}))')" "^3 1$" \
  "list: escaped and UTF-8 names keep the columns aligned"

t_done
