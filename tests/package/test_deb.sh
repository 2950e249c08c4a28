#!/usr/bin/env bash
# ctest-labels: package
# The Debian package: CPack builds it from this build tree; lintian finds
# no error or warning; dpkg installs it into a clean root (a scratch
# directory holding this machine's package database and the files of the
# packages it depends on, nothing else); shmspy --version and shmspy list
# run from that root, chrooted in a user namespace; dpkg --purge removes
# it, leaving no file behind. Exit 77 (skipped) without dpkg-dev, lintian
# or user namespaces, unless SPY_PACKAGE_REQUIRED=1 (scripts/test's
# package stage, which installs them first).
# shellcheck source=../lib/common.sh
. "${SPY_TESTLIB:?}"
: "${SPY_BUILD_DIR:?SPY_BUILD_DIR must point at the build tree}"

missing=""
for tool in cpack dpkg-deb dpkg-shlibdeps lintian unshare; do
  command -v "$tool" >/dev/null || missing+=" $tool"
done
unshare -rm true 2>/dev/null || missing+=" user-namespaces"
if [ -n "$missing" ]; then
  if [ "${SPY_PACKAGE_REQUIRED:-0}" = 1 ]; then
    t_fail "the package test needs:$missing"
    t_done
  fi
  echo "skip - the package test needs:$missing (scripts/test installs them)"
  exit 77
fi

# ---- build it ------------------------------------------------------------
OUT=$T_TMP/out-deb
t_run cpack -G DEB -B "$OUT" --config "$SPY_BUILD_DIR/CPackConfig.cmake"
t_expect_rc 0 "cpack -G DEB builds the package"
DEB=$(find "$OUT" -maxdepth 1 -name 'shmspy_*.deb' | head -n 1)
t_expect_match "$DEB" "/shmspy_[0-9]+\.[0-9]+\.[0-9]+_[a-z0-9]+\.deb$" "it is named shmspy_VERSION_ARCH.deb"
[ -n "$DEB" ] || t_done
VERSION=$("$SHMSPY" --version | sed -n '1s/^shmspy //p')
t_expect_eq "$(dpkg-deb -f "$DEB" Version)" "$VERSION" "its version is the project's"
depends=$(dpkg-deb -f "$DEB" Depends)
t_expect_match "$depends" "libc6 \(>= [0-9.]+\)" "Depends is computed: libc6 with a version"
t_expect_match "$depends" "libncurses|libtinfo" "Depends is computed: the curses library"
t_expect_match "$depends" "libzstd1" "Depends is computed: zstd (recordings)"
files=$(dpkg-deb -c "$DEB" | awk '{ print $6 }')
for f in ./usr/bin/shmspy ./usr/share/man/man1/shmspy.1.gz \
  ./usr/share/bash-completion/completions/shmspy \
  ./usr/share/doc/shmspy/copyright ./usr/share/doc/shmspy/changelog.gz \
  ./usr/share/doc/shmspy/README.md ./usr/share/doc/shmspy/architecture.md; do
  t_expect_match "$files" "^${f//./\\.}$" "the package holds ${f#.}"
done

# ---- lintian ---------------------------------------------------------------
# Errors and warnings fail. Suppressed, each an info tag of this build
# only: hardening-no-fortify-functions and hardening-no-bindnow, because
# the build under test is configured without dpkg-buildflags (scripts/
# package uses them, and its package has no tag; cmake/packaging.cmake).
t_run lintian --fail-on error,warning --info \
  --suppress-tags hardening-no-fortify-functions,hardening-no-bindnow "$DEB"
t_expect_rc 0 "lintian: no error or warning"
t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -E '^[EWI]: ' || true)" "" \
  "lintian: no tag at all, info included"

# ---- a clean root ------------------------------------------------------------
# This machine's package database, so that dpkg judges Depends as here;
# the library files of those dependencies (dpkg -L), /etc/passwd and
# /etc/group for owner names, and empty /dev/shm, /proc and /tmp to mount.
R=$T_TMP/root
mkdir -p "$R"/var/lib/dpkg/{info,updates,triggers} "$R"/var/log \
  "$R"/etc "$R"/dev/shm "$R"/proc "$R"/tmp
