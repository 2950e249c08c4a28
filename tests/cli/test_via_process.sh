#!/usr/bin/env bash
# Memory named through a process (memfd:NAME, pid:PID@ADDR, fd:PID:N),
# with samples/memfd_share: a memfd and an anonymous shared page shared by
# a parent and its child (the parent closed its descriptor). Every access
# path: a holder's descriptor, /proc/PID/map_files (root, for the anon
# page that has no descriptor), the process's memory (as an unprivileged
# user who owns the process, where map_files is refused), and the one-line
# refusal for another user's process.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

MS=$SPY_SAMPLES/memfd_share
[ -r /proc/self/maps ] || { echo "SKIP: no /proc"; exit 0; }

# start_sample OUT NAME [ARGS...]: runs memfd_share (prefixed by $AS, a
# command that execs it, such as setpriv) in the background, output to
# OUT, and sets P C M A FD from its ready line. The job's pid is the
# sample's (a shell function in between would leave it running on exit).
AS=()
start_sample() {
  local out=$1
  shift
  "${AS[@]}" "$MS" "$@" >"$out" 2>&1 &
  t_wait_for "grep -q '^ready' '$out'" 50 || { cat "$out"; return 1; }
  read -r P C M A FD <<<"$(sed -n 's/^ready parent=\([0-9]*\) child=\([0-9]*\) memfd=\(0x[0-9a-f]*\) anon=\(0x[0-9a-f]*\) size=[0-9]* fd=\([0-9]*\)$/\1 \2 \3 \4 \5/p' "$out")"
}

# seen OUT PID: the memfd=... anon=... words PID printed on SIGUSR1.
seen() {
  local out=$1 pid=$2 before
  before=$(grep -c "^seen pid=$pid " "$out")
  kill -USR1 "$pid"
  t_wait_for "[ \$(grep -c '^seen pid=$pid ' '$out') -gt $before ]" 30
  grep "^seen pid=$pid " "$out" | tail -1 | cut -d' ' -f3-
}

NAME=spyvia-$$
O=$T_TMP/sample.out
start_sample "$O" "$NAME" || { t_fail "memfd_share started"; t_done; exit 1; }

# ---- names that do not resolve --------------------------------------------
t_run "$SHMSPY" stat "pid:$P@0x10"
t_expect_error 1 "pid:$P@0x10: no shared mapping contains 0x10 in process $P \(its shared mappings: .*/memfd:$NAME" \
  "an address no shared mapping holds: the process's shared mappings listed"
heap=0x$(grep -m1 '\[heap\]\|\[stack\]' /proc/"$P"/maps | cut -d- -f1)
t_run "$SHMSPY" dump "pid:$P@$heap"
t_expect_error 1 "is private, not shared memory" "a private mapping is refused as such"
t_run "$SHMSPY" stat "pid:2147483646@0x1000"
t_expect_error 1 "process 2147483646: no such process" "a process that does not exist"
t_run "$SHMSPY" stat "memfd:nope-$$"
t_expect_error 1 "no memfd named 'nope-$$' \(memfds: [^)]+\)" "no memfd of that name: the names that exist listed"
t_run "$SHMSPY" stat "fd:$P:999"
t_expect_error 1 "process $P has no descriptor 999" "a descriptor the process lacks"
# (both ends' other output away from the test's: ctest waits for it)
# shellcheck disable=SC2216 # the reader only holds the pipe open
sleep 60 2>/dev/null | sleep 60 >/dev/null 2>&1 &
PIPEPID=$(jobs -p | tail -1)
t_wait_for "[ -e /proc/$PIPEPID/fd/1 ]" 20
t_run "$SHMSPY" dump "fd:$PIPEPID:1"
t_expect_error 1 "fd:$PIPEPID:1: is a FIFO, not shared memory" "a pipe is no shared memory"
t_run "$SHMSPY" rm "memfd:$NAME"
t_expect_error 1 "no name to remove" "rm of a memfd: it has no name"

