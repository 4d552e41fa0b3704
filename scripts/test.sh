#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, element,
# end-to-end (real WebRTC clients against a real server), browser
# (headless Chromium), benchmark smoke runs, and the fuzz targets (clang,
# in build-fuzz). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --tests
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
npm ci --prefix web --no-audit --no-fund --loglevel=error  # hls.js, for the watch page

build=build-tests
if [[ -f "$build/build.ninja" ]]; then
  meson setup --reconfigure "$build" -Dtests=enabled -De2e=enabled -Dbrowser=enabled >/dev/null
else
  meson setup "$build" -Dtests=enabled -De2e=enabled -Dbrowser=enabled >/dev/null
fi
ninja -C "$build"

# The tests' own waits stretch with the machine's load (1 to 4 times); so
# do meson's per-test limits around them.
load_factor=$(awk -v cores="$(nproc)" '{ f = int($1 / cores + 0.999); print (f < 1 ? 1 : (f > 4 ? 4 : f)) }' /proc/loadavg)

status=0
# Every test runs in a network namespace of its own: what the servers and
# clients under test send cannot leave this machine's loopback.
bash scripts/isolated-net.sh meson test -C "$build" --print-errorlogs --timeout-multiplier "$load_factor" || status=$?

# The fuzz targets need clang and the sanitizers, so they have a build of
# their own; each runs for fuzz_seconds (30) from its seeds in tests/fuzz.
fuzz=build-fuzz
fuzz_options=(-Dfuzzing=enabled -Dtests=disabled -De2e=disabled -Dbrowser=disabled
              -Db_sanitize=address,undefined -Db_lundef=false)
if [[ -f "$fuzz/build.ninja" ]]; then
  meson setup --reconfigure "$fuzz" "${fuzz_options[@]}" >/dev/null
else
  CC=clang CXX=clang++ meson setup "$fuzz" "${fuzz_options[@]}" >/dev/null
fi
ninja -C "$fuzz" fuzzers
meson test -C "$fuzz" --no-rebuild --suite fuzz --print-errorlogs --timeout-multiplier "$load_factor" || status=$?

python3 - "$build/meson-logs/testlog.json" "$fuzz/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path) as log:
        for line in log:
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit "$status"
