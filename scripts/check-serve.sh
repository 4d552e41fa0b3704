#!/usr/bin/env bash
# Checks the README's serve command as a new user meets it: runs
# `bash scripts/serve.sh` (set-up, build, server on its defaults) until
# http://127.0.0.1:8080/healthz and https://127.0.0.1:8443/healthz both
# answer, then stops the server with SIGTERM and expects a clean exit.
# CI runs it on a fresh root (scripts/fresh-root.sh).
#   scripts/check-serve.sh [SERVE-ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Set-up and a first build on a slow machine take minutes; the server then
# answers within seconds.
readonly deadline=$((SECONDS + ${PLENUM_SERVE_CHECK_TIMEOUT:-1800}))
readonly stop_grace=15

for port in 8080 8443; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "check-serve: port $port is already in use on this machine; stop what holds it" >&2
    exit 1
  fi
done

output=$(mktemp)
setsid bash scripts/serve.sh "$@" >"$output" 2>&1 &
serve=$!
finish() {
  local status=$?
  if kill -0 "$serve" 2>/dev/null; then kill -KILL -- "-$serve" 2>/dev/null || true; fi
  if ((status != 0)); then
    echo "--- serve.sh output (tail) ---" >&2
    tail -n 40 "$output" >&2
  fi
  rm -f "$output"
}
trap finish EXIT

# One answer from GET URL/healthz, or nothing. Plain HTTP through bash's
# /dev/tcp; HTTPS through Python (meson, which set-up installs, brings it),
# without checking the self-signed certificate.
healthz() {
  local scheme=$1 port=$2
  if [[ $scheme == http ]]; then
    (
      exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
      printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
      timeout 5 cat <&3
    ) 2>/dev/null | tr -d '\r' | tail -n 1
  else
    python3 - "$port" 2>/dev/null <<'PY' || true
import ssl, sys, urllib.request
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with urllib.request.urlopen(f"https://127.0.0.1:{sys.argv[1]}/healthz", context=context, timeout=5) as reply:
    print(reply.read().decode().strip())
PY
  fi
}

while :; do
  if ! kill -0 "$serve" 2>/dev/null; then
    wait "$serve" && status=0 || status=$?
    echo "check-serve: serve.sh exited (status $status) before the server answered" >&2
    exit 1
  fi
  if [[ $(healthz http 8080) == ok && $(healthz https 8443) == ok ]]; then
    break
  fi
  if ((SECONDS >= deadline)); then
    echo "check-serve: no answer from /healthz on ports 8080 and 8443 in time" >&2
    exit 1
  fi
  sleep 1
done
grep '^plenum: ' "$output" || true
echo "check-serve: /healthz answers ok over http (8080) and https (8443)"

# The watch page's player comes from npm (serve.sh runs npm ci in web/).
player=$(
  exec 3<>/dev/tcp/127.0.0.1/8080
  printf 'HEAD /node_modules/hls.js/dist/hls.min.js HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  timeout 5 cat <&3 | tr -d '\r'
) || true
if ! grep -q '^HTTP/1\.[01] 200' <<<"$player" || ! grep -qi '^content-type: text/javascript' <<<"$player"; then
  echo "check-serve: the watch page's hls.js is not served as JavaScript:" >&2
  echo "$player" >&2
  exit 1
fi
echo "check-serve: the watch page's hls.js is served"

# serve.sh exec'd the server, so $serve is the server now.
kill -TERM "$serve"
for ((i = 0; i < stop_grace * 10; i++)); do
  kill -0 "$serve" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$serve" 2>/dev/null; then
  echo "check-serve: the server still ran ${stop_grace} s after SIGTERM" >&2
  exit 1
fi
wait "$serve" && status=0 || status=$?
if ((status != 0)); then
  echo "check-serve: the server exited with status $status on SIGTERM" >&2
  exit 1
fi
echo "check-serve: the server stopped cleanly on SIGTERM"
