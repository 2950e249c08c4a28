#!/usr/bin/env bash
# test_browser_shared.sh - the browser shows shared memory with no name of
# its own in groups of their own: a sealed memfd shared by two processes
# (memfd_share --seal) under "memfd", with its name, seals and holder in
# the details pane; fork_shared's anonymous page under "Anonymous shared
# memory" with both processes; a POSIX object removed while mapped under
# its own group, found by its former name. Enter on such a row opens it
# in the hex view, or (where this build cannot open memory through a
# process) says why on the message line, one line, and the browser lives.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"
S=$SPY_SAMPLES

# A sealed memfd, mapped by a parent and its child (the parent closed its
# descriptor; the child holds one), and an anonymous page they share.
MF=spytui-$$
"$S/memfd_share" "$MF" 8192 --seal >"$T_TMP/ms.out" 2>&1 &
MS=$!
t_cleanup "kill $MS"
# fork_shared --hold: the anonymous page of a parent and its child.
"$S/fork_shared" --hold >"$T_TMP/fs.out" 2>&1 &
FS=$!
t_cleanup "kill $FS"
# A POSIX object mapped by shm_writer, then removed: it lives on for it.
R=$(t_name gone)
t_cleanup "rm -f '/dev/shm/${R#/}'"
mkfifo "$T_TMP/hold"
"$S/shm_writer" "$R" --size 8192 <"$T_TMP/hold" >"$T_TMP/writer.out" 2>&1 &
WPID=$!
t_cleanup "kill $WPID"
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"

t_wait_for "grep -q '^ready ' '$T_TMP/ms.out'" ||
  t_fail "memfd_share starts" "$(cat "$T_TMP/ms.out")"
t_wait_for "grep -q '^hold ' '$T_TMP/fs.out'" ||
  t_fail "fork_shared --hold starts" "$(cat "$T_TMP/fs.out")"
t_wait_for "[ \"\$(shm_peek '$R' 0 1 2>/dev/null)\" = 64 ]" 100 ||
  t_fail "shm_writer starts" "$(cat "$T_TMP/writer.out")"
rm -f "/dev/shm/${R#/}"
read -r MPARENT MCHILD < <(sed -n 's/^ready parent=\([0-9]*\) child=\([0-9]*\) .*/\1 \2/p' "$T_TMP/ms.out")
read -r PARENT CHILD ADDR < <(sed -n 's/^hold parent=\([0-9]*\) child=\([0-9]*\) addr=\(0x[0-9a-f]*\) .*/\1 \2 \3/p' "$T_TMP/fs.out")
LOW=$((PARENT < CHILD ? PARENT : CHILD))
[ -n "$MPARENT" ] && [ -n "$ADDR" ] || { t_fail "the samples report their pids"; t_done; exit; }

# Enter on the selected row: the hex view of it (then back), or one line
# on the message line saying why not; either way the browser lives on.
enter_opens() { # NAME-REGEX DESC
  tui_keys Enter
  if tui_wait "^ shmspy watch $1|cannot open: $1: " 50; then
    if printf '%s\n' "$TUI_SCREEN" | grep -Eq "^ shmspy watch $1"; then
      t_ok "$2: Enter opens the hex view"
      tui_keys q
    else
      t_expect_eq "$(printf '%s\n' "$TUI_SCREEN" | grep -c 'cannot open: ')" 1 \
        "$2: Enter says why it cannot open, on one line"
      t_expect_match "$(printf '%s\n' "$TUI_SCREEN" | tail -n 1)" \
        "^cannot open: $1: " "$2: on the message line"
    fi
  else
    t_fail "$2: Enter opens the hex view or says why not" "$TUI_SCREEN"
  fi
  tui_expect "objects +sort:" "$2: the browser is back (or never left)"
  [ -n "$(tui_pid)" ] || t_fail "$2: the browser still runs"
}

tui_start 160 40 --
tui_expect "objects +sort: name" "the browser is up"

# The memfd, found by its name.
tui_keys /
tui_type "$MF"
tui_keys Enter
tui_expect "^memfd \(1( of [0-9]+)?\) *$" "the memfd group has a heading"
tui_expect "^memfd:$MF +memfd +8192 " "the memfd's row, by its name"
tui_expect "details: memfd:$MF\$" "the memfd's details"
tui_expect " memfd name $MF +seals seal,shrink,grow " "the details show its seals"
tui_expect "held open by 1\+? " "and its holder (the child's descriptor)"
tui_expect "pid $MPARENT +memfd_share +0x[0-9a-f]+-0x[0-9a-f]+ rw-?s" \
  "and the processes mapping it"
tui_expect "pid $MCHILD +memfd_share " "the child too"
enter_opens "memfd:$MF" "memfd"

# fork_shared's anonymous page: one row, two mappers.
tui_keys Escape /
tui_type "pid:$LOW@$ADDR"
tui_keys Enter
tui_expect "^Anonymous shared memory \(1( of [0-9]+)?\) *$" \
  "the anonymous group has a heading"
tui_expect "^pid:$LOW@$ADDR +anon +4096 " "fork_shared's page, named by the lower pid"
tui_expect "details: pid:$LOW@$ADDR\$" "its details"
tui_expect "no name: MAP_SHARED\|MAP_ANONYMOUS" "the details say it has no name"
tui_expect "pid $PARENT +fork_shared +$ADDR-" "the parent maps it"
tui_expect "pid $CHILD +fork_shared +$ADDR-" "the child maps it at the same address"
enter_opens "pid:$LOW@$ADDR" "anon"

# The removed POSIX object, found by its former name (its origin).
tui_keys Escape /
tui_type "${R#/}"
tui_keys Enter
tui_expect "^POSIX shared memory removed, still mapped or held \(1( of [0-9]+)?\) *$" \
  "removed-but-mapped objects have a group"
tui_expect "^(pid:$WPID@0x[0-9a-f]+|fd:$WPID:[0-9]+) +posix +8192 " \
  "the removed object, named through its mapper"
tui_expect " removed: was $R" "the details say what it was called"
tui_expect "pid $WPID +shm_writer " "and who maps it"

# Without a filter, Home shows the first group with its heading.
tui_keys Escape
tui_expect_not "filter:" "Escape clears the filter"
tui_keys Home
# (which group is first depends on what the host has: a clean host may
# have no POSIX object at all)
tui_expect "^(POSIX shared memory|System V shared memory|memfd|Anonymous shared memory)[^(]*\([0-9]" \
  "Home: the first group's heading shows"
tui_keys q
tui_expect '^EXIT:0$' "q quits the browser"
t_done
