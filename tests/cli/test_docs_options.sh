#!/usr/bin/env bash
# The man page's SYNOPSIS and the bash completion offer exactly the options
# of each command's table (`shmspy --list-options`): any drift fails,
# naming the command and the option.
# shellcheck source=../lib/common.sh
. "${SPY_TESTLIB:?}"
ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)
MAN=$ROOT/docs/shmspy.1
COMP=$ROOT/completions/shmspy.bash
# The completion asks shmspy for the live NAMEs and demo's scenarios.
PATH=$(dirname "$SHMSPY"):$PATH

N=$(t_name docopts)
t_cleanup "rm -f /dev/shm$N"
"$SHMSPY" create "$N" 16 || exit 1

cmds=$("$SHMSPY" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }')
t_run "$SHMSPY" --list-options
t_expect_rc 0 "--list-options prints the tables"
TABLE=$T_OUT
t_expect_match "$TABLE" "^dump --offset num$" "--list-options names each spelling and kind"
t_run "$SHMSPY" --list-options frobnicate
t_expect_error 2 "unknown command 'frobnicate'" "--list-options of an unknown command"

# Sorted, unique, non-empty lines of $1.
set_of() { printf '%s\n' "$1" | grep -v '^$' | sort -u; }

# The option spellings of CMD in the table.
table_opts() { printf '%s\n' "$TABLE" | awk -v c="$1" '$1 == c { print $2 }'; }

# The option spellings in the SYNOPSIS lines of CMD in man page $2: a line
# ".B shmspy CMD ..." and the lines after it up to the next command.
man_opts() {
  awk -v c="$1" '
    /^\.SH SYNOPSIS/ { on = 1; next }
    /^\.SH / { on = 0 }
    !on { next }
    /^\.B shmspy/ { cur = $3 }
    cur == c { print }
  ' "$2" | grep -oE '\\-\\-[a-z][a-z-]*|\\-[a-zA-Z]' | tr -d '\\'
}

# What completion file $1 offers for the last of the words $2...
complete_words() {
  bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
           _shmspy; printf "%s\n" "${COMPREPLY[@]}"' "$@" | grep -v '^$' | sort -u
}

# The words before an option of CMD: inject takes its FAULT first.
words_of() { if [ "$1" = inject ]; then echo "shmspy inject flip"; else echo "shmspy $1"; fi; }

# same_set DESC WHERE TABLE_SET OTHER_SET: fails naming what WHERE lacks
# and what it has that the table does not.
same_set() {
  local lacks has
  lacks=$(comm -23 <(set_of "$3") <(set_of "$4") | tr '\n' ' ')
  has=$(comm -13 <(set_of "$3") <(set_of "$4") | tr '\n' ' ')
  local why=()
  [ -z "$lacks" ] || why+=("$2 lacks: $lacks")
  [ -z "$has" ] || why+=("$2 has, not in the table: $has")
  if [ ${#why[@]} -eq 0 ]; then t_ok "$1"; else t_fail "$1" "${why[@]}"; fi
}

# check_man MAN: the SYNOPSIS of every command names its table's options.
check_man() {
  local c
  for c in $cmds; do
    same_set "man page SYNOPSIS of $c: the options of its table" \
      "the SYNOPSIS of $c" "$(table_opts "$c")" "$(man_opts "$c" "$1")"
  done
}

# check_completion FILE: the completion offers each command's options,
# completes each option's value (choices of an enum, TYPEs, files; never
# NAMEs after an option that takes a value) and nothing special after a
# flag. (test_completion.sh drives zsh and fish, and holds all three files
# to what `shmspy --completion` prints.)
check_completion() {
  local c w line sp kind choices plain got
  for c in $cmds; do
    w=$(words_of "$c")
    # shellcheck disable=SC2086
    got=$(complete_words "$1" $w - | grep -vx -e --help -e -h)
    same_set "bash completion of $c: the options of its table" \
      "the completion of $c" "$(table_opts "$c")" "$got"
    # What the word "$N" completes to where no option wants a value: $N
    # itself (other tests' objects come and go, so only ours is asked for).
    # shellcheck disable=SC2086
    plain=$(complete_words "$1" $w "$N")
    while read -r line; do
      read -r _ sp kind choices <<<"$line"
      case $kind in
      flag)
        # shellcheck disable=SC2086
        got=$(complete_words "$1" $w "$sp" "$N")
        t_expect_eq "$got" "$plain" "completion: $c $sp takes no value" ;;
      enum | type)
        # shellcheck disable=SC2086
        got=$(complete_words "$1" $w "$sp" "")
        t_expect_eq "$got" "$(set_of "$(tr ' ' '\n' <<<"$choices")")" \
          "completion: $c $sp offers its choices" ;;
      file)
        # shellcheck disable=SC2086
        got=$(complete_words "$1" $w "$sp" "compl")
        t_expect_eq "$got" "compl-file" "completion: $c $sp offers files" ;;
      *)
        # shellcheck disable=SC2086
        got=$(complete_words "$1" $w "$sp" "$N")
        t_expect_nomatch "$got" "^$N\$" "completion: $c $sp takes a value" ;;
      esac
    done < <(printf '%s\n' "$TABLE" | awk -v c="$c" '$1 == c')
  done
}

cd "$T_TMP" || exit 1
: >compl-file
t_expect_eq "$(complete_words "$COMP" shmspy stat "$N")" "$N" \
  "completion offers a NAME where no option wants a value"
check_man "$MAN"
check_completion "$COMP"

# The checks see drift: a man page and a completion that lost an option
# each fail, naming it.
sed 's/^\.RB \[ \\-s | \\-\\-offset$/.RB [ \\-s/' "$MAN" >"$T_TMP/bait.1"
out=$(check_man "$T_TMP/bait.1")
t_expect_match "$out" "FAIL - man page SYNOPSIS of dump" "a man page without --offset for dump fails"
t_expect_match "$out" "lacks: --offset" "and names --offset"
# shellcheck disable=SC2016 # the words of the completion script
sed 's/^    dump) _shmspy_add "$cur" -s --offset /    dump) _shmspy_add "$cur" -s --bogus /' \
  "$COMP" >"$T_TMP/bait.bash"
out=$(check_completion "$T_TMP/bait.bash")
t_expect_match "$out" "FAIL - bash completion of dump" "a completion without --offset for dump fails"
t_expect_match "$out" "lacks: --offset" "and names --offset"
t_expect_match "$out" "has, not in the table: --bogus" "and --bogus"
t_expect_eq "$(grep -c '^FAIL' <<<"$out")" "1" "and nothing else"
t_done
