#!/usr/bin/env bash
# create and rm: O_EXCL, mode 0600 whatever the umask, --mode, --force.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name create)
t_cleanup "rm -f /dev/shm$N"

umask 000
t_run "$SHMSPY" create "$N" 4K
t_expect_rc 0 "create succeeds"
t_expect_eq "$(stat -c '%s %a' /dev/shm$N)" "4096 600" \
  "created with 4096 bytes and mode 0600 despite umask 000"

t_run "$SHMSPY" create "$N" 8K
t_expect_error 1 "$N: .*exists.*--force" "create of an existing object fails"
t_expect_eq "$(stat -c '%s' /dev/shm$N)" "4096" \
  "the failed create changed nothing"

t_poke /dev/shm$N 0 keep
t_run "$SHMSPY" create "$N" 0x2000 --force
t_expect_rc 0 "create --force reuses the object"
t_expect_eq "$(stat -c '%s' /dev/shm$N)" "8192" "--force resized it to 0x2000"
t_expect_eq "$(head -c 4 /dev/shm$N)$(tail -c 4096 /dev/shm$N | tr -d '\0' | wc -c)" "keep0" \
  "--force kept the contents, and the new bytes are zero (as the man page says)"

t_run "$SHMSPY" rm "$N"
t_expect_rc 0 "rm succeeds"
t_expect_eq "$(test -e /dev/shm$N && echo present || echo gone)" "gone" \
  "rm removed the name"

t_run "$SHMSPY" rm "$N"
t_expect_error 1 "$N: no such shared memory object" "rm of a missing object"

umask 077
t_run "$SHMSPY" create "${N#/}" 1M --mode 0644
t_expect_rc 0 "create a bare name with --mode 0644"
t_expect_eq "$(stat -c '%s %a' /dev/shm$N)" "1048576 644" \
  "bare name means /name; mode 0644 despite umask 077; 1M = 1 MiB"
t_run "$SHMSPY" rm "$N"

t_run "$SHMSPY" create "$N" 1x
t_expect_error 2 "SIZE" "malformed SIZE is a usage error"
t_expect_eq "$(test -e /dev/shm$N && echo present || echo gone)" "gone" \
  "a rejected create creates nothing"

t_run "$SHMSPY" create "$N" 4096 --mode 0999
t_expect_error 2 "mode" "a non-octal mode is a usage error"

# System V: create by key, list it, remove it.
KEY=$(printf '0x5%07x' $(($$ & 0xffffff)))
t_run "$SHMSPY" create "key:$KEY" 10000
t_expect_rc 0 "create a System V segment by key"
ID=$(ipcs -m | awk -v k="$KEY" 'tolower($1) == tolower(k) { print $2 }')
t_cleanup "ipcrm -m $ID"
t_expect_match "$ID" '^[0-9]+$' "ipcs -m shows the new segment"
t_expect_eq "$(ipcs -m | awk -v k="$KEY" 'tolower($1)==tolower(k){print $4, $5}')" \
  "600 10000" "its perms are 600 and size 10000"
t_run "$SHMSPY" stat "sysv:$ID"
t_expect_match "$T_OUT" '^attached: +never \(no process has attached it\)' \
  "stat of a never-attached segment says so (not 1970-01-01)"
t_run "$SHMSPY" rm "sysv:$ID"
t_expect_rc 0 "rm sysv:ID removes it"
t_expect_eq "$(ipcs -m | awk -v k="$KEY" 'tolower($1)==tolower(k)' | wc -l)" "0" \
  "ipcs -m no longer shows it"

# A size no file can have: said so (not "Success"), nothing left behind.
B=$(t_name big)
t_run "$SHMSPY" create "$B" 0xFFFFFFFFFFFFFFFF
t_expect_error 1 "cannot size to 18446744073709551615 bytes: larger than the largest file size" \
  "create with a size past INT64_MAX: the reason, exit 1"
t_expect_eq "$(test -e /dev/shm$B && echo present || echo gone)" "gone" \
  "and nothing was created"

t_done
