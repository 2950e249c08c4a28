#!/usr/bin/env bash
# Names that are not UTF-8 survive JSON: list --json gives name_hex beside
# the U+FFFD display name, and hex:NAME_HEX brings back exactly that
# object in stat, dump, write and rm (two names that differ only in their
# invalid bytes stay apart). And writes through links (issue 13): a
# file:PATH whose last component is a symbolic link is never written
# through without --follow, and never, even with it, when the link is
# another user's in a world-writable sticky directory (the rule of
# fs.protected_symlinks, applied whatever that sysctl says); reads follow
# links and say where they lead.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

# ---- names that are not UTF-8 -------------------------------------------

A=$(t_name $'x\xff\xfe')
B=$(t_name $'x\xfe\xff')
U=$(t_name $'caf\xc3\xa9')
for n in "$A" "$B" "$U"; do shm_make "$n" 64 || t_fail "create $(printf %q "$n")"; done
shm_poke "$A" 0 "41 41"
shm_poke "$B" 0 "42 42"

# The rows of list --json for this test's objects: "name<TAB>name_hex".
rows() {
  python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["segments"]:
    if s["name"].startswith(sys.argv[2]):
        sys.stdout.buffer.write((s["name"] + "\t" + s.get("name_hex", "-") + "\n").encode())' \
    "$T_TMP/out" "$(t_name '')"
}
t_run "$SHMSPY" list --json --kind posix
t_expect_json "list --json with names that are not UTF-8 is valid JSON"
hex_a=$(printf '%s' "$A" | od -An -tx1 -v | tr -d ' \n')
hex_b=$(printf '%s' "$B" | od -An -tx1 -v | tr -d ' \n')
t_expect_eq "$(rows | sort)" "$(printf '%s\t%s\n' "$(t_name 'x')"$'\xef\xbf\xbd\xef\xbf\xbd' "$hex_a" \
  "$(t_name 'x')"$'\xef\xbf\xbd\xef\xbf\xbd' "$hex_b" "$U" "-" | sort)" \
  "list --json: two names that collide as U+FFFD differ in name_hex; a UTF-8 name has none"

