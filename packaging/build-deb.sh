#!/usr/bin/env bash
# Builds the Debian package plenum_VERSION_ARCH.deb (and its -dbgsym) from
# this tree, with `dpkg-buildpackage -b -us -uc`, into OUT-DIR (default:
# the current directory).
#
#   packaging/build-deb.sh [--install-build-deps] [--out=OUT-DIR]
#
# --install-build-deps installs debian/control's Build-Depends first
#   (`apt-get build-dep` on the copy; needs root), and npm if missing.
#
# dpkg-buildpackage wants ./debian at the source root, while this
# repository keeps it in packaging/debian: the build runs in a copy of the
# tree (without build-*/ and .git, so no object directory lands in the
# checkout) in which packaging/debian is copied to ./debian.
#
# The watch page's hls.js is not in Debian 12, and a Debian build must not
# download: this script gets it before the build, with `npm ci` in web/
# (the version and checksum pinned by web/package-lock.json), unless the
# tree's web/node_modules is already up to date with the lock file (as
# scripts/serve.sh leaves it); debian/rules installs hls.min.js from there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

install_deps=0
out=$PWD
for arg in "$@"; do
  case "$arg" in
    --install-build-deps) install_deps=1 ;;
    --out=*) out=${arg#--out=} ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument $arg" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { echo "build-deb: $(date -u +%H:%M:%S) $*"; }

version=$(dpkg-parsechangelog -l "$repo/packaging/debian/changelog" -S Version 2>/dev/null ||
  sed -n '1s/^plenum (\([^)]*\)).*/\1/p' "$repo/packaging/debian/changelog")
upstream=${version%-*}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/plenum-deb.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
src="$work/plenum-$upstream"
mkdir -p "$src"

# The tree as committed or being worked on, without anything built or
# fetched in it.
tar -C "$repo" --exclude=./.git --exclude='./build-*' --exclude='./obj-*' --exclude=./debian \
  --exclude=./web/node_modules --exclude=./data --exclude=./recordings -cf - . | tar -C "$src" -xf -
cp -a "$src/packaging/debian" "$src/debian"

if [[ -f "$repo/web/node_modules/.package-lock.json" &&
  "$repo/web/node_modules/.package-lock.json" -nt "$repo/web/package-lock.json" ]]; then
  cp -a "$repo/web/node_modules" "$src/web/node_modules"
else
  if ! command -v npm >/dev/null; then
    if ((install_deps)); then
      say "installing npm (to fetch hls.js before the build)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
    else
      echo "build-deb: npm is needed to fetch web/'s hls.js (apt-get install npm, or --install-build-deps)" >&2
      exit 1
    fi
  fi
  say "npm ci in web/ (hls.js for the watch page)"
  (cd "$src/web" && npm ci --no-audit --no-fund --loglevel=error)
fi

if ((install_deps)); then
  say "apt-get build-dep (debian/control's Build-Depends)"
  DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends "$src" >/dev/null
fi

say "dpkg-buildpackage -b -us -uc in $src"
(
  cd "$src"
  DEB_BUILD_OPTIONS="nocheck parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}"
  export DEB_BUILD_OPTIONS
  dpkg-buildpackage -b -us -uc
) >"$work/build.log" 2>&1 || {
  tail -n 60 "$work/build.log" >&2
  echo "build-deb: dpkg-buildpackage failed (the last 60 lines of its log are above)" >&2
  exit 1
}
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
compgen -G "$work/*.ddeb" >/dev/null && cp "$work"/*.ddeb "$out"/
say "built $(cd "$work" && ls *.deb | tr '\n' ' ')in $out"
