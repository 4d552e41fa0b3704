#!/usr/bin/env bash
# Runs the whole benchmark: builds what it needs, measures plenum (both room
# engines) and Janus AudioBridge side by side, writes bench/results/RESULTS.md
# and PNG plots.
#
#   bench/run.sh            full run: 60 s per room size, everyone talking; audio N=8,16,32,64,100
#                           for plenum webrtcbin, plenum native and Janus; 9-camera video N=9,16,32
#                           for both plenum engines; then the default engine's series below
#   bench/run.sh --quick    10 s per size, audio N=2,4,8, video N=9
#   options: --duration=S --audio-sizes=2,4 --video-sizes=9 --engines=webrtcbin,native
#            --silent-share=0 (share of bots besides the marker that send silence) --no-audio-levels
#            --audio-decoders=32 (bots that decode audio, spread over the join order; the rest count packets)
#            --no-janus --no-video --no-fix-series --no-record-series --no-broadcast-series
#            --broadcast-audio-size=8 --server-core=0 --bot-core=1 (or 1,2: bots on two cores) --build-dir=DIR
#            --results-dir=DIR (default bench/results: where raw-STAMP.jsonl, RESULTS.md and plots go)
#            --keep-work (keep the servers' logs in /tmp/plenum-bench.*; removed otherwise)
#            --webrtcbin-bin=PATH (a plenum that still has --media-engine=webrtcbin, for the
#            webrtcbin rows once the built one has only its native engine)
#   Each plenum server is pinned to the server core; the native engine runs with
#   --media-threads=1 there. The fix, record and broadcast series run the server's
#   default engine (webrtcbin while it has both: recording and broadcast were not on
#   the native one yet; native once it is the only one). The broadcast
#   series measures an audio room (N=--broadcast-audio-size) and the first video size
#   without a broadcast, with one RTMP broadcast, with one HLS one.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build-bench"
results="$here/results"
duration=60
audio_sizes="8,16,32,64,100"
video_sizes="9,16,32"
engines="webrtcbin,native"
silent_share=0
audio_levels=1
audio_decoders=32
keep_work=0
webrtcbin_bin=""
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
    --engines=*) engines="${arg#*=}" ;;
    --silent-share=*) silent_share="${arg#*=}" ;;
    --no-audio-levels) audio_levels=0 ;;
    --audio-decoders=*) audio_decoders="${arg#*=}" ;;
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
    --results-dir=*) results="${arg#*=}" ;;
    --keep-work) keep_work=1 ;;
    --webrtcbin-bin=*) webrtcbin_bin="${arg#*=}" ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
IFS=, read -r -a engine_list <<< "$engines"
for e in "${engine_list[@]}"; do
  case "$e" in
    webrtcbin|native) ;;
    *) echo "run.sh: --engines takes webrtcbin and/or native, not '$e'" >&2; exit 2 ;;
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

# Which server runs which engine. A plenum that lists --media-engine runs
# both (webrtcbin by default); one that does not has only its native engine,
# and the webrtcbin rows need --webrtcbin-bin (a build of an older commit).
offers_engines() { "$1" --help 2>&1 | grep -q -- '--media-engine'; }
if offers_engines "$plenum"; then default_engine=webrtcbin; else default_engine=native; fi
if [ -z "$webrtcbin_bin" ] && [ "$default_engine" = webrtcbin ]; then webrtcbin_bin="$plenum"; fi
if [ -n "$webrtcbin_bin" ] && ! offers_engines "$webrtcbin_bin"; then
  echo "run.sh: $webrtcbin_bin has no --media-engine, so no webrtcbin engine" >&2; exit 2
fi
kept=()
for e in "${engine_list[@]}"; do
  if [ "$e" = webrtcbin ] && [ -z "$webrtcbin_bin" ]; then
    echo "run.sh: $plenum has only its native engine; no webrtcbin rows (give --webrtcbin-bin=PATH for them)" >&2
  else
    kept+=("$e")
  fi
done
engine_list=("${kept[@]}")

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
  if [ "$keep_work" = 1 ]; then echo "run.sh: servers' logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "{\"meta\":true,\"stamp\":\"$stamp\",\"cores\":$(nproc),\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\","
  echo "\"loadBefore\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"serverCore\":$server_core,\"botCore\":\"$bot_core\",\"duration\":$duration,"
  echo "\"silentShare\":$silent_share,\"audioLevels\":$([ "$audio_levels" = 1 ] && echo true || echo false),\"engines\":\"$engines\","
  echo "\"commit\":\"$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)\"}"
} | tr -d '\n' > "$raw"
echo >> "$raw"

