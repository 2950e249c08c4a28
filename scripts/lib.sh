# shellcheck shell=bash
# scripts/lib.sh - what the scripts share: installing the Debian/Ubuntu
# packages a script needs. Source it (bash, after `set -euo pipefail`):
#
#   . "$(dirname "$0")/lib.sh"
#   spy_require NAME PACKAGE:PROOF...
#
# spy_require NAME PACKAGE:PROOF...
#   Makes sure every PACKAGE is installed, judged by its PROOF: an absolute
#   path (a file the package installs: installed when it exists) or a bare
#   command name (installed when `command -v` finds it); an empty PROOF
#   counts as missing. With every proof present it does nothing and
#   returns 0. Otherwise, for the packages missing (each named once, in the
#   order given):
#   - as root: installs them with apt-get (update, then install -y
#     --no-install-recommends, DEBIAN_FRONTEND=noninteractive), saying
#     "NAME: installing PKG..." on stderr; returns 0, or apt-get's failure;
#   - as any other user: prints on stderr
#       NAME: missing packages: PKG...
#       Install them with:
#         sudo apt-get update && sudo apt-get install -y PKG...
#     and returns 1, installing nothing (under set -e: the script stops).
#   NAME is the script's name for these messages (setup, fuzz, ...).
#
# spy_install NAME PACKAGE...
#   The same for packages already known to be missing (a script that
#   judges them itself, as scripts/fuzz does for the clang runtime). No
#   PACKAGE: does nothing.
#
# spy_missing PACKAGE:PROOF...
#   Prints the packages whose proof is absent, one a line; installs nothing.

# spy_missing PACKAGE:PROOF...: see above.
spy_missing() {
  local entry pkg proof
  for entry in "$@"; do
    pkg=${entry%%:*}
    proof=${entry#*:}
    case "$proof" in
    /*) [ -e "$proof" ] && continue ;;
    ?*) command -v "$proof" >/dev/null 2>&1 && continue ;;
    esac
    echo "$pkg"
  done | awk '!seen[$0]++'
}

# spy_install NAME PACKAGE...: see above.
spy_install() {
  local name=$1
  shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$name: missing packages: $*" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $*" >&2
    return 1
  fi
  echo "$name: installing $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "$@" >/dev/null
}

# spy_require NAME PACKAGE:PROOF...: see above.
spy_require() {
  local name=$1 missing
  shift
  missing=$(spy_missing "$@")
  # shellcheck disable=SC2086 # one package name a line, no spaces in them
  spy_install "$name" $missing
}
