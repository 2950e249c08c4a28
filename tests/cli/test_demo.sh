#!/usr/bin/env bash
# demo: every scenario runs for real and reports the signal, si_code or
# errno it actually caught; exit 0 when the system behaved as taught.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

t_run "$SHMSPY" demo
t_expect_rc 0 "demo without a name lists the scenarios"
t_expect_eq "$(printf '%s\n' "$T_OUT" | wc -l)" "16" "16 scenarios, one line each"

# scenario -> what --json must report (signal/code, or errno).
expect() {
  local name=$1 want=$2 got
  t_run "$SHMSPY" demo "$name" --json
  t_expect_rc 0 "demo $name behaves as the lesson says"
  got=$(printf '%s' "$T_OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["as_expected"], d.get("signal", "-"), d.get("code", "-"), d.get("errno", "-"))')
  t_expect_match "$got" "^True $want" "demo $name observed: $want"
}
expect fixed-pointer "SIGSEGV SEGV_(MAPERR|ACCERR) -"
expect null-deref "SIGSEGV SEGV_MAPERR -"
expect use-after-munmap "SIGSEGV SEGV_MAPERR -"
expect write-to-readonly "SIGSEGV SEGV_ACCERR -"
expect truncate-under-reader "SIGBUS BUS_ADRERR -"
expect past-end-of-file "SIGBUS BUS_ADRERR -"
expect unlink-while-mapped "- - ENOENT"
expect copy-on-write "- - -"
expect different-addresses "- - -"
expect fork-anonymous "- - -"
expect never-sized "SIGBUS BUS_ADRERR -"
expect misaligned-offset "- - EINVAL"
expect demand-paging "- - -"

t_run "$SHMSPY" demo different-addresses
t_expect_match "$(printf '%s' "$T_OUT" | tr -s '\n ' '  ')" "maps it at 0x[0-9a-f]+ and reads \"the same bytes\"; the other process maps it at 0x[0-9a-f]+ and reads" \
  "different-addresses prints both real addresses"
a=$(printf '%s' "$T_OUT" | tr '\n' ' ' | grep -oE 'at 0x[0-9a-f]+' | sort -u | wc -l)
t_expect_eq "$a" "2" "and they differ"

# tmpfs-full needs root and a mount namespace; it is skipped otherwise.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
  full=1
  ran=16
else
  full=0
  ran=15
fi

# The truncation SIGBUS is explained as a truncation, not as a full tmpfs.
t_run "$SHMSPY" demo truncate-under-reader
flat=$(printf '%s' "$T_OUT" | tr -s '\n ' '  ')
t_expect_match "$flat" "SIGBUS past the end: the object was truncated" \
  "truncate-under-reader is explained as a truncation"
t_expect_nomatch "$flat" "tmpfs full" "and not as a full tmpfs"

if [ "$full" = 1 ]; then
  t_run "$SHMSPY" demo tmpfs-full
  t_expect_rc 0 "demo tmpfs-full behaves as the lesson says (root)"
  flat=$(printf '%s' "$T_OUT" | tr -s '\n ' '  ')
  t_expect_match "$flat" "SIGBUS \(BUS_ADRERR\) at 0x[0-9a-f]+, caught" "it really caught SIGBUS"
  t_expect_match "$flat" "no memory to back the page \(tmpfs full: [0-9]+ bytes free\)" \
    "explained as a full tmpfs"
  t_expect_match "$flat" "object offset [0-9]+ and the object is 1048576 bytes, so nothing was truncated" \
    "at an offset inside the object, which still has its size"
  t_expect_nomatch "$flat" "SIGBUS past the end: the object was truncated" "not explained as a truncation"
  t_expect_eq "$(mount | grep -c shmspy-lab)" "0" "the small tmpfs is not seen outside its namespace"
  t_run "$SHMSPY" demo tmpfs-full --json
  t_expect_eq "$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["as_expected"], d["signal"])')" \
    "True SIGBUS" "demo tmpfs-full --json: as expected, SIGBUS"
else
  echo "skip - tmpfs-full needs root and mount namespaces"
fi
if t_can_switch_user; then
  t_run t_as_user 65534 "$SHMSPY" demo tmpfs-full
  t_expect_error 1 "demo tmpfs-full: skipped: needs root" "as nobody, tmpfs-full is skipped with the reason, exit 1"
  t_expect_eq "$T_OUT" "" "and prints no scenario"
  t_run t_as_user 65534 "$SHMSPY" demo all
  t_expect_match "$T_OUT" "^== tmpfs-full: demo tmpfs-full: skipped: needs root" "demo all as nobody says it skipped"
  t_expect_rc 0 "and a skip is not a failure of demo all"
else
  echo "skip - cannot switch to another user"
fi

t_run "$SHMSPY" demo all
t_expect_rc 0 "demo all passes"
t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^result: *as the lesson says')" "$ran" \
  "every scenario that runs here reports 'as the lesson says'"
t_expect_eq "$(ls /dev/shm | grep -c "^shmspy-lab-")" "0" "demos leave no object behind"

# ---- deadlock: shmspy names who holds what --------------------------------
t_run timeout 60 "$SHMSPY" demo deadlock
t_expect_rc 0 "demo deadlock behaves as the lesson says"
flat=$(printf '%s' "$T_OUT" | tr -s '\n ' '  ')
t_expect_match "$flat" "So: pid [0-9]+ \(deadlock-p1\) holds A and waits for B; pid [0-9]+ \(deadlock-p2\) holds B and waits for A: a cycle, a deadlock\." \
  "deadlock: who holds what and who waits for what, and the cycle"
p1=$(printf '%s' "$flat" | grep -oE 'pid [0-9]+ \(deadlock-p1\) holds A' | grep -oE '[0-9]+')
p2=$(printf '%s' "$flat" | grep -oE 'pid [0-9]+ \(deadlock-p2\) holds B' | grep -oE '[0-9]+')
t_expect_match "$flat" "A \(offset 0\): mutex: locked by tid $p1, .*owner: tid $p1 of pid $p1 \(deadlock-p1\); 1 thread waiting: tid $p2 \(pid $p2 deadlock-p2\)\." \
  "deadlock: mutex A's owner from its bytes, its waiter from futex()"
t_expect_match "$flat" "B \(offset [0-9]+\): mutex: locked by tid $p2, .*owner: tid $p2 of pid $p2 \(deadlock-p2\); 1 thread waiting: tid $p1 \(pid $p1 deadlock-p1\)\." \
  "deadlock: mutex B's owner and waiter"
t_expect_eq "$(ps -o pid= -p "$p1,$p2" | wc -l)" "0" "deadlock: both processes are gone afterwards"
t_expect_eq "$(ls /dev/shm | grep -c "^shmspy-lab-")" "0" "deadlock: the segment is removed"
t_run timeout 60 "$SHMSPY" demo deadlock --json
t_expect_json "demo deadlock --json"
t_expect_eq "$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["as_expected"], "a cycle, a deadlock" in d["observed"])')" \
  "True True" "demo deadlock --json: as expected, the cycle named"
if t_can_switch_user; then
  t_run t_as_user 65534 timeout 60 "$SHMSPY" demo deadlock
  t_expect_rc 0 "as nobody, demo deadlock works too (the processes are its own)"
fi

# ---- lost-update: the shortfall is real, the lock makes it exact, blame
# names both writers at one instruction ---------------------------------
# The race depends on both processes running at once; on a loaded machine
# a run may lose nothing (the scenario itself retries 10 times): run the
# scenario up to 3 times for a shortfall.
for try in 1 2 3; do
  t_run timeout 120 "$SHMSPY" demo lost-update --json
  lu_json=$T_OUT
  lu_rc=$T_RC
  lu=$(printf '%s' "$lu_json" | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
o = d["observed"]
m = re.search(r"should make (\d+); the counter reads (\d+): (\d+) updates lost", o)
k = re.search(r"With the process-shared mutex: the counter reads (\d+) \(2 processes x (\d+) increments\)", o)
print(d["as_expected"], m.group(1), m.group(2), m.group(3), k.group(1), 2 * int(k.group(2)))' 2>/dev/null)
  read -r lu_ok lu_want lu_got lu_lost lu_locked lu_locked_want <<<"$lu"
  [ "$lu_ok" = True ] && break
  echo "# lost-update try $try: $lu"
done
t_expect_eq "$lu_rc" "0" "demo lost-update behaves as the lesson says"
t_expect_eq "$lu_want" "100000000" "lost-update: 2 x 50,000,000 increments expected"
if [ -n "$lu_got" ] && [ "$lu_got" -lt "$lu_want" ] && [ "$lu_lost" -eq $((lu_want - lu_got)) ]; then
  t_ok "lost-update: without a lock the counter falls short ($lu_got < $lu_want, $lu_lost lost)"
else
  t_fail "lost-update: without a lock the counter falls short (got '$lu_got' of '$lu_want')"
fi
t_expect_eq "$lu_locked" "$lu_locked_want" "lost-update: with the mutex the count is exactly 2 x N"
flat=$(printf '%s' "$lu_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["observed"])')
if printf '%s' "$flat" | grep -q "Blame skipped:"; then
  echo "skip - lost-update: blame skipped here: $(printf '%s' "$flat" | grep -oE 'Blame skipped: [^.]*')"
  t_expect_match "$flat" "updates lost" "lost-update without blame still shows the shortfall"
else
  re='pid ([0-9]+) \(lost-update-p1\) wrote it [0-9]+ times and pid ([0-9]+) \(lost-update-p2\) [0-9]+ times, both from the same instruction: lost_update_add\+0x[0-9a-f]+ [^ ]*demo\.c:[0-9]+ '
  t_expect_match "$flat" "$re" "lost-update: blame names both writer pids at the same instruction (function file:line)"
  t_expect_match "$flat" "both from the same instruction: lost_update_add_locked\+0x[0-9a-f]+ [^ ]*demo\.c:[0-9]+" \
    "lost-update: with the mutex, blame names the locked increment"
  w1=$(printf '%s' "$flat" | grep -oE 'pid [0-9]+ \(lost-update-p1\) wrote' | head -1 | grep -oE 'pid [0-9]+' | grep -oE '[0-9]+')
  w2=$(printf '%s' "$flat" | grep -oE 'and pid [0-9]+ \(lost-update-p2\)' | head -1 | grep -oE 'pid [0-9]+' | grep -oE '[0-9]+')
  if [ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" != "$w2" ]; then
    t_ok "lost-update: the two writers are two processes ($w1, $w2)"
  else
    t_fail "lost-update: the two writers are two processes ('$w1', '$w2')"
  fi
  t_expect_eq "$(ps -o pid= -p "$w1,$w2" | wc -l)" "0" "lost-update: both processes are gone afterwards"
fi
t_expect_eq "$(ls /dev/shm | grep -c "^shmspy-lab-")" "0" "lost-update: the segment is removed"
if t_can_switch_user; then
  t_run t_as_user 65534 timeout 120 "$SHMSPY" demo lost-update
  t_expect_match "$(printf '%s' "$T_OUT" | tr -s '\n ' '  ')" "updates lost" \
    "as nobody, lost-update runs (the processes are its own)"
  t_expect_nomatch "$(printf '%s' "$T_OUT" | tr -s '\n ' '  ')" "Blame skipped" \
    "as nobody with perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid), blame watches its own children"
fi

t_run "$SHMSPY" demo nope
t_expect_error 2 "no scenario 'nope'" "an unknown scenario is a usage error"

# The re-executed peer of the Windows experiments has no job here.
t_run "$SHMSPY" --demo-child page
t_expect_error 2 "only used on Windows" "--demo-child on POSIX: says so, exit 2"
t_done