common_args=(--silent-share="$silent_share" --audio-decoders="$audio_decoders")
[ "$audio_levels" = 1 ] || common_args+=(--no-audio-levels)
run() {
  echo "run.sh: plenum-bench $*"
  # In a network namespace of its own: Janus's ICE needs a non-loopback
  # address, and there it is a private one that reaches nothing else.
  "$root/scripts/isolated-net.sh" "$bench" --json="$raw" --work-dir="$work" --duration="$duration" --server-core="$server_core" \
    --bot-core="$bot_core" "${common_args[@]}" "$@" &
  child=$!
  wait "$child" || echo "run.sh: plenum-bench $* reported a failure (see $raw)"
  child=""
}

# A plenum server with room engine $1; the native one gets one media thread,
# as its server is pinned to one core (its default is one per core of the
# machine, whatever the affinity).
plenum_engine() {
  local e="$1"; shift
  if [ "$e" = webrtcbin ]; then
    run --target=plenum --plenum-bin="$webrtcbin_bin" --server-arg=--media-engine=webrtcbin "$@"
  elif [ "$default_engine" = webrtcbin ]; then
    run --target=plenum --plenum-bin="$plenum" --server-arg=--media-engine=native --server-arg=--media-threads=1 "$@"
  else
    run --target=plenum --plenum-bin="$plenum" --server-arg=--media-threads=1 "$@"
  fi
}

run --target=loopback --video
# Each size for every engine and Janus in a row, so that whatever else the
# machine does drifts over all of them alike.
IFS=, read -r -a sizes <<< "$audio_sizes"
for n in "${sizes[@]}"; do
  for e in "${engine_list[@]}"; do
    plenum_engine "$e" --sizes="$n"
  done
  if [ "$janus" = 1 ]; then run --target=janus --sizes="$n"; fi
done
# 9 cameras, every participant receiving the composite (Janus AudioBridge has no video).
if [ "$video" = 1 ]; then
  IFS=, read -r -a vsizes <<< "$video_sizes"
  for n in "${vsizes[@]}"; do
    for e in "${engine_list[@]}"; do
      plenum_engine "$e" --video --cameras=9 --sizes="$n"
    done
  done
fi
# The same server with one VP8 encoder thread (see README: the default two
# spin-wait on each other), for the sizes where it matters.
if [ "$fix_series" = 1 ]; then
  plenum_engine "$default_engine" --server-arg=--encoder-threads=1 --sizes="$fix_audio_size"
  if [ "$video" = 1 ]; then
    for n in "${vsizes[@]}"; do
      plenum_engine "$default_engine" --server-arg=--encoder-threads=1 --video --cameras=9 --sizes="$n"
    done
  fi
fi
# The same rooms recorded (recording-auto: the room's mix encoded once more
# and the composite and every participant's streams written to disk), for
# what recording costs.
if [ "$record_series" = 1 ]; then
  plenum_engine "$default_engine" --server-arg=--recording-auto=true --sizes="$fix_audio_size"
  if [ "$video" = 1 ]; then
    plenum_engine "$default_engine" --server-arg=--recording-auto=true --video --cameras=9 --sizes="${vsizes[0]}"
  fi
fi
# What one broadcast adds (issue 9): each room three times in a row, a fresh
# server each time, without a broadcast, with RTMP to a local nginx, with
# HLS; the viewers in the bench time the marker through the broadcast.
if [ "$broadcast_series" = 1 ]; then
  for b in none rtmp hls; do
    plenum_engine "$default_engine" --broadcast="$b" --sizes="$broadcast_audio_size"
  done
  if [ "$video" = 1 ]; then
    for b in none rtmp hls; do
      plenum_engine "$default_engine" --broadcast="$b" --video --cameras=9 --sizes="${vsizes[0]}"
    done
  fi
fi
echo "{\"meta\":true,\"loadAfter\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$raw"

python3 "$here/report.py" "$raw" "$results"
echo "run.sh: wrote $results/RESULTS.md"
