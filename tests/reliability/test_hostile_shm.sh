#!/usr/bin/env bash
# Hostile /dev/shm: symlinks, FIFOs, sockets, directories, names with
# control characters and invalid UTF-8, zero-size and mode 0000 objects.
# shmspy never hangs, never follows, never prints a raw control character,
# reports each problem entry and carries on.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
P=/dev/shm/spyrel-$$
t_cleanup "rm -rf $P-*"

ln -s /etc/passwd "$P-link-passwd"
ln -s /etc "$P-link-dir"
mkfifo "$P-fifo"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$P-sock"
mkdir "$P-dir"
: >"$P-zero"
printf 'x' >"$P-nl"$'\n'"line"
printf 'x' >"$P-tab"$'\t'"tab"
printf 'x' >"$P-esc"$'\033[31m'"red"
printf 'x' >"$P-bad"$'\xff\xfe'
head -c 64 /dev/zero >"$P-locked"
chmod 0000 "$P-locked"
chown 65534:65534 "$P-locked" 2>/dev/null || true

t_run timeout 20 "$SHMSPY" list
t_expect_rc 0 "list with hostile entries exits 0 (no hang)"
printf '%s' "$T_OUT" >"$T_TMP/list.txt"
if t_has_ctrl "$T_TMP/list.txt"; then t_fail "list prints no raw control character"; else
  t_ok "list prints no raw control character"; fi
t_expect_nomatch "$T_OUT" "root:x:0:0" "list never reads through the symlink"
t_expect_match "$T_OUT" "spyrel-$$-link-passwd .*symbolic link to /etc/passwd \(not followed\)" \
  "the symlink is shown with its target, not followed"
t_expect_match "$T_OUT" "spyrel-$$-fifo .*FIFO" "the FIFO is reported"
t_expect_match "$T_OUT" "spyrel-$$-sock .*socket" "the socket is reported"
t_expect_match "$T_OUT" "spyrel-$$-dir .*directory" "the directory is reported"
t_expect_match "$T_OUT" "spyrel-$$-nl\\\\nline " "a newline in a name is escaped as \\n"
t_expect_match "$T_OUT" "spyrel-$$-esc\\\\x1b\[31mred " "ESC in a name is escaped as \\x1b"
t_expect_match "$T_OUT" "spyrel-$$-bad\\\\xff\\\\xfe " "invalid UTF-8 is escaped as \\xNN"
t_expect_match "$T_OUT" "spyrel-$$-zero +posix +0 " "the zero-size object is listed"
t_expect_match "$T_OUT" "spyrel-$$-locked +posix +64 +0000 " "the mode 0000 object is listed"

t_run timeout 20 "$SHMSPY" list --json
t_expect_rc 0 "list --json with hostile entries"
printf '%s' "$T_OUT" >"$T_TMP/list.json"
if t_has_ctrl "$T_TMP/list.json"; then t_fail "JSON carries no raw control character"; else
  t_ok "JSON carries no raw control character"; fi
t_expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for s in d["segments"] if s["name"].startswith("/spyrel-'$$'")))' "$T_TMP/list.json")" \
  "11" "JSON is valid and lists all 11 entries"

for what in link-passwd link-dir; do
  t_run timeout 10 "$SHMSPY" dump "/spyrel-$$-$what"
  t_expect_error 1 "symbolic link \(not followed\)" "dump of a symlink ($what) is refused"
  t_expect_nomatch "$T_OUT" "root" "and nothing behind it is read"
done
t_run timeout 10 "$SHMSPY" dump "/spyrel-$$-fifo"
t_expect_error 1 "FIFO" "dump of a FIFO neither hangs nor reads"
t_run timeout 10 "$SHMSPY" write "/spyrel-$$-fifo" --as u8 1
t_expect_error 1 "FIFO" "write to a FIFO neither hangs nor writes"
t_run timeout 10 "$SHMSPY" stat "/spyrel-$$-sock"
t_expect_error 1 "(socket|FIFO or device)" "stat of a socket is refused"
t_run timeout 10 "$SHMSPY" dump "/spyrel-$$-dir"
t_expect_error 1 "directory" "dump of a directory is refused"
t_run timeout 10 "$SHMSPY" dump "/spyrel-$$-zero"
t_expect_rc 0 "dump of a zero-size object"
t_expect_eq "$T_OUT" "" "prints nothing"
t_run timeout 10 "$SHMSPY" stat "/spyrel-$$-nl"$'\n'"line"
t_expect_match "$T_OUT" "^name: +/spyrel-$$-nl\\\\nline$" "stat escapes the name"
t_run timeout 10 "$SHMSPY" stat "/spyrel-$$-nope"$'\033'"[2J"
t_expect_error 1 "no such shared memory object" "a missing name with ESC gives one line"
printf '%s' "$T_ERR" >"$T_TMP/err.txt"
if t_has_ctrl "$T_TMP/err.txt"; then t_fail "the error escapes ESC"; else t_ok "the error escapes ESC"; fi
t_run "$SHMSPY" rm "/spyrel-$$-link-passwd"
t_expect_rc 0 "rm of a symlink removes the link"
t_expect_eq "$(test -s /etc/passwd && echo intact)" "intact" "and never its target"

if t_can_switch_user; then
  chown 0:0 "$P-locked"
  t_run t_as_user 65534 "$SHMSPY" dump "/spyrel-$$-locked"
  t_expect_error 1 "permission denied \(mode 0000, owner root\)" \
    "mode 0000 of another user: permission denied, with mode and owner"
  t_run t_as_user 65534 "$SHMSPY" list
  t_expect_match "$T_OUT" "spyrel-$$-locked" "an unprivileged list still shows it"
fi

# 10,000 objects, some vanishing while we list.
python3 - "$P" <<'PY'
import os, sys
for i in range(10000):
    fd = os.open("%s-many-%05d" % (sys.argv[1], i), os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
PY
( for i in $(seq 0 2 2000); do rm -f "$(printf '%s-many-%05d' "$P" "$i")"; done ) &
ok=1
for _ in 1 2 3; do
  timeout 60 "$SHMSPY" list --json >"$T_TMP/many.json" || ok=0
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/many.json" || ok=0
done
wait
t_expect_eq "$ok" "1" "10,000 objects, some removed while listing: valid output every time"
# Only our objects: other runs of this test may share /dev/shm.
n=$(timeout 60 "$SHMSPY" list --json | python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin)["segments"] if s["name"].startswith(sys.argv[1])))' "/spyrel-$$-many-")
t_expect_eq "$n" "8999" "the count is exact once the removals are done"
t_done
