#!/usr/bin/env bash
# Runs the whole benchmark: builds what it needs, measures plenum and Janus
# AudioBridge side by side, writes bench/results/RESULTS.md and PNG plots.
#
#   bench/run.sh            full run: 60 s per room size, audio N=2..64, video N=9,16,32
#   bench/run.sh --quick    10 s per size, audio N=2,4,8, video N=9
#   options: --duration=S --audio-sizes=2,4 --video-sizes=9 --no-janus --no-video --no-fix-series
#            --no-record-series --no-broadcast-series --broadcast-audio-size=8
#            --server-core=0 --bot-core=1 --build-dir=DIR
#   The broadcast series measures an audio room (N=--broadcast-audio-size) and the
#   first video size without a broadcast, with one RTMP broadcast, with one HLS one.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build-bench"
duration=60
audio_sizes="2,4,8,16,32,64"
video_sizes="9,16,32"
janus=1
video=1
server_core=0
bot_core=1
fix_series=1
record_series=1
broadcast_series=1
broadcast_audio_size=8
fix_audio_size=32
for arg in "$@"; do
  case "$arg" in
    --quick) duration=10; audio_sizes="2,4,8"; video_sizes="9"; fix_audio_size=8 ;;
    --no-fix-series) fix_series=0 ;;
    --no-record-series) record_series=0 ;;
    --no-broadcast-series) broadcast_series=0 ;;
    --broadcast-audio-size=*) broadcast_audio_size="${arg#*=}" ;;
    --duration=*) duration="${arg#*=}" ;;
    --audio-sizes=*) audio_sizes="${arg#*=}" ;;
    --video-sizes=*) video_sizes="${arg#*=}" ;;
    --no-janus) janus=0 ;;
    --no-video) video=0 ;;
    --server-core=*) server_core="${arg#*=}" ;;
    --bot-core=*) bot_core="${arg#*=}" ;;
    --build-dir=*) build="${arg#*=}" ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# Debian packages: the peer, the plotter, the profiler (used by hand, see README).
missing=()
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
[ -x /usr/bin/janus ] || [ "$janus" = 0 ] || missing+=(janus)
# The broadcast series' RTMP server (what scripts/setup.sh --tests installs).
if [ "$broadcast_series" = 1 ]; then
  [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get install -y "${missing[@]}"; else sudo apt-get install -y "${missing[@]}"; fi
fi

# Build the server and the bench binary in our own build directory.
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" -Dbrowser=disabled
fi
ninja -C "$build" -j2 mcu/daemon/plenum
plenum="$build/mcu/daemon/plenum"
bench="$build/bench/plenum-bench"
ninja -C "$build" -j2 bench/plenum-bench

results="$here/results"
mkdir -p "$results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw="$results/raw-$stamp.jsonl"
work="$(mktemp -d /tmp/plenum-bench.XXXXXX)"
child=""
cleanup() {
  # The bench binary stops its servers itself (and they die with it).
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -INT "$child" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$child" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "{\"meta\":true,\"stamp\":\"$stamp\",\"cores\":$(nproc),\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\","
  echo "\"loadBefore\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"serverCore\":$server_core,\"botCore\":$bot_core,\"duration\":$duration,"
  echo "\"commit\":\"$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)\"}"
} | tr -d '\n' > "$raw"
echo >> "$raw"

run() {
  echo "run.sh: plenum-bench $*"
  # In a network namespace of its own: Janus's ICE needs a non-loopback
  # address, and there it is a private one that reaches nothing else.
  "$root/scripts/isolated-net.sh" "$bench" --json="$raw" --work-dir="$work" --duration="$duration" --server-core="$server_core" --bot-core="$bot_core" "$@" &
  child=$!
  wait "$child" || echo "run.sh: plenum-bench $* reported a failure (see $raw)"
  child=""
}

run --target=loopback --video
IFS=, read -r -a sizes <<< "$audio_sizes"
for n in "${sizes[@]}"; do
  run --target=plenum --plenum-bin="$plenum" --sizes="$n"
  [ "$janus" = 1 ] && run --target=janus --sizes="$n"
done
if [ "$video" = 1 ]; then
  IFS=, read -r -a vsizes <<< "$video_sizes"
  for n in "${vsizes[@]}"; do
    run --target=plenum --plenum-bin="$plenum" --video --cameras=9 --sizes="$n"
  done
fi
# The same server with one VP8 encoder thread (see README: the default two
# spin-wait on each other), for the sizes where it matters.
if [ "$fix_series" = 1 ]; then
  run --target=plenum --plenum-bin="$plenum" --server-arg=--encoder-threads=1 --sizes="$fix_audio_size"
  if [ "$video" = 1 ]; then
    for n in "${vsizes[@]}"; do
      run --target=plenum --plenum-bin="$plenum" --server-arg=--encoder-threads=1 --video --cameras=9 --sizes="$n"
    done
  fi
fi
# The same rooms recorded (recording-auto: the room's mix encoded once more
# and the composite and every participant's streams written to disk), for
# what recording costs.
if [ "$record_series" = 1 ]; then
  run --target=plenum --plenum-bin="$plenum" --server-arg=--recording-auto=true --sizes="$fix_audio_size"
  if [ "$video" = 1 ]; then
    run --target=plenum --plenum-bin="$plenum" --server-arg=--recording-auto=true --video --cameras=9 --sizes="${vsizes[0]}"
  fi
fi
# What one broadcast adds (issue 9): each room three times in a row, a fresh
# server each time, without a broadcast, with RTMP to a local nginx, with
# HLS; the viewers in the bench time the marker through the broadcast.
if [ "$broadcast_series" = 1 ]; then
  for b in none rtmp hls; do
    run --target=plenum --plenum-bin="$plenum" --broadcast="$b" --sizes="$broadcast_audio_size"
  done
  if [ "$video" = 1 ]; then
    for b in none rtmp hls; do
      run --target=plenum --plenum-bin="$plenum" --broadcast="$b" --video --cameras=9 --sizes="${vsizes[0]}"
    done
  fi
fi
echo "{\"meta\":true,\"loadAfter\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$raw"

python3 "$here/report.py" "$raw" "$results"
echo "run.sh: wrote $results/RESULTS.md"