cp /var/lib/dpkg/status "$R"/var/lib/dpkg/status
: >"$R"/var/lib/dpkg/available
cp /etc/passwd /etc/group "$R"/etc/
# /lib, /lib64... are links into /usr on a merged-/usr system: the same
# links in the root, and each file copied where it really lies.
for d in bin sbin lib lib32 lib64 libx32; do
  [ -L "/$d" ] && ln -s "$(readlink "/$d")" "$R/$d"
done
copy_in() {
  local real
  real=$(readlink -f "$(dirname "$1")")/$(basename "$1")
  [ -e "$R$real" ] || [ -L "$R$real" ] || cp -a --parents "$real" "$R"
}
# The packages of Depends and, as apt would install them, theirs (libdw1
# needs libelf1, zlib1g, liblzma5, libbz2-1.0 ...): a breadth-first walk
# of the installed packages' Depends (alternatives: the first installed).
pkg_names() { tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//; s/:.*//' | awk 'NF'; }
closure=" "
queue=$(printf '%s\n' "$depends" | pkg_names)
while [ -n "$queue" ]; do
  next=""
  for pkg in $queue; do
    case "$closure" in *" $pkg "*) continue ;; esac
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || continue
    closure="$closure$pkg "
    next="$next $(dpkg-query -W -f='${Pre-Depends}, ${Depends}' "$pkg" 2>/dev/null | pkg_names | tr '\n' ' ')"
  done
  queue=$next
done
for pkg in $closure; do
  dpkg -L "${pkg%%:*}" 2>/dev/null |
    grep -E '^/(usr/)?lib(32|64|x32)?/[^ ]*\.so[0-9.]*$' |
    while read -r f; do if [ -f "$f" ] || [ -L "$f" ]; then copy_in "$f"; fi; done
done
snapshot() { (cd "$R" && find . -path ./var/lib/dpkg -prune -o -path ./var/log -prune -o -print | sort); }
before=$(snapshot)

DPKG=(dpkg --root="$R" --force-not-root --log=/dev/null)
t_run "${DPKG[@]}" --install "$DEB"
t_expect_rc 0 "dpkg --root installs it into the clean root, Depends satisfied"
t_expect_match "$("${DPKG[@]}" -s shmspy 2>&1)" "^Status: install ok installed$" \
  "dpkg records it as installed"
t_expect_eq "$(test -x "$R/usr/bin/shmspy" && echo yes)" yes "/usr/bin/shmspy is in the root"

# Run it from the root: chrooted, in a user and mount namespace where
# /dev/shm and /proc are this machine's (list reads them).
N=$(t_name pkg)
t_cleanup "rm -f /dev/shm$N"
"$SHMSPY" create "$N" 4K
in_root() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare -rm --propagation private sh -c '
    R=$1; shift
    mount --bind /dev/shm "$R/dev/shm" && mount --rbind /proc "$R/proc" &&
      exec chroot "$R" "$@"' sh "$R" "$@"
}
t_run in_root /usr/bin/shmspy --version
t_expect_rc 0 "shmspy --version runs in the root"
t_expect_match "$T_OUT" "^shmspy $VERSION$" "and says the version"
t_expect_match "$T_OUT" "^tui: yes" "and its features"
t_run in_root /usr/bin/shmspy list --kind posix
t_expect_rc 0 "shmspy list runs in the root"
t_expect_match "$T_OUT" "^$N " "and lists this machine's objects"
t_run in_root /bin/true
t_expect_eq "$T_RC" 127 "nothing else is in the root (no /bin/true)"

# ---- remove it ---------------------------------------------------------------
t_run "${DPKG[@]}" --purge shmspy
t_expect_rc 0 "dpkg --purge removes it"
t_expect_match "$("${DPKG[@]}" -s shmspy 2>&1)" "not installed|no information" \
  "dpkg records it as gone"
after=$(snapshot)
t_expect_eq "$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after"))" "" \
  "no file or directory of it is left in the root"
t_expect_eq "$(find "$R"/var/lib/dpkg/info -name 'shmspy.*')" "" \
  "no file of it is left in dpkg's database"
t_done
