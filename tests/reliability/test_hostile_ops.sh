#!/usr/bin/env bash
# Every command that takes a NAME (stat, dump, read, write, watch, rm), in
# text and JSON, against every kind of hostile /dev/shm entry: it answers
# at once (timeout), follows nothing, and neither stdout nor stderr ever
# holds a raw control character. Also: objects of another user with mode
# 0000, objects that vanish or are replaced between lookup and open.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
P=/dev/shm/spyops-$$
N=/spyops-$$
t_cleanup "rm -rf $P-*"

ln -s /etc/passwd "$P-link"
ln -s /etc "$P-linkdir"
ln -s $'/tmp/\033[2J\033]0;pwned\007\xff' "$P-linkesc"
mkfifo "$P-fifo"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$P-sock"
mkdir "$P-dir"
: >"$P-zero"
ESC=$'esc\033[2J\033]0;pwned\007'
NL=$'nl\nx\ty\r'
BAD=$'bad\xff\xc3'
for n in "$ESC" "$NL" "$BAD"; do printf 'data' >"$P-$n"; done
head -c 64 /dev/zero >"$P-nobody"
chmod 0000 "$P-nobody"
chown 65534:65534 "$P-nobody" 2>/dev/null || true

# Refused entries: one clear line, exit 1, nothing behind them read.
for e in "link:symbolic link \(not followed\)" "linkdir:symbolic link \(not followed\)" \
  "linkesc:symbolic link \(not followed\)" "fifo:FIFO" "sock:(socket|FIFO or device)" \
  "dir:directory"; do
  what=${e%%:*} why=${e#*:}
  for cmd in "stat" "dump" "read --as u32" "write --as u8 1" "watch"; do
    # shellcheck disable=SC2086 # the options after the name
    t_run timeout 10 "$SHMSPY" "${cmd%% *}" "$N-$what" ${cmd#"${cmd%% *}"}
    t_expect_error 1 "$why" "$cmd of the $what entry is refused in one line"
  done
  t_expect_nomatch "$T_OUT" "root:" "nothing behind the $what entry is read"
  t_run timeout 10 "$SHMSPY" stat --json "$N-$what"
  t_expect_rc 1 "stat --json of the $what entry: exit 1"
  t_expect_json "and a JSON error document on stdout"
  t_expect_clean "stat --json of the $what entry"
done
t_expect_eq "$(readlink "$P-link")" "/etc/passwd" "the symlink itself is untouched"
t_expect_eq "$(stat -c %F "$P-fifo")" "fifo" "the FIFO is untouched (write did not replace it)"

# The symlink's target is shown, escaped.
t_run timeout 10 "$SHMSPY" list --kind posix
t_expect_match "$T_OUT" "symbolic link to /tmp/\\\\x1b\[2J\\\\x1b\]0;pwned\\\\x07\\\\xff" \
  "list shows a hostile symlink target escaped"
t_expect_clean "list with a hostile symlink target"
t_run timeout 10 "$SHMSPY" list --kind posix --json
t_expect_json "list --json stays valid JSON"
t_expect_clean "list --json with hostile names and targets"

# Names with control characters and invalid UTF-8 work as names (they are
# real objects), and are escaped in every output.
for n in "$ESC" "$NL" "$BAD"; do
  label=$(printf '%q' "$n")
  t_run timeout 10 "$SHMSPY" dump "$N-$n" --format canonical
  t_expect_match "$T_OUT" "\|data\|" "dump of the object named $label works"
  t_run timeout 10 "$SHMSPY" stat "$N-$n"
  t_expect_rc 0 "stat of $label"
  t_expect_clean "stat of $label"
  t_run timeout 10 "$SHMSPY" stat --json "$N-$n"
  t_expect_json "stat --json of $label is valid JSON"
  t_expect_clean "stat --json of $label"
  t_run timeout 10 "$SHMSPY" read "$N-$n" -s 100 --as u8
  t_expect_error 1 "past the end" "an error about $label is one line"
  t_expect_clean "the error about $label"
done
t_run timeout 10 "$SHMSPY" stat --json "$N-$BAD"
t_expect_match "$T_OUT" '"name": "/spyops-[0-9]+-bad\\ufffd\\ufffd"' \
  "invalid UTF-8 in JSON becomes U+FFFD"
t_run timeout 10 "$SHMSPY" stat "$N-$ESC"
t_expect_match "$T_OUT" 'esc\\x1b\[2J\\x1b\]0;pwned\\x07' "ESC and BEL are shown as \\x1b, \\x07"
t_run timeout 10 "$SHMSPY" rm "$N-$ESC"
t_expect_rc 0 "rm of a name with escapes removes it"
t_expect_clean "rm of a name with escapes"

# Zero-size object: every reader copes.
t_run timeout 10 "$SHMSPY" read "$N-zero" --as u8
t_expect_error 1 "past the end" "read of a zero-size object: one line, exit 1"
t_run timeout 10 "$SHMSPY" dump "$N-zero" --format canonical
t_expect_rc 0 "dump --format canonical of a zero-size object"
t_run timeout 10 "$SHMSPY" stat --json "$N-zero"
t_expect_match "$T_OUT" '"size": 0' "stat --json of a zero-size object"

# Mode 0000, owned by nobody. Root reads it (the kernel allows it) but
# write refuses without --force; an unprivileged user gets one line.
t_run timeout 10 "$SHMSPY" stat "$N-nobody"
t_expect_match "$T_OUT" "mode: +0000" "stat shows mode 0000"
if [ "$(id -u)" -eq 0 ]; then
  t_expect_match "$T_OUT" "owner: +nobody \(uid 65534\)" "and the other owner"
  t_run timeout 10 "$SHMSPY" write "$N-nobody" --as u8 1
  t_expect_error 1 "read-only \(mode 0000\)" "write to a mode 0000 object needs --force, even as root"
  t_expect_eq "$(od -An -tx1 -N1 "$P-nobody" | tr -d ' ')" "00" "and changed nothing"
  if t_can_switch_user; then
    t_run t_as_user 12345 timeout 10 "$SHMSPY" dump "$N-nobody"
    t_expect_error 1 "permission denied \(mode 0000, owner nobody\)" \
      "another user: permission denied, with the mode and the owner"
    t_run t_as_user 12345 timeout 10 "$SHMSPY" stat --json "$N-nobody"
    t_expect_match "$T_OUT" '"mode": "0000"' "stat by another user still reports the entry"
    t_run t_as_user 12345 timeout 10 "$SHMSPY" rm "$N-nobody"
    t_expect_error 1 "permission denied" "rm by another user is refused in one line"
    t_expect_eq "$(test -e "$P-nobody" && echo present)" "present" "and the object stays"
  fi
fi

# Objects that vanish or are replaced (by a FIFO, a symlink, a bigger or
# smaller object) while stat, dump and read look them up: every run ends
# with exit 0 or one explained line, never hangs, never follows.
# The loop stops itself at a flag file: a killed loop could leave a child
# that recreates the entry after the cleanup.
( while [ ! -e "$T_TMP/stop-flip" ]; do
  rm -f "$P-flip"; printf 'abcdefgh' >"$P-flip"
  rm -f "$P-flip"; mkfifo "$P-flip" 2>/dev/null
  rm -f "$P-flip"; ln -s /etc/passwd "$P-flip" 2>/dev/null
  rm -f "$P-flip"; head -c 100000 /dev/zero >"$P-flip"
done ) &
FL=$!
bad=0
for _ in $(seq 60); do
  for cmd in "stat" "dump" "read --as u64" "stat --json"; do
    # shellcheck disable=SC2086 # the options after the name
    timeout 10 "$SHMSPY" "${cmd%% *}" "$N-flip" ${cmd#"${cmd%% *}"} >"$T_TMP/o" 2>"$T_TMP/e"
    rc=$?
    lines=$(grep -c '' "$T_TMP/e")
    if [ $rc -gt 1 ] || { [ $rc -eq 1 ] && [ "$lines" -ne 1 ]; } ||
      grep -q "root:" "$T_TMP/o"; then
      bad=1
      echo "$cmd: rc=$rc: $(head -c 300 "$T_TMP/e")"
    fi
  done
done
touch "$T_TMP/stop-flip"
wait $FL 2>/dev/null
rm -f "$P-flip"
t_expect_eq "$bad" "0" "objects replaced under stat/dump/read: exit 0 or one line, never followed, never hung"
t_done
