# bash completion for shmspy
#
# The options of each command are those of its table in src/cli
# (`shmspy --list-options CMD`); tests/cli/test_docs.sh runs this function
# against that list and fails naming any drift.
_shmspy_names() {
  local f
  for f in /dev/shm/*; do
    [ -e "$f" ] || continue
    printf '/%s\n' "${f#/dev/shm/}"
  done
}

_shmspy() {
  local cur prev cmd
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W \
      "list stat dump read write create rm watch probe demo inject help --help --version" -- "$cur")
    return
  fi
  cmd=${COMP_WORDS[1]}
  # The value of an option that takes one: its choices, files, or nothing.
  case "$cmd:$prev" in
  dump:-f | dump:--format)
    mapfile -t COMPREPLY < <(compgen -W "xxd canonical raw" -- "$cur"); return ;;
  list:-k | list:--kind)
    mapfile -t COMPREPLY < <(compgen -W "posix sysv win all" -- "$cur"); return ;;
  read:-t | read:--as | write:-t | write:--as | inject:-t | inject:--as)
    mapfile -t COMPREPLY < <(compgen -W \
      "i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:" -- "$cur"); return ;;
  write:--file | inject:--journal)
    mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
  *:-s | *:--offset | *:-n | *:--length | inject:-k | inject:--count | \
    inject:--bit | inject:--seed | watch:--hz | create:-m | *:--mode | \
    write:--create | *:--str | *:--hex | write:--fill)
    return ;;
  esac
  local opts
  case "$cmd" in
  list) opts="--json -k --kind" ;;
  stat) opts="--json" ;;
  dump) opts="-s --offset -n --length -f --format" ;;
  read) opts="-s --offset -t --as --be -n --length" ;;
  write) opts="-t --as --str --hex --file --fill -s --offset -n --length --be --create --mode --force --follow --hold --keep" ;;
  create) opts="-m --mode -f --force --follow" ;;
  rm) opts="" ;;
  watch) opts="--hz -w --write --force --follow" ;;
  probe) opts="-n --length -w --write --json" ;;
  inject)
    if [ "$COMP_CWORD" -eq 2 ]; then
      mapfile -t COMPREPLY < <(compgen -W "flip set corrupt truncate unlink chmod undo" -- "$cur")
      return
    fi
    if [ "${COMP_WORDS[2]}" = undo ]; then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
    fi
    opts="-s --offset --bit --hex --str -t --as --be -k --count --seed -n --length --journal --follow" ;;
  demo)
    if [[ "$cur" != -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "all $(shmspy demo 2>/dev/null | cut -d' ' -f1)" -- "$cur")
      return
    fi
    opts="--json" ;;
  esac
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts --help" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_shmspy_names)" -- "$cur")
  fi
}
complete -F _shmspy shmspy
