#!/usr/bin/env bash
# cmake --install puts the binary, the man page, the completion and the docs
# in place.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
ROOT=$(cd "$(dirname "$SPY_TESTLIB")/../.." && pwd)
: "${SPY_BUILD_DIR:?SPY_BUILD_DIR must point at the build tree}"

t_run cmake --install "$SPY_BUILD_DIR" --prefix "$T_TMP/prefix"
t_expect_rc 0 "cmake --install into a private prefix"
t_expect_eq "$(test -x "$T_TMP/prefix/bin/shmspy" && echo yes)" "yes" "bin/shmspy is installed"
t_expect_eq "$(gzip -dc "$T_TMP/prefix/share/man/man1/shmspy.1.gz" | cmp - "$ROOT/docs/shmspy.1" && echo yes)" "yes" \
  "the man page is installed, gzipped"
t_expect_eq "$(test -s "$T_TMP/prefix/share/doc/shmspy/README.md" && echo yes)" "yes" \
  "the docs are installed"
t_expect_eq "$(test -s "$T_TMP/prefix/share/bash-completion/completions/shmspy" && echo yes)" \
  "yes" "the bash completion is installed"
t_expect_eq "$(test -s "$T_TMP/prefix/share/zsh/site-functions/_shmspy" && echo yes)" \
  "yes" "the zsh completion is installed"
t_expect_eq "$(test -s "$T_TMP/prefix/share/fish/vendor_completions.d/shmspy.fish" && echo yes)" \
  "yes" "the fish completion is installed"
t_run "$T_TMP/prefix/bin/shmspy" --version
t_expect_rc 0 "the installed binary runs"

# The completion offers commands and object names (which it asks the
# shmspy on PATH for).
PATH=$T_TMP/prefix/bin:$PATH
N=$(t_name compl)
t_cleanup "rm -f /dev/shm$N"
"$SHMSPY" create "$N" 16
out=$(bash -c 'source "$1"; COMP_WORDS=(shmspy st); COMP_CWORD=1; _shmspy; printf "%s\n" "${COMPREPLY[@]}"' _ \
  "$T_TMP/prefix/share/bash-completion/completions/shmspy")
t_expect_match "$out" "^stat$" "completion of 'st' offers stat"
out=$(bash -c 'source "$1"; COMP_WORDS=(shmspy dump "$2"); COMP_CWORD=2; _shmspy; printf "%s\n" "${COMPREPLY[@]}"' _ \
  "$T_TMP/prefix/share/bash-completion/completions/shmspy" "${N%???}")
t_expect_match "$out" "^$N$" "completion of a NAME offers the object"
t_done
