#!/usr/bin/env bash
# Installs what is missing, builds, and runs the server on its defaults
# (http://localhost:8080). Extra arguments go to the server, e.g.
#   scripts/serve.sh --port=9000 --config=/etc/plenum.ini
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
[[ -f build/build.ninja ]] || meson setup build -Dtests=disabled
ninja -C build mcu/daemon/plenum
exec ./build/mcu/daemon/plenum "$@"
