# bash completion for shmspy
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
  case "$prev" in
  --format) mapfile -t COMPREPLY < <(compgen -W "xxd canonical raw" -- "$cur"); return ;;
  --kind) mapfile -t COMPREPLY < <(compgen -W "posix sysv win all" -- "$cur"); return ;;
  --as) mapfile -t COMPREPLY < <(compgen -W \
      "i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:" -- "$cur"); return ;;
  --file) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
  -s | -n | -k | --bit | --seed | --hz | --mode | --create | --str | --hex | --fill) return ;;
  esac
  local opts
  case "$cmd" in
  list) opts="--json --kind" ;;
  stat) opts="--json" ;;
  dump) opts="-s -n --format" ;;
  read) opts="-s -n --as --be" ;;
  write) opts="-s -n --as --be --str --hex --file --fill --create --mode --force --hold --keep" ;;
  create) opts="--mode --force" ;;
  rm) opts="" ;;
  watch) opts="--hz --write" ;;
  probe) opts="-n --write --json" ;;
  inject)
    if [ "$COMP_CWORD" -eq 2 ]; then
      mapfile -t COMPREPLY < <(compgen -W "flip set corrupt truncate unlink chmod undo" -- "$cur")
      return
    fi
    if [ "${COMP_WORDS[2]}" = undo ] || [ "$prev" = --journal ]; then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
    fi
    opts="-s -n -k --bit --seed --hex --str --as --be --journal" ;;
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
