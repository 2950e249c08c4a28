#!/usr/bin/env bash
# write and read: typed values, byte orders, strings, hex, files, fills,
# --create and --hold.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name rw)
t_cleanup "rm -f /dev/shm$N"

t_run "$SHMSPY" write "$N" --create 4K --as i32 -123456
t_expect_rc 0 "write --create 4K --as i32 with a negative value"
t_expect_eq "$(stat -c '%s %a' /dev/shm$N)" "4096 600" "created 4096 bytes, mode 0600"
t_expect_eq "$(xxd -p -l 4 /dev/shm$N)" "c01dfeff" "stored little-endian"
t_run "$SHMSPY" read "$N" --as i32
t_expect_eq "$T_OUT" "-123456" "read --as i32 gives it back"
t_run "$SHMSPY" read "$N" --as u32
t_expect_eq "$T_OUT" "4294843840" "read --as u32 shows the same bits unsigned"

"$SHMSPY" write "$N" -s 8 --as u64 0x0102030405060708 --be
t_expect_eq "$(xxd -p -s 8 -l 8 /dev/shm$N)" "0102030405060708" "--be stores big-endian"
t_run "$SHMSPY" read "$N" -s 8 --as u64 --be
t_expect_eq "$T_OUT" "72623859790382856" "read --be gives it back"
t_run "$SHMSPY" read "$N" -s 8 --as u16
t_expect_eq "$T_OUT" "513" "read u16 little-endian of 01 02 = 513"

for t in "i8 -128" "i16 -32768" "i64 -9223372036854775808" "u8 255" \
  "u16 65535" "u64 18446744073709551615" "f64 3.25" "f32 -0.5"; do
  set -- $t
  "$SHMSPY" write "$N" -s 100 --as "$1" "$2"
  t_run "$SHMSPY" read "$N" -s 100 --as "$1"
  t_expect_eq "$T_OUT" "$2" "$1 round-trips $2"
done

"$SHMSPY" write "$N" -s 200 --str "Hello from Process 1"
t_run "$SHMSPY" read "$N" -s 200 --as str
t_expect_eq "$T_OUT" "Hello from Process 1" "--str then read --as str"
t_expect_eq "$(xxd -p -s 220 -l 1 /dev/shm$N)" "00" "--str writes a terminating NUL"

"$SHMSPY" write "$N" -s 300 --str "$(printf 'bell\a esc\033[31m')"
t_run "$SHMSPY" read "$N" -s 300 --as str
t_expect_eq "$T_OUT" 'bell\x07 esc\x1b[31m' "control characters are escaped, never printed raw"

"$SHMSPY" write "$N" -s 400 --hex "de ad be ef"
t_run "$SHMSPY" read "$N" -s 400 --as hex:4
t_expect_eq "$T_OUT" "de ad be ef" "--hex then read --as hex:4"

printf 'file contents\n' >"$T_TMP/in"
"$SHMSPY" write "$N" -s 500 --file "$T_TMP/in"
t_expect_eq "$(dd if=/dev/shm$N bs=1 skip=500 count=14 status=none)" \
  "$(cat "$T_TMP/in")" "--file writes the file's bytes"

"$SHMSPY" write "$N" -s 4000 --fill 0xab
t_expect_eq "$(xxd -p -s 3999 /dev/shm$N | tr -d '\n')" \
  "00$(printf 'ab%.0s' $(seq 96))" "--fill fills from the offset to the end"
"$SHMSPY" write "$N" -s 3000 --fill 7 -n 3
t_expect_eq "$(xxd -p -s 2999 -l 5 /dev/shm$N)" "0007070700" "--fill -n 3 fills 3 bytes"

# --hold: the object lives while held and is removed on release.
H=$(t_name hold)
t_cleanup "rm -f /dev/shm$H"
t_run "$SHMSPY" write "$H" --create 64 --as u32 100 --hold
t_expect_rc 0 "--hold with end of input releases at once"
t_expect_match "$T_ERR" "released \(end of input\)" "and says why"
t_expect_eq "$(test -e /dev/shm$H && echo present || echo gone)" "gone" \
  "and removes the object it created"

mkfifo "$T_TMP/fifo"
"$SHMSPY" write "$H" --create 64 --as u32 100 --hold <"$T_TMP/fifo" 2>"$T_TMP/hold.err" &
HPID=$!
exec 7>"$T_TMP/fifo"
t_wait_for "test -s /dev/shm$H"
t_run "$SHMSPY" read "$H" --as u32
t_expect_eq "$T_OUT" "100" "while held, another process reads the value"
kill -TERM "$HPID"
wait "$HPID"
rc=$?
exec 7>&-
t_expect_eq "$rc" "0" "SIGTERM releases the hold with exit 0"
t_expect_match "$(cat "$T_TMP/hold.err")" "released \(SIGTERM\)" "and names the signal"
t_expect_eq "$(test -e /dev/shm$H && echo present || echo gone)" "gone" \
  "the object is removed after SIGTERM"

t_run "$SHMSPY" write "$H" --create 64 --as u32 5 --hold --keep
t_expect_eq "$(test -e /dev/shm$H && echo present || echo gone)" "present" \
  "--keep leaves the object after release"
t_run "$SHMSPY" write "$H" --create 64 --as u32 5
t_expect_error 1 "exists" "--create of an existing object fails without --force"
t_run "$SHMSPY" write "$H" --create 128 --as u32 6 --force
t_expect_rc 0 "--create --force reuses it"
t_expect_eq "$(stat -c %s /dev/shm$H)" "128" "and resizes it"

# --create rejects a write that cannot fit before creating anything.
F=$(t_name fit)
t_run "$SHMSPY" write "$F" --create 4 --as u64 1
t_expect_error 2 "does not fit" "--create too small for the value"
t_expect_eq "$(test -e /dev/shm$F && echo present || echo gone)" "gone" \
  "and nothing was created"

# An endless --file stops at what fits, and nothing is created.
t_run timeout 20 "$SHMSPY" write "$F" --create 4K --file /dev/zero
t_expect_error 1 "/dev/zero: larger than the 4096 bytes that can be written there" \
  "--file /dev/zero into 4 KiB: refused at once, memory bounded"
t_expect_eq "$(test -e /dev/shm$F && echo present || echo gone)" "gone" \
  "and nothing was created"
t_run "$SHMSPY" write "$F" --create 4K --file "$T_TMP/no-such-file"
t_expect_error 1 "no-such-file: cannot open it \(no such file\)" \
  "--file of a missing file: named, in lower case"

# -n bounds strings only: with a fixed-size type it is refused, not ignored.
t_run "$SHMSPY" read "$N" --as u32 -n 2
t_expect_error 2 "-n applies to --as str only" "read --as u32 -n 2: refused with the reason"

t_done
