#!/usr/bin/env bash
# test_core_symbols.sh ARCHIVE - the layering check: every symbol the core
# library (src/core/) takes from outside itself must be a C library
# function of the allow-list below. A core file that calls open, getpid,
# a curses or a backend function fails here, naming the file and symbol.
set -euo pipefail
archive=${1:?usage: test_core_symbols.sh libshmspy_core.a}

# ISO C library functions core may use (and what compilers and sanitizers
# emit on their own: stack protector, __*_chk fortify variants, builtins).
allowed='^(mem(cpy|move|set|cmp|chr)|str(len|nlen|cmp|ncmp|chr|rchr|str|spn|cspn|tol|toul|toull|toll|tod|tof|error|ncpy|dup)|(v?s?n?printf|vsnprintf|snprintf|sprintf|fprintf|fputs|fputc|putc|fwrite|fflush|putchar|puts)|(malloc|calloc|realloc|free|abort|qsort|bsearch)|(isalnum|isalpha|isdigit|isxdigit|isspace|isprint|tolower|toupper)|__ctype_b_loc|__ctype_tolower_loc|__ctype_toupper_loc|(getenv|localeconv|localtime|localtime_r|gmtime|gmtime_r|strftime|mktime|time)|(ldexp|frexp|fabs|floor|ceil|isnan|isinf|nan|nanf|pow|log10|fmod|modf)|__errno_location|__stack_chk_fail|__[a-z_]*_chk|__isoc99_[a-z]+|__isoc23_[a-z]+|__cpu_model|__cpu_indicator_init|__cpu_features2|__sanitizer_[a-z_0-9]+|__asan_[a-z_0-9]+|__ubsan_[a-z_0-9]+|__tsan_[a-z_0-9]+|__sancov_[a-z_0-9]+|_GLOBAL_OFFSET_TABLE_|stdout|stderr|stdin)$'

bad=0
own=$(nm --defined-only "$archive" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u)
while read -r obj sym; do
  if grep -qxF "$sym" <<<"$own"; then continue; fi
  if [[ $sym =~ $allowed ]]; then continue; fi
  echo "core layering: $obj references $sym (not a C library function core may use)"
  bad=1
done < <(nm -A --undefined-only "$archive" | sed -E 's/^[^:]*:([^:]+): *U /\1 /')
if [ "$bad" -ne 0 ]; then
  echo "src/core/ must stay pure C11: move OS, curses and backend calls to src/backends/ or src/ops/" >&2
  exit 1
fi
echo "core layering: $(wc -w <<<"$own") symbols defined, every outside reference allowed"
