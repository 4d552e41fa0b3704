#!/usr/bin/env bash
# Installs what Plenum needs from Debian 12's archive. Idempotent: only
# missing packages are installed (apt-get needs root; sudo is used if
# present and we are not root).
#   scripts/setup.sh          build and run the server
#   scripts/setup.sh --tests  also what the tests need
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libnice-dev libpoco-dev libssl-dev
  # media path at run time: webrtcbin (bad), ICE (nice), VP8/Opus (good/base),
  # H.264 decoding through FFmpeg (libav), name tiles (pango, in base)
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-nice gstreamer1.0-libav gstreamer1.0-tools
)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(
    libgtest-dev
    gstreamer1.0-plugins-ugly  # x264enc, for the H.264 test sender
    chromium                   # the browser test
    python3                    # the test summary
    iproute2                   # scripts/isolated-net.sh
    janus                      # the benchmark's peer (bench-smoke-janus)
  )
  # Node.js may come from elsewhere (a nodesource nodejs bundles npm and
  # conflicts with Debian's npm package): only install it when missing.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  as_root=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
