#!/usr/bin/env bash
# test_record_key.sh - the key of the flight recorder: `record --ring` in
# the foreground of a terminal saves its window when Enter is pressed (the
# start line says so), keeps recording, and saves again at SIGINT; what it
# saved is a ring recording of the segment, with the change made before
# the save.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name ringkey)
REC=$T_TMP/ring.shmspy-rec
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

tui_start 120 20 -- record "$NAME" -o "$REC" --ring 30s --hz 50
tui_expect 'Enter or kill -USR1 [0-9]+ saves it' "the start line says Enter saves the ring"
[ -e "$REC" ] && t_fail "nothing is written before the ring is saved"

t_run "$SHMSPY" write "$NAME" -s 0x30 --hex 5a
t_expect_rc 0 "shmspy write changes a byte"
# The change must be in the ring before the key: wait until the
# recorder's sampler has had several periods.
sleep 0.5
tui_keys Enter
tui_expect 'saved the ring to ' "Enter saves the ring"
t_wait_for "[ -s '$REC' ]" 100
t_run "$SHMSPY" replay "$REC" --info
t_expect_match "$T_OUT" '^ring +yes' "the saved file is a ring recording"
t_run "$SHMSPY" replay "$REC" --log
t_expect_match "$T_OUT" '0x30  1  00 (→|->) 5a' "the saved ring holds the change made before Enter"

# (Ctrl-C in the pane would stop its shell too: the signal goes to the
# recorder alone, as Ctrl-C's would.)
kill -INT "$(tui_pid)"
tui_expect '^EXIT:0' "SIGINT ends record with 0"
tui_expect 'recorded ' "the summary line is printed"
t_done
