#!/usr/bin/env zsh
# tests/lib/complete.zsh DIR WORDS...: what zsh's completion system offers
# for the command line WORDS (joined by spaces; end with an empty word to
# complete a new word), with the completion functions of DIR first in
# $fpath: one candidate a line, sorted. It types the line into an
# interactive zsh on a pseudo-terminal (zpty) and presses Tab; compadd is
# wrapped to record every match it adds. Exit 1 when no completion ran
# within 10 seconds.
emulate -L zsh
zmodload zsh/zpty || exit 2
local dir=$1 tmp=$(mktemp -d) i
shift
local line="${(j: :)@}"
zpty spy zsh -f -i
zpty -w spy "PS1=''; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -d ${(q)tmp}/dump"
# Matches added by the functions: compadd -O stores them without adding;
# a call that already asks for its matches in an array is passed on.
zpty -w spy "compadd() { if (( \${argv[(I)-[OAD]]} )); then builtin compadd \"\$@\"; return; fi; local -a m; builtin compadd -O m \"\$@\"; print -rl -- \$m >>${(q)tmp}/out; builtin compadd \"\$@\"; }"
zpty -w spy "spy_done() { print -r -- SPY-DONE >>${(q)tmp}/out; }"
zpty -w spy "comppostfuncs=(spy_done)"
zpty -w -n spy "$line"$'\t'
for ((i = 0; i < 100; i++)); do
  [[ -f $tmp/out ]] && grep -qx SPY-DONE $tmp/out && break
  sleep 0.1
done
zpty -d spy
if ! grep -qx SPY-DONE $tmp/out 2>/dev/null; then rm -rf $tmp; exit 1; fi
grep -vx SPY-DONE $tmp/out | sort -u
rm -rf $tmp
