#!/usr/bin/env bash
# Installs what Plenum needs from Debian 12's archive. Idempotent: only
# missing packages are installed (apt-get needs root; sudo is used if
# present and we are not root).
#   scripts/setup.sh          build and run the server
#   scripts/setup.sh --tests  also what the tests need
# The GStreamer elements' packages come from scripts/gstreamer-elements.tsv;
# a new machine is proven by scripts/fresh-root.sh (see the README).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

with_tests=0
if [[ "${1:-}" == "--tests" ]]; then
  with_tests=1
fi

# The packages of the elements the server (and, with --tests, the test
# clients) create.
element_packages() {
  awk -F'\t' -v tests="$with_tests" '
    /^#/ || NF < 3 { next }
    $3 == "server" || (tests && $3 == "tests") { print $2 }
  ' "$here/gstreamer-elements.tsv" | sort -u
}
mapfile -t packages < <(element_packages)

packages+=(
  # build
  g++ meson ninja-build pkg-config
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libnice-dev libpoco-dev libssl-dev
  libsrtp2-dev libopus-dev  # transport/ (SRTP) and the audio engine (Opus) use them directly
  libjson-glib-dev  # the archives' JSON (recorder/ never sees Poco)
  libsystemd-dev  # logs to journald with structured fields, sd_notify readiness and watchdog
  gstreamer1.0-tools  # gst-inspect-1.0, for an administrator looking into media
  ca-certificates  # npm's downloads (web/'s hls.js, the browser tests' packages)
)
# npm ci fetches the watch page's hls.js into web/node_modules (serve.sh).
# Node.js may come from elsewhere (a nodesource nodejs bundles npm and
# conflicts with Debian's npm package): only install it when missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
if ((with_tests)); then
  packages+=(
    libgtest-dev
    chromium   # the browser tests
    firefox-esr  # the browser tests' second, independent WebRTC stack (WebDriver BiDi)
    python3    # the test summary
    iproute2   # scripts/isolated-net.sh and the cross-address browser test
    iptables   # e2e-impairment hands one participant's packets to the test (NFQUEUE): this kernel has no netem
    libnetfilter-queue-dev  # and takes them from the queue with libnetfilter_queue (tests/e2e/support/PacketImpairer)
    janus      # the benchmark's peer (bench-smoke-janus)
    clang libclang-rt-14-dev  # the fuzz targets: libFuzzer and the sanitizers' runtimes
    ffmpeg     # ffprobe and ffmpeg check what recordings and broadcasts wrote (also the SRT listener)
    nginx-light libnginx-mod-rtmp  # the RTMP server broadcasts go to (e2e-broadcast starts its own)
    coturn     # the TURN server of e2e-nat (it starts its own turnserver) and packaging/coturn's example
    systemd    # e2e-journal runs its own systemd-journald and reads it back with journalctl
    prometheus # its promtool checks the /metrics scrape (e2e-metrics); the service itself is not used
  )
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
# The tests start nginx themselves, on a port of their own; the package's
# own service (a default site on port 80) is not wanted on this machine.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && [[ -d /run/systemd/system ]]; then
  "${as_root[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
fi
# Likewise coturn's (a TURN server on every address, port 3478).
if [[ " ${missing[*]} " == *" coturn "* ]] && [[ -d /run/systemd/system ]]; then
  "${as_root[@]}" systemctl disable --now coturn >/dev/null 2>&1 || true
fi
# Likewise prometheus: the tests need only its promtool, not a server on 9090.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [[ -d /run/systemd/system ]]; then
  "${as_root[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
