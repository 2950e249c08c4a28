#!/usr/bin/env bash
# probe: faults are caught, named and explained; exit 3 when it faulted.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

# The classic bug: an address copied from another program's output.
t_run "$SHMSPY" probe 0xcc8e9ff8cc
t_expect_rc 3 "probe of an address from another process exits 3"
t_expect_match "$T_OUT" "^result: +SIGSEGV \(SEGV_(MAPERR|ACCERR)\) at 0xcc8e9ff8cc" \
  "it names the signal, si_code and fault address"
t_expect_match "$T_OUT" "^lesson: +A pointer value means something only inside the process" \
  "and teaches the lesson"
t_expect_match "$T_OUT" "exchange offsets from the start of the segment" \
  "offsets, not pointers"
t_expect_eq "$T_ERR" "" "nothing on stderr: a caught fault is a result"

t_run "$SHMSPY" probe 0x0
t_expect_rc 3 "probe of NULL exits 3"
t_expect_match "$T_OUT" "null pointer" "and explains the null pointer"

t_run "$SHMSPY" probe 0xcc8e9ff8cc --json
t_expect_rc 3 "probe --json exits 3 too"
t_expect_eq "$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["faulted"], d["signal"], d["address"] == 0xcc8e9ff8cc, "lesson" in d)')" \
  "True SIGSEGV True True" "--json: faulted, signal, address, lesson"

# With address randomisation off, shmspy's own first mapping (its ELF
# header, read-only) is at the same address in every run: read it, then
# try to write it.
if setarch -R true 2>/dev/null; then
  # Walk the map upwards, one probe at a time, to shmspy's own first
  # mapping (sanitizer builds have shadow memory below it).
  A=$(python3 - "$SHMSPY" <<'PY'
import json, subprocess, sys
addr = 0x1000
for _ in range(64):
    out = subprocess.run(["setarch", "-R", sys.argv[1], "probe", hex(addr), "--json"],
                         capture_output=True, text=True).stdout
    d = json.loads(out)
    m = d.get("mapping") or d.get("above")
    if m is None:
        break
    if m["path"].endswith("/shmspy"):
        print(hex(m["start"]))
        break
    addr = m["end"]
PY
)
  t_run setarch -R "$SHMSPY" probe "$A" -n 4
  t_expect_rc 0 "probe of a mapped address exits 0"
  t_expect_match "$T_OUT" "^${A#0x}: 7f45 4c46 +\.ELF" "and shows its bytes (the ELF magic)"
  t_expect_match "$T_OUT" "lies inside $A-0x[0-9a-f]+ r--p" "and where they are"
  t_run setarch -R "$SHMSPY" probe "$A" --write
  t_expect_rc 3 "a write probe of a read-only mapping exits 3"
  t_expect_match "$T_OUT" "SEGV_ACCERR" "with SEGV_ACCERR"
  t_expect_match "$T_OUT" "not writable" "explained as not writable"
else
  echo "skip - setarch -R is not permitted here"
fi

t_run "$SHMSPY" probe 0x1000 -n 0
t_expect_error 2 "-n" "-n 0 is a usage error"
t_run "$SHMSPY" probe 0x1000 -n 5000
t_expect_error 2 "-n" "-n above 4096 is a usage error"
t_run "$SHMSPY" probe zz
t_expect_error 2 "ADDR" "a malformed address is a usage error"
t_run "$SHMSPY" probe 0xffffffffffffffff -n 8
t_expect_error 2 "wraps" "an address range that wraps is a usage error"
t_done
