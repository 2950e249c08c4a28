#!/usr/bin/env bash
# The sample programs, checked with shmspy and with each other.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
S=$SPY_SAMPLES
N=$(t_name sample)
t_cleanup "rm -f /dev/shm$N"

# Reader before writer: a clear diagnosis, exit 1.
t_run "$S/shm_reader" "$N"
t_expect_rc 1 "shm_reader before shm_writer fails"
t_expect_match "$T_ERR" "$N.*(no such|does not exist).*shm_writer" \
  "and says the writer has not run"

# Writer holds; reader and shmspy see the int 100 and the string.
mkfifo "$T_TMP/fifo"
"$S/shm_writer" "$N" <"$T_TMP/fifo" >"$T_TMP/w.out" 2>&1 &
W=$!
exec 7>"$T_TMP/fifo"
t_wait_for "grep -q ready '$T_TMP/w.out'"
t_run "$S/shm_reader" "$N"
t_expect_rc 0 "shm_reader reads the writer's object"
t_expect_match "$T_OUT" "100" "reader prints the value 100"
t_expect_match "$T_OUT" "Hello from Process 1" "reader prints the string"
t_run "$SHMSPY" read "$N" --as i32
t_expect_eq "$T_OUT" "100" "shmspy read --as i32 sees 100"
t_run "$SHMSPY" read "$N" -s 8 --as str
t_expect_eq "$T_OUT" "Hello from Process 1" "shmspy read -s 8 --as str sees the string"
t_expect_eq "$(stat -c %a /dev/shm$N)" "600" "the writer created it 0600"
"$SHMSPY" write "$N" --as i32 42
t_run "$S/shm_reader" "$N"
t_expect_match "$T_OUT" "42" "a shmspy write is seen by the reader"
exec 7>&-
wait "$W"
t_expect_eq "$?" "0" "the writer exits 0 at end of input"
t_expect_eq "$(test -e /dev/shm$N && echo present || echo gone)" "gone" \
  "and removes the object"

# The three-program pattern.
T=$(t_name trio)
t_cleanup "rm -f /dev/shm$T"
t_run "$S/trio_create" "$T" 4096
t_expect_rc 0 "trio_create"
t_run "$S/trio_write" "$T" 128 "three programs"
t_expect_rc 0 "trio_write"
t_run "$S/trio_read" "$T" 128
t_expect_match "$T_OUT" "three programs" "trio_read reads what trio_write wrote"
t_run "$SHMSPY" read "$T" -s 128 --as str
t_expect_eq "$T_OUT" "three programs" "and so does shmspy"
t_run "$S/trio_write" "$T" 5000 "x"
t_expect_rc 1 "trio_write past the end is refused"

# fork + MAP_SHARED|MAP_ANONYMOUS, synchronised.
t_run timeout 20 "$S/fork_shared"
t_expect_rc 0 "fork_shared: the child saw the parent's value"

# The live demo writer changes its bytes over time.
D=$(t_name demo)
t_cleanup "rm -f /dev/shm$D"
"$S/demo_writer" "$D" --hz 20 --seconds 5 >/dev/null 2>&1 &
DW=$!
t_wait_for "test -s /dev/shm$D"
t_run "$SHMSPY" dump "$D" -n 8 --format raw
t_expect_eq "$T_OUT" "SPYDEMO" "the demo segment starts with its magic"
c1=$("$SHMSPY" read "$D" -s 16 --as u64)
t_wait_for "[ \"\$('$SHMSPY' read '$D' -s 16 --as u64)\" != '$c1' ]" 30
c2=$("$SHMSPY" read "$D" -s 16 --as u64)
t_expect_match "$c1 $c2" "^[0-9]+ [0-9]+$" "the counter reads as numbers"
[ "$c2" -gt "$c1" ] && t_ok "the demo counter advances ($c1 -> $c2)" ||
  t_fail "the demo counter advances" "$c1 -> $c2"
kill -INT "$DW"
wait "$DW"
t_expect_eq "$?" "0" "demo_writer exits 0 on SIGINT"
t_expect_eq "$(test -e /dev/shm$D && echo present || echo gone)" "gone" \
  "and removes its segment"
t_done
