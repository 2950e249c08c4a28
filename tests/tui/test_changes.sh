#!/usr/bin/env bash
# test_changes.sh - a byte changed by another process appears at once,
# highlighted, and the highlight fades within a few seconds; in colour
# and in monochrome (NO_COLOR: reverse video, then bold). The status bar
# counts the change and names its offset.
# shellcheck source=../lib/tui.sh
. "$(dirname "${SPY_TESTLIB:?}")/tui.sh"

NAME=$(t_name chg)
shm_make "$NAME" 4096 || { t_fail "create $NAME"; t_done; exit; }

# attr_of OFFSET_ROW COLUMN: the SGR attributes (sorted, comma-separated)
# of the character at COLUMN (0-based) of the row at OFFSET_ROW.
attr_of() {
  printf '%s\n' "$TUI_SCREEN" | perl -e '
    my ($row, $col) = @ARGV;
    while (my $line = <STDIN>) {
      my (%a, $text, @at);
      while ($line =~ /\G(?:\e\[([0-9;]*)m|([^\e]))/gs) {
        if (defined $1) {
          for my $p (split /;/, ($1 eq "" ? "0" : $1)) {
            if ($p == 0) { %a = () }
            elsif ($p == 22) { delete $a{1}; delete $a{2} }
            elsif ($p == 27) { delete $a{7} }
            elsif ($p == 24) { delete $a{4} }
            elsif ($p == 39) { delete @a{grep { /^3[0-7]$/ } keys %a} }
            elsif ($p == 49) { delete @a{grep { /^4[0-7]$/ } keys %a} }
            else {
              delete @a{grep { /^3[0-7]$/ } keys %a} if $p =~ /^3[0-7]$/;
              delete @a{grep { /^4[0-7]$/ } keys %a} if $p =~ /^4[0-7]$/;
              $a{$p} = 1;
            }
          }
        } else {
          $text .= $2;
          push @at, join(",", sort keys %a);
        }
      }
      next unless defined $text && $text =~ /^$row  /;
      print $at[$col] // "", "\n";
      exit 0;
    }' "$(printf '%08x' "$1")" "$2"
}

# Column of the high hex digit of byte i in a 16-byte row (8-digit offset).
hexcol() { echo $((8 + 2 + 3 * $1 + $1 / 8)); }

check_fade() {
  local mode=$1 fresh_re=$2 col
  col=$(hexcol 5)
  shm_poke "$NAME" $((0x25)) "ab"
  if tui_wait '^00000020  00 00 00 00 00 ab '; then
    tui_capture -e
    local a
    a=$(attr_of $((0x20)) "$col")
    t_expect_match "$a" "$fresh_re" "$mode: the changed byte is highlighted ($a)"
    # Its neighbours are not.
    t_expect_eq "$(attr_of $((0x20)) "$(hexcol 4)")" "" "$mode: unchanged neighbour is plain"
  else
    t_fail "$mode: the changed byte appears" "$TUI_SCREEN"
  fi
  tui_expect "last change 0x25" "$mode: status bar names the offset of the change"
  # Fades: plain again within a few seconds (2 s fade, loaded machine).
  local tries=80 a=x
  while [ $tries -gt 0 ]; do
    tui_capture -e
    a=$(attr_of $((0x20)) "$col")
    [ -z "$a" ] && break
    sleep 0.1
    tries=$((tries - 1))
  done
  t_expect_eq "$a" "" "$mode: the highlight fades away"
  shm_poke "$NAME" $((0x25)) "00"
  tui_wait '^00000020  00 00 00 00 00 00 ' >/dev/null
}

command -v perl >/dev/null || { echo "SKIP: perl needed to read attributes"; exit 0; }

tui_start 100 24 NO_COLOR=1 -- watch "$NAME" --hz 20
tui_expect '^00000020 ' "watch shows the object (monochrome)"
check_fade "monochrome" '(^|,)7(,|$)'
tui_keys q
tui_expect '^EXIT:0' "q quits"

tui_start 100 24 -- watch "$NAME" --hz 20
tui_expect '^00000020 ' "watch shows the object (colour)"
check_fade "colour" '(^|,)4[0-7](,|$)'

# A byte that keeps changing stays lit.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  shm_poke "$NAME" $((0x31)) "$(printf '%02x' $((i * 7 % 256)))"
  sleep 0.15
done
tui_capture -e
t_expect_match "$(attr_of $((0x30)) "$(hexcol 1)")" '(^|,)4[0-7](,|$)' \
  "a byte that keeps changing stays lit"
tui_expect '[1-9][0-9]* B/s' "bytes changed per second is counted"

tui_keys q
tui_expect '^EXIT:0' "q quits"
t_done
