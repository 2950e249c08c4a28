#!/usr/bin/env bash
# demo: every scenario runs for real and reports the signal, si_code or
# errno it actually caught; exit 0 when the system behaved as taught.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

t_run "$SHMSPY" demo
t_expect_rc 0 "demo without a name lists the scenarios"
t_expect_eq "$(printf '%s\n' "$T_OUT" | wc -l)" "13" "13 scenarios, one line each"

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

t_run "$SHMSPY" demo all
t_expect_rc 0 "demo all passes"
t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^result: *as the lesson says')" "13" \
  "every scenario reports 'as the lesson says'"
t_expect_eq "$(ls /dev/shm | grep -c "^shmspy-lab-")" "0" "demos leave no object behind"

t_run "$SHMSPY" demo nope
t_expect_error 2 "no scenario 'nope'" "an unknown scenario is a usage error"

# The re-executed peer of the Windows experiments has no job here.
t_run "$SHMSPY" --demo-child page
t_expect_error 2 "only used on Windows" "--demo-child on POSIX: says so, exit 2"
t_done
