#!/usr/bin/env bash
# The TUI browser and watch against hostile /dev/shm entries, driven in
# tmux: a name holding "clear screen", "set title", newlines or invalid
# UTF-8 is drawn escaped on its own row (the screen is not cleared, no row
# is split), symlinks/FIFOs/sockets/directories are rows with their reason,
# the details pane of a FIFO does not hang, a thousand objects scroll, and
# watch of a FIFO or a symlink fails at once with the terminal restored.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

TAG="spytui-$$"
H="$TAG-h"
P=/dev/shm/$TAG
t_cleanup "rm -rf $P-*"
ln -s /etc/passwd "$P-h-link"
mkfifo "$P-h-fifo"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$P-h-sock"
mkdir "$P-h-dir"
printf 'x' >"$P-h-esc"$'\033[2J\033[H\033]0;pwned\007'
printf 'x' >"$P-h-nl"$'\nFAKE ROW'
printf 'x' >"$P-h-bad"$'\xff\xfe'
# A process whose name holds ESC sequences maps one object: its name is
# shown in the details pane (from /proc/PID/comm).
EVIL="$T_TMP/ev"$'\033[2J\007'
cp "$SPY_SAMPLES/shm_writer" "$EVIL"
mkfifo "$T_TMP/hold"
"$EVIL" "/$H-map" --size 4096 <"$T_TMP/hold" >/dev/null 2>&1 &
exec 7>"$T_TMP/hold"
t_cleanup "exec 7>&-"
t_wait_for "test -s '$P-h-map'"
python3 - "$P" <<'PY'
import os, sys
for i in range(1000):
    os.close(os.open("%s-m-%04d" % (sys.argv[1], i), os.O_CREAT | os.O_WRONLY, 0o600))
PY

tui_start 150 40 --
tui_expect "objects" "the browser starts among 1008 hostile entries"
tui_keys /
tui_type "$TAG"
tui_keys Enter
tui_expect "1008 of [0-9]+ objects" "all 1008 entries are rows"
# Scroll through the thousand rows and back.
tui_keys End
tui_expect "^/$TAG-m-0999 " "End reaches the last row"
tui_keys Home
tui_expect "^/$H-bad" "Home comes back"

tui_keys /
tui_keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
tui_keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
tui_type "$H"
tui_keys Enter
tui_expect "8 of [0-9]+ objects" "the eight hostile entries"
tui_expect "^/$H-bad\\\\xff\\\\xfe +posix" "invalid UTF-8 is drawn as \\xff\\xfe"
tui_expect "^/$H-dir +other" "the directory is a row of kind other"
tui_expect "^/$H-esc\\\\x1b\[2J\\\\x1b\[H\\\\x1b\]0;pwned\\\\x07 +posix" \
  "a name with ESC sequences is drawn escaped"
tui_expect "^/$H-fifo +other" "the FIFO is a row of kind other"
tui_expect "^/$H-link +other" "the symlink is a row of kind other"
tui_expect "^/$H-nl\\\\nFAKE ROW +posix" "a newline in a name stays on its row"
tui_expect "^/$H-sock +other" "the socket is a row of kind other"
t_expect_nomatch "$TUI_SCREEN" "^FAKE ROW" "no row is split by a newline"
t_expect_nomatch "$TUI_SCREEN" "root:x:0" "nothing behind the symlink is shown"
t_expect_eq "$(tui_fmt '#{pane_title}' | grep -c pwned)" "0" \
  "the terminal title was not set by a name"
# Rows are sorted by name: bad, dir, esc, fifo, link. The details pane
# says what each odd entry is; Enter on one does not hang.
tui_keys Home Down
tui_expect "details: /$H-dir" "the details pane follows to the directory"
tui_expect "directory" "and says it is a directory"
tui_keys Down Down
tui_expect "details: /$H-fifo" "the details pane of the FIFO"
tui_expect "FIFO" "says it is a FIFO"
tui_keys Down
tui_expect "details: /$H-link" "the details pane of the symlink"
tui_expect "symbolic link to /etc/passwd" "names its target, not followed"
tui_keys Down
tui_expect "details: /$H-map" "the details pane of the mapped object"
tui_expect "ev\\\\x1b\\[2J\\\\x07" "shows the mapping process's hostile name escaped"
tui_keys Up Up
tui_keys Enter
tui_expect "FIFO" "Enter on the FIFO says what it is, without hanging"
tui_keys Escape
tui_keys q
tui_wait '^EXIT:' 30 >/dev/null || tui_keys q
tui_expect '^EXIT:0$' "the browser exits 0"
tui_expect 'MODES: icanon echo' "and restores the terminal"

# watch of an object whose name holds ESC sequences: the header shows it
# escaped, the terminal title stays.
tui_start 100 20 -- watch "/$H-esc"$'\033[2J\033[H\033]0;pwned\007'
tui_expect "$H-esc\\\\x1b\\[2J\\\\x1b\\[H\\\\x1b\\]0;pwned\\\\x07" "watch shows the hostile name escaped"
t_expect_eq "$(tui_fmt '#{pane_title}' | grep -c pwned)" "0" "and the terminal title is not set"
tui_keys q
tui_expect '^EXIT:0$' "q quits watch"

for what in fifo link dir; do
  tui_start 100 20 -- watch "/$H-$what"
  tui_expect '^EXIT:1$' "watch of the $what entry fails at once" 100
  tui_expect 'MODES: icanon echo' "with the terminal restored"
done
t_done