# ---- as root: a holder's descriptor, map_files ------------------------------
if [ "$(id -u)" -eq 0 ]; then
  want="memfd_share $NAME"
  t_run "$SHMSPY" dump "memfd:$NAME" -n "${#want}" --format raw
  t_expect_eq "$T_OUT" "$want" "dump memfd:NAME gives what the sample wrote"
  t_run "$SHMSPY" stat "memfd:$NAME"
  t_expect_match "$T_OUT" "^kind: +memfd" "stat memfd:NAME: kind memfd"
  t_expect_match "$T_OUT" "^access: +through process $C's descriptor $FD \(/proc/$C/fd/$FD\)" \
    "through the child's descriptor (the parent closed its own)"
  t_expect_match "$T_OUT" "^seals: +seal$" "seals: an unsealable memfd is sealed with F_SEAL_SEAL"
  t_expect_match "$T_OUT" "^origin: +$NAME " "origin: the memfd's name"
  t_expect_match "$(printf '%s\n' "$T_OUT" | sed -n '/^holders:/,$p')" "^  $C +memfd_share +$FD$" \
    "holders: the child and its descriptor"
  t_run "$SHMSPY" stat "memfd:$NAME" --json
  t_expect_json "stat --json of memfd:NAME"
  t_expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["access"]["via"], ",".join(d["seals"]), d["origin"], [(h["pid"], h["fd"]) for h in d["holders"]])' "$T_TMP/out")" \
    "holder_fd seal $NAME [($C, $FD)]" "JSON: access, seals, origin, holders"

  t_run "$SHMSPY" write "memfd:$NAME" -s 0 --hex "41"
  t_expect_rc 0 "write a byte through memfd:NAME"
  t_expect_match "$(seen "$O" "$P")" "^memfd=41" "the parent sees it"
  t_expect_match "$(seen "$O" "$C")" "^memfd=41" "the child sees it"
  t_run "$SHMSPY" write "pid:$C@$M" -s 1 --hex "42"
  t_expect_rc 0 "write a byte through pid:CHILD@ADDR"
  t_expect_match "$(seen "$O" "$P")" "^memfd=4142" "the parent sees that one too"
  t_expect_match "$(seen "$O" "$C")" "^memfd=4142" "and the child"
  t_run "$SHMSPY" stat "pid:$P@$M"
  t_expect_match "$T_OUT" "^access: +through process $C's descriptor $FD" \
    "pid:PARENT@ADDR (no descriptor in the parent) goes through the child's"
  t_run "$SHMSPY" read "fd:$C:$FD" -s 0 --as u16
  t_expect_eq "$T_OUT" "16961" "fd:PID:N reads the same object (0x4241)"

  t_run "$SHMSPY" stat "pid:$P@$A"
  t_expect_match "$T_OUT" "^kind: +anon" "the anonymous page: kind anon"
  t_expect_match "$T_OUT" "^access: +through /proc/$P/map_files/${A#0x}-" \
    "no descriptor holds it: through map_files (root)"
  t_run "$SHMSPY" dump "pid:$P@$A" -n 11 --format raw
  t_expect_eq "$T_OUT" "anon_share" "dump of the anonymous page"
  t_run "$SHMSPY" write "pid:$P@$((A + 2))" -s 0 --hex "58"
  t_expect_rc 0 "write through pid:PARENT@ADDR (decimal address inside the page)"
  t_expect_match "$(seen "$O" "$C")" "anon=58" "the child sees the byte written through the parent's page"

  # A sealed memfd refuses to shrink, and says which seal.
  SO=$T_TMP/sealed.out
  P0=$P C0=$C M0=$M A0=$A FD0=$FD
  start_sample "$SO" "$NAME-sealed" 8192 --seal || t_fail "sealed sample started"
  cd "$T_TMP" || exit 1
  t_run "$SHMSPY" inject truncate "memfd:$NAME-sealed" 100
  cd - >/dev/null || exit 1
  t_expect_error 1 "memfd:$NAME-sealed: sealed against shrinking \(F_SEAL_SHRINK\): cannot truncate" \
    "inject truncate of a sealed memfd names the seal"
  t_expect_eq "$(cd "$T_TMP" && ls shmspy-inject-*.journal 2>/dev/null)" "" \
    "and is refused before any journal is written"
  t_run "$SHMSPY" inject unlink "memfd:$NAME-sealed" --journal "$T_TMP/unlink.journal"
  t_expect_error 1 "no name to remove" "inject unlink of a memfd is refused"
  t_expect_eq "$(test -e "$T_TMP/unlink.journal" && echo yes || echo no)" "no" "before any journal too"
  t_expect_eq "$(stat -L -c %s /proc/"$C"/fd/"$FD")" "8192" "and the size did not change"
  t_run "$SHMSPY" stat "memfd:$NAME-sealed"
  t_expect_match "$T_OUT" "^seals: +seal,shrink,grow$" "stat shows the seals"

  # Truncated under us through another descriptor: a message, no crash.
  BO=$T_TMP/big.out
  start_sample "$BO" "$NAME-big" 64M || t_fail "big sample started"
  "$SHMSPY" dump "memfd:$NAME-big" --format raw >/dev/null 2>"$T_TMP/big.err" &
  DP=$!
  truncate -s 4096 /proc/"$C"/fd/"$FD"
  wait "$DP"
  rc=$?
  if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && grep -q "shrank while in use" "$T_TMP/big.err"; }; then
    t_ok "a memfd truncated during a dump: done or 'shrank while in use', never a crash (rc $rc)"
  else
    t_fail "a memfd truncated during a dump" "rc $rc" "$(cat "$T_TMP/big.err")"
  fi
  P=$P0 C=$C0 M=$M0 A=$A0 FD=$FD0
