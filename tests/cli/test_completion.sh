#!/usr/bin/env bash
# The completions of bash, zsh and fish: completions/ holds exactly what
# `shmspy --completion SHELL` prints from the option tables (run
# scripts/completions after changing a table), and each shell, run for
# real, offers the commands, the options, enum and TYPE values, files
# where a file is wanted, and the live NAMEs (from `shmspy --list-names`,
# spelt so that no shell expands them).
# shellcheck source=../lib/common.sh
. "${SPY_TESTLIB:?}"
ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)
COMP=$ROOT/completions
# The scripts ask the shmspy on PATH for NAMEs and demo's scenarios.
PATH=$(dirname "$SHMSPY"):$PATH
# zsh and fish are Debian packages (scripts/setup installs them too).
# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"
spy_require test_completion zsh:/usr/bin/zsh fish:/usr/bin/fish >/dev/null ||
  { t_fail "zsh and fish are installed" "see the apt-get command above"; t_done; exit; }

# ---- drift ----------------------------------------------------------------
for sh in bash:shmspy.bash zsh:_shmspy fish:shmspy.fish; do
  "$SHMSPY" --completion "${sh%%:*}" >"$T_TMP/gen"
  if diff -u "$COMP/${sh#*:}" "$T_TMP/gen" >"$T_TMP/diff"; then
    t_ok "completions/${sh#*:} is what 'shmspy --completion ${sh%%:*}' prints"
  else
    t_fail "completions/${sh#*:} is what 'shmspy --completion ${sh%%:*}' prints" \
      "it drifted: run scripts/completions" "$(head -20 "$T_TMP/diff")"
  fi
done
t_run "$SHMSPY" --completion tcsh
t_expect_error 2 "say bash, zsh or fish" "--completion of an unknown shell"

# ---- live names -------------------------------------------------------------
N=$(t_name compl)
# shellcheck disable=SC2016 # the name holds a $( ) that must never run
ODD=$(t_name 'a b$(touch x)*')
t_cleanup "rm -f '/dev/shm$N'"
t_cleanup "rm -f '/dev/shm$ODD'"
"$SHMSPY" create "$N" 16 || exit 1
"$SHMSPY" create "$ODD" 16 || exit 1
t_run "$SHMSPY" --list-names
t_expect_rc 0 "--list-names runs"
t_expect_match "$T_OUT" "^$N\$" "--list-names lists a plain name as it is"
odd_hex=hex:$(printf '%s' "$ODD" | od -An -tx1 -v | tr -d ' \n')
t_expect_match "$T_OUT" "^$odd_hex\$" "and a name with blanks, \$( and * as hex:"
t_expect_nomatch "$T_OUT" "[^-a-zA-Z0-9/._:+@%,]" "every line is safe for a shell word"
t_run "$SHMSPY" stat "$odd_hex"
t_expect_rc 0 "the hex: spelling names the object"

# ---- each shell ----------------------------------------------------------
cd "$T_TMP" || exit 1
mkdir jdir && : >jdir/lab.journal

# What bash offers for the words $@ (the last one being completed).
bash_offers() {
  bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
           _shmspy; printf "%s\n" "${COMPREPLY[@]}"' "$COMP/shmspy.bash" "$@" |
    grep -v '^$' | sort -u
}
# What zsh offers for the line $* (tests/lib/complete.zsh).
zsh_offers() {
  zsh "$(dirname "$SPY_TESTLIB")/complete.zsh" "$COMP" "$@" | grep -v '^$' |
    sed 's/[[:space:]]*$//' | sort -u
}
# What fish offers for the line $* (complete -C), without descriptions.
fish_offers() {
  # shellcheck disable=SC2016 # fish's variables
  fish --no-config -c 'source $argv[1]; complete -C "$argv[2]"' \
    "$COMP/shmspy.fish" "$*" | cut -f1 | grep -v '^$' | sort -u
}

# check SHELL DESC EXPECTED-REGEX WORDS...: SHELL offers a candidate
# matching the regex for the line WORDS.
check() {
  local sh=$1 desc=$2 re=$3 got
  shift 3
  got=$("${sh}_offers" "$@")
  t_expect_match "$got" "$re" "$sh: $desc"
}
# check_set SHELL DESC EXPECTED WORDS...: exactly the EXPECTED words.
check_set() {
  local sh=$1 desc=$2 want got
  want=$(tr ' ' '\n' <<<"$3" | sort -u)
  shift 3
  got=$("${sh}_offers" "$@")
  t_expect_eq "$got" "$want" "$sh: $desc"
}

for sh in bash zsh fish; do
  check "$sh" "the commands" "^stat$" shmspy st
  check_set "$sh" "the options of dump" \
    "-s --offset -n --length -f --format -h --help --type --header --cflags --from --layout --no-cache --count --json" \
    shmspy dump -
  check_set "$sh" "the choices of --format" "xxd canonical raw" shmspy dump --format ""
  check_set "$sh" "the choices of list -k" "posix sysv win memfd anon file all" shmspy list -k ""
  check_set "$sh" "the TYPEs of write --as" \
    "i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:" shmspy write "$N" --as ""
  check_set "$sh" "a live NAME" "$N" shmspy stat "${N%???}"
  check_set "$sh" "a NAME after options and their values" "$N" \
    shmspy dump -s 16 --format raw "${N%???}"
  check_set "$sh" "a second NAME for rm" "$N" shmspy rm "$N" "${N%???}"
  check_set "$sh" "a NAME with blanks, as hex:" "$odd_hex" shmspy stat "${odd_hex%????}"
  check_set "$sh" "nothing after an option that takes a number" "" \
    shmspy dump -s "${N%???}"
  check_set "$sh" "the FAULTs of inject" \
    "flip set corrupt truncate unlink chmod undo" shmspy inject ""
  check_set "$sh" "a NAME after inject flip" "$N" shmspy inject flip "${N%???}"
  check "$sh" "a journal after inject undo" "lab.journal$" shmspy inject undo jdir/
  check "$sh" "a file after write --file" "lab.journal$" shmspy write "$N" --file jdir/
  check "$sh" "demo's scenarios" "^null-deref$" shmspy demo nu
done
if [ -e x ]; then t_fail "no completion ran a name's \$(...)"; else
  t_ok "no completion ran a name's \$(...)"; fi
t_done