for which in A B; do
  n=${!which} h=hex_${which,,}
  h=${!h}
  t_run "$SHMSPY" stat --json "hex:$h"
  t_expect_rc 0 "stat hex:NAME_HEX of $which: exit 0"
  ino=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ino"], d["name_hex"])' "$T_TMP/out")
  t_expect_eq "$ino" "$(stat -c %i "/dev/shm/${n#/}") $h" \
    "stat hex:NAME_HEX of $which is that object (same inode, same name_hex)"
  t_run "$SHMSPY" dump "hex:$h" -n 2 --format raw
  t_expect_eq "$T_OUT" "$([ "$which" = A ] && echo AA || echo BB)" "dump hex:NAME_HEX of $which reads its bytes"
done
t_run "$SHMSPY" write "hex:$hex_a" -s 2 --hex "43 43"
t_expect_rc 0 "write hex:NAME_HEX: exit 0"
t_expect_eq "$(shm_peek "$A" 0 4) / $(shm_peek "$B" 0 4)" "41 41 43 43 / 42 42 00 00" \
  "write hex:NAME_HEX changed that object only"
t_run "$SHMSPY" stat "hex:$hex_a"
t_expect_match "$T_OUT" 'name: +/spytest-[0-9]+-x\\xff\\xfe' "stat text shows the name escaped"
t_expect_clean "stat hex:NAME_HEX"
t_run "$SHMSPY" stat hex:2f7
t_expect_error 2 "hex:2f7: hex: needs an even number of hex digits" \
  "an odd hex: name is a usage error"
t_run "$SHMSPY" rm "hex:$hex_b"
t_expect_rc 0 "rm hex:NAME_HEX: exit 0"
t_expect_eq "$([ -e "/dev/shm/${B#/}" ] && echo there; [ -e "/dev/shm/${A#/}" ] && echo kept)" "kept" \
  "rm hex:NAME_HEX removed that object, not its look-alike"

# file: paths too: the hex: form holds the whole NAME, prefix included.
F=$T_TMP/$'f\xff'
printf 'filedata' >"$F"
t_run "$SHMSPY" stat --json "file:$F"
fh=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("name_hex", "-"))' "$T_TMP/out")
t_expect_eq "$fh" "$(printf 'file:%s' "$F" | od -An -tx1 -v | tr -d ' \n')" \
  "stat --json of a file: name that is not UTF-8 gives name_hex of file:PATH"
t_run "$SHMSPY" dump "hex:$fh" --format raw
t_expect_eq "$T_OUT" "filedata" "hex: of a file: name opens that file"

# ---- links ------------------------------------------------------------------

echo "# fs.protected_symlinks = $(cat /proc/sys/fs/protected_symlinks 2>/dev/null || echo '?') (left as it is)"
D=$T_TMP/links
mkdir -m 0700 "$D"
S=$D/sticky
mkdir -m 1777 "$S"
V=$D/victim
printf 'victim\n' >"$V"
chmod 0644 "$V"
snap() { printf '%s %s %s' "$(cat "$V")" "$(stat -c %a:%s "$V")" "$(stat -c %F "$S/evil" 2>/dev/null)"; }

# A link of another user in the sticky directory: refused without --follow,
# and refused with it.
if [ "$(id -u)" -eq 0 ]; then
  ln -s "$V" "$S/evil"
  chown -h nobody "$S/evil"
  before=$(snap)
  for cmd in "write --str pwned" "write --as u8 1" "write --fill 0" "create 1 --force" \
    "inject flip -s 0 --journal $D/j1" "inject truncate 1 --journal $D/j2" \
    "inject chmod 0666 --journal $D/j3"; do
    # shellcheck disable=SC2086 # the words of the command
    set -- $cmd
    verb=$1
    shift
    [ "$verb" = inject ] && { verb="inject $1"; shift; }
    # shellcheck disable=SC2086 # verb is one or two words
    t_run timeout 10 "$SHMSPY" $verb "file:$S/evil" "$@"
    t_expect_error 1 "file:$S/evil: is a symbolic link to $V: not followed when writing \(--follow follows it\)" \
      "$cmd through another user's link: refused without --follow"
    # shellcheck disable=SC2086
    t_run timeout 10 "$SHMSPY" $verb "file:$S/evil" "$@" --follow
    t_expect_error 1 "file:$S/evil: is a symbolic link to $V owned by nobody in the world-writable sticky directory $S \(owner root\): not followed, even with --follow" \
      "$cmd --follow through another user's link in a sticky world-writable directory: refused"
  done
  t_expect_eq "$(snap)" "$before" "the link's target and the link are untouched"
  t_expect_eq "$(find "$D" -maxdepth 1 -name 'j*' | wc -l)" "0" "no journal was left behind"

  # A chain that ends in such a link is refused at that link.
  ln -s sticky/evil "$D/chain"
  t_run "$SHMSPY" write "file:$D/chain" --str pwned --follow
  t_expect_error 1 "file:$D/chain: leads to sticky/evil, which is a symbolic link to $V owned by nobody" \
    "write --follow through a chain ending in another user's sticky link: refused"
  t_expect_eq "$(snap)" "$before" "the target is untouched"

  # A link owned by the sticky directory's owner may be followed.
  ln -s "$V" "$S/dirowner"
  t_run "$SHMSPY" write "file:$S/dirowner" --str ok --follow
  t_expect_rc 0 "write --follow through the directory owner's link in a sticky directory: allowed"
  printf 'victim\n' >"$V"
else
  echo "# not root: the links of another user are not tested"
fi

# A link in our own directory: refused without --follow, written with it.
ln -s victim "$D/own"
t_run "$SHMSPY" write "file:$D/own" --str hi
t_expect_error 1 "file:$D/own: is a symbolic link to victim: not followed when writing" \
  "write through our own link without --follow: refused"
t_expect_eq "$(cat "$V")" "victim" "the target is untouched"
t_run "$SHMSPY" write "file:$D/own" --str hi --follow
t_expect_rc 0 "write --follow through our own link: exit 0"
t_expect_eq "$(head -c 2 "$V")/$(stat -c %F "$D/own")" "hi/symbolic link" \
  "it wrote the target; the link is still a link"
t_run "$SHMSPY" create "file:$D/own" 100 --force
t_expect_error 1 "is a symbolic link to victim: not followed" "create --force through a link: refused"
t_run "$SHMSPY" create "file:$D/own" 100 --follow
t_expect_error 2 "--follow applies only with --force" "create --follow without --force: usage error"
t_run "$SHMSPY" create "file:$D/own" 100 --force --follow
t_expect_rc 0 "create --force --follow through our own link: exit 0"
t_expect_eq "$(stat -c %s "$V")" "100" "it resized the target"
t_run timeout 10 "$SHMSPY" watch "file:$D/own" --write
t_expect_error 1 "is a symbolic link to victim: not followed when writing" \
  "watch --write through a link without --follow: refused before the screen"

# inject and its undo both need --follow.
t_run "$SHMSPY" inject flip "file:$D/own" -s 0 --journal "$D/jown" --follow
t_expect_rc 0 "inject flip --follow through our own link: exit 0"
t_expect_eq "$(head -c 1 "$V")" "i" "the flip changed the target ('h' ^ 1)"
t_run "$SHMSPY" inject undo "$D/jown"
t_expect_error 1 "is a symbolic link to victim: not followed" "inject undo without --follow: refused"
t_run "$SHMSPY" inject undo "$D/jown" --follow
t_expect_rc 0 "inject undo --follow: exit 0"
t_expect_eq "$(head -c 1 "$V")" "h" "undo restored the target"

# Nothing is created through a link, even with --follow.
ln -s "$D/new" "$D/dangling"
t_run "$SHMSPY" write "file:$D/dangling" --create 16 --str x
t_expect_error 1 "already exists" "write --create over a dangling link: refused"
t_run "$SHMSPY" write "file:$D/dangling" --create 16 --force --follow --str x
t_expect_error 1 "no such file" "write --create --force --follow through a dangling link: no such file"
t_expect_eq "$([ -e "$D/new" ] && echo created)" "" "nothing was created where the link points"

# Inside /dev/shm, --follow changes nothing: no link is ever followed.
L=$(t_name link)
ln -s "$V" "/dev/shm/${L#/}"
t_cleanup "rm -f '/dev/shm/${L#/}'"
t_run "$SHMSPY" write "$L" --str x --follow
t_expect_error 1 "is a symbolic link \(not followed\)" "a /dev/shm link is not followed even with --follow"

# Reads follow links and say where they lead; stdout holds only the bytes.
t_run "$SHMSPY" stat "file:$D/own"
t_expect_match "$T_OUT" "^link: +victim \(a symbolic link, followed\)" "stat shows link: TARGET"
t_run "$SHMSPY" stat --json "file:$D/own"
t_expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["link"])' "$T_TMP/out")" \
  "victim" "stat --json has link"
t_run "$SHMSPY" dump "file:$D/own"
t_expect_eq "$T_OUT" "$(xxd "$V")" "dump through a link: stdout is xxd's, byte for byte"
t_expect_eq "$T_ERR" "shmspy: note: file:$D/own: a symbolic link to victim (followed for reading)" \
  "and one note on stderr says where the link leads"
t_run "$SHMSPY" read "file:$D/own" --as u8
t_expect_eq "$T_OUT/$(printf '%s' "$T_ERR" | grep -c note)" "104/1" "read through a link: the value, and the note"
t_run "$SHMSPY" dump "file:$V"
t_expect_eq "$T_ERR" "" "no note for a path that is not a link"

t_done