else
  echo "skip - root access paths (holder fd, map_files) need root"
fi

# ---- a System V segment named by an address in a process that maps it ------
KEY=$(printf '0x5e%06x' $(($$ & 0xffffff)))
sleep 30 2>/dev/null | "$SHMSPY" write "key:$KEY" --create 4096 --str sysvvia --hold \
  >/dev/null 2>&1 &
t_cleanup "'$SHMSPY' rm key:$KEY"
HOLD=
t_wait_for "HOLD=\$(grep -l 'SYSV${KEY#0x}' /proc/[0-9]*/maps 2>/dev/null | head -1)
  [ -n \"\$HOLD\" ]" 50
HOLD=$(grep -l "SYSV${KEY#0x}" /proc/[0-9]*/maps 2>/dev/null | head -1 | cut -d/ -f3)
if [ -n "$HOLD" ]; then
  SA=0x$(grep -m1 "SYSV${KEY#0x}" /proc/"$HOLD"/maps | cut -d- -f1)
  t_run "$SHMSPY" stat "pid:$HOLD@$SA"
  t_expect_match "$T_OUT" "^kind: +sysv" "pid:PID@ADDR of a System V mapping opens the segment"
  t_run "$SHMSPY" dump "pid:$HOLD@$SA" -n 7 --format raw
  t_expect_eq "$T_OUT" "sysvvia" "and reads it"
else
  t_fail "a System V segment held by write --hold"
fi

# ---- an unprivileged owner: descriptor, then the process's memory ----------
if t_can_switch_user; then
  UO=$T_TMP/user.out
  AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  start_sample "$UO" "$NAME-u" || t_fail "sample started as nobody"
  AS=()
  t_run t_as_user 65534 "$SHMSPY" stat "memfd:$NAME-u"
  t_expect_match "$T_OUT" "^access: +through process $C's descriptor $FD" \
    "as the owner: through the child's descriptor"
  t_run t_as_user 65534 "$SHMSPY" stat "pid:$P@$A"
  t_expect_match "$T_OUT" "^access: +through process $P's memory at $A-0x[0-9a-f]+ \(offset 0 is object offset 0x0\)" \
    "as the owner, map_files refused: through the process's memory"
  t_run t_as_user 65534 "$SHMSPY" dump "pid:$P@$A" -n 11 --format raw
  t_expect_eq "$T_OUT" "anon_share" "dump through the process's memory"
  t_run t_as_user 65534 "$SHMSPY" write "pid:$P@$A" -s 1 --hex "59"
  t_expect_rc 0 "write through the process's memory (process_vm_writev)"
  t_expect_match "$(seen "$UO" "$C")" "^memfd=[0-9a-f]+ anon=6159" "the child sees it"
  t_expect_match "$(seen "$UO" "$P")" "^memfd=[0-9a-f]+ anon=6159" "the parent sees it"

  # Another user's process: one line, why and what would allow it.
  t_run t_as_user 65534 "$SHMSPY" dump "pid:$P0@$A0"
  t_expect_error 1 "pid:$P0@$A0: cannot read its mappings: process $P0 belongs to another user \(root\); it needs CAP_SYS_PTRACE" \
    "another user's process: refused in one line naming the owner and the capability"
  t_run t_as_user 65534 "$SHMSPY" stat "fd:$C0:$FD0"
  t_expect_error 1 "process $C0 belongs to another user \(root\)" "fd: of another user's process: refused"
else
  echo "skip - unprivileged access paths need root and setpriv"
fi

t_done
