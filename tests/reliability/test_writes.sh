#!/usr/bin/env bash
# Writes lose nothing: a rejected write or inject changes no byte, no size,
# no mode and no identity of the object; create never clobbers without
# --force; created objects get exactly the asked mode whatever the umask.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
N=$(t_name writes)
t_cleanup "rm -f /dev/shm$N"
cd "$T_TMP" || exit 1

# state: content checksum, size, mode and inode of the object.
state() { echo "$(cksum <"/dev/shm$N") $(stat -c '%s %a %i' "/dev/shm$N")"; }

"$SHMSPY" create "$N" 64 || exit 1
"$SHMSPY" write "$N" --str "the original bytes" || exit 1
before=$(state)

# Each rejected command: exit 1 or 2 with one line, and the object as it was.
rejected() {
  local desc=$1
  shift
  t_run timeout 10 "$SHMSPY" "$@"
  if [ "$T_RC" -eq 1 ] || [ "$T_RC" -eq 2 ]; then
    if [ "$(printf '%s' "$T_ERR" | grep -c '')" -eq 1 ]; then
      t_ok "$desc: refused in one line"
    else
      t_fail "$desc: refused in one line" "stderr: $T_ERR"
    fi
  else
    t_fail "$desc: refused" "exit $T_RC" "stderr: $T_ERR"
  fi
  t_expect_eq "$(state)" "$before" "$desc: the object is unchanged"
}

rejected "write a value out of range" write "$N" --as u8 256
rejected "write a float that is not one" write "$N" --as f64 1.5x
rejected "write bad hex" write "$N" --hex "de ad zz"
rejected "write an odd number of hex digits" write "$N" --hex "dea"
rejected "write past the end" write "$N" -s 60 --as u64 1
rejected "write at an offset past the end" write "$N" -s 1G --fill 0xff
rejected "write a missing file" write "$N" --file "$T_TMP/missing"
rejected "write two sources" write "$N" --str a --hex 00
rejected "write with a bad offset" write "$N" -s 12Q --str a
rejected "write --create over an existing object" write "$N" --create 128 --str xx
rejected "write --create of a size that cannot hold the value" write "$N" --create 2 --as u32 1
rejected "write --create with a bad mode" write "$N" --create 64 --mode 0888 --str x
rejected "create over an existing object" create "$N" 4096
rejected "create over an existing object, other mode" create "$N" 64 --mode 0644
rejected "inject flip past the end" inject flip "$N" -s 64
rejected "inject flip with bit 8" inject flip "$N" -s 0 --bit 8
rejected "inject set past the end" inject set "$N" -s 62 --hex "aa bb cc"
rejected "inject set bad hex" inject set "$N" -s 0 --hex "zz"
rejected "inject set a value out of range" inject set "$N" -s 0 --as u8 300
rejected "inject corrupt more bytes than exist" inject corrupt "$N" -k 65
rejected "inject truncate to a bad size" inject truncate "$N" 12Q
rejected "inject chmod to a bad mode" inject chmod "$N" 0999
rejected "inject with a journal in a missing directory" inject flip "$N" -s 0 --journal "$T_TMP/no/such/j"
: >"$T_TMP/taken.journal"
rejected "inject with an existing journal" inject unlink "$N" --journal "$T_TMP/taken.journal"
t_expect_eq "$(stat -c %s "$T_TMP/taken.journal")" "0" "an existing journal is not overwritten"
printf 'shmspy-inject-journal 1\nfault flip\n' >"$T_TMP/cut.journal"
rejected "inject undo of a cut-short journal" inject undo "$T_TMP/cut.journal"

# With stdout and stderr closed, our own open must not become fd 1 or 2:
# the error message would be written into the object (it was, once).
for cmd in "write -s 60 --as u64 1" "write -s 0 --as u8 256" "inject set -s 62 --hex 'aa bb cc'" \
  "stat" "dump -n 1000"; do
  eval "\"\$SHMSPY\" ${cmd%% *} \"\$N\" ${cmd#"${cmd%% *}"}" >&- 2>&-
  rc=$?
  t_expect_eq "$((rc == 1 || rc == 2)) $(state)" "1 $before" \
    "$cmd with stdout and stderr closed: refused, object unchanged"
done

# A real journal, then edited: the undo refuses it and changes nothing.
t_run "$SHMSPY" inject flip "$N" -s 3 --journal "$T_TMP/j1"
t_expect_rc 0 "inject flip with a journal"
after_flip=$(state)
sed -i 's/^size 64$/size 65/' "$T_TMP/j1"
before=$after_flip
rejected "inject undo of an edited journal" inject undo "$T_TMP/j1"
# A journal of another object with the same name: refused.
"$SHMSPY" inject flip "$N" -s 5 --journal "$T_TMP/j2" >/dev/null
before=$(state)
rm -f "/dev/shm$N"
"$SHMSPY" create "$N" 64
"$SHMSPY" write "$N" --str "the original bytes"
before=$(state)
rejected "inject undo on an object that is not the journalled one" inject undo "$T_TMP/j2"
if ls "$T_TMP"/shmspy-inject-*.journal >/dev/null 2>&1; then
  t_fail "no stray journal left by the rejected injects" "$(ls "$T_TMP")"
else
  t_ok "no stray journal left by the rejected injects"
fi

# create: exactly the asked mode, whatever the umask.
for u in 000 022 077 0777; do
  M=$(t_name "mode$u")
  t_cleanup "rm -f /dev/shm$M"
  (umask "$u" && "$SHMSPY" create "$M" 16)
  t_expect_eq "$(stat -c %a "/dev/shm$M")" "600" "create under umask $u: mode 0600"
  rm -f "/dev/shm$M"
  (umask "$u" && "$SHMSPY" write "$M" --create 16 --str x)
  t_expect_eq "$(stat -c %a "/dev/shm$M")" "600" "write --create under umask $u: mode 0600"
  rm -f "/dev/shm$M"
  (umask "$u" && "$SHMSPY" create "$M" 16 --mode 0640)
  t_expect_eq "$(stat -c %a "/dev/shm$M")" "640" "create --mode 0640 under umask $u: mode 0640"
  rm -f "/dev/shm$M"
done

# --force reuses the object (same inode) and resizes it.
ino=$(stat -c %i "/dev/shm$N")
t_run "$SHMSPY" create "$N" 128 --force
t_expect_eq "$T_RC $(stat -c '%s %i' "/dev/shm$N")" "0 128 $ino" "create --force reuses and resizes"
t_done
