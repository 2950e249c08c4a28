#!/usr/bin/env bash
# record onto a full disk (a 256 KiB tmpfs, when root can mount one) and
# under a file size limit (ulimit -f, SIGXFSZ ignored: an EFBIG write
# error): the recording is kept up to its last whole sample, without
# index (replay --info: complete no), one error line saying so, exit 1.
# A snapshot that cannot be written whole leaves no file.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"

N=$(t_name full)
SIZE=98304 # 96 KiB: the first keyframe fits the 256 KiB tmpfs whole
shm_make "$N" "$SIZE" || { t_fail "create $N"; t_done; exit 1; }

# A writer rewriting the whole segment with random bytes, over and over
# (incompressible: the recording grows fast).
writer() {
  while :; do
    dd if=/dev/urandom of="/dev/shm${N}" bs="$SIZE" count=1 conv=notrunc \
      status=none 2>/dev/null || return
    sleep 0.02
  done
}
writer &
WPID=$!
t_cleanup "kill $WPID"

# check_kept FILE WHAT: the recording's error line, the file, its info.
check_kept() {
  local file=$1 what=$2 reason=$3 errs
  # (the start line, then exactly one error line)
  errs=$(printf '%s\n' "$T_ERR" | grep -v '^shmspy: recording ')
  if [ "$T_RC" -eq 1 ] && [ "$(printf '%s' "$errs" | grep -c '')" -eq 1 ]; then
    t_ok "$what: exit 1 with one error line"
  else
    t_fail "$what: exit 1 with one error line" "exit $T_RC" "stderr: $T_ERR"
  fi
  t_expect_match "$errs" \
    "^shmspy: .*${file##*/}: write: $reason at [0-9]+\.[0-9]{3}s: the recording up to there is kept \([0-9]+ bytes\)$" \
    "$what: the line names the file, the reason, the time and what is kept"
  if [ -s "$file" ]; then t_ok "$what: the file is kept"; else
    t_fail "$what: the file is kept" "$(ls -la "$(dirname "$file")")"
  fi
  local kept
  kept=$(printf '%s\n' "$errs" | grep -oE '\([0-9]+ bytes\)' | tr -dc 0-9)
  t_expect_eq "$(stat -c %s "$file" 2>/dev/null)" "$kept" \
    "$what: the file holds the bytes said"
  t_run "$SHMSPY" replay "$file" --info
  t_expect_rc 0 "$what: replay --info opens it"
  t_expect_match "$T_OUT" "^complete +no" "$what: it is said not complete"
  t_expect_match "$T_OUT" "^keyframes +[1-9]" "$what: its first keyframe is whole"
}

# --- a full disk ---------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
  echo "skip - full disk: not root (cannot mount a tmpfs)"
else
  MNT="$T_TMP/small"
  mkdir -p "$MNT"
  if mount -t tmpfs -o size=256k tmpfs "$MNT" 2>"$T_TMP/mount.err"; then
    t_cleanup "umount '$MNT'"
    t_run "$SHMSPY" record "$N" -o "$MNT/full.rec" --for 30s --no-compress
    check_kept "$MNT/full.rec" "full disk" "No space left on device"
    # A file whose first keyframe never fit is removed.
    rm -f "$MNT/full.rec"
    head -c 200000 /dev/zero >"$MNT/filler" 2>/dev/null
    t_run "$SHMSPY" record "$N" -o "$MNT/none.rec" --for 30s --no-compress
    t_expect_error 1 "none\.rec: write: No space left on device" \
      "no room for the first keyframe: one line, exit 1"
    if [ -e "$MNT/none.rec" ]; then t_fail "... and no file is left"
    else t_ok "... and no file is left"; fi
  else
    echo "skip - full disk: mount of a tmpfs failed: $(cat "$T_TMP/mount.err")"
  fi
fi

# --- a file size limit (ulimit -f, in KiB) ---------------------------------
t_run bash -c "ulimit -f 200; exec \"\$0\" record \"\$1\" -o \"\$2\" --for 30s --no-compress" \
  "$SHMSPY" "$N" "$T_TMP/limit.rec"
check_kept "$T_TMP/limit.rec" "ulimit -f" "File too large"

t_run bash -c "ulimit -f 16; exec \"\$0\" snapshot \"\$1\" -o \"\$2\" --no-compress" \
  "$SHMSPY" "$N" "$T_TMP/snap.rec"
if [ "$T_RC" -eq 1 ]; then t_ok "snapshot over ulimit -f: exit 1, not killed"
else t_fail "snapshot over ulimit -f: exit 1, not killed" "exit $T_RC: $T_ERR"; fi
t_expect_match "$T_ERR" "snap\.rec: write: File too large" \
  "snapshot over ulimit -f: the reason is said"
if [ -e "$T_TMP/snap.rec" ]; then t_fail "snapshot over ulimit -f: no file is left"
else t_ok "snapshot over ulimit -f: no file is left"; fi

t_done
