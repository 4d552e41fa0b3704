#!/usr/bin/env bash
# Installs what is missing, builds, and runs the server on its defaults
# (http://localhost:8080). Extra arguments go to the server, e.g.
#   scripts/serve.sh --port=9000 --config=/etc/plenum.ini
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# The watch page's hls.js (web/package.json): fetched when missing, or when
# the lock file changed since the last fetch.
if [[ ! web/node_modules/.package-lock.json -nt web/package-lock.json ]]; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
[[ -f build/build.ninja ]] || meson setup build -Dtests=disabled
ninja -C build mcu/daemon/plenum
exec ./build/mcu/daemon/plenum "$@"
